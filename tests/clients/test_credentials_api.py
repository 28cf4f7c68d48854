"""`/api/v1/apps/{id}/credentials/secrets` and `/jwks`: rotation without downtime (REFERENCE §8.2)."""

import pytest
from jwcrypto import jwk
from rest_framework.test import APIClient

from accounts.services import api_token_create, user_create
from authservers.models import LogEvent
from tests.helpers import assert_json, assert_okta_error, endpoint, post_form


@pytest.fixture
def api(db) -> APIClient:
    staff = user_create(login="ops@example.com", email="ops@example.com", password=None, is_staff=True)
    _, secret = api_token_create(name="ci", user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"SSWS {secret}")
    return client


@pytest.fixture(scope="module")
def rsa_public():
    return jwk.JWK.generate(kty="RSA", size=2048, kid="k1").export_public(as_dict=True)


def secrets_url(client_id: str, *rest: str) -> str:
    return "/".join([f"/api/v1/apps/{client_id}/credentials/secrets", *rest])


def jwks_url(client_id: str, *rest: str) -> str:
    return "/".join([f"/api/v1/apps/{client_id}/credentials/jwks", *rest])


def token_with(client, registered_id: str, secret: str):
    return post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read",
                                                  "client_id": registered_id, "client_secret": secret})


def test_zero_downtime_secret_rotation(api, client, post_client, scope):
    """Add a second secret, both work; deactivate the old one, only the new one works; delete the old one."""
    old_id = api.get(secrets_url(post_client.client_id)).json()[0]["id"]
    created = api.post(secrets_url(post_client.client_id), {}, format="json")
    body = assert_json(created)
    assert created.status_code == 201, body
    assert len(body["client_secret"]) >= 32 and body["status"] == "ACTIVE"
    assert set(body) >= {"id", "status", "client_secret", "secret_hash", "created", "lastUpdated", "_links"}
    new_secret = body["client_secret"]
    assert token_with(client, post_client.client_id, post_client.secret).status_code == 200
    assert token_with(client, post_client.client_id, new_secret).status_code == 200

    response = api.post(secrets_url(post_client.client_id, old_id, "lifecycle", "deactivate"))
    assert response.status_code == 200 and response.json()["status"] == "INACTIVE"
    assert token_with(client, post_client.client_id, post_client.secret).status_code == 401
    assert token_with(client, post_client.client_id, new_secret).status_code == 200

    assert api.delete(secrets_url(post_client.client_id, old_id)).status_code == 204
    listed = api.get(secrets_url(post_client.client_id)).json()
    assert [item["id"] for item in listed] == [body["id"]]
    assert all("client_secret" not in item for item in listed)  # shown once, at creation
    events = set(LogEvent.objects.values_list("event_type", flat=True))
    assert {"app.oauth2.credentials.lifecycle.create", "app.oauth2.credentials.lifecycle.deactivate",
            "app.oauth2.credentials.lifecycle.delete"} <= events


def test_supplied_secret_and_reactivation(api, client, post_client, scope):
    supplied = "S" * 40
    response = api.post(secrets_url(post_client.client_id), {"client_secret": supplied, "status": "INACTIVE"},
                        format="json")
    assert response.status_code == 201 and response.json()["status"] == "INACTIVE"
    assert token_with(client, post_client.client_id, supplied).status_code == 401
    secret_id = response.json()["id"]
    assert api.post(secrets_url(post_client.client_id, secret_id, "lifecycle", "activate")).json()["status"] == "ACTIVE"
    assert token_with(client, post_client.client_id, supplied).status_code == 200


def test_a_third_secret_is_refused(api, post_client):
    assert api.post(secrets_url(post_client.client_id), {}, format="json").status_code == 201
    body = assert_okta_error(api.post(secrets_url(post_client.client_id), {}, format="json"), 400, "E0000001")
    assert body["errorCauses"][0]["errorSummary"] == "You've reached the maximum number of client secrets per client."


def test_the_last_active_secret_cannot_be_deactivated(api, post_client):
    only = api.get(secrets_url(post_client.client_id)).json()[0]["id"]
    assert_okta_error(api.post(secrets_url(post_client.client_id, only, "lifecycle", "deactivate")), 400, "E0000001")


