"""Which token carries which claim: Okta's placement rules (REFERENCE §4 semantics, §6.2).

Pure. One question, `claim_placement`: for one claim and one response (the `/authorize` response of a
`response_type`, or a `/token` response), which of the access token, the ID token and `/userinfo`
(reached with that response's access token) carry it. Issuance, userinfo and Token Preview all ask it,
so the rules live here only:

- RESOURCE claims go in the access token, whenever one is issued.
- IDENTITY claims are served by `/userinfo` whenever an access token is issued, whatever
  `alwaysIncludeInToken` says.
- An ID token issued **without** an access token (`id_token`, `code id_token` at `/authorize`) is
  "fat": it carries every IDENTITY claim the granted scopes allow, including the standard scope
  claims (`email`, `name`...).
- An ID token issued **with** an access token (`id_token token`, `code id_token token`, and every
  `/token` response) is "thin": only custom IDENTITY claims marked `alwaysIncludeInToken`; the
  standard scope claims (value type SYSTEM) are left to `/userinfo` (docs/compat.md).
- Nothing is placed unless one of the claim's `conditions.scopes` is granted (any scope when empty);
  an ID token needs `openid`.
"""

from collections.abc import Iterable
from typing import Protocol

ACCESS_TOKEN = "access_token"
ID_TOKEN = "id_token"
USERINFO = "userinfo"

AUTHORIZE = "authorize"  # the front channel: tokens in the redirect (implicit and hybrid flows)
TOKEN = "token"  # v1/token: code exchange, refresh, and every other grant

RESPONSE_TYPE_WORDS = frozenset({"code", "token", "id_token", "none"})


class PlacedClaim(Protocol):
    """What placement reads of a claim (`authservers.claims.CompiledClaim` has it)."""

    claim_type: str  # RESOURCE or IDENTITY
    value_type: str  # EXPRESSION, GROUPS or SYSTEM
    always_include_in_token: bool
    conditions: frozenset[str]  # scope names; empty = any scope


def tokens_issued(*, at: str, granted_scopes: Iterable[str], response_type: str = "code") -> frozenset[str]:
    """The tokens one response hands out: at `/authorize`, what `response_type` names; at `/token`, an
    access token and, with `openid`, an ID token."""
    openid = "openid" in granted_scopes
    if at == TOKEN:
        return frozenset({ACCESS_TOKEN, ID_TOKEN} if openid else {ACCESS_TOKEN})
    if at != AUTHORIZE:
        raise ValueError(f"unknown endpoint {at!r}")
    words = set(response_type.split())
    if not words or not words <= RESPONSE_TYPE_WORDS:
        raise ValueError(f"unknown response_type {response_type!r}")
    issued = set()
    if "token" in words:
        issued.add(ACCESS_TOKEN)
    if "id_token" in words and openid:
        issued.add(ID_TOKEN)
    return frozenset(issued)


def claim_placement(claim: PlacedClaim, *, granted_scopes: Iterable[str], at: str = TOKEN,
                    response_type: str = "code") -> frozenset[str]:
    """The places (`ACCESS_TOKEN`, `ID_TOKEN`, `USERINFO`) that carry `claim` in one response.

    `at` is `TOKEN` (v1/token, any grant; `response_type` is then ignored) or `AUTHORIZE` with the
    request's `response_type` (`code`, `token`, `id_token`, `id_token token`, `code id_token`...).
    """
    granted = frozenset(granted_scopes)
    if claim.conditions and claim.conditions.isdisjoint(granted):
        return frozenset()
    issued = tokens_issued(at=at, granted_scopes=granted, response_type=response_type)
    if claim.claim_type == "RESOURCE":
        return issued & {ACCESS_TOKEN}
    places = set()
    if ACCESS_TOKEN in issued:
        places.add(USERINFO)
    if ID_TOKEN in issued and (ACCESS_TOKEN not in issued or _always_in_thin_id_token(claim)):
        places.add(ID_TOKEN)
    return frozenset(places)


def _always_in_thin_id_token(claim: PlacedClaim) -> bool:
    # "Always" in the console; the standard scope claims are served by /userinfo instead.
    return claim.always_include_in_token and claim.value_type != "SYSTEM"


def claims_placed_in(place: str, claims: Iterable[PlacedClaim], *, granted_scopes: Iterable[str], at: str = TOKEN,
                     response_type: str = "code") -> tuple:
    """The claims of `claims` that `place` carries, in their order."""
    granted = frozenset(granted_scopes)
    return tuple(claim for claim in claims
                 if place in claim_placement(claim, granted_scopes=granted, at=at, response_type=response_type))


def id_token_carries_scope_claims(*, granted_scopes: Iterable[str], at: str = TOKEN,
                                  response_type: str = "code") -> bool:
    """Whether this response's ID token carries the standard claims of its scopes (a "fat" ID token):
    true only for an ID token issued without an access token."""
    issued = tokens_issued(at=at, granted_scopes=granted_scopes, response_type=response_type)
    return ID_TOKEN in issued and ACCESS_TOKEN not in issued
