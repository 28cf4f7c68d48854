"""The monitoring API (REFERENCE §6.3, §8.4): refresh tokens and consent grants per server, user and app.

Each revocation is checked the hard way: the old refresh token fails at v1/token and the access
token issued with it introspects inactive.
"""

import re

import pytest

from accounts.services import everyone_group, user_create
from authservers.consents import consent_record
from authservers.models import ConsentGrant, RefreshTokenFamily, Scope
from clients.api_services import client_unassign
from tests.accounts.api.conftest import anonymous_api, api, bad_token_api, events, links, non_staff_api, staff_user  # noqa: F401
from tests.helpers import assert_oauth_error, assert_okta_error
from tests.okta_schema import assert_shape, response_codes

from .refresh_flow import introspect, refresh, refresh_app, sign_in_tokens

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oauth2/default"


@pytest.fixture
def app(make_client):
    return refresh_app(make_client)


@pytest.fixture
def tokens(signed_in, authserver, app):
    return sign_in_tokens(signed_in, app)


def assert_dead(client, app, tokens) -> None:
    assert_oauth_error(refresh(client, app, tokens["refresh_token"]), 400, "invalid_grant")
    assert introspect(client, app, tokens["access_token"]) == {"active": False}


def assert_alive(client, app, tokens) -> None:
    assert introspect(client, app, tokens["access_token"])["active"] is True


def _server_tokens_url(app) -> str:
    return f"/api/v1/authorizationServers/default/clients/{app.client_id}/tokens"


def test_server_clients_and_tokens_have_okta_shapes(api, client, app, tokens, ada):  # noqa: F811
    response = api.get("/api/v1/authorizationServers/default/clients")
    assert response.status_code == 200 and 200 in response_codes("listOAuth2ClientsForAuthorizationServer")
    [listed] = response.json()
    assert_shape(listed, "OAuth2Client")
    assert listed["client_id"] == app.client_id and listed["_links"]["tokens"]["href"].endswith(
        _server_tokens_url(app))

    response = api.get(_server_tokens_url(app), {"expand": "scope"})
    assert response.status_code == 200, response.content
    [token] = response.json()
    assert_shape(token, "OAuth2RefreshToken")
    assert re.fullmatch(r"oar\w{17}", token["id"])
    assert token["status"] == "ACTIVE" and token["clientId"] == app.client_id and token["userId"] == ada.pk
    assert token["issuer"] == ISSUER and set(token["scopes"]) == {"openid", "offline_access"}
    assert token["expiresAt"].endswith("Z")
    assert {"app", "self", "revoke", "client", "user", "authorizationServer"} <= set(token["_links"])
    assert token["_links"]["revoke"]["hints"]["allow"] == ["DELETE"]
    for scope in token["_embedded"]["scopes"]:
        assert_shape(scope, "OAuth2RefreshTokenScope")
    assert {scope["name"] for scope in token["_embedded"]["scopes"]} == {"openid", "offline_access"}
    assert "_embedded" not in api.get(_server_tokens_url(app)).json()[0]

    one = api.get(f"{_server_tokens_url(app)}/{token['id']}")
    assert one.status_code == 200 and one.json()["id"] == token["id"]


def test_delete_one_token_revokes_its_family_and_access_tokens(api, client, app, tokens):  # noqa: F811
    [token] = api.get(_server_tokens_url(app)).json()
    response = api.delete(f"{_server_tokens_url(app)}/{token['id']}")
    assert response.status_code == 204 and 204 in response_codes("revokeRefreshTokenForAuthorizationServerAndClient")
    assert_dead(client, app, tokens)
    assert api.get(_server_tokens_url(app)).json() == []
    assert api.get(f"{_server_tokens_url(app)}/{token['id']}").json()["status"] == "REVOKED"
    assert events("app.oauth2.as.token.revoke")


def test_delete_all_tokens_of_a_client_on_a_server(api, client, app, tokens, signed_in):  # noqa: F811
    second = sign_in_tokens(signed_in, app)
    assert len(api.get(_server_tokens_url(app)).json()) == 2
    assert api.delete(_server_tokens_url(app)).status_code == 204
    assert_dead(client, app, tokens)
    assert_dead(client, app, second)


