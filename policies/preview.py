"""Token Preview: what a token request would get, and why, without issuing or storing anything.

The decision goes through the same code as the token endpoint (`authservers.oauth.decisions`), so
the preview cannot drift from real behaviour. Its JSON shape is documented in docs/token-preview.md.
"""

import base64
import json
import time

from accounts.models import User
from authservers import claims as claim_rules
from authservers.claims import SUB_CLAIM
from authservers.http import okta_error_body
from authservers.oauth import errors
from authservers.oauth.access_tokens import ACCESS_TOKEN_TYPE, build_access_token_claims, new_jti, sign_jwt
from authservers.oauth.claim_placement import ID_TOKEN, TOKEN, claim_placement
from authservers.oauth.decisions import check_client_grant, decide
from authservers.oauth.id_tokens import ID_TOKEN_TYPE, build_id_token_claims
from authservers.oauth.issuance import claims_context, token_size_problem
from authservers.oauth.server import SUPPORTED_GRANT_TYPES
from authservers.selectors import server_snapshot
from authservers.services import ServiceError
from clients.selectors import client_snapshot


def preview_token(*, server_id: str, client_id: str, grant_type: str, scopes: list[str],
                  user_login: str | None = None, now: int | None = None) -> dict:
    """{"decision", "trace", "tokens", "error"}; ServiceError for an unknown server, client or user."""
    server = server_snapshot(server_id)
    if server is None:
        raise ServiceError(f"Not found: Resource not found: {server_id} (AuthorizationServer)", "server",
                           code="E0000007")
    client = client_snapshot(client_id)
    if client is None:
        raise ServiceError(f"Not found: Resource not found: {client_id} (Client)", "client", code="E0000007")
    user = None
    if user_login:
        if grant_type == "client_credentials":
            raise ServiceError("user: A client_credentials request has no user; leave the user out.", "user")
        user = User.objects.filter(login__iexact=user_login).first()
        if user is None:
            raise ServiceError(f"Not found: Resource not found: {user_login} (User)", "user", code="E0000007")
    result = {"decision": None, "trace": [], "tokens": None, "error": None}
    try:
        if not server.active:
            # The endpoints answer an inactive server with Okta's management error, not an OAuth one.
            result["error"] = {**okta_error_body(
                "E0000007", f"Not found: Resource not found: {server_id} (AuthorizationServer)"), "status": 404}
            return result
        if not client.active:
            raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
        if grant_type not in SUPPORTED_GRANT_TYPES:
            raise errors.UnsupportedGrantType(errors.unsupported_grant_type(SUPPORTED_GRANT_TYPES))
        check_client_grant(client, grant_type)
        group_ids = frozenset(user.directory_groups.values_list("id", flat=True)) if user else frozenset()
        decision = decide(server, client, grant_type, scopes, user_id=user.pk if user else None,
                          group_ids=group_ids)
    except errors.PolicyDenied as exc:
        result["trace"] = list(exc.denial.trace)
        result["error"] = _error(exc, reason=exc.denial.reason)
        return result
    except errors.OAuthError as exc:
        result["error"] = _error(exc)
        return result
    result["trace"] = list(decision.trace)
    result["decision"] = _decision_json(decision)
    result["tokens"] = _tokens(server, client, decision, user, now if now is not None else int(time.time()))
    return result


def _error(exc: errors.OAuthError, reason: str | None = None) -> dict:
    body = {**exc.body(), "status": exc.status_code}
    if reason:
        body["reason"] = reason
    return body


def _decision_json(decision) -> dict:
    return {
        "policy": {"id": decision.policy_id, "name": decision.policy_name},
        "rule": {"id": decision.rule_id, "name": decision.rule_name},
        "scopes": list(decision.scopes),
        "accessTokenLifetimeSeconds": decision.access_token_lifetime,
        "refreshTokenLifetimeSeconds": decision.refresh_token_lifetime,
        "refreshTokenIdleWindowSeconds": decision.refresh_token_window,
    }


def _claim_error(exc: claim_rules.ClaimEvaluationFailed) -> dict:
    return {"error": exc.error, "error_description": exc.description, "reason": exc.reason}


