"""The console for access policies, rules and Token Preview: every change made with admin POSTs."""

import json

import pytest
from django.urls import reverse

from authservers.models import AuthorizationServer, LogEvent
from authservers.services import authserver_create, bootstrap, scope_create
from clients.services import client_create
from policies.evaluation import POLICY_EVALUATION_FAILED
from policies.models import ALL_CLIENTS, ANY_SCOPE, EVERYONE, AccessPolicy, PolicyRule, Status
from policies.services import policy_create, rule_create

from ..helpers import basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def default_server(db):
    bootstrap()
    server = AuthorizationServer.objects.get(pk="default")
    scope_create(server=server, name="orders:read")
    scope_create(server=server, name="orders:write")
    return server


@pytest.fixture
def orders_client(db):
    client, secret = client_create(label="orders-service", grant_types=["client_credentials"])
    return client, secret


def server_url(server):
    return reverse("admin:authservers_authorizationserver_change", args=[server.pk])


def policy_add_data(server, **overrides):
    data = {"server": server.pk, "name": "Orders service", "description": "Only the orders service",
            "assign_to": "all", "priority": "", "status": "ACTIVE"}
    data.update(overrides)
    return data


def rule_data(policy, **overrides):
    data = {
        "policy": policy.pk, "name": "Read orders, 15 minutes", "priority": "", "status": "ACTIVE",
        "grant_types": ["client_credentials"], "people": "everyone", "scope_mode": "some",
        "scope_names": ["orders:read"], "access_token_lifetime_minutes": "15",
        "refresh_token_lifetime_minutes": "0", "refresh_token_window_minutes": "10080",
    }
    data.update(overrides)
    return data


def add_policy(console, server, **overrides):
    return console.post(reverse("admin:policies_accesspolicy_add"), policy_add_data(server, **overrides))


def add_rule(console, policy, **overrides):
    return console.post(reverse("admin:policies_policyrule_add"), rule_data(policy, **overrides))


def token_request(client, registered_client, secret, scope, server_id="default"):
    return post_form(client, endpoint("token", server_id), {"grant_type": "client_credentials", "scope": scope},
                     HTTP_AUTHORIZATION=basic_auth_header(registered_client.client_id, secret))


def preview(console, server, **data):
    return console.post(reverse("admin:policies_token_preview", args=[server.pk]), data)


# The server's page -----------------------------------------------------------------------------

def test_server_page_lists_policies_and_rules_in_priority_order(console, default_server):
    second = policy_create(server=default_server, name="Second policy", clients=[ALL_CLIENTS])
    first = policy_create(server=default_server, name="First policy", clients=[ALL_CLIENTS], priority=1)
    rule_create(policy=first, name="Narrow rule", grant_types=["client_credentials"], scopes=["orders:read"],
                access_token_lifetime_minutes=15)
    response = console.get(server_url(default_server))
    assert response.status_code == 200
    page = response.content.decode()
    default_policy = AccessPolicy.objects.get(server=default_server, name="Default Policy")
    positions = [page.index(f'id="policy-{policy.pk}"') for policy in (first, default_policy, second)]
    assert positions == sorted(positions)
    assert "Narrow rule" in page and "Client Credentials" in page and "access 15 minutes" in page
    assert reverse("admin:policies_token_preview", args=[default_server.pk]) in page
    assert reverse("admin:policies_policyrule_add") + f"?policy={second.pk}" in page
    assert 'id="no-active-policy"' not in page


def test_server_without_policy_warns_that_it_denies_everything(console):
    server = authserver_create(name="Orders API", audiences=["api://orders"], default_policy=False)
    page = console.get(server_url(server)).content.decode()
    assert 'id="no-active-policy"' in page
    assert "denies every token request" in page
    manage = console.get(reverse("admin:policies_server_policies", args=[server.pk])).content.decode()
    assert "denies every token request" in manage


def test_server_with_only_inactive_policies_also_warns(console, default_server):
    policy = AccessPolicy.objects.get(server=default_server)
    response = console.post(reverse("admin:policies_accesspolicy_changelist"),
                            {"action": "deactivate", "_selected_action": [policy.pk]})
    assert response.status_code == 302
    assert 'id="no-active-policy"' in console.get(server_url(default_server)).content.decode()


# Policies ---------------------------------------------------------------------------------------