def test_an_active_secret_cannot_be_deleted(api, post_client):
    only = api.get(secrets_url(post_client.client_id)).json()[0]["id"]
    body = assert_okta_error(api.delete(secrets_url(post_client.client_id, only)), 400, "E0000001")
    assert "Deactivate the secret before deleting it" in body["errorCauses"][0]["errorSummary"]


@pytest.mark.parametrize(("payload", "fragment"), [
    ({"client_secret": "short"}, "at least '32'"),
    ({"client_secret": "x" * 101}, "more than '100'"),
    ({"client_secret": "é" * 40}, "printable ASCII"),
    ({"client_secret": "a\x00" * 20}, "printable ASCII"),
    ({"client_secret": 12345}, "must be a string"),
    ({"status": "SOMETIMES"}, "ACTIVE or INACTIVE"),
])
def test_bad_secret_input_is_refused(api, post_client, payload, fragment):
    body = assert_okta_error(api.post(secrets_url(post_client.client_id), payload, format="json"), 400, "E0000001")
    assert fragment in body["errorCauses"][0]["errorSummary"]


@pytest.mark.parametrize("raw", [b"[1,2]", b"not json", b'"string"', b"{" + b"".join(b'"a%d":1,' % n for n in range(50)) + b'"b":2}'])
def test_malformed_bodies_are_refused(api, post_client, raw):
    response = api.generic("POST", secrets_url(post_client.client_id), raw, content_type="application/json")
    assert_okta_error(response, 400, "E0000003")


@pytest.mark.parametrize("path", ["0oaMissing", "x" * 300, "%00"])
def test_unknown_apps_and_secrets_are_404(api, post_client, path):
    assert_okta_error(api.get(secrets_url(path)), 404, "E0000007")
    assert_okta_error(api.get(secrets_url(post_client.client_id, path)), 404, "E0000007")
    assert_okta_error(api.post(jwks_url(post_client.client_id, path, "lifecycle", "activate")), 404, "E0000007")


def test_credentials_api_needs_an_api_token(db, post_client):
    anonymous = APIClient()
    assert_okta_error(anonymous.get(secrets_url(post_client.client_id)), 401, "E0000011")
    anonymous.credentials(HTTP_AUTHORIZATION="SSWS nope")
    assert_okta_error(anonymous.post(jwks_url(post_client.client_id), {}, format="json"), 401, "E0000011")


def test_public_clients_have_no_secrets(api, make_client):
    public = make_client(token_endpoint_auth_method="none", grant_types=["authorization_code"],
                         redirect_uris=["https://app.example.com/cb"], application_type="browser")
    assert_okta_error(api.post(secrets_url(public.client_id), {}, format="json"), 400, "E0000001")


def test_private_key_jwt_client_refuses_a_supplied_secret(api, make_client):
    keyed = make_client(token_endpoint_auth_method="private_key_jwt")
    body = assert_okta_error(api.post(secrets_url(keyed.client_id), {"client_secret": "k" * 40}, format="json"),
                             400, "E0000001")
    assert "private_key_jwt" in body["errorCauses"][0]["errorSummary"]


# --- JWKS ----------------------------------------------------------------------------------------

def test_jwk_lifecycle(api, make_client, rsa_public):
    keyed = make_client(token_endpoint_auth_method="private_key_jwt")
    response = api.post(jwks_url(keyed.client_id), rsa_public, format="json")
    body = assert_json(response)
    assert response.status_code == 201, body
    assert body["kid"] == "k1" and body["kty"] == "RSA" and body["status"] == "ACTIVE" and body["id"].startswith("pks")
    assert "d" not in body
    key_id = body["id"]
    assert api.get(jwks_url(keyed.client_id, key_id)).json()["n"] == rsa_public["n"]
    # The only ACTIVE key of a private_key_jwt client stays active; an active key is not deleted.
    assert_okta_error(api.post(jwks_url(keyed.client_id, key_id, "lifecycle", "deactivate")), 400, "E0000001")
    assert_okta_error(api.delete(jwks_url(keyed.client_id, key_id)), 400, "E0000001")
    other = jwk.JWK.generate(kty="EC", crv="P-256", kid="k2").export_public(as_dict=True)
    assert api.post(jwks_url(keyed.client_id), other, format="json").status_code == 201
    assert api.post(jwks_url(keyed.client_id, key_id, "lifecycle", "deactivate")).json()["status"] == "INACTIVE"
    assert api.delete(jwks_url(keyed.client_id, key_id)).status_code == 204
    assert [key["kid"] for key in api.get(jwks_url(keyed.client_id)).json()] == ["k2"]


