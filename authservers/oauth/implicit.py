"""The implicit flow (RFC 6749 §4.2, OIDC Core §3.2): legacy, off unless a client enables it.

https://www.rfc-editor.org/rfc/rfc6749#section-4.2 · https://openid.net/specs/openid-connect-core-1_0.html#ImplicitFlowAuth
RFC 9700 §2.1.2 says clients SHOULD NOT use it; Castellan offers it for Okta compatibility only
(docs/legacy-grants.md). Response types `token`, `id_token` and `id_token token`, in the fragment.
`authorize.py` runs the shared checks and calls here for what differs: the response type and mode
rules, and the tokens in the redirect. Tokens are built with the same code as the token endpoint's.
"""

import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..runtime import ClientSnapshot, ServerSnapshot
from . import errors

GRANT_TYPE = "implicit"
RESPONSE_TYPES = (frozenset({"token"}), frozenset({"id_token"}), frozenset({"id_token", "token"}))
NONCE_REQUIRED = ("The 'nonce' parameter is required for authorize requests with either the 'id_token' or "
                  "'token' response types.")
RESPONSE_MODE_UNSUPPORTED = ("The response mode is not supported by the authorization server. "
                             "Supported response modes: [fragment].")


class UnsupportedResponseMode(errors.OAuthError):
    error = "unsupported_response_mode"


def response_type_parts(response_type: str | None) -> frozenset[str]:
    """OAuth 2.0 Multiple Response Types §3: space-separated, order does not matter."""
    return frozenset(part for part in (response_type or "").split(" ") if part)


def requested(response_type: str | None) -> bool:
    """Whether `response_type` is one of the implicit ones (no `code`: hybrid flows are not offered)."""
    return response_type_parts(response_type) in RESPONSE_TYPES


def check_response_type(req, client: ClientSnapshot) -> None:
    """The client enabled the implicit grant and each response type; `nonce` is present (Okta, for both)."""
    if not client.allows_grant_type(GRANT_TYPE):
        raise errors.UnauthorizedClient(errors.unauthorized_grant_type(list(client.grant_types)))
    if not response_type_parts(req.response_type) <= set(client.response_types):
        raise errors.UnauthorizedClient(
            "The client is not authorized to use the provided response type. Configured response types: "
            f"[{', '.join(client.response_types)}].")
    if not req.nonce:
        raise errors.InvalidRequest(NONCE_REQUIRED)
    if "id_token" in response_type_parts(req.response_type) and "openid" not in req.scopes:
        raise errors.AuthorizationAccessDenied(errors.OPENID_REQUIRED)


def check_response_mode(req) -> None:
    # Okta: `query` is refused when tokens are returned; tokens never go in a query (RFC 9700 §2.1.2).
    if req.response_mode not in (None, "", "fragment"):
        raise UnsupportedResponseMode(RESPONSE_MODE_UNSUPPORTED)


# --- responses --------------------------------------------------------------------------------------


def fragment_url(redirect_uri: str, params: dict) -> str:
    """`redirect_uri` with `params` in its fragment (RFC 6749 §4.2.2); its query is kept as registered."""
    parts = urlsplit(redirect_uri)
    fragment = urlencode({name: value for name, value in params.items() if value is not None})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, fragment))


def token_response(*, access_token: str | None, expires_in: int, scopes, id_token: str | None, state: str,
                   issuer: str) -> dict:
    params = {}
    if access_token:
        params.update({"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in,
                       "scope": " ".join(scopes)})
    if id_token:
        params["id_token"] = id_token
    params.update({"state": state, "iss": issuer})  # RFC 9207: `iss` in every authorization response
    return params