def test_policy_for_one_client_is_created_through_the_admin(console, default_server, orders_client):
    client, _secret = orders_client
    response = add_policy(console, default_server, assign_to="some", client_ids=[client.client_id], priority="1")
    assert response.status_code == 302, response.content.decode()
    policy = AccessPolicy.objects.get(name="Orders service")
    assert policy.clients == [client.client_id]
    assert policy.priority == 1
    assert AccessPolicy.objects.get(name="Default Policy").priority == 2
    assert LogEvent.objects.filter(event_type="policy.lifecycle.create").exists()
    edit = console.get(reverse("admin:policies_accesspolicy_change", args=[policy.pk])).content.decode()
    assert "This policy has no rules" in edit


def test_policy_form_errors_are_plain_words_not_500(console, default_server):
    response = add_policy(console, default_server, name="", assign_to="some")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "name" in errors
    assert errors["client_ids"] == ["Choose at least one client, or assign the policy to all clients."]
    response = add_policy(console, default_server, priority="0")
    assert response.status_code == 200
    assert "priority" in response.context["adminform"].form.errors
    assert not AccessPolicy.objects.filter(name="Orders service").exists()


def test_policy_edit_keeps_all_clients_and_moves_priority(console, default_server):
    other = policy_create(server=default_server, name="Other", clients=[ALL_CLIENTS])
    response = console.post(reverse("admin:policies_accesspolicy_change", args=[other.pk]), {
        "name": "Other, renamed", "description": "", "assign_to": "all", "priority": "1", "status": "ACTIVE"})
    assert response.status_code == 302, response.content.decode()
    other.refresh_from_db()
    assert (other.name, other.priority, other.clients) == ("Other, renamed", 1, [ALL_CLIENTS])
    assert AccessPolicy.objects.get(name="Default Policy").priority == 2


def test_deactivate_and_activate_policy_from_the_changelist(console, default_server):
    policy = AccessPolicy.objects.get(server=default_server)
    url = reverse("admin:policies_accesspolicy_changelist")
    console.post(url, {"action": "deactivate", "_selected_action": [policy.pk]})
    policy.refresh_from_db()
    assert policy.status == Status.INACTIVE
    assert LogEvent.objects.filter(event_type="policy.lifecycle.deactivate").exists()
    console.post(url, {"action": "activate", "_selected_action": [policy.pk]})
    policy.refresh_from_db()
    assert policy.status == Status.ACTIVE


def test_deleting_a_policy_renumbers_the_rest(console, default_server):
    middle = policy_create(server=default_server, name="Middle", clients=[ALL_CLIENTS])
    last = policy_create(server=default_server, name="Last", clients=[ALL_CLIENTS])
    response = console.post(reverse("admin:policies_accesspolicy_delete", args=[middle.pk]), {"post": "yes"})
    assert response.status_code == 302
    last.refresh_from_db()
    assert last.priority == 2
    assert LogEvent.objects.filter(event_type="policy.lifecycle.delete").exists()


# Rules ------------------------------------------------------------------------------------------

def test_locked_down_rule_is_added_through_the_admin(console, default_server):
    policy = AccessPolicy.objects.get(server=default_server)
    form_page = console.get(reverse("admin:policies_policyrule_add") + f"?policy={policy.pk}")
    assert form_page.status_code == 200
    assert "Client Credentials" in form_page.content.decode() and "orders:read" in form_page.content.decode()
    response = add_rule(console, policy, priority="1")
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("admin:policies_accesspolicy_change", args=[policy.pk])
    rule = PolicyRule.objects.get(name="Read orders, 15 minutes")
    assert rule.grant_types == ["client_credentials"]
    assert rule.scopes == ["orders:read"]
    assert rule.groups_include == [EVERYONE]
    assert rule.access_token_lifetime_minutes == 15
    assert rule.priority == 1
    assert PolicyRule.objects.get(name="Default Policy Rule").priority == 2


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"access_token_lifetime_minutes": "4"}, "access_token_lifetime_minutes",
     "The access token lifetime must be between 5 and 1440 minutes."),
    ({"access_token_lifetime_minutes": "60", "refresh_token_lifetime_minutes": "30"},
     "refresh_token_lifetime_minutes",
     "The refresh token lifetime must be 0 (unlimited) or at least the access token lifetime."),
    ({"refresh_token_window_minutes": "5"}, "refresh_token_window_minutes",
     "The refresh token idle window must be between 10 minutes and 2628000 minutes (5 years)."),
    ({"grant_types": []}, "grant_types", "This field is required."),
    ({"scope_names": []}, "scope_names", "Choose at least one scope, or \"Any scopes\"."),
    ({"people": "some"}, "people", "Choose at least one group or user, or \"Any user assigned the app\"."),
    ({"name": ""}, "name", "This field is required."),
])
def test_rule_bounds_show_as_form_errors(console, default_server, overrides, field, message):
    policy = AccessPolicy.objects.get(server=default_server)
    response = add_rule(console, policy, **overrides)
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    assert message in response.content.decode().replace("&quot;", '"')
    assert not PolicyRule.objects.filter(name="Read orders, 15 minutes").exists()


