"""Writes to policies and rules: Okta's bounds in plain words, priorities kept 1..n, System Log events."""

import pytest

from authservers.models import LogEvent
from authservers.services import ServiceError, authserver_create
from policies.models import ALL_CLIENTS, ANY_SCOPE, EVERYONE, AccessPolicy, PolicyRule, Status
from policies.services import (
    DEFAULT_POLICY_NAME,
    DEFAULT_RULE_NAME,
    default_policy_create,
    policy_create,
    policy_delete,
    policy_set_status,
    policy_update,
    rule_create,
    rule_delete,
    rule_set_status,
    rule_update,
    supported_grant_types,
)

pytestmark = pytest.mark.django_db
CC = ["client_credentials"]


@pytest.fixture
def server(db):
    """A custom server with no policy at all (Okta's default for new servers)."""
    return authserver_create(name="Orders API", audiences=["api://orders"])


@pytest.fixture
def policy(server):
    return policy_create(server=server, name="Service apps", description="Machine-to-machine")


def add_rules(policy, *names):
    return [rule_create(policy=policy, name=name, grant_types=CC) for name in names]


def rule_order(policy) -> list[tuple[str, int]]:
    return list(PolicyRule.objects.filter(policy=policy).order_by("priority").values_list("name", "priority"))


def policy_order(server) -> list[tuple[str, int]]:
    return list(AccessPolicy.objects.filter(server=server).order_by("priority").values_list("name", "priority"))


def numbered(*names) -> list[tuple[str, int]]:
    return [(name, number) for number, name in enumerate(names, start=1)]


# the Default Policy ---------------------------------------------------------------------------------

def test_new_custom_server_has_no_policy(server):
    assert not AccessPolicy.objects.filter(server=server).exists()


def test_default_policy_is_oktas_default_policy_and_rule(server):
    policy = default_policy_create(server=server)

    assert (policy.name, policy.priority, policy.status, policy.clients) == (
        DEFAULT_POLICY_NAME, 1, Status.ACTIVE, [ALL_CLIENTS])
    rule = policy.rules.get()
    assert rule.name == DEFAULT_RULE_NAME == "Default Policy Rule"
    assert (rule.priority, rule.status) == (1, Status.ACTIVE)
    assert rule.groups_include == [EVERYONE] and rule.users_include == []
    assert rule.scopes == [ANY_SCOPE]
    assert rule.grant_types == supported_grant_types()
    assert (rule.access_token_lifetime_minutes, rule.refresh_token_lifetime_minutes,
            rule.refresh_token_window_minutes) == (60, 0, 10080)


def test_server_created_with_default_policy_has_it(db):
    server = authserver_create(name="Orders API", audiences=["api://orders"], default_policy=True)
    assert policy_order(server) == [(DEFAULT_POLICY_NAME, 1)]


def test_bootstrapped_default_server_has_the_default_policy(authserver):
    assert policy_order(authserver) == [(DEFAULT_POLICY_NAME, 1)]
    assert authserver.policies.get().rules.get().name == DEFAULT_RULE_NAME


def test_rule_defaults_to_everyone_any_scope_placed_last(policy):
    _first, second = add_rules(policy, "first", "second")
    assert (second.priority, second.groups_include, second.scopes) == (2, [EVERYONE], [ANY_SCOPE])
    assert second.access_token_lifetime_minutes == 60


# bounds -----------------------------------------------------------------------------------------------

def rule_kwargs(**overrides):
    return {"name": "Rule", "grant_types": CC, "access_token_lifetime_minutes": 60,
            "refresh_token_lifetime_minutes": 0, "refresh_token_window_minutes": 10080, **overrides}


@pytest.mark.parametrize(("access", "refresh", "window"), [
    (5, 0, 10), (1440, 0, 10080), (60, 60, 60), (60, 0, 2_628_000), (60, 120, 90), (15, 0, 15),
    (1440, 1440, 1440), (60, 2_628_000, 2_628_000),
])
def test_lifetimes_within_oktas_bounds_are_accepted(policy, access, refresh, window):
    rule = rule_create(policy=policy, **rule_kwargs(access_token_lifetime_minutes=access,
                                                    refresh_token_lifetime_minutes=refresh,
                                                    refresh_token_window_minutes=window))
    rule.refresh_from_db()
    assert (rule.access_token_lifetime_minutes, rule.refresh_token_lifetime_minutes,
            rule.refresh_token_window_minutes) == (access, refresh, window)