def _resource_claims(server, client, scopes: list[str], user, context) -> tuple[str, dict, list[dict]]:
    """(`sub`, emitted custom claims, one entry per claim) as the token endpoint would evaluate them.

    A failing claim shows its error instead of failing the whole preview (REFERENCE §4.1: Token
    Preview is where expression errors surface).
    """
    subject = user.login if user else client.client_id
    sub_entry = {"name": SUB_CLAIM, "claimType": "RESOURCE", "value": subject}
    if server.sub_claim is not None:
        try:
            subject = claim_rules.subject_value(claim_rules.evaluate_claim(server.sub_claim, context),
                                                server.sub_claim)
            sub_entry["value"] = subject
        except claim_rules.ClaimEvaluationFailed as exc:
            sub_entry = {"name": SUB_CLAIM, "claimType": "RESOURCE", "error": _claim_error(exc)}
    emitted, report = claim_rules.preview_claims(server.resource_claims, context, scopes, "RESOURCE")
    return subject, emitted, [sub_entry, *report]


def _identity_claims(server, scopes: list[str], context) -> tuple[dict, list[dict]]:
    """(claims the v1/token ID token carries, one entry per IDENTITY claim the scopes allow).

    Each entry says where the claim goes (`placement`: "id_token" and/or "userinfo", Okta's rules in
    `claim_placement`), with its value or its error.
    """
    _emitted, report = claim_rules.preview_claims(server.identity_claims, context, scopes, "IDENTITY")
    placements = {claim.name: sorted(claim_placement(claim, granted_scopes=scopes, at=TOKEN))
                  for claim in server.identity_claims}
    in_id_token = {}
    for entry in report:
        entry["placement"] = placements.get(entry["name"], [])
        if ID_TOKEN in entry["placement"] and entry.get("value") is not None:
            in_id_token[entry["name"]] = entry["value"]
    return in_id_token, report


def _signed(claims: dict, signing, kind: str, custom: dict, limit: int, typ: str = ACCESS_TOKEN_TYPE) -> dict:
    """Header, size and size error of `claims` once signed, and the signed `token`, which the caller
    must drop from what it shows (nothing usable leaves a preview)."""
    shown = {"header": None, "payload": claims, "size": None, "maxSize": limit}
    if signing is None:
        return shown
    token = sign_jwt(claims, signing, typ=typ)
    shown["header"] = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    shown["size"] = len(token)
    problem = token_size_problem(kind, token, claims, custom, limit)
    if problem is not None:
        shown["sizeError"] = problem.description
    shown["token"] = token
    return shown


def _tokens(server, client, decision, user, now: int) -> dict:
    scopes = list(decision.scopes)
    context = claims_context(server, client, scopes, user)
    subject, custom, claim_report = _resource_claims(server, client, scopes, user, context)
    claims = build_access_token_claims(
        issuer=server.issuer(), audience=server.audience, client_id=client.client_id, scopes=scopes,
        subject=subject, user_id=user.pk if user else None, now=now, lifetime=decision.access_token_lifetime,
        jti=new_jti(), extra={"auth_time": now, **custom} if user else custom,
    )
    limit = server.token_size_limit
    access = {**_signed(claims, server.access_token_signing(now), "access token", custom, limit),
              "claims": claim_report}
    access_token = access.pop("token", None)
    return {
        "access_token": access,
        "id_token": _id_token(server, client, user, scopes, context, access_token, now),
        # Refresh tokens need offline_access and the refresh-token grant: Token Preview shows their lifetimes only.
        "refresh_token": None,
    }


def _id_token(server, client, user, scopes: list[str], context, access_token: str | None, now: int) -> dict | None:
    """The ID token the v1/token response would carry (a user and `openid`): thin, as Okta's (§6.2)."""
    if user is None or "openid" not in scopes:
        return None
    custom, report = _identity_claims(server, scopes, context)
    org_id = (server.org or {}).get("id")
    issuer = server.issuer()
    claims = build_id_token_claims(issuer=issuer, client_id=client.client_id, user_id=user.pk,
                                   idp=org_id or issuer, auth_time=now, now=now, access_token=access_token,
                                   extra=custom, jti=new_jti("ID."))
    shown = {**_signed(claims, server.signing, "ID token", custom, server.token_size_limit, typ=ID_TOKEN_TYPE),
             "claims": report}
    shown.pop("token", None)
    return shown