def test_duplicate_kid_is_refused(api, make_client, rsa_public):
    keyed = make_client(token_endpoint_auth_method="private_key_jwt")
    assert api.post(jwks_url(keyed.client_id), rsa_public, format="json").status_code == 201
    body = assert_okta_error(api.post(jwks_url(keyed.client_id), rsa_public, format="json"), 400, "E0000001")
    assert body["errorCauses"][0]["errorSummary"] == "All keys in the 'jwks' must have a unique `kid`."


def test_at_most_fifty_keys(api, make_client, rsa_public):
    from clients.models import ClientJsonWebKey

    keyed = make_client(token_endpoint_auth_method="private_key_jwt")
    ClientJsonWebKey.objects.bulk_create([
        ClientJsonWebKey(client=keyed.model, kid=f"bulk-{n}", kty="RSA", public_jwk={**rsa_public, "kid": f"bulk-{n}"})
        for n in range(50)])
    body = assert_okta_error(api.post(jwks_url(keyed.client_id), rsa_public, format="json"), 400, "E0000001")
    assert "maximum number of keys allowed (50)" in body["errorCauses"][0]["errorSummary"]


def _private_rsa():
    return jwk.JWK.generate(kty="RSA", size=2048, kid="p1").export_private(as_dict=True)


@pytest.mark.parametrize(("make_payload", "fragment"), [
    (_private_rsa, "private key material"),
    (lambda: {"kty": "oct", "kid": "s", "k": "c2VjcmV0"}, "private key material"),
    (lambda: jwk.JWK.generate(kty="RSA", size=1024, kid="small").export_public(as_dict=True), "2,048"),
    (lambda: jwk.JWK.generate(kty="EC", crv="secp256k1", kid="k").export_public(as_dict=True), "crv"),
    (lambda: jwk.JWK.generate(kty="OKP", crv="Ed25519", kid="ed").export_public(as_dict=True), "RSA or EC"),
    (lambda: {**jwk.JWK.generate(kty="RSA", size=2048).export_public(as_dict=True)}, "kid"),
    (lambda: {"kty": "RSA", "kid": "broken", "n": "!!!", "e": "AQAB"}, "could not be read"),
    (lambda: {"kty": "RSA", "kid": "no-n", "e": "AQAB"}, "needs 'n'"),
    (lambda: {**jwk.JWK.generate(kty="RSA", size=2048, kid="enc").export_public(as_dict=True), "use": "enc"}, "sig"),
    (lambda: {**jwk.JWK.generate(kty="RSA", size=2048, kid="a").export_public(as_dict=True), "alg": "ES256"},
     "does not fit"),
    (lambda: {**jwk.JWK.generate(kty="RSA", size=2048, kid="a").export_public(as_dict=True), "alg": "none"}, "alg"),
    (lambda: {**jwk.JWK.generate(kty="RSA", size=2048, kid="x" * 300).export_public(as_dict=True)}, "kid"),
    (lambda: {**jwk.JWK.generate(kty="RSA", size=2048, kid="k").export_public(as_dict=True), "status": "ON"},
     "ACTIVE or INACTIVE"),
])
def test_unacceptable_keys_are_refused(api, make_client, make_payload, fragment):
    keyed = make_client(token_endpoint_auth_method="private_key_jwt")
    body = assert_okta_error(api.post(jwks_url(keyed.client_id), make_payload(), format="json"), 400, "E0000001")
    assert fragment in " ".join(cause["errorSummary"] for cause in body["errorCauses"])
    assert keyed.model.json_web_keys.count() == 0


def test_registered_keys_are_listed_read_only_in_the_console(console, make_client, rsa_public):
    from django.urls import reverse

    from clients.credentials_services import client_jwk_create

    keyed = make_client(token_endpoint_auth_method="private_key_jwt")
    key = client_jwk_create(client=keyed.model, data=rsa_public)
    listing = console.get(reverse("admin:clients_clientjsonwebkey_changelist"), {"q": keyed.client_id})
    assert listing.status_code == 200 and "k1" in listing.content.decode()
    change = reverse("admin:clients_clientjsonwebkey_change", args=[key.pk])
    assert console.post(change, {"status": "INACTIVE"}).status_code == 403
    assert console.get(reverse("admin:clients_usedclientassertion_changelist")).status_code == 200