def test_tokens_page_with_limit_and_after(api, app, tokens, signed_in):  # noqa: F811
    for _ in range(2):
        sign_in_tokens(signed_in, app)
    first = api.get(_server_tokens_url(app), {"limit": 2})
    assert len(first.json()) == 2 and "next" in links(first)
    rest = api.get(links(first)["next"])
    assert len(rest.json()) == 1 and "next" not in links(rest)
    assert {item["id"] for item in first.json()}.isdisjoint(item["id"] for item in rest.json())
    assert_okta_error(api.get(_server_tokens_url(app), {"limit": "0"}), 400, "E0000054")
    assert_okta_error(api.get(_server_tokens_url(app), {"after": "garbage\x00"}), 400, "E0000054")
    assert len(api.get(_server_tokens_url(app), {"limit": 5000}).json()) == 3  # capped at 200


def test_user_clients_and_tokens(api, client, app, tokens, ada):  # noqa: F811
    response = api.get(f"/api/v1/users/{ada.pk}/clients")
    assert response.status_code == 200 and 200 in response_codes("listUserClients")
    [listed] = response.json()
    assert_shape(listed, "OAuth2Client")
    assert {"tokens", "grants", "app"} <= set(listed["_links"])
    url = f"/api/v1/users/{ada.pk}/clients/{app.client_id}/tokens"
    [token] = api.get(url).json()
    assert token["userId"] == ada.pk and api.get(f"{url}/{token['id']}").status_code == 200
    assert api.delete(f"{url}/{token['id']}").status_code == 204
    assert_dead(client, app, tokens)
    assert api.get(f"/api/v1/users/{ada.pk}/clients").json() == []


def test_user_client_tokens_delete_all(api, client, app, tokens, ada):  # noqa: F811
    assert api.delete(f"/api/v1/users/{ada.pk}/clients/{app.client_id}/tokens").status_code == 204
    assert_dead(client, app, tokens)


def test_app_tokens(api, client, app, tokens):  # noqa: F811
    url = f"/api/v1/apps/{app.model.pk}/tokens"
    [token] = api.get(url).json()
    assert_shape(token, "OAuth2RefreshToken")
    assert api.get(f"{url}/{token['id']}").status_code == 200
    assert api.delete(url).status_code == 204 and 204 in response_codes("revokeOAuth2TokensForApplication")
    assert_dead(client, app, tokens)


def test_another_user_s_or_server_s_tokens_are_not_found(api, app, tokens, other_authserver):  # noqa: F811
    [token] = api.get(_server_tokens_url(app)).json()
    other = user_create(login="bob@example.com", email="bob@example.com", password=None)
    assert_okta_error(api.get(f"/api/v1/users/{other.pk}/clients/{app.client_id}/tokens/{token['id']}"),
                      404, "E0000007")
    assert_okta_error(api.delete(f"/api/v1/authorizationServers/{other_authserver.pk}/clients/{app.client_id}"
                                 f"/tokens/{token['id']}"), 404, "E0000007")
    assert RefreshTokenFamily.objects.get().revoked is None


@pytest.mark.parametrize("url", [
    "/api/v1/authorizationServers/nope/clients",
    "/api/v1/authorizationServers/default/clients/nope/tokens",
    "/api/v1/authorizationServers/default/clients/{client}/tokens/oarnope",
    "/api/v1/users/00unope/clients",
    "/api/v1/users/00unope/grants",
    "/api/v1/users/{user}/grants/oagnope",
    "/api/v1/users/{user}/clients/nope/grants",
    "/api/v1/apps/0oanope/tokens",
    "/api/v1/apps/{app}/tokens/" + "x" * 300,
    "/api/v1/users/{user}/clients/{client}/tokens/a%00b",
])
def test_unknown_ids_are_404(api, app, ada, url):  # noqa: F811
    url = url.format(client=app.client_id, user=ada.pk, app=app.model.pk)
    assert_okta_error(api.get(url), 404, "E0000007")
    if not url.endswith("/clients"):
        assert_okta_error(api.delete(url), 404, "E0000007")


