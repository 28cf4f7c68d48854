"""Small helpers for tests that speak OAuth over Django's test client (imported, not fixtures)."""

import base64
import json
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
