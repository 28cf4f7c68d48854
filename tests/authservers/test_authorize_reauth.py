"""/authorize's max_age and login_hint, and the ID token's auth_time from the session's real sign-in."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from authservers.auth_time import AUTH_TIME_KEY

from .code_flow import AUTHORIZE, authorize_params, exchange, redirect_params, verified
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def set_auth_time(browser, seconds_ago: int) -> int:
    session = browser.session
    session[AUTH_TIME_KEY] = int(time.time()) - seconds_ago
    session.save()
    return session[AUTH_TIME_KEY]


def sign_in_url(response) -> str:
    assert response.status_code == 302, response.content
    assert response["Location"].startswith("/login/?"), response["Location"]
    return response["Location"]


def back_params(login_url: str) -> dict:
    back = parse_qs(urlsplit(login_url).query)["next"][0]
    return {name: values[0] for name, values in parse_qs(urlsplit(back).query).items()}


def id_token_claims(client, registered, code) -> dict:
    body = exchange(client, registered, code).json()
    return verified(client, body["id_token"])[1]


# --- auth_time -----------------------------------------------------------------------------------------

def test_auth_time_is_the_sessions_sign_in(client, signed_in, authserver, web_app):
    signed = set_auth_time(signed_in, 120)
    code = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app)))["code"]
    assert id_token_claims(client, web_app, code)["auth_time"] == signed


def test_auth_time_is_recorded_at_sign_in(client, authserver, web_app, ada):
    before = int(time.time())
    login_url = sign_in_url(client.get(AUTHORIZE, authorize_params(web_app)))
    back = client.post(login_url, {"login": ada.login, "password": PASSWORD})["Location"]
    assert before <= client.session[AUTH_TIME_KEY] <= int(time.time())
    code = redirect_params(client.get(back))["code"]
    assert id_token_claims(client, web_app, code)["auth_time"] == client.session[AUTH_TIME_KEY]


def test_a_sign_in_elsewhere_does_not_refresh_this_sessions_auth_time(client, signed_in, authserver, web_app, ada):
    from django.test import Client as BrowserClient

    signed = set_auth_time(signed_in, 3600)
    BrowserClient().force_login(ada)  # another device: last_login moves, this session's sign-in does not
    code = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app)))["code"]
    assert id_token_claims(client, web_app, code)["auth_time"] == signed
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, max_age="600"))
    sign_in_url(response)


# --- max_age -------------------------------------------------------------------------------------------

def test_recent_enough_sign_in_gets_a_code(signed_in, authserver, web_app):
    set_auth_time(signed_in, 30)
    assert "code" in redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, max_age="300")))


def test_older_sign_in_signs_in_again_and_comes_back_without_looping(client, authserver, web_app, ada):
    client.force_login(ada)
    set_auth_time(client, 900)
    login_url = sign_in_url(client.get(AUTHORIZE, authorize_params(web_app, max_age="300")))
    assert "_auth_user_id" not in client.session  # the old session ended
    assert "max_age" not in back_params(login_url)
    back = client.post(login_url, {"login": ada.login, "password": PASSWORD})["Location"]
    code = redirect_params(client.get(back))["code"]
    assert time.time() - id_token_claims(client, web_app, code)["auth_time"] < 60


def test_max_age_zero_behaves_like_prompt_login(client, authserver, web_app, ada):
    client.force_login(ada)
    login_url = sign_in_url(client.get(AUTHORIZE, authorize_params(web_app, max_age="0")))
    assert "_auth_user_id" not in client.session
    back = client.post(login_url, {"login": ada.login, "password": PASSWORD})["Location"]
    assert "code" in redirect_params(client.get(back))


def test_session_without_a_recorded_sign_in_time_counts_as_too_old(signed_in, authserver, web_app):
    session = signed_in.session
    del session[AUTH_TIME_KEY]
    session.save()
    sign_in_url(signed_in.get(AUTHORIZE, authorize_params(web_app, max_age="86400")))


def test_prompt_none_with_an_old_sign_in_is_login_required(signed_in, authserver, web_app):
    set_auth_time(signed_in, 900)
    params = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, max_age="300", prompt="none")))
    assert params["error"] == "login_required"


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", " 5", "2147483648", "9" * 400, "٣"])
def test_invalid_max_age_is_invalid_request(signed_in, authserver, web_app, value):
    params = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, max_age=value)))
    assert params["error"] == "invalid_request" and "max_age" in params["error_description"]


def test_max_age_zero_with_prompt_none_is_invalid_request(signed_in, authserver, web_app):
    params = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, max_age="0", prompt="none")))
    assert params["error"] == "invalid_request"


def test_largest_max_age_is_accepted(signed_in, authserver, web_app):
    assert "code" in redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, max_age="2147483647")))


# --- login_hint ----------------------------------------------------------------------------------------

def test_login_hint_prefills_the_username(client, authserver, web_app):
    login_url = sign_in_url(client.get(AUTHORIZE, authorize_params(web_app, login_hint="ada@example.com")))
    assert parse_qs(urlsplit(login_url).query)["login_hint"] == ["ada@example.com"]
    html = client.get(login_url).content.decode()
    assert 'value="ada@example.com"' in html


def test_login_hint_is_escaped(client, authserver, web_app):
    hint = '"><script>alert(1)</script>'
    login_url = sign_in_url(client.get(AUTHORIZE, authorize_params(web_app, login_hint=hint)))
    html = client.get(login_url).content.decode()
    assert "<script>alert" not in html and "&quot;&gt;&lt;script&gt;" in html


def test_sign_in_page_ignores_an_unusable_hint(client):
    assert 'value="' + "a" * 300 not in client.get("/login/", {"login_hint": "a" * 300}).content.decode()
    assert client.get("/login/", {"login_hint": "x\u0000y"}).status_code == 200


@pytest.mark.parametrize("hint", ["a" * 1025, "line\nbreak"])
def test_unusable_login_hint_is_invalid_request(signed_in, authserver, web_app, hint):
    params = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, login_hint=hint)))
    assert params["error"] == "invalid_request" and "login_hint" in params["error_description"]


def test_signed_in_user_ignores_the_hint(signed_in, authserver, web_app):
    assert "code" in redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, login_hint="bob")))


# --- other oversized input -----------------------------------------------------------------------------

def test_oversized_nonce_is_invalid_request(signed_in, authserver, web_app):
    params = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, nonce="n" * 2049)))
    assert params["error"] == "invalid_request" and "nonce" in params["error_description"]


def test_sign_in_page_lets_the_redirect_chain_reach_the_client(client):
    # Chromium applies form-action to each redirect after the sign-in POST: /authorize, then the client.
    csp = client.get("/login/")["Content-Security-Policy"]
    assert "form-action" not in csp and "frame-ancestors 'none'" in csp and "script-src 'none'" in csp
