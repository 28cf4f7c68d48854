"""The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) as ordered checks, Okta's texts.

https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1 · https://openid.net/specs/openid-connect-core-1_0.html
Pure: the view parses an `AuthorizationRequest`, then runs the checks in their order. Until the
client and the redirect URI are verified, an error is shown on a page (`verify_client`); after
that, it goes back to the client (`validate_request`, `check_user`, `plan_consent`) in the
requested response mode: `query` or `form_post` (OAuth 2.0 Form Post Response Mode). oauthlib's
AuthorizationCodeGrant would answer with its own texts and order, so the authorize side is done
here; the token side runs through oauthlib (`validator.CastellanValidator`).
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..runtime import ClientSnapshot, ServerSnapshot
from ..scope_rules import OIDC_SCOPES
from . import errors, implicit, pkce
from .consent import (  # noqa: F401  (re-exported: the consent matrix is part of the request's checks)
    CONSENT_DENIED,
    CONSENT_ENABLED,
    CONSENT_REQUIRED,
    ConsentAnswer,
    ConsentPlan,
    ConsentPrompt,
    consent_needed,
    plan_consent,
)

SUPPORTED_RESPONSE_TYPES = ("code",)
PROMPT_VALUES = {"none", "login", "consent"}
RESPONSE_MODES = ("query", "form_post")
MAX_STATE_LENGTH = 2048
MAX_NONCE_LENGTH = 2048
MAX_LOGIN_HINT_LENGTH = 1024
MAX_AGE_LIMIT = 2**31 - 1  # Okta: max_age is 0..2^31-1 seconds (REFERENCE §2.1)
CODE_LIFETIME = 300  # Okta: an authorization code is single use and lives 300 s (REFERENCE §2.1)
_PARAMETERS = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge",
               "code_challenge_method", "prompt", "response_mode", "max_age", "login_hint")


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str | None = None
    redirect_uri: str | None = None
    response_type: str | None = None
    scope: str | None = None
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: str | None = None
    response_mode: str | None = None
    max_age: str | None = None
    login_hint: str | None = None

    @classmethod
    def from_params(cls, params) -> "AuthorizationRequest":
        """From a QueryDict (GET query or POST form); a repeated parameter is refused later."""
        values = {name: params.get(name) for name in _PARAMETERS}
        request = cls(**values)
        duplicated = [name for name in _PARAMETERS if len(params.getlist(name)) > 1]
        if duplicated:
            object.__setattr__(request, "_duplicated", tuple(duplicated))
        return request

    @property
    def duplicated(self) -> tuple[str, ...]:
        return getattr(self, "_duplicated", ())

    @property
    def scopes(self) -> list[str]:
        return [scope for scope in (self.scope or "").split(" ") if scope]

    @property
    def prompts(self) -> set[str]:
        return {value for value in (self.prompt or "").split(" ") if value}

    @property
    def mode(self) -> str:
        """The response mode errors and results go back in: form_post only when asked for exactly."""
        return "form_post" if self.response_mode == "form_post" else "query"

    @property
    def max_age_seconds(self) -> int | None:
        """`max_age` as an int once `check_max_age` passed; None when absent."""
        return int(self.max_age) if self.max_age not in (None, "") else None

    def to_params(self) -> dict[str, str]:
        """The request's parameters as sent, for a round trip through the sign-in or consent page."""
        return {name: getattr(self, name) for name in _PARAMETERS if getattr(self, name) is not None}


@dataclass(frozen=True)
class AuthorizationRedirect:
    """The authorization response: the client's redirect URI, the parameters, and how they travel."""

    redirect_uri: str
    params: dict = field(default_factory=dict)
    response_mode: str = "query"

    @property
    def url(self) -> str:
        """The redirect URI with the parameters in its query, or in its fragment (implicit flows)."""
        if self.response_mode == "fragment":
            return implicit.fragment_url(self.redirect_uri, self.params)
        return redirect_with(self.redirect_uri, self.params)


# --- before the client and redirect URI are verified: an error page ---------------------------------


def check_client(req: AuthorizationRequest, client: ClientSnapshot | None) -> ClientSnapshot:
    if not req.client_id:
        raise errors.InvalidRequest("The 'client_id' parameter is required.")
    if client is None or not client.active:
        raise errors.InvalidClient("Invalid value for 'client_id' parameter.", status_code=400, www_authenticate="")
    return client


def check_redirect_uri(req: AuthorizationRequest, client: ClientSnapshot) -> str:
    # Okta: the redirect URI must exactly match a registered one (REFERENCE §2.1; RFC 9700 §2.1).
    if not req.redirect_uri:
        raise errors.InvalidRequest("The 'redirect_uri' parameter is required.")
    if req.redirect_uri not in client.redirect_uris:
        raise errors.InvalidRequest("The 'redirect_uri' parameter must be a Login redirect URI in the client "
                                    "app settings.")
    return req.redirect_uri


def check_duplicates(req: AuthorizationRequest) -> None:
    if req.duplicated:
        raise errors.InvalidRequest(errors.DUPLICATE_PARAMETERS)


