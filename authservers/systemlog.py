"""The one writer of System Log events, used by every feature.

Events are queued in memory and written in batches by a background thread, so a token request
never waits for the database (`CASTELLAN_SYSTEM_LOG_WRITER=batched`, the default). `inline` writes
at once in the caller's transaction; the test settings use it so tests see their events.
"""

import atexit
import json
import logging
import os
import queue
import random
import threading
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

log = logging.getLogger(__name__)

_queue: "queue.SimpleQueue[dict]" = queue.SimpleQueue()
_writer = {"pid": None}
_writer_lock = threading.Lock()
_flush_lock = threading.Lock()
_pending = threading.Event()
MAX_BATCH = 500
_random = random.Random()
_dumps = json.JSONEncoder(separators=(",", ":"), default=str).encode


def actor_for_client(client_id: str, label: str = "") -> dict:
    return {"id": client_id, "type": "PublicClientApp", "alternateId": client_id, "displayName": label}


def actor_for_user(user) -> dict:
    return {"id": user.pk, "type": "User", "alternateId": user.login, "displayName": user.display_name}


def system_actor(name: str = "Castellan") -> dict:
    return {"id": "system", "type": "SystemPrincipal", "alternateId": "system@castellan", "displayName": name}


def target(obj_id: str, obj_type: str, display_name: str = "", alternate_id: str = "") -> dict:
    return {"id": obj_id, "type": obj_type, "alternateId": alternate_id or obj_id, "displayName": display_name}


def emit(event_type: str, *, actor: dict, targets: list[dict] | None = None, result: str = "SUCCESS",
         reason: str = "", message: str = "", severity: str = "INFO", client: dict | None = None,
         debug: dict | None = None, request_ip: str | None = None) -> None:
    """Record one event. Never raises into the caller and never blocks on the database (batched mode)."""
    event = (event_type, severity, message, actor, client or ({"ipAddress": request_ip} if request_ip else {}),
             targets or [], result, reason, debug or {})
    _enqueue(time.time(), None, event)


def emit_deferred(build, *args) -> None:
    """Record the event `build(*args)` returns, built by the writer: for the token endpoint's hot path.

    `build` returns `emit`'s fields as a tuple (event_type, severity, message, actor, client, targets,
    result, reason, debug); the caller pays only for a queue put.
    """
    _enqueue(time.time(), build, args)


def _enqueue(published: float, build, payload) -> None:
    if settings.CASTELLAN_SYSTEM_LOG_WRITER == "inline":
        _write([(published, build, payload)])
        return
    _ensure_writer()
    if connection.in_atomic_block:
        # Inside a transaction the event is queued when it commits: a rolled-back change leaves no trace.
        transaction.on_commit(lambda: _put((published, build, payload)))
    else:
        _put((published, build, payload))


def _put(item: tuple) -> None:
    _queue.put(item)
    _pending.set()


def flush() -> None:
    """Write everything queued so far (the writer thread, shutdown and tests all come here)."""
    with _flush_lock:
        while True:
            batch = _drain()
            if not batch:
                return
            _write_with_retries(batch)


def _write_with_retries(batch: list[tuple]) -> None:
    for attempt in range(3):
        if _write(batch):
            return
        connection.close()  # a broken session is replaced on the next attempt
        time.sleep(0.5 * (attempt + 1))
    log.error("Dropped %d System Log events after 3 failed writes", len(batch))


def _drain() -> list[tuple]:
    batch = []
    while len(batch) < MAX_BATCH:
        try:
            batch.append(_queue.get_nowait())
        except queue.Empty:
            break
    return batch


_COLUMNS = ("uuid", "published", "event_type", "version", "severity", "display_message", "actor", "client",
            "target", "outcome_result", "outcome_reason", "authentication_context", "security_context",
            "debug_context", "transaction", "request")


_EMPTY_JSON = "{}"


def _row(queued: tuple) -> tuple:
    """One COPY row. JSON columns go as text, which COPY parses into jsonb: cheaper than adapters."""
    published, build, payload = queued
    event = build(*payload) if build is not None else payload
    event_type, severity, message, actor, client, targets, result, reason, debug = event
    # Log ids need uniqueness, not secrecy: a PRNG uuid4 spares the request path an os.urandom call.
    return (uuid.UUID(int=_random.getrandbits(128), version=4),
            datetime.fromtimestamp(published, UTC), event_type, "0", severity, message[:512],
            _dumps(actor), _dumps(client), _dumps(targets), result, reason[:255], _EMPTY_JSON, _EMPTY_JSON,
            _dumps({"debugData": debug}), _EMPTY_JSON, _EMPTY_JSON)


def _write(batch: list[tuple]) -> bool:
    """COPY the batch into the System Log table: several times cheaper than ORM inserts."""
    from .models import LogEvent

    sql = f"COPY {LogEvent._meta.db_table} ({', '.join(_COLUMNS)}) FROM STDIN"
    try:
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for event in batch:
                copy.write_row(_row(event))
        return True
    except Exception:
        log.exception("Could not write %d System Log events", len(batch))
        return False


def _ensure_writer() -> None:
    if _writer["pid"] == os.getpid():
        return
    with _writer_lock:
        if _writer["pid"] == os.getpid():
            return
        _writer["pid"] = os.getpid()
        _random.seed()  # forked workers must not share the id generator's state
        threading.Thread(target=_write_forever, name="castellan-systemlog", daemon=True).start()
        atexit.register(flush)


def _write_forever() -> None:
    interval = settings.CASTELLAN_SYSTEM_LOG_FLUSH_SECONDS
    while True:
        _pending.wait()  # until something is queued
        time.sleep(interval)  # let a batch accumulate
        _pending.clear()
        flush()
        if _queue.empty():
            connection.close()  # an idle writer holds no database session
