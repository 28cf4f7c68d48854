"""Rotation across processes: racing workers, a rotation made by another process, and a real Celery
worker (and beat) on Redis."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from authservers import changefeed
from authservers.key_lifecycle import signing_keys_maintain
from authservers.models import KeyStatus, LogEvent, SigningKey
from authservers.selectors import server_snapshot

from .test_tasks import _redis_url

BASE_DIR = Path(__file__).resolve().parents[2]


def _make_due(server, period=timedelta(minutes=10)):
    """Move the server's last rotation (and its keys' publication) one period into the past."""
    past = timezone.now() - period - timedelta(seconds=1)
    type(server).objects.filter(pk=server.pk).update(last_rotated=past)
    SigningKey.objects.filter(server=server).update(created=past)
    SigningKey.objects.filter(server=server, status=KeyStatus.ACTIVE).update(activated=past)


def _active_kid(server):
    return SigningKey.objects.get(server=server, status=KeyStatus.ACTIVE).kid


def _poll(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _subprocess_env(**extra) -> dict:
    db = connection.settings_dict
    socket_dir = db.get("OPTIONS", {}).get("host")
    if not db["HOST"] and socket_dir:  # the embedded PostgreSQL listens on a unix socket only
        url = f"postgresql://{db['USER']}@/{db['NAME']}?host={socket_dir}"
    else:
        url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
               f"{db['PORT'] or 5432}/{db['NAME']}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url,
           "CASTELLAN_SYSTEM_LOG_WRITER": "inline", **extra}
    return env


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_a_due_server_rotate_it_once(authserver, settings):
    settings.CASTELLAN_KEY_ROTATION_PERIOD = timedelta(minutes=10)
    _make_due(authserver)
    before = _active_kid(authserver)
    now = timezone.now()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append([action.kind for action in signing_keys_maintain(server_id="default", now=now)])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert sorted(results) == [[], ["promote", "create_next"]]
    statuses = sorted(SigningKey.objects.filter(server=authserver).values_list("status", flat=True))
    assert statuses == ["ACTIVE", "EXPIRED", "NEXT"]
    assert _active_kid(authserver) != before
    assert LogEvent.objects.filter(event_type="app.oauth2.as.key.rollover",
                                   debug_context__debugData__trigger="AUTO").count() == 1


@pytest.mark.django_db(transaction=True)
def test_rotation_by_another_process_reaches_this_ones_signer_within_a_second(authserver):
    assert changefeed.feed_is_live()
    before = server_snapshot("default").signing.kid
    upcoming = SigningKey.objects.get(server=authserver, status=KeyStatus.NEXT).kid

    subprocess.run([sys.executable, "manage.py", "rotatekeys", "--server", "default"], cwd=BASE_DIR,
                   env=_subprocess_env(), check=True, capture_output=True, timeout=60)
    rotated_at = time.monotonic()

    assert _poll(lambda: server_snapshot("default").signing.kid == upcoming, timeout=1.0), \
        f"still signing with {before} after {time.monotonic() - rotated_at:.2f} s"
    assert upcoming in server_snapshot("default").verification_keys
    assert before in server_snapshot("default").verification_keys  # EXPIRED: still verifies


@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_rotates_a_due_server(authserver, settings):
    url = _redis_url()
    from celery.contrib.testing.worker import start_worker

    from authservers.tasks import signing_keys_maintain_task
    from config.celery import app

    settings.CASTELLAN_KEY_ROTATION_PERIOD = timedelta(minutes=10)
    _make_due(authserver)
    before = _active_kid(authserver)
    app.conf.broker_url = url
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        signing_keys_maintain_task.delay()
        assert _poll(lambda: _active_kid(authserver) != before, timeout=20)
    assert SigningKey.objects.get(kid=before).status == KeyStatus.EXPIRED
    assert SigningKey.objects.filter(server=authserver, status=KeyStatus.NEXT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_with_beat_rotates_keys_by_itself(authserver, tmp_path):
    """`celery worker -B` as `make run` starts it, on Redis, with a 4 s rotation period."""
    url = _redis_url()
    first = _active_kid(authserver)
    env = _subprocess_env(REDIS_URL=url, CASTELLAN_KEY_ROTATION_PERIOD="4s",
                          CASTELLAN_KEY_ROTATION_CHECK_INTERVAL="1s", CASTELLAN_JWKS_MAX_AGE="1",
                          CASTELLAN_HOUSEKEEPING_INTERVAL="1h")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--pool=solo", "--loglevel=WARNING",
         "-s", str(tmp_path / "beat-schedule"), "-n", f"keys-test-{os.getpid()}@%h"],
        cwd=BASE_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        rotated = _poll(lambda: _active_kid(authserver) != first, timeout=40)
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0].decode(errors="replace")
    assert rotated, output[-3000:]
    assert SigningKey.objects.get(kid=first).status == KeyStatus.EXPIRED
