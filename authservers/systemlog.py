"""The one writer of System Log events, used by every feature.

Events are queued in memory and written in batches by a background thread, so a token request
never waits for the database (`CASTELLAN_SYSTEM_LOG_WRITER=batched`, the default). `inline` writes
at once in the caller's transaction; the test settings use it so tests see their events.
"""

import atexit
import logging
import os
import queue
import threading
import uuid
from datetime import datetime, timezone

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

_queue: "queue.SimpleQueue[dict]" = queue.SimpleQueue()
_writer = {"pid": None}
_writer_lock = threading.Lock()
MAX_BATCH = 500


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
    event = {
        "uuid": uuid.uuid4(),
        "published": datetime.now(timezone.utc),
        "event_type": event_type,
        "severity": severity,
        "display_message": message[:512],
        "actor": actor,
        "client": client or ({"ipAddress": request_ip} if request_ip else {}),
        "target": targets or [],
        "outcome_result": result,
        "outcome_reason": reason[:255],
        "debug_context": {"debugData": debug or {}},
    }
    if settings.CASTELLAN_SYSTEM_LOG_WRITER == "inline":
        _write([event])
        return
    _ensure_writer()
    _queue.put(event)


def flush(timeout: float = 5.0) -> None:
    """Write everything queued so far (for shutdown and tests)."""
    batch = _drain()
    if batch:
        _write(batch)


def _drain() -> list[dict]:
    batch = []
    while len(batch) < MAX_BATCH:
        try:
            batch.append(_queue.get_nowait())
        except queue.Empty:
            break
    return batch


def _write(batch: list[dict]) -> None:
    from .models import LogEvent

    try:
        LogEvent.objects.bulk_create([LogEvent(**event) for event in batch])
    except Exception:  # noqa: BLE001 - losing audit events is logged, never raised into a request
        log.exception("Could not write %d System Log events", len(batch))


def _ensure_writer() -> None:
    if _writer["pid"] == os.getpid():
        return
    with _writer_lock:
        if _writer["pid"] == os.getpid():
            return
        _writer["pid"] = os.getpid()
        threading.Thread(target=_write_forever, name="castellan-systemlog", daemon=True).start()
        atexit.register(flush)


def _write_forever() -> None:
    interval = settings.CASTELLAN_SYSTEM_LOG_FLUSH_SECONDS
    while True:
        first = _queue.get()  # block until there is something to write
        threading.Event().wait(interval)  # let a batch accumulate
        batch = [first, *_drain()]
        _write(batch)
        if _queue.empty():
            connection.close()  # an idle writer holds no database session
