"""GET/POST /v1/userinfo (OIDC Core §5.3, RFC 6750 §3, REFERENCE §2.5) over the real code flow."""

import base64
import json

import pytest

from accounts.models import UserStatus
from authservers.oauth.userinfo import INSUFFICIENT_SCOPE, INVALID_TOKEN
from tests.helpers import basic_auth_header, endpoint, post_form

from .code_flow import exchange, get_code

pytestmark = pytest.mark.django_db
USERINFO = endpoint("userinfo")
INVALID = f'Bearer error="invalid_token", error_description="{INVALID_TOKEN}"'
ALL_SCOPES = "openid profile email address phone"


def access_token(client, app, scope=ALL_SCOPES) -> str:
    response = exchange(client, app, get_code(client, app, scope=scope))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def call(client, token=None, method="get", url=USERINFO, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return getattr(client, method)(url, **headers)


def assert_invalid(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == INVALID
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def ada_profile(ada):
    ada.profile = {"nickName": "Countess", "middleName": "King", "locale": "en-GB", "timezone": "Europe/London",
                   "primaryPhone": "+44 20 7946 0000", "email_verified": True, "profileUrl": "https://ada.example",
                   "address": {"locality": "London", "country": "GB", "region": None}}
    ada.save()
    return ada


def test_all_scopes_return_the_standard_claims(signed_in, authserver, web_app, ada_profile):
    for method in ("get", "post"):
        response = call(signed_in, access_token(signed_in, web_app), method=method)
        assert response.status_code == 200, response.content
        assert response["Cache-Control"] == "no-store"
        body = response.json()
        ada_profile.refresh_from_db()
        assert body == {
            "sub": ada_profile.pk, "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace",
            "middle_name": "King", "nickname": "Countess", "preferred_username": "ada@example.com",
            "profile": "https://ada.example", "zoneinfo": "Europe/London", "locale": "en-GB",
            "updated_at": int(ada_profile.last_updated.timestamp()),
            "email": "ada@example.com", "email_verified": True,
            "address": {"locality": "London", "country": "GB"}, "phone_number": "+44 20 7946 0000",
        }


def test_email_scope_alone_gives_email_claims_only(signed_in, authserver, web_app, ada):
    body = call(signed_in, access_token(signed_in, web_app, "openid email")).json()
    assert body == {"sub": ada.pk, "email": "ada@example.com", "email_verified": False}


def test_phone_and_address_absent_from_the_directory_are_left_out(signed_in, authserver, web_app, ada):
    body = call(signed_in, access_token(signed_in, web_app, "openid address phone")).json()
    assert body == {"sub": ada.pk}


def test_custom_identity_claims_are_all_returned(signed_in, authserver, web_app, ada):
    from authservers.claim_services import claim_create

    claim_create(server=authserver, name="dept", claim_type="IDENTITY", value='"R&D"',
                 always_include_in_token=False)
    claim_create(server=authserver, name="login_copy", claim_type="IDENTITY", value="user.login")
    claim_create(server=authserver, name="phone_only", claim_type="IDENTITY", value='"p"',
                 conditions_scopes=["phone"])
    claim_create(server=authserver, name="api_only", claim_type="RESOURCE", value='"r"')
    body = call(signed_in, access_token(signed_in, web_app, "openid email")).json()
    assert body["dept"] == "R&D" and body["login_copy"] == "ada@example.com"
    assert "phone_only" not in body and "api_only" not in body


def test_token_without_a_userinfo_scope_is_403(signed_in, authserver, web_app):
    response = call(signed_in, access_token(signed_in, web_app, "openid"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", error_description="{INSUFFICIENT_SCOPE}"')


def test_missing_token_is_401_without_error(client, authserver):
    for headers in ({}, {"HTTP_AUTHORIZATION": ""}, {"HTTP_AUTHORIZATION": "Basic YTpi"}):
        response = client.get(USERINFO, **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("token", [
    "garbage", "a.b.c", "x" * 20000, "Bearer", "eyJhbGciOiJub25lIn0.e30.", "\u00e9\u00e9.\u00e9.\u00e9"])
def test_hostile_tokens_are_invalid(client, authserver, token):
    assert_invalid(call(client, token))


def test_empty_bearer_is_invalid(client, authserver):
    assert_invalid(client.get(USERINFO, HTTP_AUTHORIZATION="Bearer "))


def test_alg_none_copy_of_a_real_token_is_invalid(signed_in, authserver, web_app):
    token = access_token(signed_in, web_app)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    header["alg"] = "none"
    forged = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    assert_invalid(call(signed_in, f"{forged}.{token.split('.')[1]}."))


def test_tampered_token_is_invalid(signed_in, authserver, web_app):
    head, payload, signature = access_token(signed_in, web_app).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scp"] = ["profile", "email", "phone", "address", "admin"]
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_invalid(call(signed_in, f"{head}.{payload}.{signature}"))


def test_revoked_token_is_invalid(signed_in, authserver, web_app):
    token = access_token(signed_in, web_app)
    assert call(signed_in, token).status_code == 200
    revoked = post_form(signed_in, endpoint("revoke"), {"token": token},
                        HTTP_AUTHORIZATION=basic_auth_header(web_app.client_id, web_app.secret))
    assert revoked.status_code == 200
    assert_invalid(call(signed_in, token))


def test_token_of_another_server_is_invalid(signed_in, authserver, other_authserver, web_app):
    token = access_token(signed_in, web_app)
    response = call(signed_in, token, url=endpoint("userinfo", other_authserver.pk))
    assert_invalid(response)


def test_client_credentials_token_has_no_user(client, authserver, service_client, scope, issue_token):
    assert_invalid(call(client, issue_token(service_client)))


def test_expired_token_is_invalid(signed_in, authserver, web_app, monkeypatch):
    import time

    token = access_token(signed_in, web_app)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3601)
    assert_invalid(call(signed_in, token))


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.DEPROVISIONED])
def test_suspended_or_deprovisioned_user_is_invalid(signed_in, authserver, web_app, ada, status):
    token = access_token(signed_in, web_app)
    ada.status = status
    ada.save()
    assert_invalid(call(signed_in, token))


def test_deleted_user_is_invalid(signed_in, authserver, web_app, ada):
    token = access_token(signed_in, web_app)
    ada.delete()
    assert_invalid(call(signed_in, token))


def test_other_methods_and_unknown_server(client, authserver):
    assert client.put(USERINFO).status_code == 405
    assert client.get(endpoint("userinfo", "nosuchserver")).status_code == 404


def test_post_needs_no_csrf_token(authserver, web_app, ada):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    token = access_token(browser, web_app)
    assert call(browser, token, method="post").status_code == 200
