"""Housekeeping tasks, called directly and through a real Celery worker on Redis."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from authservers.models import RevokedAccessToken
from authservers.services import bootstrap
from authservers.tasks import revoked_access_tokens_purge_task
from tests.helpers import redis_url_or_skip


def _denylist(jti, expires):
    return RevokedAccessToken.objects.create(jti=jti, server_id="default", client_id="0oaX", expires=expires)


@pytest.mark.django_db
def test_purge_drops_only_expired_denylist_entries():
    bootstrap()
    _denylist("AT.old", timezone.now() - timedelta(seconds=1))
    _denylist("AT.live", timezone.now() + timedelta(hours=1))

    assert revoked_access_tokens_purge_task() == 1
    assert list(RevokedAccessToken.objects.values_list("jti", flat=True)) == ["AT.live"]


def _redis_url():
    return redis_url_or_skip("the real-worker test needs a broker")


@pytest.mark.django_db(transaction=True)
def test_purge_runs_on_a_real_worker_through_redis():
    url = _redis_url()
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    bootstrap()
    _denylist("AT.old", timezone.now() - timedelta(seconds=1))
    app.conf.broker_url = url
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        revoked_access_tokens_purge_task.delay()
        deadline = time.monotonic() + 20
        while RevokedAccessToken.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert not RevokedAccessToken.objects.exists()
