"""Token Preview: what a token request would get, and why, without issuing or storing anything.

The decision goes through the same code as the token endpoint (`authservers.oauth.decisions`), so
the preview cannot drift from real behaviour. Its JSON shape is documented in docs/token-preview.md.
"""

import base64
import json
import time

from django.conf import settings

from accounts.models import User
from authservers import claims as claim_rules
from authservers.claims import SUB_CLAIM
from authservers.http import okta_error_body
from authservers.oauth import errors
from authservers.oauth.access_tokens import build_access_token_claims, new_jti, sign_jwt
from authservers.oauth.decisions import check_client_grant, decide
from authservers.oauth.issuance import claims_context, oversized_claim
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


def _claims(server, client, scopes: list[str], user) -> tuple[str, dict, list[dict]]:
    """(`sub`, emitted custom claims, one entry per claim) as the token endpoint would evaluate them.

    A failing claim shows its error instead of failing the whole preview (REFERENCE §4.1: Token
    Preview is where expression errors surface).
    """
    context = claims_context(server, client, scopes, user)
    subject = user.login if user else client.client_id
    sub_entry = {"name": SUB_CLAIM, "claimType": "RESOURCE", "value": subject}
    if server.sub_claim is not None:
        try:
            subject = claim_rules.subject_value(claim_rules.evaluate_claim(server.sub_claim, context),
                                                server.sub_claim)
            sub_entry["value"] = subject
        except claim_rules.ClaimEvaluationFailed as exc:
            sub_entry = {"name": SUB_CLAIM, "claimType": "RESOURCE",
                         "error": {"error": exc.error, "error_description": exc.description, "reason": exc.reason}}
    emitted, report = claim_rules.preview_claims(server.resource_claims, context, scopes, "RESOURCE")
    return subject, emitted, [sub_entry, *report]


def _tokens(server, client, decision, user, now: int) -> dict:
    subject, custom, claim_report = _claims(server, client, list(decision.scopes), user)
    claims = build_access_token_claims(
        issuer=server.issuer(), audience=server.audience, client_id=client.client_id,
        scopes=list(decision.scopes), subject=subject,
        user_id=user.pk if user else None, now=now, lifetime=decision.access_token_lifetime, jti=new_jti(),
        extra=custom,
    )
    limit = settings.CASTELLAN_MAX_TOKEN_BYTES
    access = {"header": None, "payload": claims, "size": None, "maxSize": limit, "claims": claim_report}
    signing = server.access_token_signing(now)
    if signing is not None:
        # Signed only to measure it (and show the header): the token itself is thrown away.
        token = sign_jwt(claims, signing)
        access["header"] = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        access["size"] = len(token)
        if len(token) > limit:
            name = oversized_claim(claims, custom, len(token), limit)
            access["sizeError"] = (f"The access token would be {len(token)} bytes, more than the {limit} this "
                                   f"server allows; the '{name}' claim took it over the limit.")
    return {
        "access_token": access,
        # ID tokens need a user and the openid scope: they arrive with the sign-in issue.
        "id_token": None,
        # Refresh tokens need offline_access and a user grant: they arrive with the refresh-token issue.
        "refresh_token": None,
    }
