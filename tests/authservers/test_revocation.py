"""POST /oauth2/{serverId}/v1/revoke (RFC 7009): 200 whatever the token; a client revokes only its own."""

import pytest

from authservers.models import LogEvent, RevokedAccessToken
from authservers.oauth import errors
from tests.helpers import assert_json, assert_oauth_error, basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db
REVOKE = endpoint("revoke")


def revoke(client, registered, token, server_id="default", **data):
    return post_form(client, endpoint("revoke", server_id), {"token": token, **data},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


def is_active(client, registered, token, server_id="default") -> bool:
    response = post_form(client, endpoint("introspect", server_id), {"token": token},
                         HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
    assert response.status_code == 200, response.content
    return response.json()["active"]


def assert_revocation_ok(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].split(";")[0] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.content in (b"", b"{}")


def test_revoked_token_introspects_inactive_at_once(client, authserver, scope, service_client, issue_token):
    token = issue_token(service_client)
    assert is_active(client, service_client, token)

    assert_revocation_ok(revoke(client, service_client, token, token_type_hint="access_token"))

    assert not is_active(client, service_client, token)
    assert RevokedAccessToken.objects.filter(server=authserver, client_id=service_client.client_id).count() == 1
    jti = RevokedAccessToken.objects.get().jti
    assert LogEvent.objects.filter(event_type="app.oauth2.as.token.revoke",
                                   debug_context__debugData__accessTokenJti=jti).count() == 1


def test_revoking_twice_is_fine(client, authserver, scope, service_client, issue_token):
    token = issue_token(service_client)
    assert_revocation_ok(revoke(client, service_client, token))
    assert_revocation_ok(revoke(client, service_client, token))
    assert RevokedAccessToken.objects.count() == 1


def test_revocation_leaves_other_tokens_active(client, authserver, scope, service_client, issue_token):
    first, second = issue_token(service_client), issue_token(service_client)
    assert_revocation_ok(revoke(client, service_client, first))
    assert is_active(client, service_client, second)


def test_revoked_entry_lives_until_the_token_would_expire(client, authserver, scope, service_client, issue_token):
    import json

    from tests.authservers.test_introspection import unb64

    token = issue_token(service_client)
    revoke(client, service_client, token)
    claims = json.loads(unb64(token.split(".")[1]))
    entry = RevokedAccessToken.objects.get()
    assert entry.jti == claims["jti"]
    assert int(entry.expires.timestamp()) == claims["exp"]


@pytest.mark.parametrize("token", ["unknown", "a.b.c", "x" * 5000, "eyJhbGciOiJub25lIn0.e30."])
def test_unknown_token_revocation_is_200(client, authserver, service_client, token):
    assert_revocation_ok(revoke(client, service_client, token))
    assert not RevokedAccessToken.objects.exists()


def test_another_clients_token_cannot_be_revoked(client, authserver, scope, service_client, make_client,
                                                  issue_token):
    other = make_client(label="other-service")
    token = issue_token(service_client)

    assert_revocation_ok(revoke(client, other, token))

    assert is_active(client, service_client, token)
    assert not RevokedAccessToken.objects.exists()


def test_token_of_another_server_is_not_revoked_here(client, authserver, scope, other_authserver, service_client,
                                                     issue_token):
    from tests.factories import ScopeFactory

    ScopeFactory(server=other_authserver, name="orders:read")
    token = issue_token(service_client, server_id=other_authserver.id)

    assert_revocation_ok(revoke(client, service_client, token))

    assert is_active(client, service_client, token, server_id=other_authserver.id)


def test_revoke_without_token_is_invalid_request(client, authserver, service_client):
    response = post_form(client, REVOKE, {"token_type_hint": "access_token"},
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", "The `token` parameter is required.")


def test_revoke_with_empty_token_is_invalid_request(client, authserver, service_client):
    response = revoke(client, service_client, "")
    assert_oauth_error(response, 400, "invalid_request", errors.TOKEN_PARAMETER_REQUIRED)


def test_revoke_needs_client_authentication(client, authserver, scope, service_client, issue_token):
    token = issue_token(service_client)
    assert_oauth_error(post_form(client, REVOKE, {"token": token}), 401, "invalid_client")
    response = post_form(client, REVOKE, {"token": token},
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, "not-the-secret"))
    assert_oauth_error(response, 401, "invalid_client", errors.INVALID_CLIENT_SECRET)
    assert is_active(client, service_client, token)


def test_revoke_by_unknown_client_is_invalid_client(client, authserver):
    response = post_form(client, REVOKE, {"token": "whatever"},
                         HTTP_AUTHORIZATION=basic_auth_header("0oaNobody", "secret"))
    assert_oauth_error(response, 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_revoke_rejects_json(client, authserver, service_client):
    response = client.post(REVOKE, '{"token": "x"}', content_type="application/json",
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", errors.FORM_CONTENT_TYPE)


def test_revoke_with_client_secret_post(client, authserver, scope, post_client):
    token = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read",
                                                   "client_id": post_client.client_id,
                                                   "client_secret": post_client.secret}).json()["access_token"]
    response = post_form(client, REVOKE, {"token": token, "client_id": post_client.client_id,
                                          "client_secret": post_client.secret})
    assert_revocation_ok(response)
    assert RevokedAccessToken.objects.count() == 1


def test_get_on_revocation_is_405_json(client, authserver):
    response = client.get(REVOKE)
    assert assert_json(response) and response.status_code == 405
