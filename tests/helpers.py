"""Small helpers for tests that speak OAuth over Django's test client (imported, not fixtures)."""

import base64
import json
import os
from urllib.parse import quote, urlencode

FORM = "application/x-www-form-urlencoded"


def basic_auth_header(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: Basic base64(urlencode(id) ":" urlencode(secret))."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def raw_basic_header(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


def endpoint(name: str, server_id: str = "default") -> str:
    return f"/oauth2/{server_id}/v1/{name}"


def post_form(client, url: str, data=(), **extra):
    """POST `data` (a dict, or a list of pairs so names may repeat) form-encoded, as OAuth clients do."""
    return client.post(url, urlencode(data), content_type=FORM, **extra)


def assert_json(response) -> dict:
    """The response is JSON (never HTML), not a server error; returns the parsed body."""
    assert response.status_code < 500, response.content
    assert response["Content-Type"].split(";")[0] == "application/json", response["Content-Type"]
    return json.loads(response.content)


def assert_oauth_error(response, status: int, error: str, description: str | None = None) -> dict:
    """RFC 6749 §5.2 error object with Okta's description, never cached (§5.1)."""
    body = assert_json(response)
    assert response.status_code == status, body
    assert body["error"] == error, body
    if description is not None:
        assert body["error_description"] == description, body
    assert response["Cache-Control"] == "no-store"
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Basic"), "RFC 6749 §5.2: 401 carries WWW-Authenticate"
    return body


def assert_okta_error(response, status: int, code: str) -> dict:
    """Okta's management error object: errorCode, errorSummary, errorLink, errorId, errorCauses."""
    body = assert_json(response)
    assert response.status_code == status, body
    assert body["errorCode"] == code, body
    assert body["errorSummary"]
    assert {"errorLink", "errorId", "errorCauses"} <= set(body)
    return body


def redis_url_or_skip(needed_for: str) -> str:
    """REDIS_URL when that Redis answers; else skip with the reason, or fail when CI is set (CI has Redis)."""
    import pytest

    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"REDIS_URL is not set in CI: {needed_for}")
        pytest.skip(f"Redis not available (set REDIS_URL): {needed_for}")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} does not answer in CI")
        pytest.skip(f"Redis at {url} does not answer")
    return url
