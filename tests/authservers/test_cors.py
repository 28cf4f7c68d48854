"""CORS on the OAuth endpoints and Okta's browser rules at v1/token, over Django's test client.

Allowed origins: ACTIVE trusted origins with the CORS scope and the origins of ACTIVE clients'
redirect URIs (REFERENCE §2.4, §12.1). Everything else gets no CORS headers.
"""

import pytest

from authservers.oauth.browser_requests import GRANT_NOT_ALLOWED, ORIGIN_NOT_ALLOWED, PKCE_REQUIRED
from clients.models import ClientStatus, TrustedOrigin
from clients.services import trusted_origin_create
from tests.helpers import assert_json, assert_oauth_error, basic_auth_header, endpoint, post_form

from .code_flow import VERIFIER, exchange, get_code
from .conftest import REDIRECT_URI
from .test_runtime_cache import _separate_connection, poll, served_from_memory

APP_ORIGIN = "https://app.example.com"  # the origin of the code-flow fixtures' redirect URI
TRUSTED = "https://dashboard.example.org"
UNTRUSTED = "https://evil.example"
TOKEN = endpoint("token")


def preflight(client, path, origin, method="POST", headers="content-type"):
    return client.options(path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
                          HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers)


def assert_cors(response, origin):
    assert response["Access-Control-Allow-Origin"] == origin
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response["Vary"]


def assert_no_cors(response):
    assert not any(name.lower().startswith("access-control-") for name in response.headers), dict(response.headers)
    assert "Origin" in response["Vary"], "a cache must not serve one origin's answer to another"