ACCESS_RANGE = "access_token_lifetime_minutes: The access token lifetime must be between 5 and 1440 minutes."
REFRESH_MIN = ("refresh_token_lifetime_minutes: The refresh token lifetime must be 0 (unlimited) or at least "
               "the access token lifetime.")
WINDOW_RANGE = ("refresh_token_window_minutes: The refresh token idle window must be between 10 minutes and "
                "2628000 minutes (5 years).")
WINDOW_BETWEEN = ("refresh_token_window_minutes: The refresh token idle window must lie between the access token "
                  "and refresh token lifetimes.")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"access_token_lifetime_minutes": 4}, "access_token_lifetime_minutes", ACCESS_RANGE),
    ({"access_token_lifetime_minutes": 1441}, "access_token_lifetime_minutes", ACCESS_RANGE),
    ({"access_token_lifetime_minutes": 0}, "access_token_lifetime_minutes", ACCESS_RANGE),
    ({"refresh_token_lifetime_minutes": 59}, "refresh_token_lifetime_minutes", REFRESH_MIN),
    ({"refresh_token_window_minutes": 9, "access_token_lifetime_minutes": 5}, "refresh_token_window_minutes",
     WINDOW_RANGE),
    ({"refresh_token_window_minutes": 2_628_001}, "refresh_token_window_minutes", WINDOW_RANGE),
    ({"refresh_token_window_minutes": 30}, "refresh_token_window_minutes", WINDOW_BETWEEN),
    ({"refresh_token_lifetime_minutes": 120, "refresh_token_window_minutes": 121}, "refresh_token_window_minutes",
     WINDOW_BETWEEN),
    ({"name": "  "}, "name", "name: The name cannot be left blank."),
    ({"name": "x" * 101}, "name", "name: The name must be at most 100 characters."),
    ({"grant_types": []}, "grant_types", "grant_types: Choose at least one grant type."),
    ({"grant_types": ["refresh_token"]}, "grant_types", "grant_types: Unknown grant type: refresh_token."),
    ({"grant_types": ["client_credentials", "magic"]}, "grant_types", "grant_types: Unknown grant type: magic."),
    ({"scopes": []}, "scopes", 'scopes: Name at least one scope, or "*" for any scope.'),
    ({"groups_include": [], "users_include": []}, "people",
     'people: Include at least one user or group, or "EVERYONE".'),
    ({"priority": 0}, "priority", "priority: The priority must be 1 or more (1 is evaluated first)."),
])
def test_rule_outside_the_bounds_is_refused_in_plain_words(policy, overrides, field, message):
    with pytest.raises(ServiceError) as excinfo:
        rule_create(policy=policy, **rule_kwargs(**overrides))
    assert excinfo.value.field == field
    assert excinfo.value.message == message
    assert excinfo.value.code == "E0000001"
    assert not PolicyRule.objects.exists()


def test_rule_update_is_bounded_too_and_changes_nothing_when_refused(policy):
    (rule,) = add_rules(policy, "Service rule")
    with pytest.raises(ServiceError) as excinfo:
        rule_update(rule=rule, access_token_lifetime_minutes=1441, name="Renamed")
    assert excinfo.value.message == ACCESS_RANGE
    rule.refresh_from_db()
    assert (rule.name, rule.access_token_lifetime_minutes) == ("Service rule", 60)
    assert not LogEvent.objects.filter(event_type="policy.rule.update").exists()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "name: The name cannot be left blank."),
    ({"name": "x" * 101}, "name", "name: The name must be at most 100 characters."),
    ({"description": "x" * 256}, "description", "description: The description must be at most 255 characters."),
    ({"clients": []}, "clients", 'clients: Name at least one client, or "ALL_CLIENTS".'),
    ({"clients": ["ALL_CLIENTS", "0oaService"]}, "clients",
     'clients: "ALL_CLIENTS" cannot be combined with a list of clients.'),
    ({"priority": 0}, "priority", "priority: The priority must be 1 or more (1 is evaluated first)."),
])
def test_policy_outside_the_bounds_is_refused_in_plain_words(server, overrides, field, message):
    with pytest.raises(ServiceError) as excinfo:
        policy_create(server=server, **{"name": "Service apps", **overrides})
    assert (excinfo.value.field, excinfo.value.message) == (field, message)
    assert not AccessPolicy.objects.exists()


def test_policy_name_of_100_characters_is_accepted(server):
    assert len(policy_create(server=server, name="x" * 100).name) == 100


def test_policy_update_is_bounded_too(policy):
    with pytest.raises(ServiceError) as excinfo:
        policy_update(policy=policy, name="Service apps", clients=[])
    assert excinfo.value.field == "clients"
    policy.refresh_from_db()
    assert policy.clients == [ALL_CLIENTS]


