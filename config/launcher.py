"""Start everything `make run` needs: `python -m config.launcher`.

1. write `.env` with fresh secrets if it is missing (config.dotenv);
2. pick the database: DATABASE_URL, else the embedded PostgreSQL in .castellan/pgdata;
3. migrate, collectstatic, bootstrap (prints the admin password once, when it creates the admin);
4. a Celery worker with embedded beat, in the background;
5. granian serving config.wsgi and staticfiles/ at /static, in the foreground.

Ctrl-C, SIGTERM or SIGHUP stops granian and then the worker (warm shutdown, killed after a
grace period). Running it again reuses .env, the database and the broker folders.

HOST and PORT choose the address. GRANIAN_WORKERS and GRANIAN_BLOCKING_THREADS, when set, replace
the defaults below; any other GRANIAN_* variable is read by granian itself.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = BASE_DIR / ".castellan"
BROKER_DIRS = (STATE_DIR / "broker" / "queue", STATE_DIR / "broker" / "processed")
BEAT_SCHEDULE = STATE_DIR / "celerybeat-schedule"

# Django views are synchronous; each blocking thread serves one request and may hold one
# database connection. 2 x cores + 1 (granian warns above that), at most 8: 5 on 2 cores.
DEFAULT_WORKERS = "1"
DEFAULT_BLOCKING_THREADS = str(min(8, 2 * (os.cpu_count() or 1) + 1))
STARTUP_TIMEOUT = 60.0
SHUTDOWN_GRACE = 15.0


def main() -> int:
    os.chdir(BASE_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

    from config.dotenv import ensure_dotenv

    ensure_dotenv(BASE_DIR)
    _load_dotenv()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    if not _port_free(host, port):
        _warn(f"{host}:{port} is already in use (another `make run`?). Stop it or set PORT=....")
        return 1

    database = _resolve_database()
    from django.core.management import CommandError

    try:
        _prepare_django()
    except CommandError as exc:
        _warn(f"Start-up stopped: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    from django.conf import settings

    for folder in BROKER_DIRS:
        folder.mkdir(parents=True, exist_ok=True)

    children = Children()
    children.install_signal_handlers()
    worker = [sys.executable, "-m", "celery", "-A", "config", "--quiet", "worker", "-B", "--loglevel=INFO"]
    worker += ["--concurrency=1", "-s", str(BEAT_SCHEDULE)]
    server = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port)]
    server += ["--workers", os.environ.get("GRANIAN_WORKERS", DEFAULT_WORKERS)]
    server += ["--blocking-threads", os.environ.get("GRANIAN_BLOCKING_THREADS", DEFAULT_BLOCKING_THREADS)]
    server += ["--static-path-route", settings.STATIC_URL.rstrip("/")]
    server += ["--static-path-mount", str(settings.STATIC_ROOT)]
    server += ["config.wsgi:application"]
    children.worker = _spawn(worker)
    children.server = _spawn(server)
    if children.wait_until_listening(host, port):
        _banner(settings.CASTELLAN_BASE_URL, database)
    return children.supervise()


def _load_dotenv() -> None:
    """Put .env into os.environ (variables already set win), so children see the same values."""
    import environ

    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _resolve_database() -> str:
    """Export DATABASE_URL for the children; start the embedded server when none is given."""
    if os.environ.get("DATABASE_URL"):
        from urllib.parse import urlsplit

        where = urlsplit(os.environ["DATABASE_URL"]).hostname or "local socket"
        return f"PostgreSQL at {where} (DATABASE_URL)"
    from config.embedded_postgres import database_url

    os.environ["DATABASE_URL"] = database_url(BASE_DIR)
    return f"embedded PostgreSQL in {STATE_DIR.relative_to(BASE_DIR) / 'pgdata'}"


def _prepare_django() -> None:
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    from config.startup import verify_runtime_configuration

    verify_runtime_configuration()  # a wrong key-encryption key stops here, before anything serves
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("bootstrap")
    connections.close_all()


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _connectable(host: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _spawn(argv: list[str]) -> subprocess.Popen:
    # Own session: a Ctrl-C in the terminal reaches only this launcher, which then stops the
    # server first and the worker second, each exactly once.
    # preexec_fn is safe here: the launcher runs no threads.
    return subprocess.Popen(
        argv,
        cwd=BASE_DIR,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGTERM to the child if this launcher is killed outright."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _banner(base_url: str, database: str) -> None:
    broker = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "files in .castellan/broker"
    lines = [
        "",
        "Castellan is running.",
        f"  Default issuer:  {base_url}/oauth2/default",
        f"  Discovery:       {base_url}/oauth2/default/.well-known/openid-configuration",
        f"  Admin console:   {base_url}/admin/",
        f"  Database:        {database}",
        f"  Task broker:     {broker}",
        "Press Ctrl-C to stop.",
        "",
    ]
    _say("\n".join(lines))


def _say(text: str) -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    print(f"!! {text}", file=sys.stderr, flush=True)


class Children:
    """The granian server and the Celery worker, and how they are stopped."""

    def __init__(self) -> None:
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.stop_requested: int | None = None

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        self.stop_requested = signum

    def wait_until_listening(self, host: str, port: int) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and self.stop_requested is None:
            if self.server.poll() is not None:
                return False
            try:
                with socket.create_connection((_connectable(host), port), 0.5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def supervise(self) -> int:
        """Wait for a stop signal or for granian to exit; then stop both. Returns the exit code."""
        worker_reported = False
        try:
            while self.stop_requested is None and self.server.poll() is None:
                if not worker_reported and self.worker.poll() is not None:
                    code = self.worker.returncode
                    _warn(f"The Celery worker exited (code {code}); scheduled tasks are not running.")
                    worker_reported = True
                time.sleep(0.2)
        finally:
            server_code = self.server.returncode
            self.shutdown()
        if self.stop_requested is not None:
            return 0
        _warn(f"granian exited with code {server_code}.")
        return server_code or 1

    def shutdown(self) -> None:
        for child, signum in ((self.server, signal.SIGINT), (self.worker, signal.SIGTERM)):
            if child is not None and child.poll() is None:
                child.send_signal(signum)
                try:
                    child.wait(SHUTDOWN_GRACE)
                except subprocess.TimeoutExpired:
                    _warn(f"pid {child.pid} did not stop within {SHUTDOWN_GRACE:.0f}s; killing it.")
            if child is not None:
                # Whatever the child left in its session (granian workers, the Celery pool and beat).
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                child.wait()


if __name__ == "__main__":
    sys.exit(main())