def browser_exchange(client, registered, code, origin, verifier=VERIFIER):
    """A code exchange as a page's fetch() sends it: client_id in the body, an Origin header."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": registered.client_id}
    if verifier is not None:
        data["code_verifier"] = verifier
    headers = {"HTTP_ORIGIN": origin}
    if registered.secret:
        del data["client_id"]
        headers["HTTP_AUTHORIZATION"] = basic_auth_header(registered.client_id, registered.secret)
    return post_form(client, TOKEN, data, **headers)


@pytest.fixture
def trusted(db):
    return trusted_origin_create(name="dashboard", origin=TRUSTED, scopes=["CORS"])


# --- which origins are allowed ------------------------------------------------------------------

@pytest.mark.parametrize("path", [endpoint("keys"), "/oauth2/default/.well-known/openid-configuration",
                                  "/oauth2/default/.well-known/oauth-authorization-server",
                                  "/.well-known/oauth-authorization-server/oauth2/default"])
def test_public_documents_allow_a_trusted_origin(client, authserver, trusted, path):
    response = client.get(path, HTTP_ORIGIN=TRUSTED)
    assert response.status_code == 200
    assert_cors(response, TRUSTED)
    assert response["Access-Control-Expose-Headers"]


def test_redirect_uri_origin_of_an_active_client_is_allowed(client, authserver, spa_app):
    assert_cors(client.get(endpoint("keys"), HTTP_ORIGIN=APP_ORIGIN), APP_ORIGIN)


def test_redirect_uri_origin_of_an_inactive_client_is_not(client, authserver, spa_app):
    spa_app.model.status = ClientStatus.INACTIVE
    spa_app.model.save()
    assert_no_cors(client.get(endpoint("keys"), HTTP_ORIGIN=APP_ORIGIN))


def test_untrusted_origin_gets_the_answer_without_cors_headers(client, authserver, trusted, spa_app):
    response = client.get(endpoint("keys"), HTTP_ORIGIN=UNTRUSTED)
    assert response.status_code == 200  # the browser, not the server, keeps it from the page
    assert_no_cors(response)


def test_redirect_only_and_inactive_trusted_origins_are_not_cors_origins(client, authserver):
    trusted_origin_create(name="redirect-only", origin="https://redirect.example.org", scopes=["REDIRECT"])
    trusted_origin_create(name="off", origin="https://off.example.org", scopes=["CORS"], status="INACTIVE")
    assert_no_cors(client.get(endpoint("keys"), HTTP_ORIGIN="https://redirect.example.org"))
    assert_no_cors(client.get(endpoint("keys"), HTTP_ORIGIN="https://off.example.org"))


def test_changes_reach_the_origin_cache_at_once(client, authserver):
    assert_no_cors(client.get(endpoint("keys"), HTTP_ORIGIN=TRUSTED))
    origin = trusted_origin_create(name="dashboard", origin=TRUSTED, scopes=["CORS"])
    assert_cors(client.get(endpoint("keys"), HTTP_ORIGIN=TRUSTED), TRUSTED)
    origin.status = "INACTIVE"
    origin.save()
    assert_no_cors(client.get(endpoint("keys"), HTTP_ORIGIN=TRUSTED))
    TrustedOrigin.objects.filter(pk=origin.pk).first().delete()
    assert_no_cors(client.get(endpoint("keys"), HTTP_ORIGIN=TRUSTED))


@pytest.mark.django_db(transaction=True)
def test_a_trusted_origin_added_by_another_process_is_allowed_within_a_second(client, authserver, trusted):
    assert served_from_memory(lambda: client.get(endpoint("keys"), HTTP_ORIGIN=TRUSTED))
    with _separate_connection() as other:
        other.execute("UPDATE clients_trustedorigin SET origin = 'https://new.example.org' WHERE id = %s",
                      [trusted.pk])
        other.execute("SELECT pg_notify('castellan_config', %s)", [f"trusted_origin:{trusted.pk}"])
        other.commit()
    assert poll(lambda: "Access-Control-Allow-Origin" not in client.get(endpoint("keys"), HTTP_ORIGIN=TRUSTED))
    assert_cors(client.get(endpoint("keys"), HTTP_ORIGIN="https://new.example.org"), "https://new.example.org")


def test_no_origin_no_cors_headers(client, authserver, trusted):
    assert_no_cors(client.get(endpoint("keys")))


def test_authorize_and_logout_are_navigations_without_cors(client, authserver, spa_app):
    for name in ("authorize", "logout"):
        response = client.get(endpoint(name), HTTP_ORIGIN=APP_ORIGIN)
        assert "Access-Control-Allow-Origin" not in response
        assert preflight(client, endpoint(name), APP_ORIGIN, "GET").status_code != 204


# --- preflight ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "method"), [("token", "POST"), ("introspect", "POST"), ("revoke", "POST"),
                                              ("userinfo", "GET"), ("userinfo", "POST"), ("keys", "GET")])
def test_preflight_from_an_allowed_origin(client, authserver, spa_app, name, method):
    response = preflight(client, endpoint(name), APP_ORIGIN, method, "authorization, content-type")
    assert response.status_code == 204
    assert_cors(response, APP_ORIGIN)
    assert method in response["Access-Control-Allow-Methods"].split(", ")
    assert {"Authorization", "Content-Type"} <= set(response["Access-Control-Allow-Headers"].split(", "))
    assert int(response["Access-Control-Max-Age"]) > 0
    assert response.content == b""


def test_preflight_from_an_untrusted_origin_is_refused_without_cors_headers(client, authserver, spa_app):
    response = preflight(client, TOKEN, UNTRUSTED)
    assert response.status_code == 403
    assert_no_cors(response)


def test_preflight_for_a_method_the_endpoint_does_not_take(client, authserver, spa_app):
    response = preflight(client, TOKEN, APP_ORIGIN, "DELETE")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_preflight_for_an_unknown_server_is_answered_like_any_other(client, authserver, spa_app):
    # The preflight only asks about the origin; the actual request then gets its 404.
    assert preflight(client, endpoint("token", "nosuchserver"), APP_ORIGIN).status_code == 204
    response = post_form(client, endpoint("token", "nosuchserver"), {"grant_type": "client_credentials"},
                         HTTP_ORIGIN=APP_ORIGIN)
    assert response.status_code == 404
    assert_cors(response, APP_ORIGIN)


def test_options_without_preflight_headers_reaches_the_endpoint(client, authserver):
    response = client.options(TOKEN, HTTP_ORIGIN=APP_ORIGIN)
    assert response.status_code == 405


def test_warm_preflights_and_document_requests_run_no_sql(client, authserver, spa_app, trusted):
    assert served_from_memory(lambda: preflight(client, TOKEN, APP_ORIGIN))
    assert served_from_memory(lambda: client.get(endpoint("keys"), HTTP_ORIGIN=TRUSTED))


# --- hostile Origin headers -------------------------------------------------------------------

@pytest.mark.parametrize("origin", ["null", "", "x" * 10_000, f"{APP_ORIGIN}, {UNTRUSTED}", f"{APP_ORIGIN}/",
                                    "https://app.example.com\u00e9", "https://app.example.com:99999",
                                    "https://app.example.com\t", "*", "\x7f"])
def test_hostile_origin_headers_never_fail_the_request(client, authserver, spa_app, origin):
    for response in (client.get(endpoint("keys"), HTTP_ORIGIN=origin), preflight(client, TOKEN, origin),
                     post_form(client, TOKEN, {"grant_type": "authorization_code", "client_id": spa_app.client_id,
                                               "code": "x", "code_verifier": "v" * 43}, HTTP_ORIGIN=origin)):
        assert response.status_code < 500
        assert "Access-Control-Allow-Origin" not in response


def test_error_responses_carry_cors_headers_so_the_page_can_read_them(client, authserver, spa_app):
    response = post_form(client, TOKEN, {"grant_type": "nonsense"}, HTTP_ORIGIN=APP_ORIGIN)
    assert_oauth_error(response, 400, "unsupported_grant_type")
    assert_cors(response, APP_ORIGIN)
    big = client.post(TOKEN, "x=" + "a" * 70_000, content_type="application/x-www-form-urlencoded",
                      HTTP_ORIGIN=APP_ORIGIN)
    assert big.status_code == 413
    assert_cors(big, APP_ORIGIN)


# --- browser token requests (Okta's rules) -----------------------------------------------------

def test_browser_code_exchange_with_pkce_from_the_redirect_uri_origin(signed_in, authserver, spa_app):
    code = get_code(signed_in, spa_app)
    response = browser_exchange(signed_in, spa_app, code, APP_ORIGIN)
    body = assert_json(response)
    assert response.status_code == 200, body
    assert body["access_token"] and body["id_token"]
    assert_cors(response, APP_ORIGIN)


def test_browser_code_exchange_from_a_trusted_origin(signed_in, authserver, spa_app, trusted):
    code = get_code(signed_in, spa_app)
    assert browser_exchange(signed_in, spa_app, code, TRUSTED).status_code == 200


def test_browser_code_exchange_from_an_untrusted_origin(signed_in, authserver, spa_app):
    code = get_code(signed_in, spa_app)
    response = browser_exchange(signed_in, spa_app, code, UNTRUSTED)
    assert_oauth_error(response, 400, "invalid_client", ORIGIN_NOT_ALLOWED)
    assert_no_cors(response)
    # The code was not spent: the app can still redeem it from its own origin.
    assert browser_exchange(signed_in, spa_app, code, APP_ORIGIN).status_code == 200


def test_another_clients_redirect_origin_is_not_enough(signed_in, authserver, spa_app, make_client):
    make_client(label="other", grant_types=["authorization_code"], application_type="browser",
                token_endpoint_auth_method="none", redirect_uris=["https://other.example.net/cb"])
    code = get_code(signed_in, spa_app)
    response = browser_exchange(signed_in, spa_app, code, "https://other.example.net")
    assert_oauth_error(response, 400, "invalid_client", ORIGIN_NOT_ALLOWED)
    assert response["Access-Control-Allow-Origin"] == "https://other.example.net"  # readable, still refused


def test_browser_code_exchange_without_pkce(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app, code_challenge=None, code_challenge_method=None)
    response = browser_exchange(signed_in, web_app, code, APP_ORIGIN, verifier=None)
    assert_oauth_error(response, 400, "invalid_client", PKCE_REQUIRED)
    assert "WWW-Authenticate" not in response


def test_browser_client_credentials(client, authserver, scope, make_client):
    service = make_client(label="svc", grant_types=["client_credentials"], redirect_uris=[f"{APP_ORIGIN}/cb"])
    auth = basic_auth_header(service.client_id, service.secret)
    response = post_form(client, TOKEN, {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=auth, HTTP_ORIGIN=APP_ORIGIN)
    assert_oauth_error(response, 400, "invalid_client", PKCE_REQUIRED)
    response = post_form(client, TOKEN, {"grant_type": "client_credentials", "scope": "orders:read",
                                         "code_verifier": "v" * 43}, HTTP_AUTHORIZATION=auth, HTTP_ORIGIN=APP_ORIGIN)
    assert_oauth_error(response, 400, "invalid_client", GRANT_NOT_ALLOWED)
    # The same request without an Origin (a server) succeeds.
    assert post_form(client, TOKEN, {"grant_type": "client_credentials", "scope": "orders:read"},
                     HTTP_AUTHORIZATION=auth).status_code == 200


def test_browser_request_for_an_unknown_client_fails_client_authentication(client, authserver):
    response = post_form(client, TOKEN, {"grant_type": "authorization_code", "client_id": "0oanosuchclient",
                                         "code": "x", "code_verifier": "v" * 43}, HTTP_ORIGIN=UNTRUSTED)
    assert_oauth_error(response, 401, "invalid_client")


def test_userinfo_from_a_browser_origin(signed_in, authserver, spa_app):
    code = get_code(signed_in, spa_app, scope="openid profile")
    token = exchange(signed_in, spa_app, code).json()["access_token"]
    response = signed_in.get(endpoint("userinfo"), HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ORIGIN=APP_ORIGIN)
    assert response.status_code == 200
    assert_cors(response, APP_ORIGIN)
    bad = signed_in.get(endpoint("userinfo"), HTTP_AUTHORIZATION="Bearer nope", HTTP_ORIGIN=APP_ORIGIN)
    assert bad.status_code == 401
    assert "WWW-Authenticate" in bad["Access-Control-Expose-Headers"]

