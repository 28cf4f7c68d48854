"""The access-policy evaluation function (REFERENCE §5.3), pure: no database, no HTTP."""

import pytest

from policies.evaluation import (
    ALL_CLIENTS,
    ANY_SCOPE,
    EVERYONE,
    CompiledPolicies,
    Denial,
    PolicySnapshot,
    RequestContext,
    RuleSnapshot,
    evaluate,
)

from .outcomes import assert_denied, matched

CC = "client_credentials"
CODE = "authorization_code"


def rule(rule_id="rul1", priority=1, *, active=True, grant_types=(CC,), scopes=(ANY_SCOPE,),
         users_include=(), users_exclude=(), groups_include=(EVERYONE,), groups_exclude=(), access=60,
         refresh=0, window=10080) -> RuleSnapshot:
    return RuleSnapshot(
        id=rule_id, name=f"Rule {rule_id}", priority=priority, active=active, grant_types=frozenset(grant_types),
        scopes=frozenset(scopes), users_include=frozenset(users_include), users_exclude=frozenset(users_exclude),
        groups_include=frozenset(groups_include), groups_exclude=frozenset(groups_exclude),
        access_token_lifetime_minutes=access, refresh_token_lifetime_minutes=refresh,
        refresh_token_window_minutes=window)


def policy(policy_id="pol1", priority=1, rules=None, *, active=True, clients=(ALL_CLIENTS,)) -> PolicySnapshot:
    return PolicySnapshot(id=policy_id, name=f"Policy {policy_id}", priority=priority, active=active,
                          clients=frozenset(clients), rules=tuple(rules if rules is not None else [rule()]))


def request(client_id="0oaService", grant_type=CC, scopes=("orders:read",), user_id=None, group_ids=()):
    return RequestContext(client_id=client_id, grant_type=grant_type, scopes=tuple(scopes), user_id=user_id,
                          group_ids=frozenset(group_ids))


def only_rule_failure(denial: Denial) -> str:
    (entry,) = denial.trace
    assert entry["outcome"] == "no_matching_rule"
    (rule_entry,) = entry["rules"]
    assert rule_entry["outcome"] == "no_match"
    return rule_entry["failed"]


# a match and what it grants -----------------------------------------------------------------------

def test_matching_rule_grants_the_requested_scopes_with_its_lifetimes_in_seconds():
    result = evaluate((policy(rules=[rule(access=15, refresh=120, window=60)]),),
                      request(scopes=("orders:read", "orders:write")))

    assert matched(result) == ("pol1", "rul1")
    assert result.policy_name == "Policy pol1" and result.rule_name == "Rule rul1"
    assert result.scopes == ("orders:read", "orders:write")
    assert result.access_token_lifetime == 15 * 60
    assert result.refresh_token_lifetime == 120 * 60
    assert result.refresh_token_window == 60 * 60


def test_refresh_lifetime_zero_means_unlimited():
    result = evaluate((policy(rules=[rule(refresh=0)]),), request())
    assert result.refresh_token_lifetime is None
    assert result.refresh_token_window == 10080 * 60


def test_no_policies_at_all_is_a_denial_with_an_empty_trace():
    denial = assert_denied(evaluate((), request()))
    assert denial.trace == ()


def test_denial_carries_okta_text_and_machine_reason():
    denial = evaluate((policy(active=False),), request())
    assert denial.reason == "no_matching_policy"
    assert denial.description == "Policy evaluation failed for this request, please check the policy configurations."


# each denial condition ----------------------------------------------------------------------------

def test_inactive_policy_is_skipped():
    denial = assert_denied(evaluate((policy(active=False),), request()))
    assert denial.trace == ({"policy": "pol1", "name": "Policy pol1", "outcome": "skipped", "reason": "inactive"},)


def test_policy_not_naming_the_client_is_skipped():
    denial = assert_denied(evaluate((policy(clients=["0oaOther"]),), request(client_id="0oaService")))
    assert denial.trace == ({"policy": "pol1", "name": "Policy pol1", "outcome": "skipped",
                             "reason": "client_not_included"},)


def test_policy_naming_the_client_applies():
    assert matched(evaluate((policy(clients=["0oaOther", "0oaService"]),), request(client_id="0oaService")))


def test_inactive_rule_is_skipped():
    denial = assert_denied(evaluate((policy(rules=[rule(active=False)]),), request()))
    assert only_rule_failure(denial) == "inactive"