def verify_client(req: AuthorizationRequest, client: ClientSnapshot | None) -> ClientSnapshot:
    """Checks whose failure is shown on a page: the client and redirect URI are not trusted yet."""
    check_duplicates(req)
    client = check_client(req, client)
    check_redirect_uri(req, client)
    return client


# --- after: errors redirect to the client ------------------------------------------------------------


def check_state(req: AuthorizationRequest) -> None:
    # Okta: `state` is required on every authorize request.
    if not req.state or len(req.state) > MAX_STATE_LENGTH or any(ord(ch) < 0x20 for ch in req.state):
        raise errors.InvalidRequest(errors.STATE_REQUIRED)


def check_response_type(req: AuthorizationRequest, client: ClientSnapshot) -> None:
    if implicit.requested(req.response_type):  # issue 5: the legacy implicit flow, for clients that enable it
        return implicit.check_response_type(req, client)
    if not req.response_type:
        raise errors.InvalidRequest("The 'response_type' parameter is required.")
    if req.response_type not in SUPPORTED_RESPONSE_TYPES:
        raise errors.UnsupportedResponseType(
            f"The response type is not supported by the authorization server. Configured response types: "
            f"[{', '.join(SUPPORTED_RESPONSE_TYPES)}].")
    if not client.allows_grant_type("authorization_code"):
        raise errors.UnauthorizedClient(errors.unauthorized_grant_type(list(client.grant_types)))


def check_response_mode(req: AuthorizationRequest) -> None:
    if implicit.requested(req.response_type):
        return implicit.check_response_mode(req)
    if req.response_mode not in (None, "", *RESPONSE_MODES):
        # fragment is for the implicit and hybrid flows.
        raise errors.OAuthError("The response mode is not supported by the authorization server. "
                                f"Supported response modes: [{', '.join(RESPONSE_MODES)}].")


def check_nonce(req: AuthorizationRequest) -> None:
    if req.nonce is not None and (len(req.nonce) > MAX_NONCE_LENGTH or any(ord(ch) < 0x20 for ch in req.nonce)):
        raise errors.InvalidRequest("The 'nonce' parameter has an invalid value.")


def check_max_age(req: AuthorizationRequest) -> None:
    # OIDC Core §3.1.2.1: non-negative integer seconds. Okta: at most 2^31-1, and prompt=none with
    # max_age=0 cannot be satisfied (REFERENCE §2.1).
    if req.max_age is None:
        return
    value = req.max_age
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_AGE_LIMIT:
        raise errors.InvalidRequest("The 'max_age' parameter has an invalid value.")
    if int(value) == 0 and "none" in req.prompts:
        raise errors.InvalidRequest("The 'max_age' parameter cannot be 0 when 'prompt' is 'none'.")


def check_login_hint(req: AuthorizationRequest) -> None:
    hint = req.login_hint
    if hint is not None and (len(hint) > MAX_LOGIN_HINT_LENGTH or any(ord(ch) < 0x20 for ch in hint)):
        raise errors.InvalidRequest("The 'login_hint' parameter has an invalid value.")


def check_scopes(req: AuthorizationRequest) -> None:
    scopes = set(req.scopes)
    if "openid" not in scopes and scopes & (OIDC_SCOPES - {"openid", "offline_access", "device_sso"}):
        raise errors.AuthorizationAccessDenied(errors.OPENID_REQUIRED)


def check_prompt(req: AuthorizationRequest) -> None:
    prompts = req.prompts
    if not prompts <= PROMPT_VALUES or ("none" in prompts and len(prompts) > 1):
        raise errors.InvalidRequest("The 'prompt' parameter has an invalid value.")


def check_code_challenge(req: AuthorizationRequest, client: ClientSnapshot) -> None:
    if implicit.requested(req.response_type):
        return  # RFC 7636 protects a code; the implicit flow has none
    required = client.pkce_required or client.auth_method == "none"
    pkce.check_code_challenge(req.code_challenge, req.code_challenge_method, required=required)


def check_known_scopes(req: AuthorizationRequest, server: ServerSnapshot) -> None:
    """Okta: unknown scopes (or none and no defaults) fail before sign-in and policy (REFERENCE §5.3.9)."""
    from .decisions import granted_scopes

    granted_scopes(server, "authorization_code", req.scopes)


def validate_request(req: AuthorizationRequest, client: ClientSnapshot, server: ServerSnapshot) -> None:
    """The checks that need no user, in order; each failure redirects to the client."""
    check_state(req)
    check_response_type(req, client)
    check_response_mode(req)
    check_prompt(req)
    check_max_age(req)
    check_nonce(req)
    check_login_hint(req)
    check_scopes(req)
    check_known_scopes(req, server)
    check_code_challenge(req, client)


# --- the signed-in user -----------------------------------------------------------------------------


