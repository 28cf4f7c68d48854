"""discovery: the OIDC and RFC 8414 metadata documents built from a server snapshot. Pure."""

from authservers.oauth.discovery import build_discovery_document
from authservers.runtime import ScopeInfo, ServerSnapshot

ISSUER = "https://id.example.com/oauth2/default"


def server(**scopes) -> ServerSnapshot:
    infos = {name: ScopeInfo(name=name, consent="IMPLICIT", default=False, published=published, system=False)
             for name, published in scopes.items()}
    return ServerSnapshot(id="default", name="default", active=True, audiences=("api://default",),
                          issuer_mode="ORG_URL", custom_url="", scopes=infos, default_scopes=(), signing=None,
                          jwks={"keys": []}, verification_keys={})


def build(snapshot, openid):
    return build_discovery_document(snapshot, issuer=ISSUER, base_url="https://id.example.com", openid=openid)


def test_endpoints_hang_off_the_issuer():
    document = build(server(), openid=True)
    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == f"{ISSUER}/v1/token"
    assert document["jwks_uri"] == f"{ISSUER}/v1/keys"
    assert document["introspection_endpoint"] == f"{ISSUER}/v1/introspect"
    assert document["revocation_endpoint"] == f"{ISSUER}/v1/revoke"
    assert document["authorization_endpoint"] == f"{ISSUER}/v1/authorize"



def test_only_implemented_endpoints_response_types_and_modes_are_advertised():
    for openid in (True, False):
        document = build(server(), openid=openid)
        assert document["registration_endpoint"] == "https://id.example.com/oauth2/v1/clients"  # org-wide DCR
        assert document["end_session_endpoint"] == "https://id.example.com/oauth2/default/v1/logout"
        assert ("userinfo_endpoint" in document) is openid
        oauth_only = [] if openid else ["token"]
        assert document["response_types_supported"] == ["code", "id_token", "id_token token", *oauth_only]
        assert document["response_modes_supported"] == ["query", "form_post", "fragment"]
        assert document["device_authorization_endpoint"] == f"{ISSUER}/v1/device/authorize"
        assert {"implicit", "password", "urn:ietf:params:oauth:grant-type:device_code"} <= set(
            document["grant_types_supported"])


def test_only_published_scopes_are_listed_sorted():
    document = build(server(openid=True, **{"orders:read": True, "orders:secret": False, "a:b": True}), True)
    assert document["scopes_supported"] == ["a:b", "openid", "orders:read"]


def test_client_credentials_and_secret_auth_methods_are_advertised():
    document = build(server(), openid=False)
    assert "client_credentials" in document["grant_types_supported"]
    for field in ("token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported",
                  "revocation_endpoint_auth_methods_supported"):
        assert {"client_secret_basic", "client_secret_post"} <= set(document[field])


def test_oidc_document_has_id_token_fields_and_oauth_document_has_not():
    oidc, oauth = build(server(), openid=True), build(server(), openid=False)
    assert oidc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "id_token_signing_alg_values_supported" not in oauth
    assert "scp" in oauth["claims_supported"] and "cid" in oauth["claims_supported"]
    assert "email" in oidc["claims_supported"]
    assert oauth["code_challenge_methods_supported"] == ["S256"]
