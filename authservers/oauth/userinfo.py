"""The UserInfo endpoint (OIDC Core §5.3): which token it accepts and which claims it returns.

https://openid.net/specs/openid-connect-core-1_0.html#UserInfo · RFC 6750 §3 (WWW-Authenticate)
Pure apart from the revocation lookup in `verify_bearer` (passed in by the caller): the caller
loads the user and evaluates the custom IDENTITY claims.
"""

from collections.abc import Callable

from ..runtime import ServerSnapshot
from .access_tokens import MAX_TOKEN_LENGTH, verify_jwt

USERINFO_SCOPES = ("profile", "email", "address", "phone")
INVALID_TOKEN = "The access token is invalid"
INSUFFICIENT_SCOPE = ("The access token must provide access to at least one of these scopes - "
                      "profile, email, address or phone")

# OIDC claim -> profile attribute names tried in order (the OIDC name, then Okta's directory name).
_PROFILE_ATTRIBUTES = {
    "middle_name": ("middle_name", "middleName"),
    "nickname": ("nickname", "nickName"),
    "profile": ("profile", "profileUrl"),
    "picture": ("picture",),
    "website": ("website",),
    "gender": ("gender",),
    "birthdate": ("birthdate",),
    "zoneinfo": ("zoneinfo", "timezone"),
    "locale": ("locale",),
}
_ADDRESS_PARTS = {"street_address": "streetAddress", "locality": "city", "region": "state",
                  "postal_code": "zipCode", "country": "countryCode"}


class BearerProblem(Exception):
    """Why a request gets 401/403: `error` None for a request without a token (RFC 6750 §3.1)."""

    def __init__(self, status: int, error: str | None = None, description: str | None = None):
        super().__init__(description or "missing bearer token")
        self.status, self.error, self.description = status, error, description

    def www_authenticate(self) -> str:
        if self.error is None:
            return "Bearer"
        return f'Bearer error="{self.error}", error_description="{self.description}"'


class MissingToken(BearerProblem):
    def __init__(self):
        super().__init__(401)


class InvalidToken(BearerProblem):
    def __init__(self):
        super().__init__(401, "invalid_token", INVALID_TOKEN)


class InsufficientScope(BearerProblem):
    def __init__(self):
        super().__init__(403, "insufficient_scope", INSUFFICIENT_SCOPE)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer …` header; raises MissingToken or InvalidToken."""
    if not authorization or not authorization.strip():
        raise MissingToken()
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise MissingToken()  # no Bearer credentials at all
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or " " in token:
        raise InvalidToken()
    return token


def verify_bearer(token: str, *, server: ServerSnapshot, issuer: str,
                  is_revoked: Callable[[str], bool]) -> dict:
    """The claims of a live access token of this server for a user; raises InvalidToken or InsufficientScope."""
    claims = verify_jwt(token, server.verification_keys, issuer=issuer)
    if claims is None or claims.get("aud") != server.audience:
        raise InvalidToken()
    uid, jti = claims.get("uid"), claims.get("jti")
    if not isinstance(uid, str) or not uid or not isinstance(jti, str) or not jti or is_revoked(jti):
        raise InvalidToken()
    if not set(USERINFO_SCOPES) & set(granted_scopes(claims)):
        raise InsufficientScope()
    return claims


def granted_scopes(claims: dict) -> list[str]:
    scopes = claims.get("scp") or []
    if isinstance(scopes, str):
        return scopes.split()
    return [scope for scope in scopes if isinstance(scope, str)] if isinstance(scopes, list) else []


def _first(profile: dict, names) -> object:
    for name in names:
        value = profile.get(name)
        if value not in (None, ""):
            return value
    return None


def _address(profile: dict) -> dict | None:
    address = profile.get("address")
    if isinstance(address, dict):
        return {name: value for name, value in address.items() if value not in (None, "")} or None
    built = {claim: profile[attribute] for claim, attribute in _ADDRESS_PARTS.items()
             if profile.get(attribute) not in (None, "")}
    return built or None


def select_claims(*, user_id: str, login: str, email: str, first_name: str, last_name: str, profile: dict,
                  updated_at: int, scopes) -> dict:
    """`sub` plus the standard claims of the granted scopes (OIDC Core §5.4), nulls left out."""
    profile = profile if isinstance(profile, dict) else {}
    scopes = set(scopes)
    claims: dict = {"sub": user_id}
    if "profile" in scopes:
        display = _first(profile, ("name", "displayName")) or f"{first_name} {last_name}".strip() or None
        claims.update({
            "name": display,
            "family_name": last_name or None,
            "given_name": first_name or None,
            "middle_name": None, "nickname": None,
            "preferred_username": login,
        })
        claims.update({claim: _first(profile, names) for claim, names in _PROFILE_ATTRIBUTES.items()})
        claims["updated_at"] = updated_at
    if "email" in scopes:
        verified = profile.get("email_verified", profile.get("emailVerified"))
        claims["email"] = email or None
        claims["email_verified"] = verified if isinstance(verified, bool) else False
    if "address" in scopes:
        claims["address"] = _address(profile)
    if "phone" in scopes:
        claims["phone_number"] = _first(profile, ("phone_number", "primaryPhone", "mobilePhone"))
    return {name: value for name, value in claims.items() if value is not None}
