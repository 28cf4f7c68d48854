"""GET/POST /v1/logout (OpenID Connect RP-Initiated Logout 1.0, REFERENCE §2.5)."""

import base64
import html
import json
import time

import pytest

from accounts.services import everyone_group
from authservers.models import LogEvent
from authservers.oauth.id_tokens import build_id_token_claims, sign_id_token
from authservers.oauth.logout import HINT_INVALID, HINT_REQUIRED, REDIRECT_NOT_REGISTERED
from authservers.selectors import server_snapshot
from tests.helpers import endpoint

from .code_flow import exchange, get_code
from .conftest import REDIRECT_URI

pytestmark = pytest.mark.django_db
LOGOUT = endpoint("logout")
LOGOUT_URI = "https://app.example.com/signed-out"
ISSUER = "http://testserver/oauth2/default"


@pytest.fixture
def app(make_client):
    registered = make_client(label="portal", grant_types=["authorization_code"], application_type="web",
                             redirect_uris=[REDIRECT_URI], post_logout_redirect_uris=[LOGOUT_URI])
    registered.model.assigned_groups.add(everyone_group())
    return registered


def id_token(client, app) -> str:
    response = exchange(client, app, get_code(client, app))
    assert response.status_code == 200, response.content
    return response.json()["id_token"]


def session_user_id(client):
    return client.session.get("_auth_user_id")


def signed_hint(server_id, issuer, client_id, user_id, now) -> str:
    claims = build_id_token_claims(issuer=issuer, client_id=client_id, user_id=user_id, idp="org", auth_time=now,
                                   now=now)
    return sign_id_token(claims, server_snapshot(server_id).signing)


def assert_error_page(response, description):
    assert response.status_code == 400, response.content
    assert "authservers/error.html" in [template.name for template in response.templates]
    assert html.escape(description) in response.content.decode()


def test_logout_ends_the_session_and_redirects_with_state(signed_in, authserver, app, ada):
    hint = id_token(signed_in, app)
    response = signed_in.get(LOGOUT, {"id_token_hint": hint, "post_logout_redirect_uri": LOGOUT_URI,
                                      "state": "s t&1"})
    assert response.status_code == 302
    assert response["Location"] == LOGOUT_URI + "?state=s+t%261"
    assert session_user_id(signed_in) is None
    assert LogEvent.objects.get(event_type="user.session.end").actor["id"] == ada.pk


def test_logout_by_post_without_state_or_csrf(authserver, app, ada):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    hint = id_token(browser, app)
    response = browser.post(LOGOUT, {"id_token_hint": hint, "post_logout_redirect_uri": LOGOUT_URI})
    assert response.status_code == 302 and response["Location"] == LOGOUT_URI
    assert session_user_id(browser) is None


def test_logout_without_redirect_shows_the_signed_out_page(signed_in, authserver, app):
    response = signed_in.get(LOGOUT, {"id_token_hint": id_token(signed_in, app)})
    assert response.status_code == 200
    assert "You have signed out" in response.content.decode()
    assert session_user_id(signed_in) is None


def test_logout_without_session_simply_redirects(client, signed_in, authserver, app):
    hint = id_token(signed_in, app)
    signed_in.logout()
    response = client.get(LOGOUT, {"id_token_hint": hint, "post_logout_redirect_uri": LOGOUT_URI, "state": "x"})
    assert response.status_code == 302 and response["Location"] == LOGOUT_URI + "?state=x"
    assert not LogEvent.objects.filter(event_type="user.session.end").exists()


def test_session_of_another_user_is_kept(client, authserver, app, ada):
    from accounts.services import user_create

    hint = signed_hint("default", ISSUER, app.client_id, "00uSomeoneElse", int(time.time()))
    grace = user_create(login="grace@example.com", email="grace@example.com", password="pw-pw-pw-pw")
    client.force_login(grace)
    response = client.get(LOGOUT, {"id_token_hint": hint, "post_logout_redirect_uri": LOGOUT_URI})
    assert response.status_code == 302
    assert session_user_id(client) == grace.pk


def test_expired_hint_is_accepted(signed_in, authserver, app, ada):
    hint = signed_hint("default", ISSUER, app.client_id, ada.pk, int(time.time()) - 7200)
    response = signed_in.get(LOGOUT, {"id_token_hint": hint, "post_logout_redirect_uri": LOGOUT_URI})
    assert response.status_code == 302
    assert session_user_id(signed_in) is None


def test_missing_hint_is_an_error_page(signed_in, authserver, app):
    assert_error_page(signed_in.get(LOGOUT, {"post_logout_redirect_uri": LOGOUT_URI}), HINT_REQUIRED)
    assert session_user_id(signed_in) is not None


def test_tampered_hint_is_refused(signed_in, authserver, app, ada):
    head, payload, signature = id_token(signed_in, app).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["aud"] = "someone-else"
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = signed_in.get(LOGOUT, {"id_token_hint": f"{head}.{payload}.{signature}",
                                      "post_logout_redirect_uri": LOGOUT_URI})
    assert_error_page(response, HINT_INVALID)
    assert session_user_id(signed_in) == ada.pk


@pytest.mark.parametrize("hint", ["garbage", "a.b.c", "x" * 40000, "eyJhbGciOiJub25lIn0.e30."])
def test_hostile_hints_are_refused(signed_in, authserver, hint):
    assert_error_page(signed_in.get(LOGOUT, {"id_token_hint": hint}), "id_token_hint")


def test_access_token_is_not_a_hint(signed_in, authserver, app):
    token = exchange(signed_in, app, get_code(signed_in, app)).json()["access_token"]
    assert_error_page(signed_in.get(LOGOUT, {"id_token_hint": token}), HINT_INVALID)


def test_hint_of_another_server_is_refused(signed_in, authserver, other_authserver, app, ada):
    hint = signed_hint(other_authserver.pk, f"http://testserver/oauth2/{other_authserver.pk}", app.client_id,
                       ada.pk, int(time.time()))
    assert_error_page(signed_in.get(LOGOUT, {"id_token_hint": hint}), HINT_INVALID)
    assert session_user_id(signed_in) == ada.pk


@pytest.mark.parametrize("uri", [REDIRECT_URI, LOGOUT_URI + "/", LOGOUT_URI + "?x=1", "https://evil.example/"])
def test_unregistered_redirect_is_refused_and_session_kept(signed_in, authserver, app, ada, uri):
    response = signed_in.get(LOGOUT, {"id_token_hint": id_token(signed_in, app), "post_logout_redirect_uri": uri})
    assert_error_page(response, REDIRECT_NOT_REGISTERED)
    assert session_user_id(signed_in) == ada.pk


def test_other_methods_and_unknown_server(client, authserver):
    assert client.put(LOGOUT).status_code == 405
    assert client.get(endpoint("logout", "nosuchserver")).status_code == 404
