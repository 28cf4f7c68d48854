"""The legacy password grant (RFC 6749 §4.3): only for clients that enable it; throttled per user and IP."""

import uuid

import pytest
from django.urls import reverse

from accounts import throttling
from accounts.services import everyone_group, user_create
from authservers.models import LogEvent
from authservers.oauth import password
from tests.helpers import assert_json, assert_oauth_error, basic_auth_header, endpoint, post_form

from .code_flow import verified
from .conftest import PASSWORD, REDIRECT_URI

TOKEN = endpoint("token")


@pytest.fixture(autouse=True)
def _own_throttle_keys(monkeypatch):
    monkeypatch.setattr(throttling, "PREFIX", f"test:{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.CASTELLAN_SIGNIN_FREE_FAILURES = 3
    settings.CASTELLAN_SIGNIN_LOCKOUT_FAILURES = 10
    settings.CASTELLAN_SIGNIN_DELAY_SECONDS = 30.0
    settings.CASTELLAN_SIGNIN_IP_FREE_FAILURES = 5
    settings.CASTELLAN_SIGNIN_IP_LOCKOUT_FAILURES = 50
    settings.CASTELLAN_SYSTEM_LOG_WRITER = "inline"


@pytest.fixture
def legacy_app(make_client, authserver):
    """A confidential native app that deliberately enabled the password grant, assigned to Everyone."""
    registered = make_client(label="legacy-desktop", application_type="native",
                             grant_types=["authorization_code", "password"], redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    return registered


def password_grant(client, registered, username="ada@example.com", secret=PASSWORD, scope="openid profile",
                   ip="192.0.2.1", **extra):
    data = {"grant_type": "password", "username": username, "password": secret, "scope": scope, **extra}
    data = {name: value for name, value in data.items() if value is not None}
    return post_form(client, TOKEN, data, REMOTE_ADDR=ip,
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


@pytest.mark.django_db
def test_enabled_client_gets_tokens_for_the_user(client, legacy_app, ada):
    response = password_grant(client, legacy_app, username="ADA@example.com")
    body = assert_json(response)
    assert response.status_code == 200, body
    assert response["Cache-Control"] == "no-store"
    assert body["scope"] == "openid profile" and "refresh_token" not in body
    _, access = verified(client, body["access_token"])
    assert access["uid"] == ada.pk and access["scp"] == ["openid", "profile"]
    _, id_token = verified(client, body["id_token"])
    assert id_token["sub"] == ada.pk


@pytest.mark.django_db
def test_client_that_did_not_enable_it_is_refused_before_any_password_check(client, authserver, web_app, ada):
    response = password_grant(client, web_app, secret="wrong")
    assert_oauth_error(response, 400, "unauthorized_client")
    # No failure was counted for the user: the password was never looked at.
    assert throttling.check("password-grant-" + throttling.login_subject(ada.login), throttling.login_limits(),
                            now=throttling.clock()).allowed
    assert not LogEvent.objects.filter(outcome_reason="INVALID_CREDENTIALS").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "error", "description"), [
    ({"username": None}, "invalid_request", "The 'username' parameter is required."),
    ({"secret": None}, "invalid_request", "The 'password' parameter is required."),
    ({"scope": None}, "invalid_scope", password.NO_SCOPES),
    ({"scope": "nope"}, "invalid_scope", "One or more scopes are not configured for the authorization server "
                                         "resource."),
    ({"secret": "wrong"}, "invalid_grant", password.INVALID_CREDENTIALS),
    ({"username": "nobody@example.com"}, "invalid_grant", password.INVALID_CREDENTIALS),
    ({"username": "x" * 5000}, "invalid_grant", password.INVALID_CREDENTIALS),
    ({"secret": "p" * 10_000}, "invalid_grant", password.INVALID_CREDENTIALS),
    ({"username": "ada@example.com\x00"}, "invalid_request", None),
])
def test_bad_requests(client, legacy_app, ada, overrides, error, description):
    assert_oauth_error(password_grant(client, legacy_app, **overrides), 400, error, description)


@pytest.mark.django_db
def test_unknown_and_wrong_password_read_the_same(client, legacy_app, ada):
    unknown = password_grant(client, legacy_app, username="nobody@example.com", ip="192.0.2.2")
    wrong = password_grant(client, legacy_app, secret="wrong", ip="192.0.2.3")
    assert unknown.json() == wrong.json()


@pytest.mark.django_db
def test_suspended_user_is_refused(client, legacy_app, ada):
    ada.status = "SUSPENDED"
    ada.save()
    assert_oauth_error(password_grant(client, legacy_app), 400, "invalid_grant", password.INVALID_CREDENTIALS)


@pytest.mark.django_db
def test_unassigned_user_is_refused(client, make_client, authserver, ada):
    registered = make_client(label="legacy-desktop", application_type="native",
                             grant_types=["authorization_code", "password"], redirect_uris=[REDIRECT_URI])
    assert_oauth_error(password_grant(client, registered), 400, "access_denied",
                       "User is not assigned to the client application.")


@pytest.mark.django_db
def test_policies_are_evaluated_with_the_user(client, legacy_app, ada, authserver):
    from policies.models import PolicyRule

    PolicyRule.objects.filter(policy__server=authserver).update(users_exclude=[ada.pk])
    body = assert_oauth_error(password_grant(client, legacy_app), 401, "access_denied")
    assert "Policy evaluation failed" in body["error_description"]
    other = user_create(login="bob@example.com", email="bob@example.com", password=PASSWORD)
    assert password_grant(client, legacy_app, username=other.login).status_code == 200


@pytest.mark.django_db
def test_rule_without_the_password_grant_denies(client, legacy_app, ada, authserver):
    from policies.models import PolicyRule

    PolicyRule.objects.filter(policy__server=authserver).update(grant_types=["authorization_code"])
    assert_oauth_error(password_grant(client, legacy_app), 401, "access_denied")


@pytest.mark.django_db
def test_repeated_failures_for_a_user_are_throttled(client, legacy_app, ada):
    for ip in ("192.0.2.10", "192.0.2.11", "192.0.2.12"):
        assert_oauth_error(password_grant(client, legacy_app, secret="wrong", ip=ip), 400, "invalid_grant")
    # The fourth attempt, even with the right password and from another address, waits.
    response = password_grant(client, legacy_app, ip="192.0.2.13")
    assert_oauth_error(response, 429, "too_many_requests", password.RATE_LIMITED)
    assert int(response["Retry-After"]) >= 1
    reasons = set(LogEvent.objects.filter(event_type="app.oauth2.as.token.grant").values_list("outcome_reason",
                                                                                              flat=True))
    assert reasons == {"INVALID_CREDENTIALS", "user_rate_limited"}


@pytest.mark.django_db
def test_failures_from_one_ip_are_throttled_across_users(client, legacy_app, ada):
    for n in range(5):
        password_grant(client, legacy_app, username=f"guess{n}@example.com", ip="198.51.100.7")
    response = password_grant(client, legacy_app, ip="198.51.100.7")
    assert_oauth_error(response, 429, "too_many_requests")
    assert password_grant(client, legacy_app, ip="198.51.100.8").status_code == 200


@pytest.mark.django_db
def test_password_grant_counters_are_apart_from_the_sign_in_page(client, legacy_app, ada):
    for ip in ("192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"):
        password_grant(client, legacy_app, secret="wrong", ip=ip)
    signed_in = client.post(reverse("accounts:login"), {"login": ada.login, "password": PASSWORD}, REMOTE_ADDR="192.0.2.20")
    assert signed_in.status_code == 302  # the sign-in page's counters are untouched


@pytest.mark.django_db
def test_more_than_four_requests_a_second_for_one_user_are_rate_limited(client, legacy_app, ada, monkeypatch):
    """Okta: 4 per second per username, counted whatever the outcome (user_rate_limited)."""
    monkeypatch.setattr(throttling, "clock", lambda: 1_900_000_000.25)
    statuses = [password_grant(client, legacy_app, ip=f"192.0.2.{n}").status_code for n in range(30, 36)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    monkeypatch.setattr(throttling, "clock", lambda: 1_900_000_001.25)  # the next second
    assert password_grant(client, legacy_app).status_code == 200


@pytest.mark.django_db
def test_consent_required_scopes_cannot_be_granted(client, make_client, authserver, ada):
    from authservers.models import Scope

    Scope.objects.filter(server=authserver, name="profile").update(consent="REQUIRED")
    registered = make_client(label="legacy-desktop", application_type="native", consent_method="REQUIRED",
                             grant_types=["authorization_code", "password"], redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    assert_oauth_error(password_grant(client, registered), 400, "consent_required")


@pytest.mark.django_db
def test_public_client_with_the_grant_authenticates_with_client_id(client, make_client, authserver, ada):
    registered = make_client(label="legacy-cli", application_type="native", token_endpoint_auth_method="none",
                             grant_types=["authorization_code", "password"], redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    response = post_form(client, TOKEN, {"grant_type": "password", "username": ada.login, "password": PASSWORD,
                                         "scope": "openid", "client_id": registered.client_id})
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_wrong_client_secret_is_refused_before_the_password(client, legacy_app, ada):
    response = post_form(client, TOKEN, {"grant_type": "password", "username": ada.login, "password": "wrong",
                                         "scope": "openid"},
                         HTTP_AUTHORIZATION=basic_auth_header(legacy_app.client_id, "not-the-secret"))
    assert_oauth_error(response, 401, "invalid_client")


def test_parameter_checks_are_pure():
    password.check_parameters("ada", "pw", "openid")
    with pytest.raises(password.errors.InvalidRequest):
        password.check_parameters("", "pw", "openid")
    with pytest.raises(password.errors.InvalidScope):
        password.check_parameters("ada", "pw", "  ")
    assert password.scopes_needing_consent("TRUSTED", {"profile": "REQUIRED"}) == []
    assert password.scopes_needing_consent("REQUIRED", {"profile": "REQUIRED", "openid": "IMPLICIT",
                                                        "email": "FLEXIBLE"}) == ["profile", "email"]


@pytest.mark.django_db
def test_offline_access_gives_a_refresh_token_that_works(client, make_client, authserver, ada):
    app = make_client(label="legacy-desktop", application_type="native",
                      grant_types=["authorization_code", "password", "refresh_token"], redirect_uris=[REDIRECT_URI])
    app.model.assigned_groups.add(everyone_group())
    body = assert_json(password_grant(client, app, scope="openid offline_access"))
    assert body.get("refresh_token"), body
    refreshed = post_form(client, TOKEN, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
                          HTTP_AUTHORIZATION=basic_auth_header(app.client_id, app.secret))
    assert refreshed.status_code == 200, refreshed.content
    _, access = verified(client, assert_json(refreshed)["access_token"])
    assert access["uid"] == ada.pk
