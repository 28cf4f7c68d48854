"""Concurrent refreshes with one token: each rotation mode holds (no double rotation, no 5xx).

The requests run in threads, each with its own database connection, released together by a
barrier; the family row lock (SELECT … FOR UPDATE) is what keeps them from racing.
"""

import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient

from authservers.models import AccessToken, RefreshToken, RefreshTokenFamily

from .refresh_flow import refresh, refresh_app, sign_in_tokens

pytestmark = pytest.mark.django_db(transaction=True)
PARALLEL = 6


def fire_at_once(registered, token: str, count: int = PARALLEL) -> list:
    """`count` refresh requests with `token`, released at the same instant; their (status, body)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def one(index: int) -> None:
        try:
            http = HttpClient()
            barrier.wait(timeout=30)
            response = refresh(http, registered, token)
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # noqa: BLE001 - any failure, a 5xx included, is reported by the assertions
            results[index] = (0, repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_refreshes_under_rotate_rotate_once_and_agree(signed_in, authserver, make_client):
    app = refresh_app(make_client, rotation="ROTATE", leeway=30)
    first = sign_in_tokens(signed_in, app)

    results = fire_at_once(app, first["refresh_token"])

    assert all(status == 200 for status, _ in results), results
    issued = {body["refresh_token"] for _, body in results}
    assert len(issued) == 1 and first["refresh_token"] not in issued  # every request got the one successor
    assert len({body["access_token"] for _, body in results}) == PARALLEL
    assert RefreshToken.objects.count() == 2  # exactly one rotation
    assert RefreshToken.objects.filter(rotated__isnull=True).count() == 1
    assert AccessToken.objects.filter(family__isnull=False).count() == 1 + PARALLEL
    assert refresh(signed_in, app, issued.pop()).status_code == 200


def test_concurrent_refreshes_under_static_all_succeed_with_the_same_token(signed_in, authserver, make_client):
    app = refresh_app(make_client, rotation="STATIC")
    first = sign_in_tokens(signed_in, app)

    results = fire_at_once(app, first["refresh_token"])

    assert all(status == 200 for status, _ in results), results
    assert {body["refresh_token"] for _, body in results} == {first["refresh_token"]}
    assert RefreshToken.objects.count() == 1 and RefreshTokenFamily.objects.get().revoked is None


def test_concurrent_reuse_after_the_grace_period_ends_the_family_once(signed_in, authserver, make_client):
    from datetime import timedelta

    app = refresh_app(make_client, rotation="ROTATE", leeway=0)
    first = sign_in_tokens(signed_in, app)
    second = refresh(signed_in, app, first["refresh_token"]).json()
    RefreshToken.objects.filter(rotated__isnull=False).update(
        rotated=RefreshToken.objects.get(rotated__isnull=False).rotated - timedelta(seconds=5))

    results = fire_at_once(app, first["refresh_token"])

    assert all(status == 400 and body["error"] == "invalid_grant" for status, body in results), results
    assert RefreshTokenFamily.objects.get().revoked_reason == "reuse_detected"
    assert refresh(signed_in, app, second["refresh_token"]).status_code == 400
