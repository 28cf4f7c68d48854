"""Legacy grants in the console and in the app rules: RFC 9700's warning, and what each app type may enable."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from authservers.services import ServiceError
from clients.services import client_create
from clients.validation import legacy_grant_warning

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT = "https://app.example.com/cb"


def change_url(client):
    return reverse("admin:clients_client_change", args=[client.pk])


def warnings_of(response) -> list[str]:
    return [message.message for message in get_messages(response.wsgi_request) if message.level_tag == "warning"]


@pytest.mark.django_db
@pytest.mark.parametrize(("grants", "app_type", "named"), [
    (["authorization_code", "password"], "native", "the password grant"),
    (["authorization_code", "implicit"], "browser", "the implicit grant"),
    (["authorization_code", "implicit", "password"], "native", "the password grant and the implicit grant"),
])
def test_console_warns_when_a_legacy_grant_is_enabled(console, grants, app_type, named):
    client, _ = client_create(label="legacy", grant_types=grants, application_type=app_type,
                              token_endpoint_auth_method="none", redirect_uris=[REDIRECT])
    response = console.get(change_url(client))
    assert response.status_code == 200
    assert b"RFC 9700" in response.content and named.encode() in response.content


@pytest.mark.django_db
def test_no_warning_without_legacy_grants(console):
    client, _ = client_create(label="tv", grant_types=["authorization_code", DEVICE], application_type="native",
                              token_endpoint_auth_method="none", redirect_uris=[REDIRECT])
    response = console.get(change_url(client))
    assert b"RFC 9700" not in response.content


@pytest.mark.django_db
def test_creating_a_legacy_app_in_the_console_warns(console):
    response = console.post(reverse("admin:clients_client_add"), {
        "label": "legacy-desktop", "application_type": "native", "grant_types": ["authorization_code", "password"],
        "token_endpoint_auth_method": "client_secret_basic", "redirect_uris": REDIRECT,
        "post_logout_redirect_uris": "", "consent_method": "TRUSTED", "pkce_required": "unknown", "profile": "",
        "client_secret": ""})
    assert response.status_code == 200
    assert any("RFC 9700" in text for text in warnings_of(response))


def test_warning_text_names_the_grants():
    assert legacy_grant_warning(["authorization_code"]) is None
    assert "the implicit grant" in legacy_grant_warning(["implicit"])
    assert "Okta" in legacy_grant_warning(["password"])


@pytest.mark.django_db
@pytest.mark.parametrize(("grants", "app_type"), [
    (["authorization_code", "password"], "web"),
    (["authorization_code", "password"], "browser"),
    (["client_credentials", "password"], "service"),
    (["authorization_code", DEVICE], "web"),
    (["authorization_code", DEVICE], "browser"),
    (["client_credentials", "implicit"], "service"),
])
def test_app_types_that_may_not_enable_a_grant(grants, app_type):
    """Okta §8.1: password and device only for native apps; implicit never for service apps."""
    with pytest.raises(ServiceError):
        client_create(label="x", grant_types=grants, application_type=app_type, redirect_uris=[REDIRECT])


@pytest.mark.django_db
def test_implicit_apps_get_token_response_types_and_need_one():
    client, _ = client_create(label="spa", grant_types=["implicit"], application_type="browser",
                              token_endpoint_auth_method="none", redirect_uris=[REDIRECT])
    assert client.response_types == ["token", "id_token"]
    with pytest.raises(ServiceError, match="implicit requires"):
        client_create(label="spa", grant_types=["implicit"], application_type="browser", response_types=["code"],
                      token_endpoint_auth_method="none", redirect_uris=[REDIRECT])


@pytest.mark.django_db
def test_device_and_password_apps_need_no_redirect_uri_beyond_the_code_flow():
    client, _ = client_create(label="cli", grant_types=["authorization_code", DEVICE, "password"],
                              application_type="native", token_endpoint_auth_method="none",
                              redirect_uris=["com.example.cli:/callback"])
    assert set(client.grant_types) == {"authorization_code", DEVICE, "password"}
