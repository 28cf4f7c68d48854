"""Consent grants in the console and `manage.py revokeconsent`: listed, revoked, and the page asks again."""

import json

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from accounts.services import user_create
from authservers.models import ConsentGrant, LogEvent
from clients.models import Client
from tests.commands import run_command, run_command_failing
from tests.factories import ScopeFactory

from .code_flow import AUTHORIZE, authorize_params, redirect_params

pytestmark = pytest.mark.django_db
SCOPES = "openid orders:read orders:write"


@pytest.fixture
def browser(ada):
    """ada's own browser (the `client` fixture may be the admin's console)."""
    browser = BrowserClient()
    browser.force_login(ada)
    return browser


@pytest.fixture
def consented(browser, authserver, web_app, ada):
    """ada allowed orders:read and orders:write to the web app (which asks for consent)."""
    ScopeFactory(server=authserver, name="orders:read", display_name="Read your orders", consent="REQUIRED")
    ScopeFactory(server=authserver, name="orders:write", display_name="Place orders", consent="REQUIRED")
    Client.objects.filter(pk=web_app.model.pk).update(consent_method="REQUIRED")
    url = browser.get(AUTHORIZE, authorize_params(web_app, scope=SCOPES))["Location"]
    redirect_params(browser.post(url, {"decision": "allow"}))
    assert ConsentGrant.objects.filter(user=ada, status="ACTIVE").count() == 2
    return web_app


def asks_again(browser, app) -> bool:
    response = browser.get(AUTHORIZE, authorize_params(app, scope=SCOPES))
    return response.status_code == 302 and response["Location"].startswith("/consent/")


def test_granting_is_in_the_system_log(consented, ada):
    events = LogEvent.objects.filter(event_type="app.oauth2.as.consent.grant")
    assert events.count() == 2
    assert {event.actor["alternateId"] for event in events} == {ada.login}


# --- the console ---------------------------------------------------------------------------------------

def test_console_lists_grants(console, consented, ada):
    response = console.get(reverse("admin:authservers_consentgrant_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    for grant in ConsentGrant.objects.all():
        assert grant.id in html
    assert "Revoke selected consent grants" in html


def test_console_revoke_action_brings_the_page_back(console, browser, consented, ada):
    grant = ConsentGrant.objects.get(scope__name="orders:write")
    response = console.post(reverse("admin:authservers_consentgrant_changelist"),
                            {"action": "revoke_consent", "_selected_action": [grant.pk]}, follow=True)
    assert b"Revoked 1 consent grant" in response.content
    grant.refresh_from_db()
    assert grant.status == "REVOKED"
    assert ConsentGrant.objects.get(scope__name="orders:read").status == "ACTIVE"
    event = LogEvent.objects.get(event_type="app.oauth2.as.consent.revoke")
    assert event.actor["alternateId"] == "root@example.com" and event.target[0]["id"] == grant.pk
    assert asks_again(browser, consented)


def test_console_grant_page_is_read_only(console, consented):
    grant = ConsentGrant.objects.first()
    url = reverse("admin:authservers_consentgrant_change", args=[grant.pk])
    assert console.get(url).status_code == 200
    console.post(url, {"status": "ACTIVE", "issuer": "https://evil.example.com"})
    grant.refresh_from_db()
    assert grant.issuer != "https://evil.example.com"
    assert console.get(reverse("admin:authservers_consentgrant_add")).status_code == 403


def test_staff_without_the_permission_cannot_revoke(client, consented):
    from django.contrib.auth.models import Permission

    staff = user_create(login="viewer@example.com", email="viewer@example.com", password="pw-for-tests",
                        is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_consentgrant"))
    client.force_login(staff)
    grant = ConsentGrant.objects.first()
    client.post(reverse("admin:authservers_consentgrant_changelist"),
                {"action": "revoke_consent", "_selected_action": [grant.pk]})
    grant.refresh_from_db()
    assert grant.status == "ACTIVE"


# --- manage.py revokeconsent ---------------------------------------------------------------------------

def test_command_revokes_every_grant_of_the_user(browser, consented, ada):
    out, _ = run_command("revokeconsent", "--user", ada.login)
    assert "Revoked 2 consent grant(s)" in out
    assert not ConsentGrant.objects.filter(status="ACTIVE").exists()
    assert asks_again(browser, consented)


def test_command_narrows_to_client_and_scope_and_prints_okta_grants(browser, consented, ada):
    out, _ = run_command("revokeconsent", "--user", ada.login.upper(), "--client", consented.client_id,
                         "--scope", "orders:read", "--json")
    [grant] = json.loads(out)
    assert grant["id"].startswith("oag") and grant["status"] == "REVOKED"
    assert (grant["clientId"], grant["userId"], grant["issuer"], grant["source"]) == (
        consented.client_id, ada.pk, "http://testserver/oauth2/default", "END_USER")
    assert grant["_embedded"]["scope"]["name"] == "orders:read"
    assert grant["created"].endswith("Z") and grant["createdBy"] == {"id": ada.pk, "type": "User"}
    assert set(ConsentGrant.objects.filter(status="ACTIVE").values_list("scope__name", flat=True)) == {
        "orders:write"}
    html = browser.get(browser.get(AUTHORIZE, authorize_params(consented, scope=SCOPES))["Location"])
    assert b"Read your orders" in html.content and b"Place orders" not in html.content


def test_command_with_nothing_to_revoke(consented, ada):
    out, _ = run_command("revokeconsent", "--user", ada.login, "--scope", "nope")
    assert "nothing revoked" in out
    out, _ = run_command("revokeconsent", "--user", ada.login, "--scope", "nope", "--json")
    assert json.loads(out) == []


def test_command_revoking_twice_revokes_nothing_more(consented, ada):
    run_command("revokeconsent", "--user", ada.login)
    out, _ = run_command("revokeconsent", "--user", ada.login, "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(("args", "summary"), [
    (("--user", "nobody@example.com"), "Not found: Resource not found: nobody@example.com (User)"),
    (("--user", "ada@example.com", "--client", "0oanope"), "Not found: Resource not found: 0oanope (App)"),
    (("--user", "x" * 5000), None),
])
def test_command_failures_are_okta_errors(consented, args, summary):
    _, err = run_command_failing("revokeconsent", *args, "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000007"
    if summary:
        assert body["errorSummary"] == summary
    assert ConsentGrant.objects.filter(status="ACTIVE").count() == 2
