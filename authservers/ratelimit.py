"""Rate limits per endpoint family, with Okta's headers and answers (REFERENCE §10.4).

Each request to a limited family counts against one bucket per client IP and minute (a fixed
window): `token`, `authorize`, `introspect`, `revoke`, `userinfo`, `keys` (JWKS and the discovery
documents), `oauth` (the other protocol endpoints), `logs` (`/api/v1/logs`) and `api` (the rest of
the management API). Responses carry `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (UTC epoch
seconds); over the limit the answer is 429, with Okta's E0000047 under /api and an OAuth-style
body elsewhere. Counting costs one Redis round trip (an INCR pipeline) when `REDIS_URL` is set,
else two operations on Django's (per-process) cache. Redis being unreachable lets requests through.

Failed client authentications at token, introspect and revoke count in a second bucket keyed by
the claimed client_id *and* the IP: past `CASTELLAN_RATE_LIMIT_CLIENT_AUTH_FAILURES` a minute that
IP gets 429 for that client, while the same client elsewhere goes on working, so a stranger cannot
lock a legitimate client out.

`CASTELLAN_RATE_LIMITS=off` disables all of it (benchmarks); `CASTELLAN_RATE_LIMIT_<FAMILY>` sets a
family's requests per minute per IP (0: unlimited).
"""

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse

from .http import NO_STORE, okta_error_body
from .oauth import client_auth
from .oauth.errors import OAuthError
from .oauth.form_requests import parse_form_body

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
API_SUMMARY = "API call exceeded rate limit due to too many requests."
OAUTH_DESCRIPTION = "API call exceeded rate limit due to too many requests."
CLIENT_AUTH_DESCRIPTION = ("Too many failed client authentications for this client from this address. "
                           "Try again later.")
CLIENT_AUTH_FAMILIES = ("token", "introspect", "revoke")
# Per client IP and minute; each may be changed by CASTELLAN_RATE_LIMIT_<FAMILY> (0: unlimited).
DEFAULT_LIMITS = {"token": 1200, "authorize": 600, "introspect": 1200, "revoke": 600, "userinfo": 1200,
                  "keys": 3000, "oauth": 600, "logs": 120, "api": 600}
DEFAULT_CLIENT_AUTH_FAILURES = 20

_OAUTH_PATH = re.compile(r"^/oauth2/[^/]+/v1/([a-z]+)$")
_OAUTH_FAMILIES = {"token": "token", "authorize": "authorize", "introspect": "introspect", "revoke": "revoke",
                   "userinfo": "userinfo", "keys": "keys"}


def family_of(path: str) -> str | None:
    """The bucket family of a request path, or None for paths that are not limited (pages, admin)."""
    if path.startswith("/oauth2/"):
        match = _OAUTH_PATH.match(path)
        if match:
            return _OAUTH_FAMILIES.get(match.group(1), "oauth")
        return "keys" if "/.well-known/" in path else "oauth"
    if path.startswith("/.well-known/"):
        return "keys"
    if path.startswith("/api/v1/"):
        return "logs" if path.rstrip("/") == "/api/v1/logs" else "api"
    return None


@dataclass(frozen=True)
class Config:
    enabled: bool
    limits: dict[str, int]
    client_auth_failures: int
    prefix: str
    ip_header: str  # META name of a proxy-set client-IP header, or "" for REMOTE_ADDR


_config: Config | None = None


def config() -> Config:
    global _config
    if _config is None:
        limits = {family: int(getattr(settings, f"CASTELLAN_RATE_LIMIT_{family.upper()}", default))
                  for family, default in DEFAULT_LIMITS.items()}
        header = getattr(settings, "CASTELLAN_RATE_LIMIT_CLIENT_IP_HEADER", "")
        _config = Config(
            enabled=str(getattr(settings, "CASTELLAN_RATE_LIMITS", "on")).lower() not in ("off", "0", "false", "no"),
            limits=limits,
            client_auth_failures=int(getattr(settings, "CASTELLAN_RATE_LIMIT_CLIENT_AUTH_FAILURES",
                                             DEFAULT_CLIENT_AUTH_FAILURES)),
            prefix=getattr(settings, "CASTELLAN_RATE_LIMIT_PREFIX", "castellan:rl:"),
            ip_header=("HTTP_" + header.upper().replace("-", "_")) if header else "")
    return _config


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    global _config
    if setting.startswith("CASTELLAN_RATE_LIMIT") or setting == "REDIS_URL":
        _config = None
        _redis["client"] = None


