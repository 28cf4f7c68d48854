"""RP-Initiated Logout 1.0 at `v1/logout`: the checks on `id_token_hint` and `post_logout_redirect_uri`.

https://openid.net/specs/openid-connect-rpinitiated-1_0.html · REFERENCE §2.5
Pure: the caller passes the server's keys, the client's registered URIs and the session's user.
"""

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..runtime import ServerSnapshot
from .access_tokens import verify_jwt

HINT_REQUIRED = "The 'id_token_hint' parameter is required."
HINT_INVALID = "The 'id_token_hint' parameter is not a valid ID token issued by this authorization server."
REDIRECT_NOT_REGISTERED = ("The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the "
                           "client app settings.")


class LogoutError(Exception):
    """Shown on the error page, never redirected (the redirect target is what is in doubt)."""

    def __init__(self, description: str, error: str = "invalid_request"):
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class LogoutRequest:
    id_token_hint: str
    post_logout_redirect_uri: str
    state: str

    @classmethod
    def from_params(cls, params) -> "LogoutRequest":
        return cls(id_token_hint=params.get("id_token_hint", ""),
                   post_logout_redirect_uri=params.get("post_logout_redirect_uri", ""),
                   state=params.get("state", ""))


def verify_hint(hint: str, *, server: ServerSnapshot, issuer: str) -> dict:
    """The claims of an ID token this server signed for `issuer`, expired or not (REFERENCE §2.5).

    An access token of this server is not a hint: its `aud` is the server's audience and it
    carries `scp`; an ID token's `aud` is a client and its `jti` starts with `ID.`.
    """
    if not hint:
        raise LogoutError(HINT_REQUIRED)
    claims = verify_jwt(hint, server.verification_keys, issuer=issuer, verify_exp=False)
    if claims is None:
        raise LogoutError(HINT_INVALID)
    aud, sub, jti = claims.get("aud"), claims.get("sub"), claims.get("jti")
    if (not isinstance(aud, str) or not aud or aud == server.audience or "scp" in claims
            or not isinstance(sub, str) or not sub or not isinstance(jti, str) or not jti.startswith("ID.")):
        raise LogoutError(HINT_INVALID)
    return claims


def check_redirect(uri: str, registered) -> str | None:
    """The redirect target (exactly one of the client's logout URIs), or None when none was asked for."""
    if not uri:
        return None
    if uri not in tuple(registered):
        raise LogoutError(REDIRECT_NOT_REGISTERED)
    return uri


def ends_session(claims: dict, session_user_id: str | None) -> bool:
    """Only the session of the hint's subject is ended (a stale hint cannot sign out someone else)."""
    return session_user_id is not None and claims.get("sub") == session_user_id


def redirect_url(uri: str, state: str) -> str:
    """`uri` with `state` appended to its query when given (RP-Initiated Logout §2)."""
    if not state:
        return uri
    parts = urlsplit(uri)
    query = f"{parts.query}&{urlencode({'state': state})}" if parts.query else urlencode({"state": state})
    return urlunsplit(parts._replace(query=query))
