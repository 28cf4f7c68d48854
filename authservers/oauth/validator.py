"""django-oauth-toolkit's OAuth2Validator extended for per-server issuers, scopes and keys.

The one module that sees oauthlib's `Request`. The server the request is for travels in
`request.headers[SERVER_HEADER]` (put there by `backend.CastellanOAuthLibCore`), so one oauthlib
server instance per process serves every authorization server.
"""

import json
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator

from clients.credentials_runtime import assertion_context
from clients.selectors import client_snapshot
from policies.evaluation import Decision

from .. import systemlog
from ..runtime import ServerSnapshot
from . import client_auth, decisions, errors, introspection, pkce
from . import refresh as refresh_rules

SERVER_HEADER = "X-Castellan-Server"
ISSUER_HEADER = "X-Castellan-Issuer"


def server_of(request) -> ServerSnapshot:
    return request.headers[SERVER_HEADER]


def issuer_of(request) -> str:
    return request.headers[ISSUER_HEADER]


class CastellanValidator(OAuth2Validator):
    # --- client authentication (RFC 6749 §2.3) -------------------------------------------------
    def client_authentication_required(self, request, *args, **kwargs):
        """False only for a bare `client_id` (public clients, `none`); oauthlib then calls
        `authenticate_client_id`, which accepts it only for a client registered with `none`."""
        return _presented(request).method != "none"

    def authenticate_client(self, request, *args, **kwargs):
        client = client_auth.authenticate(_presented(request), client_snapshot,
                                          assertion_context(issuer=issuer_of(request), path=request.uri))
        request.client = client
        request.client_id = client.client_id
        return True

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        # client_auth.authenticate refuses a bare id unless the client's auth method is `none`.
        return self.authenticate_client(request)

    # --- authorization code (RFC 6749 §4.1.3) ----------------------------------------------------
    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        """Every check on the code with Okta's texts, then consume it (single use) and load what it carries.

        oauthlib's own PKCE and redirect-URI checks come after this one with other texts and without
        the no-downgrade rule, so they are done here and the hooks below answer that they passed.
        """
        from .. import code_services

        grant = code_services.authorization_code_get(server_id=server_of(request).id, code=code)
        if grant is None:
            raise errors.InvalidGrant(errors.CODE_INVALID)
        carried = json.loads(grant.claims or "{}")
        if carried.get("redeemed"):
            # RFC 6749 §4.1.2: a code used twice SHOULD revoke the tokens issued from it.
            code_services.authorization_code_replayed(grant=grant)
            systemlog.emit_deferred(_code_replayed_event, server_of(request), client, carried.get("access_token_jti"))
            raise errors.InvalidGrant(errors.CODE_INVALID)
        if grant.is_expired():
            raise errors.InvalidGrant(errors.CODE_INVALID)
        if grant.application_id != client.id:
            raise errors.InvalidGrant(errors.CODE_OTHER_CLIENT)
        # RFC 6749 §4.1.3: redirect_uri must equal the one sent to /authorize
        if request.redirect_uri != grant.redirect_uri:
            raise errors.InvalidGrant(errors.REDIRECT_URI_MISMATCH)
        pkce.verify_code_verifier(request.code_verifier, grant.code_challenge or None,
                                  required=client.pkce_required or client.auth_method == "none")
        # RFC 6749 §10.5: single use; of two concurrent redemptions only one marks the row.
        keep_until = timezone.now() + timedelta(seconds=carried["access_token_lifetime"])
        if not code_services.authorization_code_consume(grant=grant, keep_until=keep_until):
            raise errors.InvalidGrant(errors.CODE_INVALID)
        if not grant.user.is_active:
            raise errors.InvalidGrant(errors.CODE_INVALID)
        request.castellan_grant_pk = grant.pk
        request.user = grant.user
        request.scopes = grant.scope.split()
        request.nonce = grant.nonce or None
        request.castellan_auth_time = carried.get("auth_time")
        # Okta: the decision made at /authorize holds for the code (REFERENCE §5.3 point 8).
        request.castellan_decision = Decision(
            policy_id=carried.get("policy_id", ""), policy_name="", rule_id=carried.get("rule_id", ""),
            rule_name="", scopes=tuple(request.scopes), access_token_lifetime=carried["access_token_lifetime"],
            refresh_token_lifetime=carried.get("refresh_token_lifetime"),
            refresh_token_window=carried.get("refresh_token_window", 0))
        return True

    def get_code_challenge(self, code, request):
        return None  # verified in validate_code (pkce.verify_code_verifier)

    def is_pkce_required(self, client_id, request):
        return False  # enforced in validate_code, with Okta's texts

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs):
        return True  # compared in validate_code, before the code is consumed

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        return None  # Castellan always requires redirect_uri at /authorize, so /token must send it

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        """Already consumed in validate_code."""

    def is_origin_allowed(self, client_id, origin, request, *args, **kwargs):
        return False  # CORS headers come from authservers.cors.CorsMiddleware alone, for every endpoint

    # --- refresh token (RFC 6749 §6) ---------------------------------------------------------------
    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """Accept the token for this client, its family locked until the refresh ends (oauth.refresh)."""
        from .. import refresh_services

        redemption = refresh_services.refresh_token_redeem(server=server_of(request), client=client,
                                                           token=refresh_token, now=timezone.now())
        request.castellan_refresh = redemption
        request.user = redemption.family.user
        request.castellan_auth_time = redemption.family.auth_time
        return True

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        return request.castellan_refresh.original_scopes

    def is_within_original_scope(self, request_scopes, refresh_token, request, *args, **kwargs):
        """Called only when the request asks for a scope the grant did not have: Okta's refusal.

        oauthlib reads a blank `scope` as [""]; that asks for nothing new (the original scopes apply).
        """
        if not any(request_scopes):
            return True
        raise errors.AccessDenied(refresh_rules.SCOPES_NOT_GRANTED, status_code=400)

    def validate_refresh_policy(self, request):
        """The access policy, evaluated again as the original grant (Okta, REFERENCE §6.3)."""
        from ..code_services import user_group_ids

        family = request.castellan_refresh.family
        original = request.castellan_refresh.original_scopes
        # A blank `scope` (say, only spaces) means "as before", never the server's default scopes.
        requested = [scope for scope in request.scopes or () if scope] or original
        if not set(requested) <= set(original):
            raise errors.AccessDenied(refresh_rules.SCOPES_NOT_GRANTED, status_code=400)
        request.scopes = requested
        server = server_of(request)
        try:
            decision = decisions.decide(server, request.client, family.grant_type, request.scopes,
                                        user_id=request.user.pk, group_ids=user_group_ids(request.user))
        except errors.PolicyDenied as exc:
            systemlog.emit_deferred(_policy_denied_event, server, request.client, "refresh_token", exc.denial)
            raise errors.InvalidGrant(exc.description) from None
        request.castellan_decision = decision
        request.scopes = list(decision.scopes)

    def rotate_refresh_token(self, request):
        return request.castellan_refresh.rotates

    # --- grants and scopes -------------------------------------------------------------------
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        decisions.check_client_grant(client, grant_type)
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return list(server_of(request).default_scopes)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        """Scope checks and the access policies; the decision rides on the request to the token."""
        try:
            decision = decisions.decide(server_of(request), client, request.grant_type, scopes,
                                        user_id=getattr(getattr(request, "user", None), "pk", None),
                                        group_ids=getattr(request, "castellan_group_ids", frozenset()))
        except errors.PolicyDenied as exc:
            systemlog.emit_deferred(_policy_denied_event, server_of(request), client, request.grant_type, exc.denial)
            raise
        request.castellan_decision = decision
        request.scopes = list(decision.scopes)  # oauthlib and the token generator read them here
        return True

    # --- tokens ----------------------------------------------------------------------------
    def save_bearer_token(self, token, request, *args, **kwargs):
        """JWTs are not stored: they verify by signature, revocation uses a denylist. A token issued
        from a code is remembered on the code, so a replay of the code can revoke it."""
        grant_pk = getattr(request, "castellan_grant_pk", None)
        if grant_pk is not None and token.get("access_token"):
            from .. import code_services

            code_services.authorization_code_record_token(
                grant_pk=grant_pk, jti=request.access_token_jti,
                expires_at=int(timezone.now().timestamp()) + int(token.get("expires_in", 0)) + 60)
        if token.get("refresh_token"):
            _save_refresh_token(token, request)
        systemlog.emit_deferred(_token_granted_event, server_of(request), request.client, request.grant_type,
                                request.scopes, getattr(request, "access_token_jti", ""),
                                request.castellan_decision)

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
        return introspection.introspect_token(token, server=server_of(request), issuer=issuer_of(request),
                                             client=request.client)

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        introspection.revoke_token(token, server=server_of(request), issuer=issuer_of(request),
                                   client=request.client)


