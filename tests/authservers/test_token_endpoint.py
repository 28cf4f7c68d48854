"""POST /oauth2/{serverId}/v1/token with client credentials (RFC 6749 §4.4), over Django's test client."""

import json

import pytest
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from authservers.oauth import errors
from authservers.oauth.server import SUPPORTED_GRANT_TYPES
from clients.models import ClientStatus
from tests.helpers import (
    FORM,
    assert_json,
    assert_oauth_error,
    basic_auth_header,
    endpoint,
    post_form,
    raw_basic_header,
)

pytestmark = pytest.mark.django_db
TOKEN = endpoint("token")
GRANT = {"grant_type": "client_credentials", "scope": "orders:read"}


def request_token(client, registered, data=GRANT, **extra):
    return post_form(client, TOKEN, data,
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret), **extra)


def verified_claims(client, token: str, server_id: str = "default") -> tuple[dict, dict]:
    """Header and claims of `token`, verified with jwcrypto against the server's published /keys."""
    keys = jwk.JWKSet.from_json(client.get(endpoint("keys", server_id)).content)
    verified = jwt.JWT(jwt=token, key=keys, algs=["RS256"])
    return verified.token.jose_header, json.loads(verified.claims)


def test_client_credentials_token_is_a_verifiable_okta_style_jwt(client, authserver, scope, service_client):
    response = request_token(client, service_client)

    body = assert_json(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "orders:read"
    assert set(body) == {"token_type", "expires_in", "access_token", "scope"}

    header, claims = verified_claims(client, body["access_token"])
    active_kid = authserver.signing_keys.get(status="ACTIVE").kid
    assert header == {"kid": active_kid, "alg": "RS256", "typ": "at+jwt"}
    assert claims["ver"] == 1
    assert claims["jti"].startswith("AT.")
    assert claims["iss"] == "http://testserver/oauth2/default"
    assert claims["aud"] == "api://default"
    assert isinstance(claims["iat"], int)
    assert claims["exp"] == claims["iat"] + 3600
    assert claims["cid"] == claims["client_id"] == service_client.client_id
    assert claims["scp"] == ["orders:read"]
    assert claims["sub"] == service_client.client_id
    assert "uid" not in claims


def test_each_token_has_its_own_jti(client, authserver, scope, service_client):
    tokens = [request_token(client, service_client).json()["access_token"] for _ in range(2)]
    jtis = {verified_claims(client, token)[1]["jti"] for token in tokens}
    assert len(jtis) == 2


def test_client_secret_post_client_gets_a_token(client, authserver, scope, post_client):
    response = post_form(client, TOKEN, {**GRANT, "client_id": post_client.client_id,
                                         "client_secret": post_client.secret})
    assert response.status_code == 200, response.content
    assert verified_claims(client, response.json()["access_token"])[1]["cid"] == post_client.client_id


def test_several_scopes_are_granted_in_order(client, authserver, scope, service_client):
    from tests.factories import ScopeFactory

    ScopeFactory(server=authserver, name="orders:write")
    response = request_token(client, service_client, {**GRANT, "scope": "orders:write orders:read"})
    assert response.status_code == 200, response.content
    assert verified_claims(client, response.json()["access_token"])[1]["scp"] == ["orders:write", "orders:read"]


def test_default_scope_is_used_when_none_is_requested(client, authserver, scope, service_client):
    scope.default = True
    scope.save()

    response = request_token(client, service_client, {"grant_type": "client_credentials"})

    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "orders:read"
    assert verified_claims(client, response.json()["access_token"])[1]["scp"] == ["orders:read"]


def test_token_request_is_logged_in_the_system_log(client, authserver, scope, service_client):
    from authservers.models import LogEvent

    token = request_token(client, service_client).json()["access_token"]
    jti = verified_claims(client, token)[1]["jti"]
    event = LogEvent.objects.get(event_type="app.oauth2.as.token.grant.access_token",
                                 debug_context__debugData__accessTokenJti=jti)
    assert event.actor["id"] == service_client.client_id
    assert event.target[0]["id"] == "default"
    assert event.debug_context["debugData"]["grantType"] == "client_credentials"
    assert event.debug_context["debugData"]["grantedScopes"] == "orders:read"


# --- client authentication failures (RFC 6749 §5.2 invalid_client, 401 + WWW-Authenticate) ---------


def test_wrong_secret_is_invalid_client(client, authserver, scope, service_client):
    response = post_form(client, TOKEN, GRANT,
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, "wrong-" + "x" * 40))
    assert_oauth_error(response, 401, "invalid_client", errors.INVALID_CLIENT_SECRET)