# priorities stay 1..n ---------------------------------------------------------------------------------

def test_rule_inserted_at_a_position_pushes_the_others_down(policy):
    add_rules(policy, "a", "b", "c")
    rule_create(policy=policy, name="new", grant_types=CC, priority=2)
    assert rule_order(policy) == numbered("a", "new", "b", "c")
    rule_create(policy=policy, name="top", grant_types=CC, priority=1)
    assert rule_order(policy) == numbered("top", "a", "new", "b", "c")


def test_rule_inserted_beyond_the_end_goes_last(policy):
    add_rules(policy, "a", "b")
    rule_create(policy=policy, name="new", grant_types=CC, priority=99)
    assert rule_order(policy) == numbered("a", "b", "new")


@pytest.mark.parametrize(("move", "to", "expected"), [
    ("a", 3, ["b", "c", "a", "d"]),
    ("d", 1, ["d", "a", "b", "c"]),
    ("b", 4, ["a", "c", "d", "b"]),
    ("c", 2, ["a", "c", "b", "d"]),
    ("b", 2, ["a", "b", "c", "d"]),
    ("a", 40, ["b", "c", "d", "a"]),
])
def test_moving_a_rule_renumbers_1_to_n(policy, move, to, expected):
    rules = {rule.name: rule for rule in add_rules(policy, "a", "b", "c", "d")}
    rule_update(rule=rules[move], priority=to)
    assert rule_order(policy) == numbered(*expected)


def test_updating_a_rule_without_a_priority_keeps_its_place(policy):
    rules = add_rules(policy, "a", "b", "c")
    rule_update(rule=rules[1], access_token_lifetime_minutes=15)
    assert rule_order(policy) == numbered("a", "b", "c")
    rules[1].refresh_from_db()
    assert rules[1].access_token_lifetime_minutes == 15


def test_updating_a_stale_rule_object_uses_the_current_priorities(policy):
    a, _b, c = add_rules(policy, "a", "b", "c")
    rule_update(rule=c, priority=1)  # `a` in memory still says priority 1
    rule_update(rule=a, name="a2")
    assert rule_order(policy) == numbered("c", "a2", "b")


@pytest.mark.parametrize(("delete", "expected"), [
    ("a", ["b", "c", "d"]), ("b", ["a", "c", "d"]), ("d", ["a", "b", "c"]),
])
def test_deleting_a_rule_closes_the_gap(policy, delete, expected):
    rules = {rule.name: rule for rule in add_rules(policy, "a", "b", "c", "d")}
    rule_delete(rule=rules[delete])
    assert rule_order(policy) == numbered(*expected)


def test_rules_of_other_policies_are_numbered_separately(server, policy):
    other = policy_create(server=server, name="Other")
    add_rules(policy, "a", "b")
    add_rules(other, "x")
    rule_create(policy=other, name="y", grant_types=CC, priority=1)
    assert rule_order(policy) == numbered("a", "b")
    assert rule_order(other) == numbered("y", "x")


def test_policies_inserted_moved_and_deleted_stay_1_to_n(server):
    a = policy_create(server=server, name="a")
    b = policy_create(server=server, name="b")
    c = policy_create(server=server, name="c", priority=1)
    assert policy_order(server) == numbered("c", "a", "b")
    policy_update(policy=c, name="c", clients=[ALL_CLIENTS], priority=3)
    assert policy_order(server) == numbered("a", "b", "c")
    policy_update(policy=a, name="a", clients=[ALL_CLIENTS], priority=2)
    assert policy_order(server) == numbered("b", "a", "c")
    policy_delete(policy=b)
    assert policy_order(server) == numbered("a", "c")
    policy_create(server=server, name="d", priority=2)
    assert policy_order(server) == numbered("a", "d", "c")


def test_policies_of_other_servers_are_numbered_separately(server, authserver):
    policy_create(server=server, name="a")
    policy_create(server=authserver, name="first", priority=1)
    assert policy_order(server) == numbered("a")
    assert policy_order(authserver) == numbered("first", DEFAULT_POLICY_NAME)


def test_moving_a_rule_deleted_meanwhile_is_refused_as_not_found(policy):
    """Two admins: one deletes a rule while the other, on a stale page, moves it."""
    a, _b = add_rules(policy, "a", "b")
    stale = PolicyRule.objects.get(pk=a.pk)
    rule_delete(rule=a)
    with pytest.raises(ServiceError) as excinfo:
        rule_update(rule=stale, priority=2)
    assert excinfo.value.code == "E0000007"
    assert rule_order(policy) == numbered("b")


