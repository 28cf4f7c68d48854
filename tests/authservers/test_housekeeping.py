"""Bounded storage: housekeeping deletes what can no longer be used, in batches, and says when it ran."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_create
from authservers.housekeeping import delete_in_batches, housekeeping_run, table_sizes
from authservers.models import (
    DeviceGrant,
    Grant,
    HousekeepingRun,
    LogEvent,
    RefreshToken,
    RevokedAccessToken,
)
from authservers.tasks import housekeeping_task


def _denylist(count, *, expires, prefix):
    RevokedAccessToken.objects.bulk_create(
        RevokedAccessToken(jti=f"{prefix}{n}", server_id="default", client_id="0oaX", expires=expires)
        for n in range(count))


@pytest.mark.django_db
def test_large_denylist_is_purged_in_batches_of_a_thousand(authserver):
    now = timezone.now()
    _denylist(5000, expires=now - timedelta(seconds=1), prefix="AT.old.")
    _denylist(10, expires=now + timedelta(hours=1), prefix="AT.live.")
    statements = []

    def count_deletes(execute, sql, params, many, context):
        if sql.startswith("DELETE"):
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_deletes):
        deleted = delete_in_batches(RevokedAccessToken.objects.filter(expires__lte=now), batch_size=1000)

    assert deleted == 5000
    assert len(statements) == 5
    assert RevokedAccessToken.objects.count() == 10


@pytest.mark.django_db
def test_housekeeping_deletes_expired_codes_tokens_and_old_log_events(authserver, service_client, settings):
    settings.CASTELLAN_SYSTEM_LOG_RETENTION = timedelta(days=90)
    now = timezone.now()
    client = service_client.model
    user = user_create(login="hk@example.com", email="hk@example.com", password="pw-for-tests")
    Grant.objects.create(server=authserver, application=client, user=user, code="old-code",
                         expires=now - timedelta(minutes=1), redirect_uri="https://app.example/cb")
    Grant.objects.create(server=authserver, application=client, user=user, code="live-code",
                         expires=now + timedelta(minutes=1), redirect_uri="https://app.example/cb")
    DeviceGrant.objects.create(server=authserver, client_id=client.client_id, device_code="old-device",
                               user_code="OLD", expires=now - timedelta(minutes=1))
    DeviceGrant.objects.create(server=authserver, client_id=client.client_id, device_code="live-device",
                               user_code="LIVE", expires=now + timedelta(minutes=5))
    RefreshToken.objects.create(server=authserver, application=client, user=user, token="rt-old",
                                revoked=now - timedelta(days=2))
    RefreshToken.objects.create(server=authserver, application=client, user=user, token="rt-recent",
                                revoked=now - timedelta(hours=2))
    _denylist(3, expires=now - timedelta(seconds=1), prefix="AT.gone.")
    LogEvent.objects.create(event_type="test.old", published=now - timedelta(days=91))
    LogEvent.objects.create(event_type="test.recent", published=now - timedelta(days=89))

    counts = housekeeping_run(now=now)

    assert counts["authorization_codes"] == 1 and counts["device_codes"] == 1
    assert counts["refresh_tokens"] == 1 and counts["revoked_access_tokens"] == 3
    assert counts["system_log"] == 1
    assert list(Grant.objects.values_list("code", flat=True)) == ["live-code"]
    assert list(DeviceGrant.objects.values_list("device_code", flat=True)) == ["live-device"]
    assert list(RefreshToken.objects.values_list("token", flat=True)) == ["rt-recent"]
    assert not LogEvent.objects.filter(event_type="test.old").exists()
    assert LogEvent.objects.filter(event_type="test.recent").exists()
    run = HousekeepingRun.objects.get(job="housekeeping")
    assert run.finished is not None and run.deleted == counts and run.error == ""


@pytest.mark.django_db
def test_housekeeping_twice_deletes_nothing_more(authserver):
    _denylist(3, expires=timezone.now() - timedelta(seconds=1), prefix="AT.x.")
    assert housekeeping_task()["revoked_access_tokens"] == 3
    assert not any(housekeeping_task().values())


@pytest.mark.django_db
def test_admin_shows_table_sizes_and_the_last_run(console, authserver):
    housekeeping_run()
    page = console.get(reverse("admin:authservers_housekeepingrun_changelist"))
    assert page.status_code == 200
    assert b"Table sizes" in page.content and b"authservers_logevent" in page.content
    assert b"housekeeping" in page.content
    assert {row["table"] for row in table_sizes()} >= {"authservers_revokedaccesstoken", "authservers_logevent"}
