"""Rate limits per endpoint family with Okta's headers (REFERENCE §10.4), counted in real Redis."""

import time

import pytest

from authservers import ratelimit
from tests.helpers import assert_json, assert_okta_error, basic_auth_header, endpoint, post_form, redis_url_or_skip


@pytest.fixture
def redis_limits(settings):
    """Limits counted in the real Redis of REDIS_URL (skips without it, fails in CI)."""
    url = redis_url_or_skip("rate limits are counted in Redis")
    settings.REDIS_URL = url
    settings.CASTELLAN_RATE_LIMITS = "on"
    return settings


def client_credentials(client, registered, secret=None, **extra):
    return post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, secret or registered.secret), **extra)


def wait_for_room_in_window(seconds_needed: float = 5) -> None:
    """Fixed one-minute windows: start near the end of one and the counts would reset mid-test."""
    left = ratelimit.WINDOW_SECONDS - time.time() % ratelimit.WINDOW_SECONDS
    if left < seconds_needed:
        time.sleep(left + 0.05)


def test_token_responses_carry_oktas_headers(client, redis_limits, service_client, scope):
    wait_for_room_in_window()
    first = client_credentials(client, service_client)
    second = client_credentials(client, service_client)
    assert first.status_code == second.status_code == 200
    assert first["X-Rate-Limit-Limit"] == "1200"
    assert int(first["X-Rate-Limit-Remaining"]) == int(second["X-Rate-Limit-Remaining"]) + 1
    reset = int(first["X-Rate-Limit-Reset"])
    assert time.time() < reset <= time.time() + 61 and reset % 60 == 0


def test_over_the_limit_oauth_endpoints_answer_429_in_oauth_style(client, redis_limits, service_client, scope):
    redis_limits.CASTELLAN_RATE_LIMIT_TOKEN = 2
    wait_for_room_in_window()
    assert client_credentials(client, service_client).status_code == 200
    assert client_credentials(client, service_client).status_code == 200
    response = client_credentials(client, service_client)
    body = assert_json(response)
    assert response.status_code == 429
    assert body == {"error": "too_many_requests", "error_description": ratelimit.OAUTH_DESCRIPTION}
    assert response["X-Rate-Limit-Limit"] == "2" and response["X-Rate-Limit-Remaining"] == "0"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "no-store"
    # Another address has its own bucket; another family is not touched.
    assert client_credentials(client, service_client, REMOTE_ADDR="10.9.8.7").status_code == 200
    assert client.get(endpoint("keys")).status_code == 200


def test_management_api_answers_e0000047(redis_limits, db):
    from rest_framework.test import APIClient

    from accounts.services import api_token_create, user_create

    redis_limits.CASTELLAN_RATE_LIMIT_API = 1
    staff = user_create(login="ops@example.com", email="ops@example.com", password=None, is_staff=True)
    _, secret = api_token_create(name="ci", user=staff)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"SSWS {secret}")
    wait_for_room_in_window()
    assert api.get("/api/v1/authorizationServers").status_code == 200
    response = api.get("/api/v1/authorizationServers")
    body = assert_okta_error(response, 429, "E0000047")
    assert body["errorSummary"] == "API call exceeded rate limit due to too many requests."
    assert response["X-Rate-Limit-Remaining"] == "0"


def test_keys_and_discovery_share_the_keys_family(client, redis_limits, authserver):
    redis_limits.CASTELLAN_RATE_LIMIT_KEYS = 2
    wait_for_room_in_window()
    assert client.get(endpoint("keys")).status_code == 200
    assert client.get("/oauth2/default/.well-known/openid-configuration").status_code == 200
    assert client.get("/.well-known/oauth-authorization-server/oauth2/default").status_code == 429


def test_failed_client_auth_locks_out_that_address_only(client, redis_limits, service_client, post_client, scope):
    redis_limits.CASTELLAN_RATE_LIMIT_CLIENT_AUTH_FAILURES = 3
    wait_for_room_in_window(10)
    attacker = {"REMOTE_ADDR": "203.0.113.5"}
    for _ in range(3):
        assert client_credentials(client, service_client, secret="guess" * 8, **attacker).status_code == 401
    # From the attacker's address even the right secret is refused now (no oracle for a lucky guess)...
    response = client_credentials(client, service_client, **attacker)
    body = assert_json(response)
    assert response.status_code == 429
    assert body["error"] == "too_many_requests" and "failed client authentications" in body["error_description"]
    assert response["X-Rate-Limit-Limit"] == "3"
    # ...while the client itself, elsewhere, goes on working, and other clients from that address too.
    assert client_credentials(client, service_client, REMOTE_ADDR="198.51.100.7").status_code == 200
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read",
                                                     "client_id": post_client.client_id,
                                                     "client_secret": post_client.secret}, **attacker)
    assert response.status_code == 200