def test_wrong_secret_in_body_is_invalid_client(client, authserver, scope, post_client):
    response = post_form(client, TOKEN, {**GRANT, "client_id": post_client.client_id, "client_secret": "nope"})
    assert_oauth_error(response, 401, "invalid_client", errors.INVALID_CLIENT_SECRET)


def test_unknown_client_is_invalid_client(client, authserver, scope):
    response = post_form(client, TOKEN, GRANT, HTTP_AUTHORIZATION=basic_auth_header("0oaNoSuchClient00000", "x"))
    assert_oauth_error(response, 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_inactive_client_is_invalid_client(client, authserver, scope, service_client):
    assert request_token(client, service_client).status_code == 200  # cached as active first
    service_client.model.status = ClientStatus.INACTIVE
    service_client.model.save()

    assert_oauth_error(request_token(client, service_client), 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_client_using_another_auth_method_than_registered_is_rejected(client, authserver, scope, service_client):
    response = post_form(client, TOKEN, {**GRANT, "client_id": service_client.client_id,
                                         "client_secret": service_client.secret})
    assert_oauth_error(response, 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_no_credentials_at_all_is_invalid_client(client, authserver, scope):
    assert_oauth_error(post_form(client, TOKEN, GRANT), 401, "invalid_client", errors.NO_CLIENT_CREDENTIALS)


def test_credentials_in_header_and_body_are_rejected(client, authserver, scope, service_client):
    response = request_token(client, service_client,
                             {**GRANT, "client_id": service_client.client_id, "client_secret": service_client.secret})
    assert_oauth_error(response, 401, "invalid_request", errors.MULTIPLE_CLIENT_CREDENTIALS)


@pytest.mark.parametrize("query", ["client_secret=abc", "client_id=0oaX", "client_assertion=x"])
def test_credentials_in_query_string_are_rejected(client, authserver, scope, post_client, query):
    response = client.post(f"{TOKEN}?{query}", "grant_type=client_credentials&scope=orders%3Aread",
                           content_type=FORM)
    assert_oauth_error(response, 400, "invalid_request", errors.CREDENTIALS_IN_QUERY)


@pytest.mark.parametrize("authorization", [
    "Basic !!!not-base64!!!",
    raw_basic_header(b"no-colon-in-here"),
    raw_basic_header(b"\xff\xfe:secret"),
    "Basic",
])
def test_malformed_basic_header_is_invalid_client(client, authserver, scope, authorization):
    response = post_form(client, TOKEN, GRANT, HTTP_AUTHORIZATION=authorization)
    assert_oauth_error(response, 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


# --- request and grant errors ---------------------------------------------------------------


def test_missing_grant_type_is_invalid_request(client, authserver, scope, service_client):
    response = request_token(client, service_client, {"scope": "orders:read"})
    assert_oauth_error(response, 400, "invalid_request", errors.grant_type_required(SUPPORTED_GRANT_TYPES))


def test_repeated_grant_type_is_invalid_request(client, authserver, scope, service_client):
    response = request_token(client, service_client, [("grant_type", "client_credentials"),
                                                      ("grant_type", "client_credentials"),
                                                      ("scope", "orders:read")])
    assert_oauth_error(response, 400, "invalid_request", errors.DUPLICATE_PARAMETERS)


def test_repeated_scope_is_invalid_request(client, authserver, scope, service_client):
    response = request_token(client, service_client, [("grant_type", "client_credentials"),
                                                      ("scope", "orders:read"), ("scope", "openid")])
    assert_oauth_error(response, 400, "invalid_request", errors.DUPLICATE_PARAMETERS)


@pytest.mark.parametrize("grant_type", ["implicit", "urn:foo"])
def test_unsupported_grant_type(client, authserver, scope, service_client, grant_type):
    response = request_token(client, service_client, {"grant_type": grant_type, "scope": "orders:read"})
    assert_oauth_error(response, 400, "unsupported_grant_type", errors.unsupported_grant_type(SUPPORTED_GRANT_TYPES))


def test_client_without_the_client_credentials_grant_is_unauthorized(client, authserver, scope, make_client):
    web_app = make_client(label="web-app", grant_types=["authorization_code"],
                          redirect_uris=["https://app.example.com/callback"])
    response = request_token(client, web_app)
    assert_oauth_error(response, 400, "unauthorized_client", errors.unauthorized_grant_type(["authorization_code"]))


def test_web_client_with_client_credentials_gets_a_token(client, authserver, scope, make_client):
    web_app = make_client(label="web-app", grant_types=["authorization_code", "client_credentials"],
                          redirect_uris=["https://app.example.com/callback"])
    assert request_token(client, web_app).status_code == 200


@pytest.mark.parametrize("requested", ["openid", "openid orders:read", "profile", "orders:read offline_access"])
def test_oidc_scopes_are_refused_for_client_credentials(client, authserver, scope, service_client, requested):
    response = request_token(client, service_client, {**GRANT, "scope": requested})
    assert_oauth_error(response, 400, "invalid_scope", errors.OPENID_WITH_CLIENT_CREDENTIALS)


@pytest.mark.parametrize("requested", ["orders:write", "orders:read orders:write", "ORDERS:READ"])
def test_unknown_scope_is_invalid_scope(client, authserver, scope, service_client, requested):
    response = request_token(client, service_client, {**GRANT, "scope": requested})
    assert_oauth_error(response, 400, "invalid_scope", errors.UNKNOWN_SCOPE)


def test_scope_of_another_server_is_unknown_here(client, authserver, other_authserver, service_client):
    from tests.factories import ScopeFactory

    ScopeFactory(server=other_authserver, name="orders:read")
    response = request_token(client, service_client)
    assert_oauth_error(response, 400, "invalid_scope", errors.UNKNOWN_SCOPE)


def test_no_scope_and_no_default_scope_is_invalid_scope(client, authserver, scope, service_client):
    response = request_token(client, service_client, {"grant_type": "client_credentials"})
    assert_oauth_error(response, 400, "invalid_scope", errors.NO_DEFAULT_SCOPES)


def test_blank_scope_parameter_counts_as_no_scope(client, authserver, scope, service_client):
    response = request_token(client, service_client, {"grant_type": "client_credentials", "scope": ""})
    assert_oauth_error(response, 400, "invalid_scope", errors.NO_DEFAULT_SCOPES)


def test_blank_scope_parameter_falls_back_to_the_default_scope(client, authserver, scope, service_client):
    scope.default = True
    scope.save()
    response = request_token(client, service_client, {"grant_type": "client_credentials", "scope": ""})
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "orders:read"


def test_scope_requiring_consent_is_refused_for_client_credentials(client, authserver, service_client):
    from tests.factories import ScopeFactory

    ScopeFactory(server=authserver, name="orders:admin", consent="REQUIRED")
    response = request_token(client, service_client, {**GRANT, "scope": "orders:admin"})
    assert_oauth_error(response, 400, "consent_required", errors.scopes_require_consent(["orders:admin"]))


def test_overlong_scope_parameter_is_invalid_scope(client, authserver, scope, service_client):
    response = request_token(client, service_client, {**GRANT, "scope": "orders:read " * 100})
    assert_oauth_error(response, 400, "invalid_scope")


# --- bodies that are not a well-formed form ------------------------------------------------------


def test_json_body_is_invalid_request(client, authserver, scope, service_client):
    response = client.post(TOKEN, json.dumps(GRANT), content_type="application/json",
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", errors.FORM_CONTENT_TYPE)


def test_multipart_body_is_invalid_request(client, authserver, scope, service_client):
    response = client.post(TOKEN, GRANT,
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", errors.FORM_CONTENT_TYPE)


@pytest.mark.parametrize("body", [b"grant_type=client_credentials&scope=orders:read\xff",
                                  b"grant_type=client_credentials&scope=%C3%28"])
def test_invalid_utf8_is_invalid_request(client, authserver, scope, service_client, body):
    response = client.post(TOKEN, body, content_type=FORM,
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 400, "invalid_request", errors.BAD_ENCODING)


def test_oversized_body_is_413_json(client, authserver, scope, service_client):
    body = "grant_type=client_credentials&scope=orders%3Aread&pad=" + "a" * (64 * 1024)
    response = client.post(TOKEN, body, content_type=FORM,
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 413, "invalid_request")


def test_body_just_under_the_cap_is_read(client, authserver, scope, service_client):
    prefix = "grant_type=client_credentials&scope=orders%3Aread&pad="
    body = prefix + "a" * (64 * 1024 - len(prefix))
    response = client.post(TOKEN, body, content_type=FORM,
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_on_the_token_endpoint_are_405_json(client, authserver, method):
    response = getattr(client, method)(TOKEN)
    assert_oauth_error(response, 405, "invalid_request", errors.METHOD_NOT_ALLOWED)


def test_405_names_the_allowed_method(client, authserver):
    """RFC 9110 §15.5.6: a 405 response MUST carry an Allow header."""
    response = client.get(TOKEN)
    assert response.status_code == 405
    assert response.get("Allow") == "POST"


# --- issuers, keys and what a client cannot influence ----------------------------------------------


def test_client_cannot_inject_the_internal_server_or_issuer_headers(client, authserver, scope, service_client):
    response = request_token(client, service_client, HTTP_X_CASTELLAN_ISSUER="https://evil.example/oauth2/default",
                             HTTP_X_CASTELLAN_SERVER="evil")
    assert response.status_code == 200, response.content
    assert verified_claims(client, response.json()["access_token"])[1]["iss"] == "http://testserver/oauth2/default"


def test_second_server_issues_with_its_own_issuer_audience_and_key(client, authserver, other_authserver,
                                                                   service_client, issue_token):
    from tests.factories import ScopeFactory

    ScopeFactory(server=other_authserver, name="orders:read")
    token = issue_token(service_client, server_id=other_authserver.id)

    header, claims = verified_claims(client, token, other_authserver.id)
    assert header["kid"] == other_authserver.signing_keys.get(status="ACTIVE").kid
    assert claims["iss"] == f"http://testserver/oauth2/{other_authserver.id}"
    assert claims["aud"] == "api://orders"
    with pytest.raises(JWException):  # not verifiable with the default server's keys
        verified_claims(client, token, "default")


def test_custom_url_issuer(client, service_client):
    from tests.factories import AuthorizationServerFactory, ScopeFactory

    server = AuthorizationServerFactory(issuer_mode="CUSTOM_URL", custom_url="https://id.example.com/")
    ScopeFactory(server=server, name="orders:read")
    response = post_form(client, endpoint("token", server.id), GRANT,
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert response.status_code == 200, response.content
    claims = verified_claims(client, response.json()["access_token"], server.id)[1]
    assert claims["iss"] == f"https://id.example.com/oauth2/{server.id}"
    document = client.get(f"/oauth2/{server.id}/.well-known/openid-configuration").json()
    assert document["issuer"] == claims["iss"]


def test_dynamic_issuer_follows_the_request_host(client, service_client):
    from tests.factories import AuthorizationServerFactory, ScopeFactory

    server = AuthorizationServerFactory(issuer_mode="DYNAMIC")
    ScopeFactory(server=server, name="orders:read")
    response = post_form(client, endpoint("token", server.id), GRANT, HTTP_HOST="login.example.org",
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert response.status_code == 200, response.content
    claims = verified_claims(client, response.json()["access_token"], server.id)[1]
    assert claims["iss"] == f"http://login.example.org/oauth2/{server.id}"
    document = client.get(f"/oauth2/{server.id}/.well-known/openid-configuration", HTTP_HOST="login.example.org")
    assert document.json()["issuer"] == claims["iss"]


def test_key_rotation_takes_effect_at_once_and_old_tokens_stay_valid(client, authserver, scope, service_client,
                                                                     issue_token):
    from authservers.services import signing_key_rotate

    before = issue_token(service_client)
    old_kid = verified_claims(client, before)[0]["kid"]
    next_kid = authserver.signing_keys.get(status="NEXT").kid

    signing_key_rotate(server=authserver)

    after = issue_token(service_client)
    assert verified_claims(client, after)[0]["kid"] == next_kid
    assert verified_claims(client, before)[0]["kid"] == old_kid  # still verifies against /keys
    introspected = post_form(client, endpoint("introspect"), {"token": before},
                             HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert introspected.json()["active"] is True


def test_head_on_the_token_endpoint_is_405(client, authserver):
    assert client.head(TOKEN).status_code == 405
