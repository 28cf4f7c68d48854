"""Scopes in the console with Okta's wording, and what their consent setting means for services:
REQUIRED ("Block services from requesting this scope") is refused to client credentials with
`consent_required`, FLEXIBLE is granted with no prompt (REFERENCE §3, §9)."""

import pytest
from django.urls import reverse

from authservers.models import Scope
from authservers.oauth import errors
from tests.authservers.test_admin import add_inline_scope, server_form_data
from tests.helpers import basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db


def server_page(server) -> str:
    return reverse("admin:authservers_authorizationserver_change", args=[server.pk])


def console_adds_scope(console, server, **fields):
    response = console.post(server_page(server), add_inline_scope(server_form_data(server), **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Scope.objects.get(server=server, name=fields["name"])


def service_token(client, registered, scope: str):
    return post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": scope},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


def test_scope_forms_use_oktas_wording(console, authserver, scope):
    for url in (server_page(authserver), reverse("admin:authservers_scope_change", args=[scope.pk])):
        page = console.get(url).content.decode()
        for words in ("User consent", "Block services from requesting this scope", "Implicit", "Display phrase",
                      "Set as a default scope", "Include in public metadata", "Optional"):
            assert words in page, (url, words)


def test_blocked_scope_is_refused_to_services_and_a_flexible_one_is_granted(console, client, authserver,
                                                                            service_client):
    blocked = console_adds_scope(console, authserver, name="orders:admin", consent="REQUIRED")
    flexible = console_adds_scope(console, authserver, name="orders:sync", consent="FLEXIBLE")
    assert (blocked.consent, flexible.consent) == ("REQUIRED", "FLEXIBLE")

    refused = service_token(client, service_client, "orders:admin")
    assert refused.status_code == 400
    assert refused.json() == {"error": "consent_required",
                              "error_description": errors.scopes_require_consent(["orders:admin"])}
    granted = service_token(client, service_client, "orders:sync")
    assert granted.status_code == 200, granted.content
    assert granted.json()["scope"] == "orders:sync"
    # One blocked scope among others refuses the whole request.
    assert service_token(client, service_client, "orders:sync orders:admin").json()["error"] == "consent_required"


def test_unblocking_a_scope_in_the_console_lets_services_request_it(console, client, authserver, service_client):
    scope = console_adds_scope(console, authserver, name="orders:admin", consent="REQUIRED")
    assert service_token(client, service_client, "orders:admin").status_code == 400

    response = console.post(reverse("admin:authservers_scope_change", args=[scope.pk]),
                            {"name": scope.name, "display_name": "", "description": "", "consent": "FLEXIBLE",
                             "metadata_publish": "NO_CLIENTS"})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert service_token(client, service_client, "orders:admin").status_code == 200


def test_optional_needs_required_consent_in_plain_words(console, authserver):
    data = add_inline_scope(server_form_data(authserver), name="orders:read", optional="on")
    response = console.post(server_page(authserver), data)
    assert response.status_code == 200
    assert "An optional scope needs consent REQUIRED or FLEXIBLE: choose Required." in response.content.decode()
    assert not Scope.objects.filter(server=authserver, name="orders:read").exists()


def test_published_scope_is_in_discovery_and_an_unpublished_one_is_not(console, client, authserver):
    console_adds_scope(console, authserver, name="orders:read", metadata_publish="ALL_CLIENTS")
    console_adds_scope(console, authserver, name="orders:secret", metadata_publish="NO_CLIENTS")
    listed = client.get("/oauth2/default/.well-known/oauth-authorization-server").json()["scopes_supported"]
    assert "orders:read" in listed and "orders:secret" not in listed
