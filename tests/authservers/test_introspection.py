"""POST /oauth2/{serverId}/v1/introspect (RFC 7662): only this server's live tokens of the caller are active."""

import base64
import json
import time

import pytest

from authservers.oauth import errors
from authservers.oauth.access_tokens import build_access_token_claims, new_jti, sign_jwt
from authservers.selectors import server_snapshot
from tests.helpers import FORM, assert_json, assert_oauth_error, basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db
INTROSPECT = endpoint("introspect")


def introspect(client, registered, token, server_id="default", **data):
    return post_form(client, endpoint("introspect", server_id), {"token": token, **data},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


def assert_inactive(response):
    body = assert_json(response)
    assert response.status_code == 200
    assert body == {"active": False}
    assert response["Cache-Control"] == "no-store"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_own_token_is_active_with_okta_fields(client, authserver, scope, service_client, issue_token):
    token = issue_token(service_client)

    response = introspect(client, service_client, token)

    body = assert_json(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert body["active"] is True
    assert body["scope"] == "orders:read"
    assert body["client_id"] == service_client.client_id
    assert body["username"] == body["sub"] == service_client.client_id
    assert body["token_type"] == "Bearer"
    assert body["iss"] == "http://testserver/oauth2/default"
    assert body["aud"] == "api://default"
    assert body["jti"].startswith("AT.")
    assert body["exp"] == body["iat"] + 3600
    assert abs(body["iat"] - time.time()) < 60


def test_client_secret_post_client_can_introspect(client, authserver, scope, post_client):
    token = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read",
                                                   "client_id": post_client.client_id,
                                                   "client_secret": post_client.secret}).json()["access_token"]
    response = post_form(client, INTROSPECT, {"token": token, "token_type_hint": "access_token",
                                              "client_id": post_client.client_id,
                                              "client_secret": post_client.secret})
    assert response.json()["active"] is True


def test_token_of_another_client_is_inactive(client, authserver, scope, service_client, make_client, issue_token):
    other = make_client(label="other-service")
    token = issue_token(service_client)
    assert_inactive(introspect(client, other, token))


def test_token_of_another_server_is_inactive_and_vice_versa(client, authserver, scope, other_authserver,
                                                            service_client, issue_token):
    from tests.factories import ScopeFactory

    ScopeFactory(server=other_authserver, name="orders:read")
    default_token = issue_token(service_client)
    other_token = issue_token(service_client, server_id=other_authserver.id)

    assert_inactive(introspect(client, service_client, other_token))
    assert_inactive(introspect(client, service_client, default_token, server_id=other_authserver.id))
    assert introspect(client, service_client, other_token, server_id=other_authserver.id).json()["active"] is True
    assert introspect(client, service_client, default_token).json()["active"] is True


def test_tampered_token_is_inactive(client, authserver, scope, service_client, issue_token):
    header, payload, signature = issue_token(service_client).split(".")
    claims = json.loads(unb64(payload))
    claims["scp"] = ["orders:admin"]
    assert_inactive(introspect(client, service_client, f"{header}.{b64(json.dumps(claims).encode())}.{signature}"))


def test_token_with_one_flipped_payload_character_is_inactive(client, authserver, scope, service_client,
                                                              issue_token):
    header, payload, signature = issue_token(service_client).split(".")
    middle = len(payload) // 2
    flipped = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1:]
    assert_inactive(introspect(client, service_client, f"{header}.{flipped}.{signature}"))


def test_token_with_a_bad_signature_is_inactive(client, authserver, scope, service_client, issue_token):
    header, payload, signature = issue_token(service_client).split(".")
    assert_inactive(introspect(client, service_client, f"{header}.{payload}.{signature[::-1]}"))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_token_is_inactive(client, authserver, scope, service_client, issue_token, alg):
    header, payload, _ = issue_token(service_client).split(".")
    unsigned_header = dict(json.loads(unb64(header)), alg=alg)
    assert_inactive(introspect(client, service_client, f"{b64(json.dumps(unsigned_header).encode())}.{payload}."))


def test_expired_token_is_inactive(client, authserver, scope, service_client):
    snapshot = server_snapshot("default")
    issued_at = int(time.time()) - 7200
    claims = build_access_token_claims(
        issuer="http://testserver/oauth2/default", audience="api://default", client_id=service_client.client_id,
        scopes=["orders:read"], subject=service_client.client_id, now=issued_at, lifetime=3600, jti=new_jti())
    expired = sign_jwt(claims, snapshot.signing)
    assert_inactive(introspect(client, service_client, expired))

    fresh = sign_jwt({**claims, "iat": int(time.time()), "exp": int(time.time()) + 3600}, snapshot.signing)
    assert introspect(client, service_client, fresh).json()["active"] is True  # the forgery itself is sound


