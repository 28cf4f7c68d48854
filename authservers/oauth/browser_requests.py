"""Token requests from a browser (an `Origin` header): Okta's rules, REFERENCE §2.4.

Code running in a page cannot keep a secret, so a browser may only redeem an authorization code
with PKCE (or, for the refresh-token work, a refresh token), and only from an origin the org
trusts: a trusted origin with the CORS scope or the origin of one of the client's redirect URIs.
Plain functions over strings; the token view calls `check` before oauthlib sees the request.
"""

from . import errors

BROWSER_GRANT_TYPES = ("authorization_code", "refresh_token")

ORIGIN_NOT_ALLOWED = "Browser requests to the token endpoint must be part of at least one whitelisted redirect_uri."
PKCE_REQUIRED = "Browser requests to the token endpoint must use Proof Key for Code Exchange."
GRANT_NOT_ALLOWED = "Browser requests to the token endpoint may only use the authorization_code grant_type."


class BrowserRequestRefused(errors.InvalidClient):
    """Okta answers these as `invalid_client`; 400 without `WWW-Authenticate`, so no browser prompts for a password."""

    status_code = 400

    def __init__(self, description: str):
        super().__init__(description, www_authenticate="")


def check(*, origin: str | None, form: dict[str, str], client_origins: frozenset[str] | None) -> None:
    """Raise BrowserRequestRefused unless this token request may come from a browser.

    `origin` is the request's parsed origin (None when the header is malformed or opaque, which no
    list can allow); `client_origins` the origins allowed for the client the request names, None
    when it names no active client, in which case client authentication answers instead.
    """
    if client_origins is not None and (origin is None or origin not in client_origins):
        raise BrowserRequestRefused(ORIGIN_NOT_ALLOWED)
    grant_type = form.get("grant_type", "")
    if grant_type == "refresh_token":
        return
    if not form.get("code_verifier"):
        # Okta: a client_credentials or password request from a browser gets this text too.
        raise BrowserRequestRefused(PKCE_REQUIRED)
    if grant_type not in BROWSER_GRANT_TYPES:
        raise BrowserRequestRefused(GRANT_NOT_ALLOWED)


def claimed_client_id(authorization: str | None, form: dict[str, str]) -> str:
    """The client a token request names (form `client_id`, else HTTP Basic); "" if none can be read.

    Only to pick the allowed origins: client authentication still decides who the client is.
    """
    if form.get("client_id"):
        return form["client_id"]
    if authorization and authorization.split(" ", 1)[0].lower() == "basic":
        from .client_auth import parse_basic_authorization

        try:
            return parse_basic_authorization(authorization)[0]
        except errors.OAuthError:
            return ""
    return ""