def test_rule_scope_must_belong_to_the_policys_server(console, default_server):
    other = authserver_create(name="Orders API", audiences=["api://orders"], default_policy=True)
    scope_create(server=other, name="shipping:read")
    policy = AccessPolicy.objects.get(server=default_server)
    response = add_rule(console, policy, scope_names=["shipping:read"])
    assert response.status_code == 200
    assert "scope_names" in response.context["adminform"].form.errors


def test_rule_edit_shows_current_settings_and_saves_through_the_service(console, default_server):
    rule = PolicyRule.objects.get(name="Default Policy Rule")
    url = reverse("admin:policies_policyrule_change", args=[rule.pk])
    form = console.get(url).context["adminform"].form
    assert form.initial["people"] == "everyone" and form.initial["scope_mode"] == "any"
    response = console.post(url, {k: v for k, v in rule_data(rule.policy, name="Default Policy Rule",
                                                                 status="INACTIVE").items() if k != "policy"})
    assert response.status_code == 302, response.content.decode()
    rule.refresh_from_db()
    assert rule.scopes == ["orders:read"] and rule.access_token_lifetime_minutes == 15
    assert rule.status == Status.INACTIVE
    assert LogEvent.objects.filter(event_type="policy.rule.update").exists()
    assert LogEvent.objects.filter(event_type="policy.rule.deactivate").exists()