def session_too_old(req: AuthorizationRequest, auth_time: int | None, now: int) -> bool:
    """OIDC Core §3.1.2.1: with `max_age`, a sign-in older than that many seconds must be redone.

    `max_age=0` always asks again, like `prompt=login`; an unknown sign-in time counts as too old.
    """
    max_age = req.max_age_seconds
    if max_age is None:
        return False
    if max_age == 0 or auth_time is None:
        return True
    return now - auth_time > max_age


def check_session(req: AuthorizationRequest, signed_in: bool, *, auth_time: int | None = None,
                  now: int = 0) -> bool:
    """True when the user must sign in (again) first; `prompt=none` cannot show the sign-in page."""
    if signed_in and "login" not in req.prompts and not session_too_old(req, auth_time, now):
        return False
    if "none" in req.prompts:
        raise errors.LoginRequired("The client specified not to prompt, but the user is not logged in.")
    return True


def check_user(*, active: bool, assigned: bool) -> None:
    if not active:
        raise errors.AuthorizationAccessDenied("The user is not active.")
    # Okta: a user gets tokens only when assigned to the app, directly or through a group (§2.1).
    if not assigned:
        raise errors.AuthorizationAccessDenied(errors.USER_NOT_ASSIGNED)


def consent_plan(req: AuthorizationRequest, client: ClientSnapshot, server: ServerSnapshot, user,
                 scopes) -> ConsentPlan:
    """What the consent page would ask this user, given the grants they already gave (REFERENCE §3)."""
    from .. import consents

    if not any(server.scopes[name].consent in CONSENT_ENABLED for name in scopes):
        return ConsentPlan(ask=(), skipped=frozenset())
    return plan_consent(req, client, server, scopes,
                        consents.consent_states(user_id=user.pk, client_pk=client.id, server_id=server.id),
                        consents.optional_scopes(server_id=server.id, names=scopes))


def issue_code(req: AuthorizationRequest, client: ClientSnapshot, server: ServerSnapshot, user, *,
               issuer: str, now, auth_time: int | None = None,
               answer: ConsentAnswer | None = None) -> AuthorizationRedirect | ConsentPrompt:
    """The signed-in user's part, in order: active, assigned, policy, consent; then a code is stored.

    Returns a `ConsentPrompt` when the consent page must be shown first (`answer` is None); with the
    user's `answer` from that page, the consent is recorded with the code.
    """
    if implicit.requested(req.response_type):  # the legacy implicit flow: tokens in the fragment
        return implicit.issue_tokens(req, client, server, user, issuer=issuer, now=now, auth_time=auth_time)
    from .. import code_services, consents
    from . import decisions

    group_ids = code_services.user_group_ids(user)
    check_user(active=user.is_active,
               assigned=code_services.user_is_assigned(client_pk=client.id, user=user, group_ids=group_ids))
    try:
        decision = decisions.decide(server, client, "authorization_code", req.scopes, user_id=user.pk,
                                    group_ids=group_ids)
    except errors.PolicyDenied as exc:
        raise errors.AuthorizationAccessDenied(exc.description) from None  # a redirect at /authorize (§5.3.4)
    plan = consent_plan(req, client, server, user, decision.scopes)
    if plan.ask and answer is None:
        if "none" in req.prompts:
            raise errors.ConsentRequired(CONSENT_REQUIRED)
        return plan.prompt()
    allowed, declined = plan.outcome(answer)
    scopes = [name for name in decision.scopes if name not in plan.skipped and name not in declined]
    if auth_time is None:
        auth_time = int((user.last_login or now).timestamp())
    if allowed or declined:
        consents.consent_record(user=user, client_pk=client.id, server_id=server.id, issuer=issuer,
                                allowed=allowed, declined=declined, now=now)
    code = code_services.authorization_code_create(
        server_id=server.id, client_pk=client.id, user=user, redirect_uri=req.redirect_uri,
        scopes=scopes, code_challenge=req.code_challenge,
        code_challenge_method=req.code_challenge_method if req.code_challenge else None, nonce=req.nonce,
        decision=decision, auth_time=auth_time, now=now)
    return code_redirect(req, code, issuer)


# --- responses --------------------------------------------------------------------------------------


def redirect_with(redirect_uri: str, params: dict) -> str:
    """`redirect_uri` with `params` added to its query (RFC 6749 §4.1.2: keep its own query)."""
    parts = urlsplit(redirect_uri)
    extra = urlencode({name: value for name, value in params.items() if value is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def error_redirect(req: AuthorizationRequest, exc: errors.OAuthError, issuer: str) -> AuthorizationRedirect:
    # RFC 6749 §4.1.2.1 errors; RFC 9207: every authorization response carries `iss`.
    params = {"error": exc.error, "error_description": exc.description, "state": req.state or None, "iss": issuer}
    mode = "fragment" if implicit.requested(req.response_type) else req.mode  # RFC 6749 §4.2.2.1
    return AuthorizationRedirect(req.redirect_uri, {name: value for name, value in params.items() if value}, mode)


def code_redirect(req: AuthorizationRequest, code: str, issuer: str) -> AuthorizationRedirect:
    return AuthorizationRedirect(req.redirect_uri, {"code": code, "state": req.state, "iss": issuer}, req.mode)
