"""GET/POST /oauth2/{serverId}/v1/authorize: error page vs redirect, every check, sign-in round trip."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from accounts.models import UserStatus
from accounts.services import everyone_group, group_get_or_create
from authservers.models import Grant
from authservers.oauth import errors
from clients.models import Client
from policies.models import PolicyRule

from .code_flow import AUTHORIZE, CHALLENGE, authorize_params, redirect_params
from .conftest import PASSWORD, REDIRECT_URI

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oauth2/default"


def assert_error_page(response, error: str, description: str | None = None):
    assert response.status_code == 400
    assert "Location" not in response
    html = response.content.decode()
    assert error in html
    if description is not None:
        assert description.replace("'", "&#x27;") in html


def assert_redirect_error(response, error: str, description: str | None = None, state: str | None = "st-1"):
    params = redirect_params(response)
    assert params["error"] == error, params
    if description is not None:
        assert params["error_description"] == description
    assert params.get("state") == state
    assert params["iss"] == ISSUER
    assert "code" not in params
    return params


# --- before the client and redirect URI are verified: a page, never a redirect ---------------------------

@pytest.mark.parametrize("overrides", [
    {"client_id": None}, {"client_id": "0oaunknown"}, {"redirect_uri": None},
    {"redirect_uri": "https://evil.example.com/callback"}, {"redirect_uri": REDIRECT_URI + "/"},
    {"redirect_uri": REDIRECT_URI + "?x=1"},
])
def test_unverified_client_or_redirect_uri_shows_error_page(signed_in, authserver, web_app, overrides):
    assert_error_page(signed_in.get(AUTHORIZE, authorize_params(web_app, **overrides)), "invalid_")


def test_inactive_client_shows_error_page(signed_in, authserver, web_app):
    Client.objects.filter(pk=web_app.model.pk).update(status="INACTIVE")
    assert_error_page(signed_in.get(AUTHORIZE, authorize_params(web_app)), "invalid_client")


def test_duplicate_parameter_shows_error_page(signed_in, authserver, web_app):
    query = urlencode(authorize_params(web_app)) + "&redirect_uri=" + REDIRECT_URI
    assert_error_page(signed_in.get(f"{AUTHORIZE}?{query}"), "invalid_request")


def test_post_with_query_parameters_shows_error_page(signed_in, authserver, web_app):
    response = signed_in.post(f"{AUTHORIZE}?state=x", authorize_params(web_app))
    assert_error_page(response, "invalid_request")


def test_unknown_server_is_404(signed_in, authserver, web_app):
    assert signed_in.get("/oauth2/nope/v1/authorize", authorize_params(web_app)).status_code == 404


# --- after: redirects with error, state and iss ---------------------------------------------------------

@pytest.mark.parametrize(("overrides", "error", "description"), [
    ({"response_type": "code token"}, "unsupported_response_type", None),
    ({"response_type": None}, "invalid_request", None),
    ({"scope": "openid nope"}, "invalid_scope", errors.UNKNOWN_SCOPE),
    ({"scope": "profile"}, "access_denied", errors.OPENID_REQUIRED),
    ({"code_challenge_method": "plain"}, "invalid_request", errors.PKCE_METHOD_UNSUPPORTED),
    ({"code_challenge_method": None}, "invalid_request", errors.PKCE_METHOD_UNSUPPORTED),
    ({"code_challenge": "short"}, "invalid_request", None),
    ({"prompt": "none login"}, "invalid_request", None),
    ({"response_mode": "fragment"}, "invalid_request", None),
])
def test_request_errors_redirect_to_the_client(signed_in, authserver, web_app, overrides, error, description):
    assert_redirect_error(signed_in.get(AUTHORIZE, authorize_params(web_app, **overrides)), error, description)


def test_missing_state_redirects_without_state(signed_in, authserver, web_app):
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, state=None))
    assert_redirect_error(response, "invalid_request", errors.STATE_REQUIRED, state=None)


def test_pkce_required_by_the_client(signed_in, authserver, spa_app):
    response = signed_in.get(AUTHORIZE, authorize_params(spa_app, code_challenge=None, code_challenge_method=None))
    assert_redirect_error(response, "invalid_request", errors.PKCE_CHALLENGE_REQUIRED)


def test_client_without_the_grant_is_unauthorized(signed_in, authserver, make_client):
    app = make_client(label="other", grant_types=["authorization_code", "client_credentials"],
                      redirect_uris=[REDIRECT_URI])
    Client.objects.filter(pk=app.model.pk).update(grant_types=["client_credentials"])
    assert_redirect_error(signed_in.get(AUTHORIZE, authorize_params(app)), "unauthorized_client")


def test_unknown_scope_redirects_before_sign_in(client, authserver, web_app):
    response = client.get(AUTHORIZE, authorize_params(web_app, scope="openid nope"))
    assert_redirect_error(response, "invalid_scope", errors.UNKNOWN_SCOPE)


def test_prompt_none_without_session_is_login_required(client, authserver, web_app):
    assert_redirect_error(client.get(AUTHORIZE, authorize_params(web_app, prompt="none")), "login_required")


def test_unassigned_user_is_denied(signed_in, authserver, web_app):
    web_app.model.assigned_groups.clear()
    assert_redirect_error(signed_in.get(AUTHORIZE, authorize_params(web_app)), "access_denied",
                          errors.USER_NOT_ASSIGNED)


def test_user_assigned_directly_or_through_a_group_gets_a_code(signed_in, authserver, web_app, ada):
    web_app.model.assigned_groups.clear()
    web_app.model.assigned_users.add(ada)
    assert "code" in redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app)))
    web_app.model.assigned_users.clear()
    staff = group_get_or_create(name="Staff")
    staff.users.add(ada)
    web_app.model.assigned_groups.add(staff)
    assert "code" in redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app)))


def test_suspended_user_gets_no_code(signed_in, authserver, web_app, ada):
    type(ada).objects.filter(pk=ada.pk).update(status=UserStatus.SUSPENDED)
    response = signed_in.get(AUTHORIZE, authorize_params(web_app))
    # Django's ModelBackend drops the session of a user who is not active: back to sign-in, no code
    # (and the sign-in page refuses suspended users); check_user covers a session that slipped through.
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert not Grant.objects.exists()


def test_policy_denial_redirects_access_denied(signed_in, authserver, web_app):
    PolicyRule.objects.filter(policy__server=authserver).update(grant_types=["client_credentials"])
    assert_redirect_error(signed_in.get(AUTHORIZE, authorize_params(web_app)), "access_denied",
                          "Policy evaluation failed for this request, please check the policy configurations.")


def test_required_consent_client_shows_the_consent_page(signed_in, authserver, web_app):
    from authservers.models import Scope
    Scope.objects.filter(server=authserver, name="openid").update(consent="REQUIRED")
    Client.objects.filter(pk=web_app.model.pk).update(consent_method="REQUIRED")
    response = signed_in.get(AUTHORIZE, authorize_params(web_app))
    assert response.status_code == 302 and response["Location"].startswith("/consent/")
    assert_redirect_error(signed_in.get(AUTHORIZE, authorize_params(web_app, prompt="none")), "consent_required")


def test_trusted_client_skips_consent(signed_in, authserver, web_app):
    from authservers.models import Scope
    Scope.objects.filter(server=authserver, name="openid").update(consent="REQUIRED")
    assert "code" in redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app)))


# --- success -------------------------------------------------------------------------------------------

def test_success_stores_a_bound_code_and_redirects_with_state_and_iss(signed_in, authserver, web_app, ada):
    response = signed_in.get(AUTHORIZE, authorize_params(web_app))
    params = redirect_params(response)
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "st-1" and params["iss"] == ISSUER
    assert response["Referrer-Policy"] == "no-referrer"
    grant = Grant.objects.get(code=params["code"])
    assert grant.server_id == "default" and grant.application_id == web_app.model.pk and grant.user_id == ada.pk
    assert grant.redirect_uri == REDIRECT_URI and grant.scope == "openid"
    assert grant.code_challenge == CHALLENGE and grant.code_challenge_method == "S256"
    assert grant.nonce == "n-0S6_WzA2Mj"
    assert 299 <= (grant.expires - grant.created).total_seconds() <= 300
    assert '"access_token_lifetime": 3600' in grant.claims


def test_post_form_works_like_get(signed_in, authserver, web_app):
    assert "code" in redirect_params(signed_in.post(AUTHORIZE, authorize_params(web_app)))


def test_redirect_uri_query_is_kept(signed_in, authserver, make_client):
    app = make_client(label="q", grant_types=["authorization_code"], redirect_uris=[REDIRECT_URI + "?tenant=a"])
    app.model.assigned_groups.add(everyone_group())
    response = signed_in.get(AUTHORIZE, authorize_params(app, redirect_uri=REDIRECT_URI + "?tenant=a"))
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["tenant"] == ["a"] and "code" in query


# --- sign-in round trip --------------------------------------------------------------------------------

def test_without_session_redirects_to_sign_in_and_back_to_a_code(client, authserver, web_app, ada):
    response = client.get(AUTHORIZE, authorize_params(web_app))
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url.startswith("/login/?next=")
    back = parse_qs(urlsplit(login_url).query)["next"][0]
    assert back.startswith(AUTHORIZE + "?")
    assert parse_qs(urlsplit(back).query) == {name: [value] for name, value in authorize_params(web_app).items()}

    signed = client.post(login_url, {"login": ada.login, "password": PASSWORD})
    assert signed.status_code == 302 and signed["Location"] == back
    params = redirect_params(client.get(back))
    assert params["state"] == "st-1" and "code" in params


def test_post_without_session_comes_back_as_get(client, authserver, web_app):
    response = client.post(AUTHORIZE, authorize_params(web_app))
    back = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert parse_qs(urlsplit(back).query)["state"] == ["st-1"]


def test_prompt_login_ends_the_session_and_does_not_loop(signed_in, authserver, web_app):
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, prompt="login"))
    assert response["Location"].startswith("/login/?next=")
    back = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert "prompt" not in parse_qs(urlsplit(back).query)
    assert "_auth_user_id" not in signed_in.session
