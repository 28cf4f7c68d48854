"""Every error under /oauth2/ is JSON, whatever produced it: unknown servers, Django's own 400/404/413, hostile input."""

import pytest

from authservers.models import ServerStatus
from authservers.oauth import errors
from tests.helpers import (
    FORM,
    assert_json,
    assert_oauth_error,
    assert_okta_error,
    basic_auth_header,
    endpoint,
    post_form,
    raw_basic_header,
)

pytestmark = pytest.mark.django_db
GRANT = {"grant_type": "client_credentials", "scope": "orders:read"}
SERVER_PATHS = ["v1/token", "v1/introspect", "v1/revoke", "v1/keys", ".well-known/openid-configuration",
                ".well-known/oauth-authorization-server"]


def _request(client, server_id, suffix, **extra):
    path = f"/oauth2/{server_id}/{suffix}"
    if suffix.startswith("v1/") and suffix != "v1/keys":
        return post_form(client, path, {**GRANT, "token": "x"}, **extra)
    return client.get(path, **extra)


@pytest.mark.parametrize("suffix", SERVER_PATHS)
def test_unknown_server_is_404_with_okta_error(client, authserver, service_client, suffix):
    response = _request(client, "ausNoSuchServer0000", suffix,
                        HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    body = assert_okta_error(response, 404, "E0000007")
    assert body["errorSummary"] == "Not found: Resource not found: ausNoSuchServer0000 (AuthorizationServer)"


def test_unknown_server_by_rfc8414_path_is_404_json(client, db):
    assert_okta_error(client.get("/.well-known/oauth-authorization-server/oauth2/ausNope"), 404, "E0000007")


@pytest.mark.parametrize("suffix", SERVER_PATHS)
def test_inactive_server_is_404(client, authserver, scope, service_client, other_authserver, suffix):
    other_authserver.status = ServerStatus.INACTIVE
    other_authserver.save()
    response = _request(client, other_authserver.id, suffix,
                        HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_okta_error(response, 404, "E0000007")


def test_deactivating_a_server_takes_effect_at_once(client, authserver, scope, service_client):
    auth = basic_auth_header(service_client.client_id, service_client.secret)
    assert post_form(client, endpoint("token"), GRANT, HTTP_AUTHORIZATION=auth).status_code == 200
    authserver.status = ServerStatus.INACTIVE
    authserver.save()
    assert_okta_error(post_form(client, endpoint("token"), GRANT, HTTP_AUTHORIZATION=auth), 404, "E0000007")


def test_overlong_server_id_is_404(client, db):
    assert_okta_error(client.get(f"/oauth2/{'a' * 5000}/v1/keys"), 404, "E0000007")


@pytest.mark.parametrize("path", ["/oauth2/default/v1/nope", "/oauth2/default/v2/token", "/oauth2/",
                                  "/oauth2/default", "/oauth2/default/v1/token/extra", "/api/v1/nothing"])
def test_unknown_path_under_api_prefixes_is_json_404(client, authserver, path):
    response = client.get(path)
    assert response.status_code == 404
    assert_json(response)


def test_unknown_path_elsewhere_is_not_forced_to_json(client, db):
    response = client.get("/definitely-not-here")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("suffix", ["v1/token", "v1/introspect", "v1/revoke", "v1/keys",
                                    ".well-known/openid-configuration"])
def test_disallowed_host_is_json_400(client, authserver, settings, suffix):
    settings.ALLOWED_HOSTS = ["testserver"]
    path = f"/oauth2/default/{suffix}"
    if suffix.startswith("v1/") and suffix != "v1/keys":
        response = client.post(path, "grant_type=client_credentials", content_type=FORM, HTTP_HOST="evil.example")
    else:
        response = client.get(path, HTTP_HOST="evil.example")
    body = assert_json(response)
    assert response.status_code == 400
    assert body.get("error") == "invalid_request" or body.get("errorCode") == "E0000003"


def test_disallowed_host_on_rfc8414_path_is_json_400(client, authserver, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/.well-known/oauth-authorization-server/oauth2/default", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert_json(response)


@pytest.mark.parametrize("suffix", ["v1/token", "v1/introspect", "v1/revoke"])
def test_oversized_body_is_413_json_on_every_oauth_endpoint(client, authserver, service_client, suffix):
    response = client.post(f"/oauth2/default/{suffix}", "token=" + "a" * (70 * 1024), content_type=FORM,
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert_oauth_error(response, 413, "invalid_request")


def test_oversized_body_to_unknown_server_is_still_413(client, db):
    response = client.post("/oauth2/ausNope/v1/token", "a" * (70 * 1024), content_type=FORM)
    assert response.status_code == 413
    assert_json(response)


# --- hostile input --------------------------------------------------------------------------


def test_very_long_client_id_in_basic_header_is_invalid_client(client, authserver, scope):
    response = post_form(client, endpoint("token"), GRANT, HTTP_AUTHORIZATION=basic_auth_header("0" * 10_000, "s"))
    assert_oauth_error(response, 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_very_long_client_id_in_body_is_invalid_client(client, authserver, scope):
    response = post_form(client, endpoint("token"), {**GRANT, "client_id": "0" * 10_000, "client_secret": "s"})
    assert_oauth_error(response, 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_very_long_secret_is_invalid_client(client, authserver, scope, service_client):
    response = post_form(client, endpoint("token"), GRANT,
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, "s" * 20_000))
    assert_oauth_error(response, 401, "invalid_client", errors.INVALID_CLIENT_SECRET)


@pytest.mark.parametrize("body", [b"grant_type=client_credentials%00&scope=orders%3Aread",
                                  b"grant_type=client_credentials&scope=orders%3Aread\x00",
                                  b"grant_type=client_credentials&client_id=0oa%00x&client_secret=s"])
def test_nul_bytes_in_the_form_are_invalid_request(client, authserver, scope, body):
    response = client.post(endpoint("token"), body, content_type=FORM)
    assert_oauth_error(response, 400, "invalid_request", errors.BAD_ENCODING)


@pytest.mark.parametrize("raw", [b"0oa\x00client:secret", b"0oa%00client:secret", b"0oaclient\x00:secret"])
def test_nul_bytes_in_the_basic_client_id_are_invalid_client(client, authserver, scope, raw):
    response = post_form(client, endpoint("token"), GRANT, HTTP_AUTHORIZATION=raw_basic_header(raw))
    assert_oauth_error(response, 401, "invalid_client", errors.CLIENT_AUTH_FAILED)


def test_nul_byte_in_server_id_is_404_json(client, db):
    assert_okta_error(client.get("/oauth2/def%00ault/v1/keys"), 404, "E0000007")


def test_nul_byte_in_discovery_client_id_is_400_json(client, authserver):
    response = client.get("/oauth2/default/.well-known/openid-configuration", {"client_id": "0oa\x00x"})
    assert_okta_error(response, 400, "invalid_client")


def test_non_utf8_percent_escape_in_basic_credentials_is_invalid_client(client, authserver, scope):
    response = post_form(client, endpoint("token"), GRANT, HTTP_AUTHORIZATION=raw_basic_header(b"%ff%fe:%C3%28"))
    assert_oauth_error(response, 401, "invalid_client")


@pytest.mark.parametrize("authorization", ["Basic " + "A" * 100_000, "Digest username=x", "Bearer " + "x" * 10])
def test_odd_authorization_headers_are_4xx_json(client, authserver, scope, authorization):
    response = post_form(client, endpoint("token"), GRANT, HTTP_AUTHORIZATION=authorization)
    assert 400 <= response.status_code < 500
    assert_json(response)


def test_huge_number_of_parameters_is_handled(client, authserver, scope, service_client):
    body = "&".join(f"p{i}=v" for i in range(5000)) + "&grant_type=client_credentials&scope=orders%3Aread"
    response = client.post(endpoint("token"), body, content_type=FORM,
                           HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert response.status_code < 500
    assert_json(response)


def test_an_unexpected_failure_is_still_json(client, authserver, monkeypatch):
    """The last line of defence (handler500) answers JSON under /oauth2/, not Django's HTML page."""
    from authservers import views

    def broken(server_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "server_snapshot", broken)
    client.raise_request_exception = False
    response = client.get(endpoint("keys"))
    assert response.status_code == 500
    assert response["Content-Type"].split(";")[0] == "application/json"
    assert response.json()["errorCode"] == "E0000009"