def test_moving_a_policy_deleted_meanwhile_is_refused_as_not_found(server, policy):
    other = policy_create(server=server, name="Other")
    stale = AccessPolicy.objects.get(pk=policy.pk)
    policy_delete(policy=policy)
    with pytest.raises(ServiceError) as excinfo:
        policy_update(policy=stale, name="Service apps", clients=[ALL_CLIENTS], priority=2)
    assert excinfo.value.code == "E0000007"
    assert policy_order(server) == numbered(other.name)


def test_deleting_a_policy_deletes_its_rules(policy):
    add_rules(policy, "a", "b")
    policy_delete(policy=policy)
    assert not PolicyRule.objects.exists()


def test_status_changes_leave_priorities_alone(server, policy):
    other = policy_create(server=server, name="Other")
    a, _b = add_rules(policy, "a", "b")
    policy_set_status(policy=policy, active=False)
    rule_set_status(rule=a, active=False)
    policy.refresh_from_db(), a.refresh_from_db()
    assert (policy.status, policy.priority, a.status, a.priority) == (Status.INACTIVE, 1, Status.INACTIVE, 1)
    assert policy_order(server) == numbered("Service apps", "Other") and other.priority == 2
    policy_set_status(policy=policy, active=True)
    rule_set_status(rule=a, active=True)
    policy.refresh_from_db(), a.refresh_from_db()
    assert (policy.status, a.status) == (Status.ACTIVE, Status.ACTIVE)


def test_names_are_trimmed(server):
    policy = policy_create(server=server, name="  Service apps  ")
    rule = rule_create(policy=policy, name="  Service rule  ", grant_types=CC)
    assert (policy.name, rule.name) == ("Service apps", "Service rule")
    policy_update(policy=policy, name="  Renamed  ", clients=[ALL_CLIENTS])
    rule_update(rule=rule, name="  Renamed rule  ")
    policy.refresh_from_db(), rule.refresh_from_db()
    assert (policy.name, rule.name) == ("Renamed", "Renamed rule")


# System Log ------------------------------------------------------------------------------------------

def events(event_type: str):
    return list(LogEvent.objects.filter(event_type=event_type))


def test_policy_lifecycle_is_in_the_system_log(server):
    actor = {"id": "00uAdmin", "type": "User", "alternateId": "root@example.com", "displayName": "Root"}
    policy = policy_create(server=server, name="Service apps", actor=actor)
    policy_update(policy=policy, name="Service apps", clients=["0oaService"], actor=actor)
    policy_set_status(policy=policy, active=False, actor=actor)
    policy_set_status(policy=policy, active=True, actor=actor)
    policy_id = policy.pk
    policy_delete(policy=policy, actor=actor)

    for event_type in ("policy.lifecycle.create", "policy.lifecycle.update", "policy.lifecycle.deactivate",
                       "policy.lifecycle.activate", "policy.lifecycle.delete"):
        (event,) = events(event_type)
        assert event.outcome_result == "SUCCESS"
        assert event.actor["id"] == "00uAdmin"
        assert [(target["id"], target["type"]) for target in event.target] == [
            (policy_id, "PolicyEntity"), (server.pk, "AuthorizationServer")], event_type
        assert event.target[0]["displayName"] == "Service apps"


def test_rule_lifecycle_is_in_the_system_log(policy):
    rule = rule_create(policy=policy, name="Service rule", grant_types=CC)
    rule_update(rule=rule, access_token_lifetime_minutes=15)
    rule_set_status(rule=rule, active=False)
    rule_set_status(rule=rule, active=True)
    rule_id = rule.pk
    rule_delete(rule=rule)

    for event_type in ("policy.rule.add", "policy.rule.update", "policy.rule.deactivate", "policy.rule.activate",
                       "policy.rule.delete"):
        (event,) = events(event_type)
        assert event.actor["type"] == "SystemPrincipal"  # no actor given: the system did it
        assert [(target["id"], target["type"]) for target in event.target] == [
            (rule_id, "PolicyRule"), (policy.server_id, "AuthorizationServer")], event_type


def test_default_policy_creation_is_logged_like_an_admins(server):
    default_policy_create(server=server)
    assert len(events("policy.lifecycle.create")) == 1
    assert len(events("policy.rule.add")) == 1


def test_refused_change_writes_no_event(server):
    with pytest.raises(ServiceError):
        policy_create(server=server, name="")
    assert not LogEvent.objects.filter(event_type__startswith="policy.").exists()