def test_failures_counted_for_form_credentials_and_at_introspection(client, redis_limits, post_client, scope):
    redis_limits.CASTELLAN_RATE_LIMIT_CLIENT_AUTH_FAILURES = 2
    wait_for_room_in_window(10)
    bad = {"token": "x", "client_id": post_client.client_id, "client_secret": "wrong" * 8}
    assert post_form(client, endpoint("introspect"), bad).status_code == 401
    assert post_form(client, endpoint("introspect"), bad).status_code == 401
    good = {**bad, "client_secret": post_client.secret}
    assert post_form(client, endpoint("introspect"), good).status_code == 429
    assert post_form(client, endpoint("revoke"), good).status_code == 429


def test_disabled_rate_limits_add_no_headers(client, redis_limits, service_client, scope):
    redis_limits.CASTELLAN_RATE_LIMITS = "off"
    redis_limits.CASTELLAN_RATE_LIMIT_TOKEN = 1
    for _ in range(3):
        response = client_credentials(client, service_client)
        assert response.status_code == 200
        assert "X-Rate-Limit-Limit" not in response


def test_zero_leaves_a_family_unlimited(client, redis_limits, service_client, scope):
    redis_limits.CASTELLAN_RATE_LIMIT_TOKEN = 0
    response = client_credentials(client, service_client)
    assert response.status_code == 200 and "X-Rate-Limit-Limit" not in response


def test_unreachable_redis_lets_requests_through(client, redis_limits, service_client, scope):
    redis_limits.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert client_credentials(client, service_client).status_code == 200


def test_without_redis_the_django_cache_counts(client, settings, service_client, scope):
    settings.REDIS_URL = ""
    settings.CASTELLAN_RATE_LIMIT_TOKEN = 1
    wait_for_room_in_window()
    assert client_credentials(client, service_client).status_code == 200
    assert client_credentials(client, service_client).status_code == 429


def test_proxy_client_ip_header(client, redis_limits, service_client, scope):
    redis_limits.CASTELLAN_RATE_LIMIT_TOKEN = 1
    redis_limits.CASTELLAN_RATE_LIMIT_CLIENT_IP_HEADER = "X-Real-IP"
    wait_for_room_in_window()
    assert client_credentials(client, service_client, HTTP_X_REAL_IP="192.0.2.1").status_code == 200
    assert client_credentials(client, service_client, HTTP_X_REAL_IP="192.0.2.2").status_code == 200
    assert client_credentials(client, service_client, HTTP_X_REAL_IP="192.0.2.1").status_code == 429


@pytest.mark.parametrize("extra", [
    {"HTTP_AUTHORIZATION": "Basic " + "A" * 5000},
    {"HTTP_AUTHORIZATION": "Basic !!!"},
    {"CONTENT_TYPE": "text/plain"},
])
def test_hostile_requests_are_still_answered_by_the_endpoint(client, redis_limits, authserver, extra):
    headers = {name: value for name, value in extra.items() if name != "CONTENT_TYPE"}
    content_type = extra.get("CONTENT_TYPE", "application/x-www-form-urlencoded")
    response = client.post(endpoint("token"), "grant_type=client_credentials&client_id=%FF", content_type=content_type,
                           **headers)
    assert 400 <= response.status_code < 500
    assert response["X-Rate-Limit-Limit"]


@pytest.mark.parametrize(("path", "family"), [
    ("/oauth2/default/v1/token", "token"), ("/oauth2/aus1/v1/authorize", "authorize"),
    ("/oauth2/default/v1/introspect", "introspect"), ("/oauth2/default/v1/revoke", "revoke"),
    ("/oauth2/default/v1/userinfo", "userinfo"), ("/oauth2/default/v1/keys", "keys"),
    ("/oauth2/default/.well-known/openid-configuration", "keys"),
    ("/.well-known/oauth-authorization-server/oauth2/default", "keys"),
    ("/oauth2/default/v1/logout", "oauth"), ("/oauth2/default/v1/device/authorize", "oauth"),
    ("/api/v1/logs", "logs"), ("/api/v1/apps/0oa1/credentials/secrets", "api"),
    ("/admin/", None), ("/login", None), ("/", None),
])
def test_families(path, family):
    assert ratelimit.family_of(path) == family