def issue_tokens(req, client: ClientSnapshot, server: ServerSnapshot, user, *, issuer: str, now,
                 auth_time: int | None = None):
    """The signed-in user's part, in the code flow's order (active, assigned, policy with grant type
    `implicit`, consent), then the tokens; returns the `AuthorizationRedirect` (fragment mode)."""
    from .. import code_services
    from . import authorize, decisions

    group_ids = code_services.user_group_ids(user)
    authorize.check_user(active=user.is_active,
                         assigned=code_services.user_is_assigned(client_pk=client.id, user=user, group_ids=group_ids))
    try:
        decision = decisions.decide(server, client, GRANT_TYPE, req.scopes, user_id=user.pk, group_ids=group_ids)
    except errors.PolicyDenied as exc:
        raise errors.AuthorizationAccessDenied(exc.description) from None
    if authorize.consent_plan(req, client, server, user, decision.scopes).ask:
        # No consent page for the legacy flows: a client that needs consent uses the code flow.
        raise errors.ConsentRequired(authorize.CONSENT_REQUIRED)
    if auth_time is None:
        auth_time = int((user.last_login or now).timestamp())
    parts = response_type_parts(req.response_type)
    access_token = None
    if "token" in parts:
        access_token = _access_token(client, server, user, decision, issuer=issuer, auth_time=auth_time)
    id_token = None
    if "id_token" in parts:
        id_token = _id_token(req, client, server, user, decision.scopes, parts, issuer=issuer, auth_time=auth_time,
                             access_token=access_token)
    from .. import systemlog

    for kind, token in (("access_token", access_token), ("id_token", id_token)):
        if token:
            systemlog.emit_deferred(_implicit_granted_event, server, client, user, kind, decision)
    return authorize.AuthorizationRedirect(req.redirect_uri, token_response(
        access_token=access_token, expires_in=decision.access_token_lifetime, scopes=decision.scopes,
        id_token=id_token, state=req.state, issuer=issuer), "fragment")


def _implicit_granted_event(server, client, user, kind, decision) -> tuple:
    from .. import systemlog

    # Okta's event types for tokens issued by /authorize in the implicit flow.
    return (f"app.oauth2.as.authorize.implicit.{kind}", "INFO", f"OAuth2 {kind.replace('_', ' ')} is granted",
            systemlog.actor_for_user(user), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name),
             systemlog.target(client.id, "AppInstance", client.label, client.client_id)], "SUCCESS", "",
            {"grantType": GRANT_TYPE, "grantedScopes": " ".join(decision.scopes), "policyId": decision.policy_id,
             "ruleId": decision.rule_id})


def _access_token(client, server, user, decision, *, issuer: str, auth_time: int) -> str:
    """The token endpoint's JWT access token (issuance.generate_access_token), for an oauthlib request
    that carries what the validator would have put on it."""
    from oauthlib.common import Request

    from .issuance import generate_access_token
    from .validator import ISSUER_HEADER, SERVER_HEADER

    request = Request("", headers={SERVER_HEADER: server, ISSUER_HEADER: issuer})
    request.client, request.user, request.scopes = client, user, list(decision.scopes)
    request.castellan_auth_time, request.expires_in = auth_time, decision.access_token_lifetime
    return generate_access_token(request)


def _id_token(req, client, server, user, scopes, parts, *, issuer: str, auth_time: int,
              access_token: str | None) -> str:
    from .. import claims as claim_rules
    from .. import systemlog
    from .id_tokens import build_id_token_claims, sign_id_token
    from .issuance import _claim_failed_event, claims_context
    from .userinfo import select_claims

    if server.signing is None:
        raise errors.ServerError("The authorization server has no active signing key.")
    from .claim_placement import AUTHORIZE, ID_TOKEN, claims_placed_in, id_token_carries_scope_claims

    # REFERENCE §6.2: an ID token without an access token is "fat" (the scope claims and every IDENTITY
    # claim); beside an access token, only those marked alwaysIncludeInToken.
    placement = {"granted_scopes": scopes, "at": AUTHORIZE, "response_type": " ".join(sorted(parts))}
    full = id_token_carries_scope_claims(**placement)
    included = list(claims_placed_in(ID_TOKEN, server.identity_claims, **placement))
    extra = {}
    if full:
        extra = select_claims(user_id=user.pk, login=user.login, email=user.email, first_name=user.first_name,
                              last_name=user.last_name, profile=user.profile,
                              updated_at=int(user.last_updated.timestamp()), scopes=scopes)
        del extra["sub"]
    if included:
        context = claims_context(server, client, scopes, user)
        try:
            custom = claim_rules.evaluate_claims(included, context, scopes, "IDENTITY")
        except claim_rules.ClaimEvaluationFailed as exc:
            systemlog.emit_deferred(_claim_failed_event, server, client, scopes, exc)
            raise
        extra.update({name: value for name, value in custom.items() if name not in extra})
    claims = build_id_token_claims(
        issuer=issuer, client_id=client.client_id, user_id=user.pk, idp=(server.org or {}).get("id") or issuer,
        auth_time=auth_time, now=int(time.time()), nonce=req.nonce, access_token=access_token, extra=extra)
    return sign_id_token(claims, server.signing)