# --- counting ------------------------------------------------------------------------------------

_redis: dict = {"client": None, "url": None}


def _redis_client():
    if _redis["client"] is None or _redis["url"] != settings.REDIS_URL:
        import redis

        _redis["client"] = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5,
                                                socket_connect_timeout=0.5)
        _redis["url"] = settings.REDIS_URL
    return _redis["client"]


def count(key: str, *, peek: str | None = None) -> tuple[int, int]:
    """Add one to `key` (this window) and read `peek` too; returns (count, peeked count). (0, 0) when
    the store cannot be reached: limits then let requests through."""
    try:
        if settings.REDIS_URL:
            pipe = _redis_client().pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS + 1)
            if peek is not None:
                pipe.get(peek)
            results = pipe.execute()
            return int(results[0]), int(results[2] or 0) if peek is not None else 0
        cache.add(key, 0, WINDOW_SECONDS + 1)
        value = cache.incr(key)
        return value, int(cache.get(peek) or 0) if peek is not None else 0
    except Exception:  # a rate limiter must never take the server down with it
        log.warning("Rate limit store unreachable; not limiting", exc_info=True)
        return 0, 0


def record_failure(key: str) -> None:
    count(key)


# --- the middleware ------------------------------------------------------------------------------

def client_ip(request, cfg: Config) -> str:
    if cfg.ip_header:
        forwarded = request.META.get(cfg.ip_header, "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")


def claimed_client_id(request) -> str | None:
    """Which client a token/introspect/revoke request says it is, or None when it cannot be told."""
    try:
        form = {}
        authorization = request.META.get("HTTP_AUTHORIZATION")
        if not (authorization and authorization[:6].lower() == "basic "):
            form = parse_form_body(method=request.method, content_type=request.META.get("CONTENT_TYPE", ""),
                                   body=request.body, query_keys=[])
        client_id = client_auth.extract_credentials(authorization, form).client_id
    except (OAuthError, SuspiciousOperation, OSError):  # the view answers such a request itself
        return None
    return client_id[:255] if client_id else None


def _headers(response: HttpResponse, limit: int, used: int, reset: int) -> None:
    response["X-Rate-Limit-Limit"] = str(limit)
    response["X-Rate-Limit-Remaining"] = str(max(0, limit - used))
    response["X-Rate-Limit-Reset"] = str(reset)


def too_many_requests(family: str, description: str = OAUTH_DESCRIPTION) -> HttpResponse:
    if family in ("api", "logs"):
        response = JsonResponse(okta_error_body("E0000047", API_SUMMARY), status=429)
    else:
        response = JsonResponse({"error": "too_many_requests", "error_description": description}, status=429)
        for name, value in NO_STORE.items():
            response[name] = value
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cfg = config()
        family = family_of(request.path) if cfg.enabled else None
        limit = cfg.limits.get(family, 0) if family else 0
        if not limit:
            return self.get_response(request)
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        reset = (window + 1) * WINDOW_SECONDS
        ip = client_ip(request, cfg)
        failure_key = None
        if family in CLIENT_AUTH_FAMILIES and cfg.client_auth_failures and request.method == "POST":
            client_id = claimed_client_id(request)
            if client_id:
                failure_key = f"{cfg.prefix}authfail:{client_id}:{ip}:{window}"
        used, failures = count(f"{cfg.prefix}{family}:{ip}:{window}", peek=failure_key)
        if used > limit:
            response = too_many_requests(family)
            _headers(response, limit, used, reset)
            response["Retry-After"] = str(max(1, reset - int(now)))
            return response
        if failure_key and failures >= cfg.client_auth_failures:
            response = too_many_requests(family, CLIENT_AUTH_DESCRIPTION)
            _headers(response, cfg.client_auth_failures, failures, reset)
            response["Retry-After"] = str(max(1, reset - int(now)))
            return response
        response = self.get_response(request)
        if failure_key and response.status_code == 401:
            record_failure(failure_key)
        _headers(response, limit, used, reset)
        return response
