"""The console for client apps: creation through client_create, and a secret shown exactly once."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from clients.models import Client, ClientSecret
from clients.services import client_create, secret_hash

ADD_URL = "admin:clients_client_add"


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def service_app_form(**overrides):
    return {"label": "billing-service", "application_type": "", "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_basic", "redirect_uris": "",
            "post_logout_redirect_uris": "", "consent_method": "TRUSTED", "pkce_required": "unknown",
            "profile": "", "client_secret": "", **overrides}


def change_form(client, **overrides):
    data = {
        "label": client.label, "status": client.status, "grant_types": client.grant_types,
        "response_types": client.response_types, "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "consent_method": client.consent_method, "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "refresh_token_rotation": client.refresh_token_rotation,
        "refresh_token_leeway": client.refresh_token_leeway, "jwks": "{}", "profile": "{}",
        "secrets-TOTAL_FORMS": "0", "secrets-INITIAL_FORMS": "0", "secrets-MIN_NUM_FORMS": "0",
        "secrets-MAX_NUM_FORMS": "1000",
    }
    if client.pkce_required:
        data["pkce_required"] = "on"
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_add_page_opens(console):
    response = console.get(reverse(ADD_URL))
    assert response.status_code == 200
    assert b'name="grant_types"' in response.content


@pytest.mark.django_db
def test_created_secret_is_shown_once_on_the_creation_response(console):
    response = console.post(reverse(ADD_URL), service_app_form())
    assert response.status_code == 200
    assert response.templates[0].name == "admin/clients/client/secret_once.html"
    client = Client.objects.get(label="billing-service")
    secret = response.context["client_secret"]
    assert secret.encode() in response.content
    assert client.client_id.encode() in response.content
    assert ClientSecret.objects.get(client=client).secret_hash == secret_hash(secret)
    assert client.application_type == "service"
    assert "no-store" in response["Cache-Control"]
    # Error reports never include a posted client_secret.
    assert response.wsgi_request.sensitive_post_parameters == ("client_secret",)
    # Not kept anywhere a later request could read it: no message, no session value, no cookie.
    assert not list(get_messages(response.wsgi_request))
    assert secret not in str(dict(console.session.items()))
    assert all(secret not in morsel.value for morsel in response.cookies.values())

    assert secret.encode() not in console.get(change_url(client)).content
    assert secret.encode() not in console.get(reverse("admin:clients_client_changelist")).content
    assert secret.encode() not in console.get(reverse("admin:clients_clientsecret_changelist")).content


@pytest.mark.django_db
def test_creation_goes_through_client_create_defaults(console):
    response = console.post(reverse(ADD_URL), service_app_form(
        label="portal", grant_types=["authorization_code", "refresh_token"],
        redirect_uris="https://portal.example.com/cb\nhttps://portal.example.com/cb2",
        profile='{"tier": "gold"}'))
    assert response.status_code == 200, response.context.get("errors")
    client = Client.objects.get(label="portal")
    assert client.application_type == "web"
    assert client.response_types == ["code"]
    assert client.redirect_uris.split() == ["https://portal.example.com/cb", "https://portal.example.com/cb2"]
    assert client.profile == {"tier": "gold"}


@pytest.mark.django_db
def test_bring_your_own_secret(console):
    own = "s" * 40
    response = console.post(reverse(ADD_URL), service_app_form(client_secret=own))
    assert response.status_code == 200
    assert ClientSecret.objects.get().secret_hash == secret_hash(own)


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "message"), [
    ({"grant_types": ["client_credentials", "authorization_code"], "application_type": "service",
      "redirect_uris": "https://x.example.com/cb"}, b"cannot use authorization_code"),
    ({"grant_types": ["authorization_code"]}, b"At least one redirect URI is required"),
    ({"client_secret": "too-short"}, b"at least 32 characters"),
    ({"profile": "[1]"}, b"Must be a JSON object"),
    ({"grant_types": []}, b"This field is required"),
])
def test_invalid_app_is_shown_on_the_form_and_not_created(console, overrides, message):
    response = console.post(reverse(ADD_URL), service_app_form(**overrides))
    assert response.status_code == 200
    assert message in response.content
    assert not Client.objects.exists()
    assert b'name="client_secret"' in response.content
    if overrides.get("client_secret"):
        assert overrides["client_secret"].encode() not in response.content


@pytest.mark.django_db
def test_change_page_shows_secret_hash_but_no_secret(console):
    client, secret = client_create(label="billing-service", grant_types=["client_credentials"])
    response = console.get(change_url(client))
    assert response.status_code == 200
    record = ClientSecret.objects.get(client=client)
    assert record.secret_hash.encode() in response.content
    assert secret.encode() not in response.content
    assert record.encrypted_secret.encode() not in response.content


@pytest.mark.django_db
def test_change_form_saves_and_reports_okta_rules(console):
    client, _ = client_create(label="portal", grant_types=["authorization_code"],
                              redirect_uris=["https://portal.example.com/cb"])
    response = console.post(change_url(client), change_form(client, label="Portal"))
    assert response.status_code == 302, response.context and response.context["errors"]
    client.refresh_from_db()
    assert client.label == "Portal"

    response = console.post(change_url(client), change_form(client, redirect_uris=""))
    assert response.status_code == 200
    assert b"At least one redirect URI is required" in response.content
    client.refresh_from_db()
    assert client.redirect_uris == "https://portal.example.com/cb"


@pytest.mark.django_db
def test_add_secret_action_shows_the_new_secret_once(console):
    client, first = client_create(label="billing-service", grant_types=["client_credentials"])
    response = console.post(reverse("admin:clients_client_changelist"),
                            {"action": "add_secret", "_selected_action": [client.pk]})
    assert response.status_code == 200
    second = response.context["client_secret"]
    assert second != first and second.encode() in response.content
    assert sorted(ClientSecret.objects.filter(client=client).values_list("secret_hash", flat=True)) == sorted(
        [secret_hash(first), secret_hash(second)])
    # Okta: at most two secrets.
    response = console.post(reverse("admin:clients_client_changelist"),
                            {"action": "add_secret", "_selected_action": [client.pk]}, follow=True)
    assert b"at most two secrets" in response.content
    assert ClientSecret.objects.filter(client=client).count() == 2


@pytest.mark.django_db
def test_client_secret_admin_is_read_only(console):
    client, _ = client_create(label="billing-service", grant_types=["client_credentials"])
    record = ClientSecret.objects.get(client=client)
    response = console.get(change_url(record))
    assert response.status_code == 200
    assert record.encrypted_secret.encode() not in response.content
    assert console.post(change_url(record), {"status": "INACTIVE"}).status_code == 403


@pytest.mark.django_db
def test_only_inactive_apps_can_be_deleted(console):
    client, _ = client_create(label="billing-service", grant_types=["client_credentials"])
    delete_url = reverse("admin:clients_client_delete", args=[client.pk])
    assert console.post(delete_url, {"post": "yes"}).status_code == 403
    Client.objects.filter(pk=client.pk).update(status="INACTIVE")
    assert console.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Client.objects.filter(pk=client.pk).exists()
