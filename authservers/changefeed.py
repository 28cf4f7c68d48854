"""Keeps every process's configuration caches fresh: PostgreSQL LISTEN/NOTIFY as a change feed.

A write to a server, key, scope or client sends `NOTIFY castellan_config, '<kind>:<id>'` inside its
transaction (so it is delivered on commit, never for a rolled-back change). Each process runs one
daemon thread that LISTENs on its own connection and drops the matching cache entries. While that
listener is not connected, caches are not trusted (see `feed_is_live`), so a lost connection can
delay nothing but a cache hit.
"""

import logging
import os
import threading
import time

import psycopg
from django.db import connection

CHANNEL = "castellan_config"
log = logging.getLogger(__name__)

_subscribers: list = []
_state = {"pid": None, "live": False, "thread": None, "stopping": False}
_lock = threading.Lock()


def subscribe(callback) -> None:
    """`callback(kind, key)` runs in the listener thread for every change; key "*" means all."""
    _subscribers.append(callback)


def publish(kind: str, key: str) -> None:
    """Announce a change; delivered to every process (this one included) when the transaction commits."""
    _deliver(kind, key)  # this process at once, so the writer itself never reads stale config
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"{kind}:{key}"])


def feed_is_live() -> bool:
    """True while this process's listener is connected; starts it on first use in each process."""
    if _state["pid"] != os.getpid():
        _start()
    return _state["live"]


def stop(timeout: float = 3.0) -> None:
    """Stop this process's listener (tests do, before the test database is dropped)."""
    thread = _state["thread"]
    _state["stopping"] = True
    if thread is not None and _state["pid"] == os.getpid():
        thread.join(timeout)
    _state.update(pid=None, live=False, thread=None, stopping=False)
    _deliver("*", "*")


def _deliver(kind: str, key: str) -> None:
    for callback in _subscribers:
        callback(kind, key)


def _start() -> None:
    with _lock:
        if _state["pid"] == os.getpid():
            return
        _state.update(pid=os.getpid(), live=False)
        conninfo = _conninfo()
        thread = threading.Thread(target=_listen_forever, args=(conninfo,), name="castellan-changefeed",
                                  daemon=True)
        _state["thread"] = thread
        thread.start()
    # Give the listener a moment so the first requests can already use the cache.
    deadline = time.monotonic() + 2.0
    while not _state["live"] and time.monotonic() < deadline:
        time.sleep(0.005)


def _conninfo() -> str:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("server_side_binding", None)
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v not in (None, "")})


def _listen_forever(conninfo: str) -> None:
    backoff = 0.1
    while not _state["stopping"]:
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                _deliver("*", "*")  # anything may have changed while we were not listening
                _state["live"] = True
                backoff = 0.1
                while not _state["stopping"]:
                    for notify in conn.notifies(timeout=0.5):
                        kind, _, key = notify.payload.partition(":")
                        _deliver(kind, key)
        except Exception:
            log.warning("Configuration change feed disconnected; retrying", exc_info=True)
        _state["live"] = False
        _deliver("*", "*")
        if not _state["stopping"]:
            time.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
