"""GET v1/keys and both metadata documents (OIDC Discovery, RFC 8414) of each authorization server."""

import pytest
from jwcrypto import jwk

from authservers.models import KeyStatus, MetadataPublish
from authservers.services import signing_key_rotate
from tests.factories import ScopeFactory
from tests.helpers import assert_json, assert_okta_error, endpoint

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oauth2/default"
OIDC = "/oauth2/default/.well-known/openid-configuration"
OAUTH = "/oauth2/default/.well-known/oauth-authorization-server"
RFC8414 = "/.well-known/oauth-authorization-server/oauth2/default"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def test_jwks_publishes_active_and_next_public_keys_only(client, authserver):
    response = client.get(endpoint("keys"))

    body = assert_json(response)
    assert response.status_code == 200
    kids = [key["kid"] for key in body["keys"]]
    expected = {key.status: key.kid for key in authserver.signing_keys.all()}
    assert kids == [expected[KeyStatus.ACTIVE], expected[KeyStatus.NEXT]]
    for key in body["keys"]:
        assert not PRIVATE_MEMBERS & set(key), key
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert not jwk.JWK(**key).has_private
    jwk.JWKSet.from_json(response.content)  # a standard library accepts the document


def test_jwks_is_cacheable(client, authserver):
    response = client.get(endpoint("keys"))
    assert "max-age=" in response["Cache-Control"]
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age > 0


def test_jwks_keeps_the_expired_key_after_rotation(client, authserver):
    before = [key["kid"] for key in client.get(endpoint("keys")).json()["keys"]]
    signing_key_rotate(server=authserver)
    after = [key["kid"] for key in client.get(endpoint("keys")).json()["keys"]]
    assert after[0] == before[1]  # NEXT became ACTIVE
    assert before[0] in after  # the old ACTIVE is still published (EXPIRED, not yet purged)
    assert len(after) == 3


def test_each_server_publishes_its_own_keys(client, authserver, other_authserver):
    default_kids = {key["kid"] for key in client.get(endpoint("keys")).json()["keys"]}
    other_kids = {key["kid"] for key in client.get(endpoint("keys", other_authserver.id)).json()["keys"]}
    assert default_kids and other_kids and not default_kids & other_kids


def test_head_on_jwks(client, authserver):
    assert client.head(endpoint("keys")).status_code == 200


def test_post_on_jwks_is_405_json(client, authserver):
    response = client.post(endpoint("keys"))
    assert assert_json(response)["error"] == "invalid_request"
    assert response.status_code == 405


@pytest.mark.parametrize("path", [OIDC, OAUTH, RFC8414])
def test_discovery_documents_name_issuer_and_endpoints(client, authserver, path):
    response = client.get(path)

    document = assert_json(response)
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == f"{ISSUER}/v1/token"
    assert document["jwks_uri"] == f"{ISSUER}/v1/keys"
    assert document["introspection_endpoint"] == f"{ISSUER}/v1/introspect"
    assert document["revocation_endpoint"] == f"{ISSUER}/v1/revoke"
    assert "client_credentials" in document["grant_types_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(document["token_endpoint_auth_methods_supported"])


def test_rfc8414_path_serves_the_oauth_document(client, authserver):
    assert client.get(RFC8414).json() == client.get(OAUTH).json()
    assert "id_token_signing_alg_values_supported" in client.get(OIDC).json()
    assert "id_token_signing_alg_values_supported" not in client.get(OAUTH).json()


def test_endpoints_in_discovery_actually_serve(client, authserver):
    document = client.get(OIDC).json()
    jwks_path = document["jwks_uri"].removeprefix("http://testserver")
    assert client.get(jwks_path).status_code == 200


@pytest.mark.parametrize("path", [OIDC, OAUTH, RFC8414])
def test_scopes_supported_lists_system_scopes_and_only_published_custom_scopes(client, authserver, scope, path):
    ScopeFactory(server=authserver, name="orders:public", metadata_publish=MetadataPublish.ALL_CLIENTS)

    scopes = client.get(path).json()["scopes_supported"]

    assert {"openid", "profile", "email", "address", "phone", "offline_access"} <= set(scopes)
    assert "orders:public" in scopes
    assert "orders:read" not in scopes  # Okta's default metadataPublish is NO_CLIENTS


def test_publishing_a_scope_shows_it_at_once(client, authserver, scope):
    assert "orders:read" not in client.get(OIDC).json()["scopes_supported"]
    scope.metadata_publish = MetadataPublish.ALL_CLIENTS
    scope.save()
    assert "orders:read" in client.get(OIDC).json()["scopes_supported"]


def test_other_server_has_its_own_issuer(client, other_authserver):
    document = client.get(f"/oauth2/{other_authserver.id}/.well-known/openid-configuration").json()
    assert document["issuer"] == f"http://testserver/oauth2/{other_authserver.id}"
    assert document["jwks_uri"] == f"http://testserver/oauth2/{other_authserver.id}/v1/keys"


@pytest.mark.parametrize("path", [OIDC, RFC8414])
def test_unknown_client_id_is_rejected(client, authserver, path):
    response = client.get(path, {"client_id": "0oaUnknownClient0000"})
    body = assert_okta_error(response, 400, "invalid_client")
    assert body["errorSummary"] == "Invalid value for `client_id` parameter"


def test_known_client_id_gets_the_document(client, authserver, service_client):
    response = client.get(OIDC, {"client_id": service_client.client_id})
    assert response.status_code == 200
    assert response.json()["issuer"] == ISSUER


@pytest.mark.parametrize("path", [OIDC, OAUTH, RFC8414])
def test_post_on_discovery_is_405_json(client, authserver, path):
    response = client.post(path)
    assert response.status_code == 405
    assert_json(response)
