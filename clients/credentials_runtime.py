"""What client-assertion checks need at request time: the client's keys, and the `jti` replay store.

Keys: the ACTIVE registered keys come parsed in the client snapshot; a client with a `jwks_uri`
has its JWKS fetched (short timeouts, size cap) and kept per process for
`CASTELLAN_CLIENT_JWKS_CACHE_SECONDS`; an unknown kid triggers at most one refetch per
`CASTELLAN_CLIENT_JWKS_REFETCH_SECONDS`, so a key the client just rotated in is found soon and a
flood of made-up kids cannot make us hammer the client's server.

Replay store: with Redis (`REDIS_URL`), `SET NX` with the assertion's remaining lifetime through
the cache; without it, a primary-key insert into `UsedClientAssertion`. Both are atomic across
processes: the embedded mode runs several server processes whose local-memory caches are not
shared, so the database is the one store they have in common there.
"""

import hashlib
import ipaddress
import json
import random
import threading
import time
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction

from authservers.oauth.client_auth import AssertionContext
from authservers.runtime import ClientSnapshot

from .credentials_keys import parse_jwks_document

MAX_JWKS_BYTES = 64 * 1024
_LOOPBACK_HOSTS = ("localhost",)

_fetched: dict[str, tuple[float, dict]] = {}  # jwks_uri -> (fetched at, kid -> key)
_fetch_lock = threading.Lock()


def assertion_context(*, issuer: str, path: str, now: float | None = None) -> AssertionContext:
    """The context a client assertion sent to `path` of the server `issuer` is checked in.

    `aud` may be the full URL of the endpoint invoked (Okta) or the issuer (RFC 7523 §3 item 3).
    """
    endpoint = path.rstrip("/").rsplit("/", 1)[-1]
    return AssertionContext(audiences=(f"{issuer}/v1/{endpoint}", issuer),
                            now=time.time() if now is None else now, use_jti=use_jti, client_key=client_key)


# --- keys --------------------------------------------------------------------------------------

def client_key(client: ClientSnapshot, kid: str):
    """The public JWK `kid` of a client: a registered ACTIVE key, else one served at its jwks_uri; or None."""
    if client.jwks or not client.jwks_uri:
        return client.jwks.get(kid)
    return _remote_keys(client.jwks_uri, kid).get(kid)


def _remote_keys(uri: str, kid: str) -> dict:
    now = time.monotonic()
    cached = _fetched.get(uri)
    if cached is not None and (kid in cached[1] or now - cached[0] < settings.CASTELLAN_CLIENT_JWKS_REFETCH_SECONDS) \
            and now - cached[0] < settings.CASTELLAN_CLIENT_JWKS_CACHE_SECONDS:
        return cached[1]
    with _fetch_lock:
        cached = _fetched.get(uri)
        if cached is not None and now - cached[0] < settings.CASTELLAN_CLIENT_JWKS_REFETCH_SECONDS:
            return cached[1]  # another thread just fetched it
        keys = fetch_jwks(uri)
        if keys is None:  # unreachable: keep what we had for a while rather than fail every request
            keys = cached[1] if cached is not None else {}
        if len(_fetched) > 1000:
            _fetched.clear()
        _fetched[uri] = (now, keys)
        return keys


def jwks_uri_allowed(uri: str) -> bool:
    """https only, except on the loopback interface (a client developed on the same machine)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def fetch_jwks(uri: str) -> dict | None:
    """GET the JWKS at `uri` with short timeouts and a size cap; None when it cannot be had."""
    if not jwks_uri_allowed(uri):
        return None
    request = urllib.request.Request(uri, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.CASTELLAN_CLIENT_JWKS_TIMEOUT_SECONDS) as response:
            if response.status != 200:
                return None
            body = response.read(MAX_JWKS_BYTES + 1)
        if len(body) > MAX_JWKS_BYTES:
            return None
        return parse_jwks_document(json.loads(body))
    except (OSError, ValueError):  # URLError, timeouts and HTTP errors are OSErrors
        return None


def forget_fetched_jwks() -> None:
    """Drop every fetched JWKS (tests, and after a client's jwks_uri changes)."""
    with _fetch_lock:
        _fetched.clear()


# --- jti replay store --------------------------------------------------------------------------

def _replay_key(client_id: str, jti: str) -> str:
    return hashlib.sha256(f"{client_id}\x00{jti}".encode()).hexdigest()


def use_jti(client_id: str, jti: str, expires_at: float) -> bool:
    """Record the jti of an accepted assertion; False when this client already used it."""
    key = _replay_key(client_id, jti)
    ttl = max(1, int(expires_at - time.time()) + 1)
    if settings.REDIS_URL:
        return cache.add(f"castellan:assertion-jti:{key}", 1, timeout=ttl)
    return _use_jti_in_database(key, datetime.fromtimestamp(expires_at, UTC))


def _use_jti_in_database(key: str, expires: datetime) -> bool:
    from .models import UsedClientAssertion

    now = datetime.now(UTC)
    try:
        with transaction.atomic():
            UsedClientAssertion.objects.create(key=key, expires=expires)
    except IntegrityError:
        # A row whose assertion has expired may be taken over; a live one means a replay.
        return UsedClientAssertion.objects.filter(key=key, expires__lte=now).update(expires=expires) == 1
    if random.random() < 0.01:  # now and then, drop rows whose assertions have all expired
        UsedClientAssertion.objects.filter(expires__lte=now).delete()
    return True