def test_permissions(anonymous_api, bad_token_api, non_staff_api, app, tokens, ada):  # noqa: F811
    for caller, status, code in ((anonymous_api, 401, "E0000011"), (bad_token_api, 401, "E0000011"),
                                 (non_staff_api, 403, "E0000006")):
        assert_okta_error(caller.get(_server_tokens_url(app)), status, code)
        assert_okta_error(caller.delete(_server_tokens_url(app)), status, code)
        assert_okta_error(caller.delete(f"/api/v1/users/{ada.pk}/grants"), status, code)
    assert RefreshTokenFamily.objects.get().revoked is None


# --- consent grants ------------------------------------------------------------------------------

@pytest.fixture
def grants(authserver, app, ada):
    consent_record(user=ada, client_pk=app.model.pk, server_id="default", issuer=ISSUER,
                   allowed=["openid", "offline_access"], declined=[])
    return list(ConsentGrant.objects.filter(user=ada))


def test_user_grants_have_okta_shape_and_expand(api, grants, ada, app):  # noqa: F811
    response = api.get(f"/api/v1/users/{ada.pk}/grants")
    assert response.status_code == 200 and 200 in response_codes("listUserGrants")
    body = response.json()
    assert len(body) == 2
    for grant in body:
        assert_shape(grant, "OAuth2ScopeConsentGrant")
        assert re.fullmatch(r"oag\w{17}", grant["id"]) and grant["status"] == "ACTIVE"
        assert grant["clientId"] == app.client_id and grant["issuer"] == ISSUER and "_embedded" not in grant
        assert {"app", "authorizationServer", "scope", "self", "client", "user"} <= set(grant["_links"])
    expanded = api.get(f"/api/v1/users/{ada.pk}/grants", {"expand": "scope"}).json()
    assert {grant["_embedded"]["scope"]["name"] for grant in expanded} == {"openid", "offline_access"}
    one = api.get(f"/api/v1/users/{ada.pk}/grants/{grants[0].pk}")
    assert one.status_code == 200 and one.json()["id"] == grants[0].pk
    per_client = api.get(f"/api/v1/users/{ada.pk}/clients/{app.client_id}/grants")
    assert len(per_client.json()) == 2 and 200 in response_codes("listGrantsForUserAndClient")
    assert api.get(f"/api/v1/users/{ada.pk}/grants", {"limit": 1}).json().__len__() == 1


def test_revoking_a_grant_ends_the_user_s_tokens_for_that_client(api, client, app, tokens, grants, ada):  # noqa: F811
    response = api.delete(f"/api/v1/users/{ada.pk}/grants/{grants[0].pk}")
    assert response.status_code == 204 and 204 in response_codes("revokeUserGrant")
    assert ConsentGrant.objects.get(pk=grants[0].pk).status == "REVOKED"
    assert_dead(client, app, tokens)
    assert_okta_error(api.get(f"/api/v1/users/{ada.pk}/grants/{grants[0].pk}"), 404, "E0000007")
    assert events("app.oauth2.as.consent.revoke")


def test_revoking_all_grants_of_a_user_and_client(api, client, app, tokens, grants, ada):  # noqa: F811
    assert api.delete(f"/api/v1/users/{ada.pk}/clients/{app.client_id}/grants").status_code == 204
    assert api.get(f"/api/v1/users/{ada.pk}/grants").json() == []
    assert_dead(client, app, tokens)


def test_revoking_all_grants_of_a_user(api, client, app, tokens, grants, ada):  # noqa: F811
    assert api.delete(f"/api/v1/users/{ada.pk}/grants").status_code == 204
    assert not ConsentGrant.objects.filter(status="ACTIVE").exists()
    assert_dead(client, app, tokens)


def test_user_clients_lists_clients_with_grants_only(api, grants, ada, app):  # noqa: F811
    assert [item["client_id"] for item in api.get(f"/api/v1/users/{ada.pk}/clients").json()] == [app.client_id]


# --- assignments ---------------------------------------------------------------------------------

