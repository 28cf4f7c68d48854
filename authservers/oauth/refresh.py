"""Refresh tokens (RFC 6749 §6) with Okta's rotation, grace period and reuse detection (RFC 9700 §4.14.2).

https://www.rfc-editor.org/rfc/rfc6749#section-6 · https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
oauthlib's RefreshTokenGrant runs the request (client authentication, grant type, scope subset); the
validator answers its questions from `authservers.refresh_services`. This module holds the rules as
plain functions, and the grant subclass that runs each refresh in one transaction.

Tokens are opaque, 256 random bits, and stored only as their SHA-256. Under ROTATE a token's
successor is derived from it with a keyed HMAC, so a retry inside the grace period gets the very
token the first request got, without the server keeping any token value: of concurrent refreshes
with one token exactly one rotates, the others receive the same successor.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.crypto import salted_hmac
from oauthlib.oauth2 import RefreshTokenGrant

from . import errors

MAX_REFRESH_TOKEN_LENGTH = 512
REFRESH_TOKEN_INVALID = "The refresh token is invalid or expired."
REFRESH_TOKEN_REQUIRED = "The 'refresh_token' parameter is required."
# Okta (REFERENCE §2.2): a refresh may narrow the scopes, never widen them.
SCOPES_NOT_GRANTED = ("Some of the scopes requested for the refresh request were not granted in the original "
                      "authorize request.")
_SUCCESSOR_SALT = "castellan.refresh_token.successor"

CURRENT = "current"  # the family's live token
GRACE = "grace"  # rotated out less than `leeway` seconds ago, and its successor is the live token
REUSED = "reused"  # rotated out earlier, or more than one generation back: theft-style reuse
INVALID = "invalid"  # unknown, revoked, expired or idle too long


def new_refresh_token() -> str:
    """The first token of a family: 256 random bits, url-safe."""
    return secrets.token_urlsafe(32)


def successor_token(token: str) -> str:
    """The token that replaces `token` under ROTATE: HMAC-SHA256 keyed with the server secret.

    Unpredictable without both the token and SECRET_KEY; the same for every request that presents
    `token`, which is what lets concurrent refreshes and retries agree (no double rotation).
    """
    digest = salted_hmac(_SUCCESSOR_SALT, token, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_checksum(token: str) -> str:
    """What is stored instead of the token: its SHA-256, hex (django-oauth-toolkit's checksum)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible(token) -> bool:
    """A value that could be one of our tokens: short printable ASCII. Anything else is invalid unseen."""
    return (isinstance(token, str) and 0 < len(token) <= MAX_REFRESH_TOKEN_LENGTH
            and all(0x21 <= ord(ch) <= 0x7E for ch in token))


@dataclass(frozen=True)
class TokenState:
    revoked: bool
    rotated: datetime | None  # when a successor replaced it
    successor_is_live: bool  # its successor exists, is not revoked and has not been rotated itself


@dataclass(frozen=True)
class FamilyState:
    revoked: bool
    expires: datetime | None  # None: unlimited lifetime
    last_used: datetime
    idle_window: int  # seconds


def family_expiry(family: FamilyState) -> datetime:
    """When the family stops working: its lifetime or its idle window, whichever ends first."""
    idle_end = family.last_used + timedelta(seconds=family.idle_window)
    return idle_end if family.expires is None else min(family.expires, idle_end)


def classify(token: TokenState, family: FamilyState, *, leeway: int, now: datetime) -> str:
    """CURRENT, GRACE, REUSED or INVALID for a presented token of a known family.

    `now` is when the request arrived, before it waited for the family lock. A request that arrived
    before the rotation took effect (`rotated` later than `now`) was concurrent with it, not a replay,
    and is served from the grace period whatever the leeway. Okta: with leeway 0 "the previous token
    is invalidated after the new token is generated and returned in the response".
    """
    if family.revoked or token.revoked or family_expiry(family) <= now:
        return INVALID
    if token.rotated is None:
        return CURRENT
    # DOT issue 1617: the grace period covers only the immediate predecessor of the live token.
    if token.successor_is_live and now - token.rotated <= timedelta(seconds=leeway):
        return GRACE
    return REUSED


def narrowed_expiry(expires: datetime | None, created: datetime, lifetime: int | None) -> datetime | None:
    """The family's expiry after a refresh matched a rule with `lifetime` seconds (None: unlimited).

    Okta: the expiry is inherited from the family's first token. A rule that now grants less shortens
    it (the safer reading); a longer one never extends it.
    """
    if lifetime is None:
        return expires
    candidate = created + timedelta(seconds=lifetime)
    return candidate if expires is None else min(expires, candidate)


@dataclass
class Redemption:
    """A refresh token accepted for one request, with its family locked until the request ends."""

    token: object  # authservers.models.RefreshToken
    family: object  # authservers.models.RefreshTokenFamily
    outcome: str  # CURRENT or GRACE
    rotates: bool  # the response carries the successor, not the presented token

    @property
    def original_scopes(self) -> list[str]:
        return self.family.scope.split()


class FamilyEnded(Exception):
    """Raised inside the refresh transaction: the grant revokes the family, then refuses the request."""

    def __init__(self, family_id, reason: str):
        super().__init__(reason)
        self.family_id = family_id
        self.reason = reason  # "reuse_detected", "user_inactive", "user_not_assigned"


def check_refresh_token_present(request) -> None:
    """oauthlib's own text for a missing token is not Okta's; an empty value counts as missing."""
    if not request.refresh_token:
        raise errors.InvalidRequest(REFRESH_TOKEN_REQUIRED)


def wants_refresh_token(scopes, client, user) -> bool:
    """Okta: a refresh token only for a user grant with `offline_access`, to a client allowed the grant."""
    return user is not None and "offline_access" in (scopes or ()) and client.allows_grant_type("refresh_token")


class CastellanRefreshTokenGrant(RefreshTokenGrant):
    """oauthlib's refresh grant, run in one transaction (the family row stays locked throughout).

    Nothing is written before the final `save_bearer_token`, so a refused request commits too: its
    System Log events (queued on commit) survive, and a request that ends the family (reuse of a
    rotated-out token, a user no longer active or assigned) revokes it under the same lock before
    answering `invalid_grant`.
    """

    def __init__(self, request_validator=None, **kwargs):
        super().__init__(request_validator, **kwargs)
        self.custom_validators.pre_token.append(check_refresh_token_present)
        # Okta re-evaluates the access policy on every refresh (REFERENCE §6.3).
        self.custom_validators.post_token.append(request_validator.validate_refresh_policy)

    def create_token_response(self, request, token_handler):
        from .. import refresh_services
        from .validator import server_of

        with transaction.atomic():
            try:
                return super().create_token_response(request, token_handler)
            except FamilyEnded as ended:
                refresh_services.family_end(family_id=ended.family_id, reason=ended.reason,
                                            server=server_of(request), client=request.client)
                refused = errors.InvalidGrant(REFRESH_TOKEN_INVALID)
            except errors.OAuthError as exc:
                refused = exc
        raise refused