def test_token_for_another_audience_is_inactive(client, authserver, scope, service_client):
    snapshot = server_snapshot("default")
    claims = build_access_token_claims(
        issuer="http://testserver/oauth2/default", audience="api://elsewhere", client_id=service_client.client_id,
        scopes=["orders:read"], subject=service_client.client_id, now=int(time.time()), lifetime=3600,
        jti=new_jti())
    assert_inactive(introspect(client, service_client, sign_jwt(claims, snapshot.signing)))


def test_token_signed_by_the_next_key_is_active_once_published(client, authserver, scope, service_client):
    """Keys published as NEXT verify too, so rotation does not invalidate tokens in flight."""
    from authservers import keys
    from authservers.models import SigningKey
    from authservers.runtime import SigningMaterial

    next_key = SigningKey.objects.get(server=authserver, status="NEXT")
    private = keys.load_private_key(next_key.encrypted_private_key)
    material = SigningMaterial(kid=next_key.kid, alg="RS256", jwk=private, private_key=private.get_op_key("sign"))
    claims = build_access_token_claims(
        issuer="http://testserver/oauth2/default", audience="api://default", client_id=service_client.client_id,
        scopes=["orders:read"], subject=service_client.client_id, now=int(time.time()), lifetime=3600,
        jti=new_jti())
    assert introspect(client, service_client, sign_jwt(claims, material)).json()["active"] is True


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "x" * 17_000, "eyJhbGciOiJSUzI1NiJ9..", "é.é.é"])
def test_garbage_token_is_inactive(client, authserver, service_client, token):
    assert_inactive(introspect(client, service_client, token))


def test_missing_token_is_invalid_request(client, authserver, service_client):
    response = post_form(client, INTROSPECT, {"token_type_hint": "access_token"},
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", errors.TOKEN_PARAMETER_REQUIRED)


@pytest.mark.parametrize("hint", ["refresh_token", "saml_assertion"])
def test_a_wrong_or_unknown_token_type_hint_is_ignored(client, authserver, scope, service_client, issue_token,
                                                       hint):
    """RFC 7662 §2.1: a hint that does not find the token extends the search to every type."""
    response = introspect(client, service_client, issue_token(service_client), token_type_hint=hint)
    assert response.json()["active"] is True


def test_introspection_needs_client_authentication(client, authserver, scope, service_client, issue_token):
    token = issue_token(service_client)
    assert_oauth_error(post_form(client, INTROSPECT, {"token": token}), 401, "invalid_client",
                       errors.NO_CLIENT_CREDENTIALS)
    response = post_form(client, INTROSPECT, {"token": token},
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, "wrong-secret"))
    assert_oauth_error(response, 401, "invalid_client", errors.INVALID_CLIENT_SECRET)


def test_inactive_client_cannot_introspect(client, authserver, scope, service_client, issue_token):
    token = issue_token(service_client)
    service_client.model.status = "INACTIVE"
    service_client.model.save()
    assert_oauth_error(introspect(client, service_client, token), 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_introspection_rejects_credentials_in_two_places(client, authserver, scope, service_client, issue_token):
    response = introspect(client, service_client, issue_token(service_client),
                          client_id=service_client.client_id, client_secret=service_client.secret)
    assert_oauth_error(response, 401, "invalid_request", errors.MULTIPLE_CLIENT_CREDENTIALS)


def test_introspection_rejects_json(client, authserver, scope, service_client, issue_token):
    response = client.post(INTROSPECT, json.dumps({"token": issue_token(service_client)}),
                           content_type="application/json",
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", errors.FORM_CONTENT_TYPE)


def test_introspection_rejects_credentials_in_query(client, authserver, scope, service_client, issue_token):
    response = client.post(f"{INTROSPECT}?client_secret={service_client.secret}",
                           f"token={issue_token(service_client)}", content_type=FORM,
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", errors.CREDENTIALS_IN_QUERY)


def test_get_on_introspection_is_405_json(client, authserver):
    assert_oauth_error(client.get(INTROSPECT), 405, "invalid_request", errors.METHOD_NOT_ALLOWED)