def test_rule_for_another_grant_type_does_not_match():
    denial = assert_denied(evaluate((policy(rules=[rule(grant_types=[CODE])]),), request(grant_type=CC)))
    assert only_rule_failure(denial) == "grant_type"


def test_rule_not_covering_every_requested_scope_does_not_match():
    only_read = policy(rules=[rule(scopes=["orders:read"])])
    assert matched(evaluate((only_read,), request(scopes=("orders:read",))))
    denial = assert_denied(evaluate((only_read,), request(scopes=("orders:read", "orders:write"))))
    assert only_rule_failure(denial) == "scopes"


def test_any_scope_rule_matches_whatever_is_requested():
    assert matched(evaluate((policy(rules=[rule(scopes=[ANY_SCOPE])]),),
                            request(scopes=("a", "b", "openid"))))


@pytest.mark.parametrize(("people", "user_id", "group_ids"), [
    pytest.param({"groups_include": ["00gAdmins"]}, None, (), id="no-user-vs-group-rule"),
    pytest.param({"groups_include": [EVERYONE], "users_include": ["00uAlice"]}, None, (),
                 id="no-user-vs-everyone-with-user-list"),
    pytest.param({"users_include": ["00uAlice"], "groups_include": []}, None, (), id="no-user-vs-user-list"),
    pytest.param({"groups_include": ["00gAdmins"]}, "00uBob", ("00gStaff",), id="user-outside-the-groups"),
    pytest.param({"users_include": ["00uAlice"], "groups_include": []}, "00uBob", (), id="user-not-on-the-list"),
    pytest.param({"groups_include": [EVERYONE], "users_exclude": ["00uBob"]}, "00uBob", (), id="user-excluded"),
    pytest.param({"groups_include": [EVERYONE], "groups_exclude": ["00gContractors"]}, "00uBob",
                 ("00gContractors",), id="group-excluded"),
    pytest.param({"users_include": ["00uBob"], "groups_include": [], "groups_exclude": ["00gContractors"]},
                 "00uBob", ("00gContractors",), id="exclude-beats-include"),
])
def test_people_condition_denies(people, user_id, group_ids):
    result = evaluate((policy(rules=[rule(grant_types=[CC, CODE], **people)]),),
                      request(grant_type=CODE if user_id else CC, user_id=user_id, group_ids=group_ids))
    assert only_rule_failure(assert_denied(result)) == "people"


@pytest.mark.parametrize(("people", "user_id", "group_ids"), [
    pytest.param({"groups_include": [EVERYONE]}, None, (), id="no-user-vs-everyone"),
    pytest.param({"groups_include": [EVERYONE]}, "00uBob", (), id="user-vs-everyone"),
    pytest.param({"groups_include": [EVERYONE], "users_include": ["00uAlice"]}, "00uBob", (),
                 id="user-vs-everyone-with-user-list"),
    pytest.param({"groups_include": ["00gStaff"]}, "00uBob", ("00gStaff",), id="member-of-an-included-group"),
    pytest.param({"users_include": ["00uBob"], "groups_include": []}, "00uBob", (), id="on-the-user-list"),
    pytest.param({"groups_include": [EVERYONE], "users_exclude": ["00uAlice"]}, "00uBob", (),
                 id="someone-else-excluded"),
])
def test_people_condition_matches(people, user_id, group_ids):
    result = evaluate((policy(rules=[rule(grant_types=[CC, CODE], **people)]),),
                      request(grant_type=CODE if user_id else CC, user_id=user_id, group_ids=group_ids))
    assert matched(result) == ("pol1", "rul1")


def test_failing_conditions_are_reported_in_okta_order():
    """Inactive, then grant type, then people, then scopes: the trace names the first failing one."""
    everything_wrong = rule(active=False, grant_types=[CODE], groups_include=["00gAdmins"], scopes=["x"])
    wrong_grant_and_people = rule("rul2", 2, grant_types=[CODE], groups_include=["00gAdmins"], scopes=["x"])
    wrong_people_and_scopes = rule("rul3", 3, groups_include=["00gAdmins"], scopes=["x"])
    wrong_scopes = rule("rul4", 4, scopes=["x"])
    denial = assert_denied(evaluate(
        (policy(rules=[wrong_scopes, everything_wrong, wrong_people_and_scopes, wrong_grant_and_people]),),
        request()))
    (entry,) = denial.trace
    assert [(r["rule"], r["failed"]) for r in entry["rules"]] == [
        ("rul1", "inactive"), ("rul2", "grant_type"), ("rul3", "people"), ("rul4", "scopes")]


