"""Authorization server metadata: OIDC Discovery 1.0 and RFC 8414 documents, Okta's field set.

https://openid.net/specs/openid-connect-discovery-1_0.html · https://www.rfc-editor.org/rfc/rfc8414
Only published scopes are listed; custom claims never are.
"""

from ..runtime import ServerSnapshot
from . import implicit
from .server import SUPPORTED_GRANT_TYPES

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]
CONFIDENTIAL_AUTH_METHODS = CLIENT_AUTH_METHODS[:4]
# RFC 8414 §2: the algorithms client assertions may use (client_auth.HMAC_ALGS and KEY_ALGS).
ASSERTION_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                  "ES256", "ES384", "ES512"]
OIDC_CLAIMS = ["iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce", "name",
               "nickname", "preferred_username", "given_name", "middle_name", "family_name", "email",
               "email_verified", "profile", "zoneinfo", "locale", "address", "phone_number", "picture",
               "website", "gender", "birthdate", "updated_at", "at_hash", "c_hash"]
OAUTH_CLAIMS = ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub"]


def build_discovery_document(server: ServerSnapshot, *, issuer: str, base_url: str, openid: bool) -> dict:
    """The metadata document; `openid` selects the OIDC flavour (adds userinfo and ID-token fields)."""
    endpoint = f"{issuer}/v1"
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{endpoint}/authorize",
        "token_endpoint": f"{endpoint}/token",
    }
    if openid:
        document["userinfo_endpoint"] = f"{endpoint}/userinfo"
    # Only what is implemented is advertised: registration (DCR), the implicit and hybrid response
    # types and the other response modes join as their endpoints land (docs/compat.md).
    document.update({
        "jwks_uri": f"{endpoint}/keys",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": list(SUPPORTED_GRANT_TYPES),
        "subject_types_supported": ["public"],
        "scopes_supported": sorted(name for name, scope in server.scopes.items() if scope.published),
        # `none`: public clients redeem codes with PKCE (RFC 7636)
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "claims_supported": OIDC_CLAIMS if openid else OAUTH_CLAIMS,
        "code_challenge_methods_supported": ["S256"],
        "introspection_endpoint": f"{endpoint}/introspect",
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "revocation_endpoint": f"{endpoint}/revoke",
        "revocation_endpoint_auth_methods_supported": CONFIDENTIAL_AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "end_session_endpoint": f"{endpoint}/logout",
        "registration_endpoint": f"{base_url.rstrip('/')}/oauth2/v1/clients",  # org-wide DCR, admin token only
        "request_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,  # RFC 9207
    })
    # Issue 5: the device flow (RFC 8628) and the legacy implicit flow (each off unless a client enables it).
    document["device_authorization_endpoint"] = f"{endpoint}/device/authorize"
    document["response_types_supported"] += ["id_token", "id_token token"] + ([] if openid else ["token"])
    document["response_modes_supported"] += ["fragment"]
    document["grant_types_supported"] += [implicit.GRANT_TYPE]
    if openid:
        document["id_token_signing_alg_values_supported"] = ["RS256"]
    return document
