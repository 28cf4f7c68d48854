"""django-oauth-toolkit's OAuth2Validator extended for per-server issuers, scopes and keys.

The one module that sees oauthlib's `Request`. The server the request is for travels in
`request.headers[SERVER_HEADER]` (put there by `backend.CastellanOAuthLibCore`), so one oauthlib
server instance per process serves every authorization server.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator

from clients.selectors import client_snapshot

from .. import systemlog
from ..runtime import ServerSnapshot
from ..scope_rules import OIDC_SCOPES
from . import client_auth, errors, introspection

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
        if not client.allows_grant_type(grant_type):
            raise errors.UnauthorizedClient(errors.unauthorized_grant_type(list(client.grant_types)))
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return list(server_of(request).default_scopes)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        server = server_of(request)
        # oauthlib reads `scope=` as [""]: a blank scope is no scope, so the defaults apply.
        scopes = [scope for scope in scopes if scope] or list(server.default_scopes)
        request.scopes = scopes  # oauthlib and the token generator read the granted scopes here
        if not scopes:
            raise errors.InvalidScope(errors.NO_DEFAULT_SCOPES)
        if any(scope not in server.scopes for scope in scopes):
            raise errors.InvalidScope(errors.UNKNOWN_SCOPE)
        if request.grant_type == "client_credentials":
            if any(scope in OIDC_SCOPES for scope in scopes):
                raise errors.InvalidScope(errors.OPENID_WITH_CLIENT_CREDENTIALS)
            needing_consent = [scope for scope in scopes if server.scopes[scope].consent == "REQUIRED"]
            if needing_consent:
                raise errors.ConsentRequired(errors.scopes_require_consent(needing_consent))
        return True

    # --- tokens ----------------------------------------------------------------------------
    def save_bearer_token(self, token, request, *args, **kwargs):
        """Client-credentials JWTs are not stored: they verify by signature, revocation uses a denylist."""
        systemlog.emit_deferred(_token_granted_event, server_of(request), request.client, request.grant_type,
                                request.scopes, getattr(request, "access_token_jti", ""))

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
        return introspection.introspect_token(token, server=server_of(request), issuer=issuer_of(request),
                                             client=request.client)

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        introspection.revoke_token(token, server=server_of(request), issuer=issuer_of(request),
                                   client=request.client)


def _token_granted_event(server, client, grant_type, scopes, jti) -> tuple:
    return ("app.oauth2.as.token.grant.access_token", "INFO", "OAuth2 access token is granted",
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "SUCCESS", "",
            {"grantType": grant_type, "grantedScopes": " ".join(scopes or ()), "accessTokenJti": jti})
