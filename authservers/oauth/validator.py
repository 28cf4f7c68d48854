"""django-oauth-toolkit's OAuth2Validator extended for per-server issuers, scopes and keys.

The one module that sees oauthlib's `Request`. The server the request is for travels in
`request.headers[SERVER_HEADER]` (put there by `backend.CastellanOAuthLibCore`), so one oauthlib
server instance per process serves every authorization server.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator

from clients.selectors import client_snapshot

from .. import systemlog
from ..runtime import ServerSnapshot
from . import client_auth, decisions, errors, introspection

SERVER_HEADER = "X-Castellan-Server"
ISSUER_HEADER = "X-Castellan-Issuer"


def server_of(request) -> ServerSnapshot:
    return request.headers[SERVER_HEADER]


def issuer_of(request) -> str:
    return request.headers[ISSUER_HEADER]


class CastellanValidator(OAuth2Validator):
    # --- client authentication (RFC 6749 §2.3) -------------------------------------------------
    def client_authentication_required(self, request, *args, **kwargs):
        return True

    def authenticate_client(self, request, *args, **kwargs):
        presented = client_auth.extract_credentials(request.headers.get("Authorization"),
                                                    dict(request.decoded_body or ()))
        client = client_auth.authenticate(presented, client_snapshot)
        request.client = client
        request.client_id = client.client_id
        return True

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        return False  # public clients arrive with the sign-in issue; nothing here trusts a bare id

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
                                        user_id=getattr(getattr(request, "user", None), "pk", None))
        except errors.PolicyDenied as exc:
            systemlog.emit_deferred(_policy_denied_event, server_of(request), client, request.grant_type, exc.denial)
            raise
        request.castellan_decision = decision
        request.scopes = list(decision.scopes)  # oauthlib and the token generator read them here
        return True

    # --- tokens ----------------------------------------------------------------------------
    def save_bearer_token(self, token, request, *args, **kwargs):
        """Client-credentials JWTs are not stored: they verify by signature, revocation uses a denylist."""
        systemlog.emit_deferred(_token_granted_event, server_of(request), request.client, request.grant_type,
                                request.scopes, getattr(request, "access_token_jti", ""),
                                request.castellan_decision)

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
        return introspection.introspect_token(token, server=server_of(request), issuer=issuer_of(request),
                                             client=request.client)

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        introspection.revoke_token(token, server=server_of(request), issuer=issuer_of(request),
                                   client=request.client)


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
