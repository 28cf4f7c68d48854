"""CORS over real HTTP: preflight and hostile Origin headers as raw bytes never cause a 5xx."""

import http.client
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.live

HOSTILE_ORIGINS = [b"\xff\xfe\xfd", b"https://app.example.com\xc3\xa9", b"x" * 7000, b"null",
                   b"https://a.example, https://b.example", b"https://app.example.com/../", b""]


def raw(base_url: str, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""):
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest(method, path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader(b"Content-Length", str(len(body)).encode())
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("origin", HOSTILE_ORIGINS)
def test_hostile_origin_headers_over_http(live_castellan, origin):
    for method, path, extra, body in [
        ("OPTIONS", "/oauth2/default/v1/token", [(b"Access-Control-Request-Method", b"POST")], b""),
        ("GET", "/oauth2/default/v1/keys", [], b""),
        ("POST", "/oauth2/default/v1/token", [(b"Content-Type", b"application/x-www-form-urlencoded")],
         f"grant_type=authorization_code&client_id={live_castellan.web_client_id}&code=x".encode()),
    ]:
        status, headers, _ = raw(live_castellan.base_url, method, path, [(b"Origin", origin), *extra], body)
        assert status < 500, (method, path, origin[:40], status)
        assert "access-control-allow-origin" not in headers


def test_preflight_and_call_from_a_redirect_uri_origin_over_http(live_castellan):
    origin = b"https://rp.example.test"  # the web app's redirect URI origin
    status, headers, body = raw(live_castellan.base_url, "OPTIONS", "/oauth2/default/v1/userinfo",
                                [(b"Origin", origin), (b"Access-Control-Request-Method", b"GET"),
                                 (b"Access-Control-Request-Headers", b"authorization")])
    assert status == 204 and body == b""
    assert headers["access-control-allow-origin"] == origin.decode()
    assert "authorization" in headers["access-control-allow-headers"].lower()
    status, headers, _ = raw(live_castellan.base_url, "GET", "/oauth2/default/v1/userinfo",
                             [(b"Origin", origin), (b"Authorization", b"Bearer not-a-token")])
    assert status == 401
    assert headers["access-control-allow-origin"] == origin.decode()
    assert headers["www-authenticate"].startswith("Bearer")