def test_unassigning_the_user_ends_their_refresh_tokens(client, app, tokens, ada):
    app.model.assigned_groups.remove(everyone_group())  # through the group: no other path remains
    assert RefreshTokenFamily.objects.get().revoked_reason == "user_not_assigned"  # before any refresh tries
    assert introspect(client, app, tokens["access_token"]) == {"active": False}
    assert_dead(client, app, tokens)


def test_leaving_the_assigned_group_ends_tokens(client, app, tokens, ada):
    everyone_group().users.remove(ada)
    assert RefreshTokenFamily.objects.get().revoked is not None


def test_removing_a_direct_assignment_while_a_group_still_assigns_keeps_tokens(client, app, tokens, ada):
    app.model.assigned_users.add(ada)
    client_unassign(client=app.model, users=[ada])
    assert_alive(client, app, tokens)
    assert RefreshTokenFamily.objects.get().revoked is None


def test_unassigning_through_the_api_ends_tokens(api, client, app, tokens, ada):  # noqa: F811
    app.model.assigned_groups.remove(everyone_group())
    app.model.assigned_users.add(ada)
    # ^ the group removal above already ended the first family: take a fresh one.
    fresh = sign_in_tokens(client, app)
    assert api.delete(f"/api/v1/apps/{app.model.pk}/users/{ada.pk}").status_code == 204
    assert not RefreshTokenFamily.objects.filter(revoked__isnull=True).exists()
    assert_dead(client, app, fresh)


def test_scopes_are_read_from_the_server(api, app, tokens):  # noqa: F811
    Scope.objects.filter(server_id="default", name="offline_access").update(description="Keep me signed in")
    [token] = api.get(_server_tokens_url(app), {"expand": "scope"}).json()
    described = {scope["name"]: scope["description"] for scope in token["_embedded"]["scopes"]}
    assert described["offline_access"] == "Keep me signed in"


def test_unassigning_in_the_console_ends_tokens(client, signed_in, authserver, app, ada):
    from django.test import Client as BrowserClient

    from tests.clients.test_admin import change_form, change_url

    app.model.assigned_groups.remove(everyone_group())
    app.model.assigned_users.add(ada)
    fresh = sign_in_tokens(client, app)
    console = BrowserClient()
    console.force_login(user_create(login="root@example.com", email="root@example.com", password="pw-for-tests",
                                    is_staff=True, is_superuser=True))
    app.model.refresh_from_db()
    response = console.post(change_url(app.model), change_form(app.model))  # no assigned users or groups
    assert response.status_code == 302, response.context and response.context["errors"]
    assert not app.model.assigned_users.exists()
    assert RefreshTokenFamily.objects.get().revoked_reason == "user_not_assigned"
    assert_dead(client, app, fresh)


def test_clearing_assignments_from_either_side_ends_tokens(client, signed_in, authserver, app, ada):
    app.model.assigned_groups.clear()
    app.model.assigned_users.add(ada)
    fresh = sign_in_tokens(client, app)
    ada.assigned_clients.clear()  # the reverse side, all at once
    assert not RefreshTokenFamily.objects.filter(revoked__isnull=True).exists()
    assert_dead(client, app, fresh)


def test_revokeconsent_command_ends_the_tokens_too(client, app, tokens, grants, ada):
    from tests.commands import run_command

    run_command("revokeconsent", "--user", ada.login, "--client", app.client_id)
    assert set(ConsentGrant.objects.filter(user=ada).values_list("status", flat=True)) == {"REVOKED"}
    assert_dead(client, app, tokens)


def test_console_consent_revocation_ends_the_tokens_too(client, app, tokens, grants, ada):
    from django.test import Client as BrowserClient

    console = BrowserClient()  # `client` is ada's signed-in browser; the admin has their own
    console.force_login(user_create(login="root@example.com", email="root@example.com", password="pw-for-tests",
                                    is_staff=True, is_superuser=True))
    response = console.post("/admin/authservers/consentgrant/", {
        "action": "revoke_consent", "_selected_action": [grant.pk for grant in grants]})
    assert response.status_code == 302, response.content[:500]
    assert set(ConsentGrant.objects.filter(user=ada).values_list("status", flat=True)) == {"REVOKED"}
    assert_dead(client, app, tokens)
