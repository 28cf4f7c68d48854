"""CORS decisions as plain functions: origins, preflights, paths (Fetch standard §3.2, REFERENCE §12.1)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authservers import cors
from authservers.cors import cors_methods, decide, origin_of, preflight, request_origin

SPA = "https://spa.example.com"
ALLOWED = frozenset({SPA, "http://localhost:5173"})


@pytest.mark.parametrize(("url", "origin"), [
    ("https://SPA.Example.com/callback?x=1", "https://spa.example.com"),
    ("https://spa.example.com:443/cb", "https://spa.example.com"),
    ("http://spa.example.com:80/cb", "http://spa.example.com"),
    ("http://localhost:5173/cb", "http://localhost:5173"),
    ("https://spa.example.com:8443", "https://spa.example.com:8443"),
    ("http://[::1]:8080/cb", "http://[::1]:8080"),
    ("com.example.app:/callback", None),
    ("https://user:pw@spa.example.com/cb", None),
    ("https://spa.example.com:99999/cb", None),
    ("https:///nohost", None),
    ("javascript:alert(1)", None),
    ("", None),
])
def test_origin_of_a_redirect_uri(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize("header", [
    "null", "https://spa.example.com/", "https://spa.example.com/path", "https://spa.example.com?x",
    "https://spa.example.com, https://evil.example", "https://spa.example.com\r\nX-Injected: 1",
    "https://spa.example.com\x00", " https://spa.example.com", "https://" + "a" * 300 + ".com", "*",
    "file://", "https://spa.example.com#",
])
def test_request_origins_that_are_never_allowed(header):
    assert request_origin(header) is None
    assert decide(header, ALLOWED).headers() == {}


def test_allowed_origin_is_echoed_never_star():
    headers = decide(SPA, ALLOWED).headers()
    assert headers["Access-Control-Allow-Origin"] == SPA
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "WWW-Authenticate" in headers["Access-Control-Expose-Headers"]


def test_origin_matching_ignores_case_and_default_port_as_browsers_serialize_them():
    assert decide("HTTPS://SPA.EXAMPLE.COM:443", ALLOWED).headers()["Access-Control-Allow-Origin"] == SPA


@pytest.mark.parametrize("header", ["https://evil.example", "http://spa.example.com", "https://spa.example.com:444",
                                    "https://sub.spa.example.com"])
def test_other_origins_get_nothing(header):
    assert decide(header, ALLOWED).headers() == {}


def test_preflight_for_an_allowed_origin():
    answer = preflight(SPA, "POST", "content-type, x-okta-user-agent-extended", ("POST",), ALLOWED)
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == SPA
    assert answer.headers["Access-Control-Allow-Methods"] == "POST"
    assert "Content-Type" in answer.headers["Access-Control-Allow-Headers"]
    assert answer.headers["Access-Control-Max-Age"] == str(cors.PREFLIGHT_MAX_AGE)


@pytest.mark.parametrize(("origin", "method", "headers"), [
    ("https://evil.example", "POST", ""),
    (SPA, "DELETE", ""),
    (SPA, "POST", "x-custom-header"),
    (SPA, "POST", "content-type," * 200),
    ("null", "POST", ""),
])
def test_preflights_refused_without_cors_headers(origin, method, headers):
    answer = preflight(origin, method, headers, ("POST",), ALLOWED)
    assert answer.status == 403 and answer.headers == {}


@pytest.mark.parametrize(("path", "methods"), [
    ("/oauth2/default/v1/token", ("POST",)),
    ("/oauth2/aus1/v1/introspect", ("POST",)),
    ("/oauth2/default/v1/revoke", ("POST",)),
    ("/oauth2/default/v1/userinfo", ("GET", "POST")),
    ("/oauth2/default/v1/keys", ("GET", "HEAD")),
    ("/oauth2/default/.well-known/openid-configuration", ("GET", "HEAD")),
    ("/oauth2/default/.well-known/oauth-authorization-server", ("GET", "HEAD")),
    ("/.well-known/oauth-authorization-server/oauth2/default", ("GET", "HEAD")),
    ("/oauth2/default/v1/authorize", None),
    ("/oauth2/default/v1/logout", None),
    ("/oauth2/default/v1/token/extra", None),
    ("/api/v1/apps", None),
    ("/login/", None),
])
def test_cors_paths(path, methods):
    assert cors_methods(path) == methods


@given(st.text(max_size=400))
def test_any_origin_header_is_decided_without_error(header):
    decision = decide(header, ALLOWED)
    assert decision.allowed_origin in (None, *ALLOWED)
    preflight(header, "POST", header, ("POST",), ALLOWED)