def test_reorder_moves_rules_and_policies(console, default_server):
    policy = AccessPolicy.objects.get(server=default_server)
    narrow = rule_create(policy=policy, name="Narrow", grant_types=["client_credentials"], scopes=["orders:read"])
    manage = reverse("admin:policies_server_policies", args=[default_server.pk])
    response = console.post(manage, {"op": "rule-up", "target": narrow.pk})
    assert response.status_code == 302
    narrow.refresh_from_db()
    assert narrow.priority == 1
    assert PolicyRule.objects.get(name="Default Policy Rule").priority == 2
    # And back down with the changelist action.
    console.post(reverse("admin:policies_policyrule_changelist"),
                 {"action": "move_down", "_selected_action": [narrow.pk]})
    narrow.refresh_from_db()
    assert narrow.priority == 2

    second = policy_create(server=default_server, name="Second", clients=[ALL_CLIENTS])
    console.post(manage, {"op": "policy-up", "target": second.pk})
    second.refresh_from_db()
    policy.refresh_from_db()
    assert (second.priority, policy.priority) == (1, 2)
    console.post(reverse("admin:policies_accesspolicy_changelist"),
                 {"action": "move_down", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.priority == 2
    page = console.get(manage).content.decode()
    assert page.index(f'id="policy-{policy.pk}"') < page.index(f'id="policy-{second.pk}"')


def test_manage_page_activates_and_deactivates_rules(console, default_server):
    rule = PolicyRule.objects.get(name="Default Policy Rule")
    manage = reverse("admin:policies_server_policies", args=[default_server.pk])
    console.post(manage, {"op": "rule-deactivate", "target": rule.pk})
    rule.refresh_from_db()
    assert rule.status == Status.INACTIVE
    console.post(manage, {"op": "rule-activate", "target": rule.pk})
    rule.refresh_from_db()
    assert rule.status == Status.ACTIVE


def test_manage_page_refuses_items_of_another_server(console, default_server):
    other = authserver_create(name="Orders API", audiences=["api://orders"], default_policy=True)
    foreign = AccessPolicy.objects.get(server=other)
    response = console.post(reverse("admin:policies_server_policies", args=[default_server.pk]),
                            {"op": "policy-deactivate", "target": foreign.pk}, follow=True)
    assert "not on this server" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.status == Status.ACTIVE


def test_changelists_and_forms_open(console, default_server):
    policy = AccessPolicy.objects.get(server=default_server)
    rule = PolicyRule.objects.get(policy=policy)
    for url in (reverse("admin:policies_accesspolicy_changelist"), reverse("admin:policies_policyrule_changelist"),
                reverse("admin:policies_accesspolicy_add") + "?server=default",
                reverse("admin:policies_accesspolicy_change", args=[policy.pk]),
                reverse("admin:policies_policyrule_add"),
                reverse("admin:policies_policyrule_change", args=[rule.pk]),
                reverse("admin:policies_token_preview", args=[default_server.pk])):
        assert console.get(url).status_code == 200, url


# Token Preview ----------------------------------------------------------------------------------

def lock_down(console, server, client):
    """The "Done means" configuration, made with admin POSTs only."""
    default_policy = AccessPolicy.objects.get(server=server, name="Default Policy")
    response = console.post(reverse("admin:policies_accesspolicy_changelist"),
                            {"action": "deactivate", "_selected_action": [default_policy.pk]})
    assert response.status_code == 302
    assert add_policy(console, server, assign_to="some", client_ids=[client.client_id]).status_code == 302
    policy = AccessPolicy.objects.get(server=server, name="Orders service")
    assert add_rule(console, policy).status_code == 302
    return policy


def test_token_preview_shows_matched_rule_and_lifetime(console, default_server, orders_client):
    client, _secret = orders_client
    lock_down(console, default_server, client)
    response = preview(console, default_server, client=client.client_id, grant_type="client_credentials",
                       scopes=["orders:read"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "Read orders, 15 minutes" in page
    assert "exp − iat = <strong>900</strong>" in page
    result = response.context["result"]
    assert result["access_token"]["lifetime"] == 900
    payload = json.loads(result["access_token"]["payload_json"])
    assert payload["exp"] - payload["iat"] == 900
    assert payload["scp"] == ["orders:read"]
    assert result["access_token"]["size"] > 0
    assert "Not issued for this grant." in page
    # The trace names the skipped Default Policy and why.
    assert "Skipped: the policy is inactive." in page
    assert "no-store" in response["Cache-Control"]


def test_token_preview_shows_okta_error_for_scope_outside_the_rule(console, default_server, orders_client):
    client, _secret = orders_client
    lock_down(console, default_server, client)
    response = preview(console, default_server, client=client.client_id, grant_type="client_credentials",
                       scopes=["orders:write"])
    assert response.status_code == 200
    page = response.content.decode()
    assert POLICY_EVALUATION_FAILED in page
    assert "access_denied" in page and "no_matching_policy" in page
    assert "not every requested scope is allowed by the rule" in page
    assert response.context["result"]["error"]["status"] == 401


def test_token_preview_refuses_a_user_for_client_credentials(console, default_server, orders_client):
    client, _secret = orders_client
    response = preview(console, default_server, client=client.client_id, grant_type="client_credentials",
                       user="someone@example.com", scopes=["orders:read"])
    assert response.status_code == 200
    assert "user" in response.context["form"].errors
    assert response.context["result"] is None


def test_token_preview_unknown_user_is_a_form_error(console, default_server):
    client, _secret = client_create(label="web", grant_types=["authorization_code"],
                                    redirect_uris=["https://app.example.com/cb"])
    response = preview(console, default_server, client=client.client_id, grant_type="authorization_code",
                       user="nobody@example.com")
    assert response.status_code == 200
    assert "user" in response.context["form"].errors


def test_token_preview_issues_nothing(console, default_server, orders_client):
    from authservers.models import AccessToken

    client, _secret = orders_client
    preview(console, default_server, client=client.client_id, grant_type="client_credentials",
            scopes=["orders:read"])
    assert not AccessToken.objects.exists()


# Done means -------------------------------------------------------------------------------------

def test_console_alone_locks_a_client_to_one_grant_one_scope_and_15_minutes(
        client, console, default_server, orders_client):
    registered, secret = orders_client
    other, other_secret = client_create(label="other-service", grant_types=["client_credentials"])
    # Before: the Default Policy lets anything through for an hour.
    assert token_request(client, registered, secret, "orders:write").json()["expires_in"] == 3600

    lock_down(console, default_server, registered)

    preview_page = preview(console, default_server, client=registered.client_id, grant_type="client_credentials",
                           scopes=["orders:read"])
    assert preview_page.context["result"]["access_token"]["lifetime"] == 900

    granted = token_request(client, registered, secret, "orders:read")
    assert granted.status_code == 200, granted.content
    assert granted.json()["expires_in"] == 900
    denied = token_request(client, registered, secret, "orders:write")
    assert denied.status_code == 401
    assert denied.json() == {"error": "access_denied", "error_description": POLICY_EVALUATION_FAILED}
    # Another client is not in the policy, and the Default Policy is off: denied too.
    assert token_request(client, other, other_secret, "orders:read").json()["error"] == "access_denied"
    # The rule is the only one that matches, and the scope defaults are not a back door.
    assert PolicyRule.objects.filter(scopes=[ANY_SCOPE], policy__status=Status.ACTIVE).count() == 0
