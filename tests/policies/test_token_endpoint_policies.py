"""Access policies at POST /oauth2/{serverId}/v1/token: lifetimes, Okta's denial, scope checks first, audit."""

import json

import pytest
from jwcrypto import jwk, jwt

from accounts.models import Group
from accounts.services import user_create
from authservers.models import LogEvent
from authservers.services import authserver_create, scope_create
from policies.evaluation import POLICY_EVALUATION_FAILED
from policies.models import AccessPolicy, PolicyRule
from policies.services import (
    policy_create,
    policy_set_status,
    policy_update,
    rule_create,
    rule_set_status,
    rule_update,
)
from tests.helpers import assert_oauth_error, basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db
CC = ["client_credentials"]


def request_token(client, registered, scope: str | None = "orders:read", server_id: str = "default"):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return post_form(client, endpoint("token", server_id), data,
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


def verified_claims(client, token: str, server_id: str = "default") -> dict:
    keys = jwk.JWKSet.from_json(client.get(endpoint("keys", server_id)).content)
    return json.loads(jwt.JWT(jwt=token, key=keys, algs=["RS256"]).claims)


def assert_policy_denied(response) -> dict:
    return assert_oauth_error(response, 401, "access_denied", POLICY_EVALUATION_FAILED)


@pytest.fixture
def default_policy(authserver) -> AccessPolicy:
    return authserver.policies.get()


@pytest.fixture
def default_rule(default_policy) -> PolicyRule:
    return default_policy.rules.get()


# lifetimes ----------------------------------------------------------------------------------------------

def test_default_policy_rule_gives_a_one_hour_token(client, authserver, scope, service_client):
    response = request_token(client, service_client)
    assert response.status_code == 200, response.content
    body = response.json()
    claims = verified_claims(client, body["access_token"])
    assert body["expires_in"] == claims["exp"] - claims["iat"] == 3600


@pytest.mark.parametrize(("minutes", "seconds"), [(15, 900), (5, 300), (1440, 86400)])
def test_rule_lifetime_shows_as_exp_minus_iat_and_expires_in(client, authserver, scope, service_client,
                                                            default_rule, minutes, seconds):
    rule_update(rule=default_rule, access_token_lifetime_minutes=minutes)

    response = request_token(client, service_client)

    assert response.status_code == 200, response.content
    body = response.json()
    claims = verified_claims(client, body["access_token"])
    assert body["expires_in"] == seconds
    assert claims["exp"] - claims["iat"] == seconds


def test_lifetime_comes_from_the_rule_that_matches(client, authserver, scope, service_client, default_policy):
    """A narrower rule placed first gives its lifetime to the requests it covers, and only to those."""
    scope_create(server=authserver, name="orders:write")
    rule_create(policy=default_policy, name="Readers", grant_types=CC, scopes=["orders:read"],
                access_token_lifetime_minutes=15, priority=1)

    assert request_token(client, service_client, "orders:read").json()["expires_in"] == 900
    assert request_token(client, service_client, "orders:read orders:write").json()["expires_in"] == 3600


def test_lock_a_client_down_to_one_grant_type_one_scope_and_15_minute_tokens(client, authserver, scope,
                                                                             service_client, make_client,
                                                                             default_policy):
    """The issue's "done means": a policy for one client, one grant type, one scope, 15 minutes."""
    scope_create(server=authserver, name="orders:write")
    locked = policy_create(server=authserver, name="Billing only", clients=[service_client.client_id], priority=1)
    rule_create(policy=locked, name="Read for 15 minutes", grant_types=CC, scopes=["orders:read"],
                access_token_lifetime_minutes=15)
    policy_set_status(policy=default_policy, active=False)

    assert request_token(client, service_client, "orders:read").json()["expires_in"] == 900
    assert_policy_denied(request_token(client, service_client, "orders:write"))
    assert_policy_denied(request_token(client, service_client, "orders:read orders:write"))
    assert_policy_denied(request_token(client, make_client(label="other-service"), "orders:read"))


# denials, one per condition ------------------------------------------------------------------------------

def deactivate_policy(policy, rule, other):
    policy_set_status(policy=policy, active=False)


def name_another_client(policy, rule, other):
    policy_update(policy=policy, name=policy.name, clients=[other.client_id])


def deactivate_rule(policy, rule, other):
    rule_set_status(rule=rule, active=False)


def allow_another_grant_type_only(policy, rule, other):
    rule_update(rule=rule, grant_types=["authorization_code"])


def allow_a_group_only(policy, rule, other):
    group = Group.objects.create(name="Engineering")
    rule_update(rule=rule, groups_include=[group.pk])


def allow_everyone_on_a_user_list(policy, rule, other):
    user = user_create(login="alice@example.com", email="alice@example.com", password=None)
    rule_update(rule=rule, groups_include=["EVERYONE"], users_include=[user.pk])


def allow_another_scope_only(policy, rule, other):
    scope_create(server=policy.server, name="orders:write")
    rule_update(rule=rule, scopes=["orders:write"])


@pytest.mark.parametrize("change", [
    deactivate_policy, name_another_client, deactivate_rule, allow_another_grant_type_only, allow_a_group_only,
    allow_everyone_on_a_user_list, allow_another_scope_only,
])
def test_request_outside_every_rule_gets_oktas_access_denied(client, authserver, scope, service_client,
                                                             make_client, default_policy, default_rule, change):
    assert request_token(client, service_client).status_code == 200
    change(default_policy, default_rule, make_client(label="someone-else"))

    response = request_token(client, service_client)

    body = assert_policy_denied(response)
    assert set(body) == {"error", "error_description"}
    assert response["WWW-Authenticate"] == 'Basic realm="castellan"'


def test_policy_naming_the_client_grants(client, authserver, scope, service_client, default_policy):
    policy_update(policy=default_policy, name=default_policy.name, clients=[service_client.client_id])
    assert request_token(client, service_client).status_code == 200


def test_denied_request_is_not_given_a_token_event(client, authserver, scope, service_client, default_policy):
    policy_set_status(policy=default_policy, active=False)
    assert_policy_denied(request_token(client, service_client))
    assert not LogEvent.objects.filter(event_type="app.oauth2.as.token.grant.access_token").exists()


def test_policy_denial_is_in_the_system_log_with_reason_no_matching_policy(client, authserver, scope,
                                                                            service_client, default_policy):
    """REFERENCE §5.3.4: System Log reason `no_matching_policy` (the issue: "the error's audit event")."""
    policy_set_status(policy=default_policy, active=False)
    assert_policy_denied(request_token(client, service_client))

    denied = LogEvent.objects.filter(outcome_reason="no_matching_policy")
    assert denied.count() == 1
    event = denied.get()
    assert event.outcome_result != "SUCCESS"
    assert event.actor["id"] == service_client.client_id
    assert event.target[0]["id"] == "default"


def test_denial_by_a_server_without_policy_says_so_in_the_system_log(client, service_client):
    """The issue: a new custom server denies everything until a policy is added; its audit event says why."""
    server = authserver_create(name="Orders API", audiences=["api://orders"])
    scope_create(server=server, name="orders:read")
    assert_policy_denied(request_token(client, service_client, server_id=server.pk))

    event = LogEvent.objects.get(outcome_reason="no_matching_policy")
    assert event.target[0]["id"] == server.pk
    told = (event.display_message + " " + json.dumps(event.debug_context)).lower()
    assert "no access polic" in told, told


# scope checks come before policy ----------------------------------------------------------------------------

def test_unknown_scope_is_invalid_scope_before_policy(client, authserver, scope, service_client, default_rule):
    rule_update(rule=default_rule, scopes=["orders:read"])
    assert_oauth_error(request_token(client, service_client, "orders:nope"), 400, "invalid_scope",
                       "One or more scopes are not configured for the authorization server resource.")


def test_unknown_scope_is_invalid_scope_even_on_a_server_without_policy(client, service_client):
    server = authserver_create(name="Orders API", audiences=["api://orders"])
    assert_oauth_error(request_token(client, service_client, "orders:nope", server_id=server.pk), 400,
                       "invalid_scope")


def test_default_scopes_are_checked_against_the_rule(client, authserver, service_client, default_rule):
    scope_create(server=authserver, name="orders:read", default=True)
    scope_create(server=authserver, name="orders:write")

    rule_update(rule=default_rule, scopes=["orders:write"])
    assert_policy_denied(request_token(client, service_client, scope=None))

    rule_update(rule=default_rule, scopes=["orders:read"])
    response = request_token(client, service_client, scope=None)
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "orders:read"


# a new custom server -------------------------------------------------------------------------------------

def test_new_custom_server_denies_everything_until_a_policy_is_added(client, service_client):
    server = authserver_create(name="Orders API", audiences=["api://orders"], default_policy=False)
    scope_create(server=server, name="orders:read")

    assert_policy_denied(request_token(client, service_client, server_id=server.pk))

    policy = policy_create(server=server, name="Service apps")
    assert_policy_denied(request_token(client, service_client, server_id=server.pk))  # a policy without a rule

    rule_create(policy=policy, name="Client credentials", grant_types=CC, access_token_lifetime_minutes=15)
    response = request_token(client, service_client, server_id=server.pk)
    assert response.status_code == 200, response.content
    assert response.json()["expires_in"] == 900


def test_server_created_with_the_default_policy_grants_at_once(client, service_client):
    server = authserver_create(name="Orders API", audiences=["api://orders"], default_policy=True)
    scope_create(server=server, name="orders:read")
    response = request_token(client, service_client, server_id=server.pk)
    assert response.status_code == 200, response.content
    assert response.json()["expires_in"] == 3600


def test_policies_of_one_server_do_not_apply_to_another(client, authserver, scope, service_client, default_policy):
    other = authserver_create(name="Orders API", audiences=["api://orders"], default_policy=True)
    scope_create(server=other, name="orders:read")
    policy_set_status(policy=default_policy, active=False)

    assert_policy_denied(request_token(client, service_client))
    assert request_token(client, service_client, server_id=other.pk).status_code == 200


# the decision in the audit trail ----------------------------------------------------------------------------

def test_decision_is_recorded_in_the_token_grant_event(client, authserver, scope, service_client, default_policy,
                                                       default_rule):
    rule_update(rule=default_rule, access_token_lifetime_minutes=15)
    response = request_token(client, service_client)
    assert response.status_code == 200
    claims = verified_claims(client, response.json()["access_token"])

    event = LogEvent.objects.get(event_type="app.oauth2.as.token.grant.access_token")
    debug = event.debug_context["debugData"]
    assert debug["policyId"] == default_policy.pk
    assert debug["ruleId"] == default_rule.pk
    assert debug["accessTokenLifetimeSeconds"] == 900
    assert debug["accessTokenJti"] == claims["jti"]
    assert debug["grantType"] == "client_credentials"


def test_decision_names_the_rule_that_actually_matched(client, authserver, scope, service_client, default_policy):
    first = policy_create(server=authserver, name="Billing", clients=[service_client.client_id], priority=1)
    rule_create(policy=first, name="Not this one", grant_types=["authorization_code"])
    matching = rule_create(policy=first, name="This one", grant_types=CC)

    assert request_token(client, service_client).status_code == 200

    debug = LogEvent.objects.get(event_type="app.oauth2.as.token.grant.access_token").debug_context["debugData"]
    assert (debug["policyId"], debug["ruleId"]) == (first.pk, matching.pk)
