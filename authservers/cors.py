"""CORS for the OAuth endpoints a browser app may call (REFERENCE §2.4, §12.1; Fetch standard §3.2).

Allowed origins are the ACTIVE trusted origins with the CORS scope and the origins of the redirect
URIs of ACTIVE clients (`clients.selectors.cors_origins`, a per-process snapshot kept fresh by the
change feed: no query per request). An allowed origin gets its own value echoed back, never `*`;
any other origin gets no CORS header at all, so the browser keeps the answer from the page.

`decide` and `preflight` are plain functions over strings; `CorsMiddleware` is the Django glue.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

MAX_ORIGIN_LENGTH = 255  # a trusted origin is at most 255 characters (Okta); longer can never match
PREFLIGHT_MAX_AGE = 3600  # seconds a browser may cache a preflight (Chromium caps this at 7200)
DEFAULT_PORTS = {"http": 80, "https": 443}

# Request headers a browser app may send. X-Okta-User-Agent-Extended is what okta-auth-js adds.
ALLOWED_HEADERS = ("Accept", "Accept-Language", "Authorization", "Content-Language", "Content-Type", "DPoP",
                   "X-Okta-User-Agent-Extended", "X-Requested-With")
_ALLOWED_HEADER_NAMES = frozenset(name.lower() for name in ALLOWED_HEADERS)
# Response headers the page may read beyond the CORS-safelisted ones (RFC 6750 errors ride in WWW-Authenticate).
EXPOSED_HEADERS = ("WWW-Authenticate", "DPoP-Nonce")

_SERVER = r"/oauth2/[^/]+"
# Path pattern -> methods a browser may use there. v1/authorize and v1/logout are top-level
# navigations, never XHR, so they get no CORS (docs/cors.md).
_ENDPOINTS = (
    (re.compile(rf"^{_SERVER}/v1/(?:token|introspect|revoke)$"), ("POST",)),
    (re.compile(rf"^{_SERVER}/v1/userinfo$"), ("GET", "POST")),
    (re.compile(rf"^{_SERVER}/v1/keys$"), ("GET", "HEAD")),
    (re.compile(rf"^{_SERVER}/\.well-known/(?:openid-configuration|oauth-authorization-server)$"), ("GET", "HEAD")),
    (re.compile(r"^/\.well-known/oauth-authorization-server/oauth2/[^/]+$"), ("GET", "HEAD")),
)


def cors_methods(path: str) -> tuple[str, ...] | None:
    """The methods a cross-origin page may use on this path, or None if the path has no CORS."""
    for pattern, methods in _ENDPOINTS:
        if pattern.match(path):
            return methods
    return None


def origin_of(url: str) -> str | None:
    """The serialized origin (RFC 6454 §6.2) of an http(s) URL: lowercase, default port dropped.

    None for anything else: other schemes (a native app's `com.example.app:/callback`), no host,
    userinfo in the authority, a bad port, whitespace or control characters.
    """
    if not url or len(url) > 2048 or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def request_origin(header: str | None) -> str | None:
    """The `Origin` request header as a comparable origin, or None when absent, opaque or malformed.

    A browser sends exactly `scheme://host[:port]`; `null` (sandboxed and file pages), lists,
    paths and oversized values are never allowed.
    """
    if not header or len(header) > MAX_ORIGIN_LENGTH:
        return None
    origin = origin_of(header)
    if origin is None:
        return None
    parts = urlsplit(header)
    if parts.path or parts.query or parts.fragment or header.endswith(("?", "#")):
        return None
    return origin


@dataclass(frozen=True)
class Decision:
    """What to add to one response of a CORS path."""

    allowed_origin: str | None  # echoed in Access-Control-Allow-Origin; None: no CORS headers

    def headers(self) -> dict[str, str]:
        if self.allowed_origin is None:
            return {}
        return {"Access-Control-Allow-Origin": self.allowed_origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Expose-Headers": ", ".join(EXPOSED_HEADERS)}


def decide(origin_header: str | None, allowed: frozenset[str]) -> Decision:
    """An actual (non-preflight) request: echo the origin when it is allowed, else add nothing."""
    origin = request_origin(origin_header)
    return Decision(origin if origin is not None and origin in allowed else None)


@dataclass(frozen=True)
class Preflight:
    status: int
    headers: dict[str, str]


def preflight(origin_header: str | None, requested_method: str, requested_headers: str,
              methods: tuple[str, ...], allowed: frozenset[str]) -> Preflight:
    """Answer an `OPTIONS` preflight (Fetch §3.2.3).

    An allowed origin asking for a method and headers this endpoint accepts gets 204 with the
    permissions; anything else gets 403 without CORS headers, which the browser reports as a
    CORS failure and which never reaches the endpoint.
    """
    origin = request_origin(origin_header)
    if origin is None or origin not in allowed:
        return Preflight(403, {})
    if requested_method not in methods:
        return Preflight(403, {})
    names = [name.strip().lower() for name in requested_headers.split(",") if name.strip()]
    if len(requested_headers) > 1024 or any(name not in _ALLOWED_HEADER_NAMES for name in names):
        return Preflight(403, {})
    return Preflight(204, {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
    })


class CorsMiddleware:
    """Answers preflights on the CORS paths and adds CORS headers to their responses (errors included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        methods = cors_methods(request.path)
        if methods is None:
            return self.get_response(request)
        from clients.selectors import cors_origins

        origin_header = request.META.get("HTTP_ORIGIN")
        requested_method = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if request.method == "OPTIONS" and origin_header is not None and requested_method is not None:
            answer = preflight(origin_header, requested_method,
                               request.META.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""), methods,
                               cors_origins().allowed)
            response = HttpResponse(status=answer.status)
            for name, value in answer.headers.items():
                response[name] = value
            patch_vary_headers(response, ("Origin", "Access-Control-Request-Method",
                                          "Access-Control-Request-Headers"))
            return response
        response = self.get_response(request)
        decision = decide(origin_header, cors_origins().allowed) if origin_header is not None else Decision(None)
        for name, value in decision.headers().items():
            response[name] = value
        patch_vary_headers(response, ("Origin",))
        return response
