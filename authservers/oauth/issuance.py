"""What oauthlib's BearerToken calls to mint tokens: lifetimes and JWT access tokens for a request."""

import json
import time

from .. import claims as claim_rules
from .. import systemlog
from . import errors
from .access_tokens import build_access_token_claims, new_jti, sign_jwt
from .claim_placement import ID_TOKEN, claims_placed_in
from .id_tokens import build_id_token_claims, sign_id_token
from .validator import issuer_of, server_of


def access_token_lifetime(request) -> int:
    """Seconds the access token lives: the matched policy rule's access-token lifetime."""
    return request.castellan_decision.access_token_lifetime


def claims_context(server, client, scopes, user=None):
    """The expression context of a request: the user's profile and groups when there is a user."""
    app = {"id": client.id, "clientId": client.client_id, "profile": client.profile}
    if user is None:
        return claim_rules.client_credentials_context(app=app, scopes=scopes, org=server.org)
    from ..code_services import user_claims_data

    profile, groups = user_claims_data(user)
    return claim_rules.user_context(user=profile, groups=groups, app=app, scopes=scopes, org=server.org)


def resource_claims(server, client, scopes, user=None) -> tuple[str, dict]:
    """(`sub`, custom RESOURCE claims) for an access token; raises `ClaimEvaluationFailed`.

    A server with Okta's default `sub` expression and no other claim builds no context at all.
    """
    subject = getattr(user, "login", None) or client.client_id
    if server.sub_claim is None and not server.resource_claims:
        return subject, {}
    context = claims_context(server, client, scopes, user)
    if server.sub_claim is not None:
        subject = claim_rules.subject_value(claim_rules.evaluate_claim(server.sub_claim, context), server.sub_claim)
    return subject, claim_rules.evaluate_claims(server.resource_claims, context, scopes, "RESOURCE")


def _b64_length(payload: dict) -> int:
    return -(-len(json.dumps(payload, separators=(",", ":")).encode()) * 4 // 3)  # base64url, no padding


def oversized_claim(claims: dict, custom: dict, token_length: int, limit: int) -> str | None:
    """The custom claim that took a token of `token_length` past `limit`: the first one whose addition
    (in the token's claim order) crosses it; None when the token is too big even without them. Runs
    only on the error path."""
    overhead = token_length - _b64_length(claims)  # header, signature and dots
    partial = {name: value for name, value in claims.items() if name not in custom}
    if overhead + _b64_length(partial) > limit:
        return None
    for name in claims:
        if name in custom:
            partial[name] = claims[name]
            if overhead + _b64_length(partial) > limit:
                return name
    return None


def token_size_problem(kind: str, token: str, claims: dict, custom: dict, limit: int):
    """`ClaimEvaluationFailed` naming the claim that took `token` past the server's size limit, or None.

    `kind` is "access token" or "ID token"; `custom` the claims the server's admin added.
    """
    if len(token) <= limit:
        return None
    name = oversized_claim(claims, custom, len(token), limit)
    start = f"The {kind} would be {len(token)} bytes, more than the {limit} this server allows"
    if name is None:
        return claim_rules.ClaimEvaluationFailed(f"{start}, even without custom claims.", claim="",
                                                 reason=f"{kind} too large")
    return claim_rules.ClaimEvaluationFailed(f"{start}; the '{name}' claim took it over the limit.", claim=name,
                                             reason=f"{kind} too large")


def generate_access_token(request, refresh_token=False) -> str:
    """oauthlib `token_generator`: a signed JWT access token for the validated request."""
    server = server_of(request)
    now = int(time.time())
    signing = server.access_token_signing(now)
    if signing is None:
        raise errors.ServerError("The authorization server has no active signing key.")
    client = request.client
    user = getattr(request, "user", None)
    jti = new_jti()
    request.access_token_jti = jti
    try:
        subject, custom = resource_claims(server, client, request.scopes, user)
    except claim_rules.ClaimEvaluationFailed as exc:
        systemlog.emit_deferred(_claim_failed_event, server, client, request.scopes, exc)
        raise
    auth_time = getattr(request, "castellan_auth_time", None)
    claims = build_access_token_claims(
        issuer=issuer_of(request), audience=server.audience, client_id=client.client_id,
        scopes=request.scopes, subject=subject, user_id=getattr(user, "pk", None), now=now,
        lifetime=request.expires_in, jti=jti,
        extra={"auth_time": auth_time, **custom} if auth_time is not None else custom,
    )
    token = sign_jwt(claims, signing)
    _check_size("access token", token, claims, custom, server, client, request.scopes)
    return token


def _check_size(kind, token, claims, custom, server, client, scopes) -> None:
    exc = token_size_problem(kind, token, claims, custom, server.token_size_limit)
    if exc is not None:
        systemlog.emit_deferred(_claim_failed_event, server, client, scopes, exc)
        raise exc


def add_id_token(token: dict, token_handler, request) -> dict:
    """oauthlib token modifier: an ID token when `openid` was granted to a user (OIDC Core §3.1.3.3).

    Thin, as Okta's code flow: no system scope claims here, `/userinfo` serves them; custom IDENTITY
    claims only when `alwaysIncludeInToken` (REFERENCE §6.2).
    """
    user = getattr(request, "user", None)
    if user is None or "openid" not in (request.scopes or ()):
        return token
    server = server_of(request)
    if server.signing is None:
        raise errors.ServerError("The authorization server has no active signing key.")
    issuer = issuer_of(request)
    org_id = (server.org or {}).get("id")
    # Okta: with an access token, only IDENTITY claims marked alwaysIncludeInToken (REFERENCE §6.2).
    included = claims_placed_in(ID_TOKEN, server.identity_claims, granted_scopes=request.scopes)
    extra = {}
    if included:
        context = claims_context(server, request.client, request.scopes, user)
        try:
            extra = claim_rules.evaluate_claims(included, context, request.scopes, "IDENTITY")
        except claim_rules.ClaimEvaluationFailed as exc:
            systemlog.emit_deferred(_claim_failed_event, server, request.client, request.scopes, exc)
            raise
    claims = build_id_token_claims(
        issuer=issuer, client_id=request.client.client_id, user_id=user.pk, idp=org_id or issuer,
        auth_time=request.castellan_auth_time, now=int(time.time()), nonce=getattr(request, "nonce", None),
        access_token=token.get("access_token"), extra=extra)
    id_token = sign_id_token(claims, server.signing)
    _check_size("ID token", id_token, claims, extra, server, request.client, request.scopes)
    token["id_token"] = id_token
    return token


def _claim_failed_event(server, client, scopes, exc) -> tuple:
    return ("app.oauth2.as.evaluate.claim", "WARN", exc.description,
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "FAILURE", exc.reason,
            {"claimName": exc.claim, "grantedScopes": " ".join(scopes or ()), "detail": exc.reason})
