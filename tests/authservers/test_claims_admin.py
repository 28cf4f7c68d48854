"""The console's claims: added and edited through the services, errors in plain words with positions."""

import pytest

from authservers.claim_services import claim_create
from authservers.models import Claim, LogEvent

pytestmark = pytest.mark.django_db

ADD = "/admin/authservers/claim/add/"


def change_url(claim) -> str:
    return f"/admin/authservers/claim/{claim.pk}/change/"


def claim_form(server, **overrides) -> dict:
    data = {"server": server.pk, "name": "team", "claim_type": "RESOURCE", "value_type": "EXPRESSION",
            "group_filter_type": "", "value": "app.profile.team", "include_in": "ANY", "scopes": "",
            "always_include_in_token": "on"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_server_page_lists_its_claims_and_links_to_add_one(console, authserver):
    page = console.get(f"/admin/authservers/authorizationserver/{authserver.pk}/change/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Add Claim" in text and f"?server={authserver.pk}" in text
    assert "(appuser != null) ? appuser.userName : app.clientId" in text


def test_add_page_uses_okta_wording(console, authserver):
    text = console.get(f"{ADD}?server={authserver.pk}").content.decode()
    for words in ("Include in token type", "Value type", "Disable claim", "Any scope", "The following scopes"):
        assert words in text


def test_admin_adds_a_claim_through_the_service(console, authserver, scope):
    response = console.post(ADD, claim_form(authserver, include_in="SCOPES", scopes="orders:read"))

    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get(server=authserver, name="team")
    assert (claim.value, claim.conditions_scopes, claim.status) == ("app.profile.team", ["orders:read"], "ACTIVE")
    assert LogEvent.objects.filter(event_type="oauth2.claim.created").exists()


@pytest.mark.parametrize(("overrides", "words"), [
    ({"value": "app.profile.team +"}, "at position 18"),
    ({"value": "String.nope(app.clientId)"}, "position"),
    ({"name": "jti"}, "reserved claim name"),
    ({"value_type": "GROUPS", "group_filter_type": "REGEX", "value": "(a+)+"}, "Nested quantifiers"),
    ({"include_in": "SCOPES", "scopes": "nope"}, "Unknown scopes: nope"),
])
def test_add_shows_errors_in_plain_words(console, authserver, overrides, words):
    response = console.post(ADD, claim_form(authserver, **overrides))

    assert response.status_code == 200
    assert words in response.content.decode()
    assert not Claim.objects.filter(server=authserver, system=False).exists()


def test_admin_edits_and_disables_a_claim(console, authserver):
    claim = claim_create(server=authserver, name="team", claim_type="RESOURCE", value="'a'")

    response = console.post(change_url(claim), claim_form(authserver, value="'b'", disabled_claim="on"))

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.value, claim.status) == ("'b'", "INACTIVE")


def test_sub_value_is_editable_and_checked(console, authserver):
    sub = authserver.claims.get(name="sub")
    bad = console.post(change_url(sub), {"value": "app.clientId +"})
    assert bad.status_code == 200 and "at position 14" in bad.content.decode()

    response = console.post(change_url(sub), {"value": "app.clientId", "name": "renamed"})

    assert response.status_code == 302
    sub.refresh_from_db()
    assert (sub.name, sub.value) == ("sub", "app.clientId")


def test_identity_system_claims_are_read_only_and_undeletable(console, authserver):
    email = authserver.claims.get(name="email")
    console.post(change_url(email), {"value": "user.email", "name": "mail"})
    email.refresh_from_db()
    assert (email.name, email.value) == ("email", "")

    assert console.post(f"/admin/authservers/claim/{email.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=email.pk).exists()


def test_custom_claim_deleted_through_the_service(console, authserver):
    claim = claim_create(server=authserver, name="team", claim_type="RESOURCE", value="'a'")
    response = console.post(f"/admin/authservers/claim/{claim.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert LogEvent.objects.filter(event_type="oauth2.claim.deleted").exists()