def _save_refresh_token(token: dict, request) -> None:
    """Start a family (first refresh token) or record a refresh in it; only checksums are stored."""
    from .. import refresh_services

    now = timezone.now()
    access_expires = now + timedelta(seconds=int(token.get("expires_in", 0)))
    redemption = getattr(request, "castellan_refresh", None)
    if redemption is None:
        auth_time = getattr(request, "castellan_auth_time", None) or int(now.timestamp())
        refresh_services.family_start(
            server_id=server_of(request).id, client_pk=request.client.id, user=request.user, scopes=request.scopes,
            grant_type=request.grant_type, auth_time=auth_time, decision=request.castellan_decision,
            token=token["refresh_token"], access_jti=request.access_token_jti, access_expires=access_expires, now=now)
        issued = True
    else:
        issued = refresh_services.refresh_completed(
            redemption=redemption, issued_token=token["refresh_token"], decision=request.castellan_decision,
            access_jti=request.access_token_jti, access_expires=access_expires, scopes=request.scopes, now=now)
    if issued:
        systemlog.emit_deferred(_refresh_token_granted_event, server_of(request), request.client, request.grant_type,
                                request.scopes)


def _refresh_token_granted_event(server, client, grant_type, scopes) -> tuple:
    return ("app.oauth2.as.token.grant.refresh_token", "INFO", "OAuth2 refresh token is granted",
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "SUCCESS", "",
            {"grantType": grant_type, "grantedScopes": " ".join(scopes or ())})