# order: first match wins, handing on ---------------------------------------------------------------

def test_first_matching_rule_wins_by_priority_not_by_position():
    rules = [rule("rulLate", 2, access=30), rule("rulEarly", 1, access=15)]
    result = evaluate((policy(rules=rules),), request())
    assert matched(result) == ("pol1", "rulEarly")
    assert result.access_token_lifetime == 900


def test_first_matching_policy_wins_by_priority_and_later_policies_do_not_run():
    first, second = policy("polA", 1, [rule("rulA")]), policy("polB", 2, [rule("rulB")])
    result = evaluate((second, first), request())
    assert matched(result) == ("polA", "rulA")
    assert [entry["policy"] for entry in result.trace] == ["polA"]


def test_narrow_rule_behind_a_broad_one_never_matches():
    broad, narrow = rule("rulBroad", 1, access=60), rule("rulNarrow", 2, scopes=["orders:read"], access=5)
    assert matched(evaluate((policy(rules=[narrow, broad]),), request())) == ("pol1", "rulBroad")


def test_policy_without_a_matching_rule_hands_on_to_the_next_policy():
    strict = policy("polStrict", 1, [rule("rulStrict", scopes=["orders:write"])])
    lenient = policy("polLenient", 2, [rule("rulLenient", access=15)])
    result = evaluate((strict, lenient), request(scopes=("orders:read",)))

    assert matched(result) == ("polLenient", "rulLenient")
    assert result.access_token_lifetime == 900
    assert result.trace == (
        {"policy": "polStrict", "name": "Policy polStrict", "outcome": "no_matching_rule",
         "rules": [{"rule": "rulStrict", "name": "Rule rulStrict", "outcome": "no_match", "failed": "scopes"}]},
        {"policy": "polLenient", "name": "Policy polLenient", "outcome": "matched",
         "rules": [{"rule": "rulLenient", "name": "Rule rulLenient", "outcome": "matched"}]},
    )


def test_policy_with_no_rules_hands_on():
    result = evaluate((policy("polEmpty", 1, []), policy("polFull", 2)), request())
    assert matched(result) == ("polFull", "rul1")
    assert result.trace[0] == {"policy": "polEmpty", "name": "Policy polEmpty", "outcome": "no_matching_rule",
                               "rules": []}


def test_trace_lists_every_policy_passed_over_before_the_match():
    policies = (policy("polOff", 1, active=False), policy("polOther", 2, clients=["0oaOther"]),
                policy("polNoRule", 3, [rule("rulOff", active=False)]), policy("polOn", 4))
    result = evaluate(policies, request())
    assert matched(result) == ("polOn", "rul1")
    assert [(entry["policy"], entry["outcome"], entry.get("reason")) for entry in result.trace] == [
        ("polOff", "skipped", "inactive"), ("polOther", "skipped", "client_not_included"),
        ("polNoRule", "no_matching_rule", None), ("polOn", "matched", None)]


def test_rule_after_the_match_is_not_in_the_trace():
    result = evaluate((policy(rules=[rule("rulFirst", 1), rule("rulSecond", 2)]),), request())
    assert [entry["rule"] for entry in result.trace[0]["rules"]] == ["rulFirst"]


# the compiled, memoised form ------------------------------------------------------------------------

def test_compiled_policies_decide_like_evaluate_whatever_the_input_order():
    policies = (policy("polB", 2, [rule("rulB2", 2), rule("rulB1", 1, grant_types=[CODE])]),
                policy("polA", 1, [rule("rulA", scopes=["orders:write"])]))
    compiled = CompiledPolicies(policies)
    for context in (request(), request(grant_type=CODE), request(scopes=("orders:write",))):
        expected = evaluate(policies, context)
        assert compiled.evaluate(context) == expected
        assert compiled.evaluate(context).trace == expected.trace
        assert compiled.evaluate(context) is compiled.evaluate(context)  # memoised


def test_compiled_policies_memo_is_bounded():
    compiled = CompiledPolicies((policy(),))
    compiled.MAX_MEMO = 3
    for n in range(10):
        assert matched(compiled.evaluate(request(client_id=f"0oa{n}")))
        assert len(compiled._memo) <= 3


def test_decisions_compare_equal_regardless_of_trace():
    one = evaluate((policy(),), request())
    other = evaluate((policy("polOff", 0, active=False), policy()), request())
    assert one == other and one.trace != other.trace
