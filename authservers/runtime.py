"""Per-process snapshots of configuration, so the token endpoint makes no query per request.

A snapshot is built from the database on first use (one load per change, not per request), kept
until the change feed says its rows changed, and trusted only while the feed is live. Unknown ids
are remembered briefly (`CASTELLAN_NEGATIVE_CACHE_SECONDS`) so they cannot be used to flood the
database, yet an object created a moment ago is found at once: creating it publishes a change,
which clears the negative entry.
"""

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from . import changefeed


@dataclass(frozen=True)
class SigningMaterial:
    kid: str
    alg: str  # RS256, PS256 or ES256: oauth.access_tokens.sign_jwt signs accordingly
    jwk: Any  # jwcrypto JWK holding the parsed private key
    private_key: Any  # the `cryptography` key object inside it, used to sign


@dataclass(frozen=True)
class ScopeInfo:
    name: str
    consent: str
    default: bool
    published: bool
    system: bool


@dataclass(frozen=True)
class ServerSnapshot:
    id: str
    name: str
    active: bool
    audiences: tuple[str, ...]
    issuer_mode: str
    custom_url: str
    scopes: dict[str, ScopeInfo]
    default_scopes: tuple[str, ...]
    signing: SigningMaterial | None  # the RS256 family's ACTIVE key: ID tokens, and access tokens by default
    jwks: dict
    verification_keys: dict[str, Any]  # kid -> jwcrypto public JWK, parsed once
    policies: Any = None  # policies.evaluation.CompiledPolicies
    rotation_mode: str = "AUTO"  # with last_rotated: when v1/keys' max-age must shorten
    last_rotated: Any = None  # datetime of the last rotation
    # A server that opted into PS256/ES256 access tokens: that family's ACTIVE key, and the moment
    # (epoch seconds) from which it may sign, once published for the JWKS cache lifetime (docs/keys.md).
    access_token_signing_alt: SigningMaterial | None = None
    access_token_signing_alt_from: float = 0.0
    # Claims compiled once per snapshot (authservers.claims): the active RESOURCE claims other than
    # `sub`, the active IDENTITY ones with an expression or group filter (for the sign-in issue), and
    # the `sub` claim when its expression is not Okta's default (None: login, or client_id without a user).
    resource_claims: tuple = ()
    identity_claims: tuple = ()
    sub_claim: Any = None
    org: dict | None = None  # {"name", "subDomain"}: `org` in claim expressions
    token_size_limit: int = 8192  # bytes of a signed access or ID token (AuthorizationServer.token_size_limit)
    loaded_at: float = field(default_factory=time.monotonic)
    rendered: dict = field(default_factory=dict, compare=False, repr=False)  # documents built once

    def access_token_signing(self, now: float | None = None) -> SigningMaterial | None:
        """The key access tokens are signed with at `now` (epoch seconds; default: the clock).

        RS256 servers: `signing`, with no clock read. A PS256/ES256 server: its family's ACTIVE key
        once that key has been published for the cache lifetime, and the RS256 key until then, so a
        resource server that cached `v1/keys` before the key appeared never meets its kid.
        """
        alt = self.access_token_signing_alt
        if alt is None:
            return self.signing
        if (time.time() if now is None else now) >= self.access_token_signing_alt_from:
            return alt
        return self.signing

    def render_once(self, key, build: Callable[[], bytes]) -> bytes:
        """A document (JWKS, discovery) built on first use and reused until the snapshot is replaced."""
        body = self.rendered.get(key)
        if body is None:
            body = self.rendered[key] = build()
        return body

    def issuer(self, request_base_url: str | None = None) -> str:
        """The issuer for this server; DYNAMIC mode follows the (allowed) host of the request."""
        if self.issuer_mode == "CUSTOM_URL" and self.custom_url:
            base = self.custom_url.rstrip("/")
        elif self.issuer_mode == "DYNAMIC" and request_base_url:
            base = request_base_url.rstrip("/")
        else:
            base = settings.CASTELLAN_BASE_URL
        return f"{base}/oauth2/{self.id}"

    @property
    def audience(self) -> str:
        return self.audiences[0]


@dataclass(frozen=True)
class ClientSnapshot:
    id: str
    client_id: str
    label: str
    active: bool
    application_type: str
    grant_types: tuple[str, ...]
    response_types: tuple[str, ...]
    auth_method: str
    secrets: tuple[bytes, ...] = field(repr=False)
    pkce_required: bool = True
    redirect_uris: tuple[str, ...] = ()
    consent_method: str = "TRUSTED"  # TRUSTED or REQUIRED: the consent matrix (REFERENCE §3)
    profile: dict = field(default_factory=dict, compare=False)  # `app.profile` in claim expressions
    loaded_at: float = field(default_factory=time.monotonic)

    def secret_matches(self, presented: str) -> bool:
        """Constant-time comparison against every active secret (both count during rotation)."""
        candidate = presented.encode()
        matched = False
        for secret in self.secrets:
            matched |= hmac.compare_digest(candidate, secret)
        return matched

    def allows_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


_MISSING = object()


class SnapshotCache:
    """A dict of snapshots, emptied by change-feed events of its kind."""

    def __init__(self, kind: str, loader: Callable[[str], Any]):
        self.kind = kind
        self._loader = loader
        self._entries: dict[str, Any] = {}
        self._misses: dict[str, float] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every change, so a load that raced one is not cached
        changefeed.subscribe(self._on_change)

    def get(self, key: str):
        """Return the snapshot for key, or None if no such object exists."""
        live = changefeed.feed_is_live()
        if live:
            value = self._entries.get(key, _MISSING)
            if value is not _MISSING:
                return value
            missed_at = self._misses.get(key)
            if missed_at is not None and time.monotonic() - missed_at < settings.CASTELLAN_NEGATIVE_CACHE_SECONDS:
                return None
        generation = self._generation
        value = self._loader(key)
        if live:
            with self._lock:
                if generation != self._generation:
                    return value  # a change arrived while loading: use it once, cache nothing
                if value is None:
                    if len(self._misses) > 10_000:
                        self._misses.clear()
                    self._misses[key] = time.monotonic()
                else:
                    self._entries[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._misses.clear()

    def _on_change(self, kind: str, key: str) -> None:
        if kind == "*" or key == "*":
            self.clear()
        elif kind == self.kind:
            with self._lock:
                self._generation += 1
                self._entries.pop(key, None)
                self._misses.pop(key, None)