def _presented(request) -> client_auth.PresentedCredentials:
    presented = getattr(request, "castellan_presented", None)
    if presented is None:
        presented = client_auth.extract_credentials(request.headers.get("Authorization"),
                                                    dict(request.decoded_body or ()))
        request.castellan_presented = presented
    return presented


def _code_replayed_event(server, client, jti) -> tuple:
    return ("app.oauth2.as.token.grant", "WARN", "An authorization code was used twice; its tokens are revoked",
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "FAILURE", "code_replayed",
            {"grantType": "authorization_code", "revokedAccessTokenJti": jti or ""})


def _token_granted_event(server, client, grant_type, scopes, jti, decision) -> tuple:
    return ("app.oauth2.as.token.grant.access_token", "INFO", "OAuth2 access token is granted",
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "SUCCESS", "",
            {"grantType": grant_type, "grantedScopes": " ".join(scopes or ()), "accessTokenJti": jti,
             "policyId": decision.policy_id, "ruleId": decision.rule_id,
             "accessTokenLifetimeSeconds": decision.access_token_lifetime})


def _policy_denied_event(server, client, grant_type, denial) -> tuple:
    debug = {"grantType": grant_type, "policyEvaluation": list(denial.trace)}
    if not server.policies.policies:
        debug["detail"] = ("The authorization server has no access policy, so it refuses every token "
                           "until one is added.")
    return ("app.oauth2.as.token.grant", "WARN", denial.description,
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "FAILURE", denial.reason, debug)
