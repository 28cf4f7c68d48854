"""Property-based tests: `evaluate` against a small reference model of REFERENCE §5.3.

Policies, rules and requests are drawn from tiny alphabets so that matches, hand-ons and every kind
of mismatch actually occur; each property also counts its outcomes and fails if the generated
cases were mostly trivial (so the test cannot pass vacuously).
"""

from collections import Counter

from hypothesis import event, given, settings
from hypothesis import strategies as st

from policies.evaluation import (
    ALL_CLIENTS,
    ANY_SCOPE,
    EVERYONE,
    CompiledPolicies,
    Decision,
    PolicySnapshot,
    RequestContext,
    RuleSnapshot,
    evaluate,
)

from .outcomes import assert_denied, matched

CLIENTS = ["0oaA", "0oaB", "0oaC"]
GRANTS = ["client_credentials", "authorization_code", "password"]
USERS = ["00uA", "00uB", "00uC"]
GROUPS = ["00gA", "00gB"]
SCOPES = ["s1", "s2", "s3"]
EXAMPLES = 300


class Bits:
    """Decodes one drawn integer into small choices: generating is cheap, and 0 shrinks to the simplest case."""

    def __init__(self, value: int):
        self.value = value

    def take(self, count: int) -> int:
        taken = self.value & ((1 << count) - 1)
        self.value >>= count
        return taken

    def subset(self, items: list[str], empty_when_high: bool = False) -> frozenset[str]:
        """A subset of `items` (one bit each); with `empty_when_high`, half of all draws are the empty set."""
        mask = self.take(len(items) + (1 if empty_when_high else 0))
        if empty_when_high and mask >> len(items):
            return frozenset()
        return frozenset(item for index, item in enumerate(items) if mask >> index & 1)


@st.composite
def rules(draw, rule_id: str, priority: int):
    bits = Bits(draw(st.integers(0, 2**25 - 1)))
    active = bits.take(3) != 7  # seven in eight active
    grant_types = bits.subset(GRANTS) or frozenset({"client_credentials"})
    scopes = bits.subset(SCOPES, empty_when_high=True) or frozenset({ANY_SCOPE})
    access = draw(st.sampled_from([5, 15, 60, 1440]))
    return RuleSnapshot(
        id=rule_id, name=rule_id, priority=priority, active=active, grant_types=grant_types, scopes=scopes,
        users_include=bits.subset(USERS, empty_when_high=True),
        users_exclude=bits.subset(USERS, empty_when_high=True),
        groups_include=bits.subset(GROUPS + [EVERYONE]) or frozenset({EVERYONE}),
        groups_exclude=bits.subset(GROUPS, empty_when_high=True),
        access_token_lifetime_minutes=access,
        refresh_token_lifetime_minutes=draw(st.sampled_from([0, 1440, 10080])) if access < 1440 else 0,
        refresh_token_window_minutes=1440,
    )


def distinct_priorities(size: int):
    """Unique priorities (services keep them unique), listed in a shuffled order."""
    return st.permutations(range(1, 9)).map(lambda order: order[:size])


@st.composite
def policies(draw):
    count = draw(st.integers(0, 4))  # at most 8 distinct priorities: see distinct_priorities
    snapshots = []
    for number, priority in enumerate(draw(distinct_priorities(count))):
        rule_count = draw(st.integers(0, 4))
        rule_list = [draw(rules(f"rul{number}.{index}", rule_priority))
                     for index, rule_priority in enumerate(draw(distinct_priorities(rule_count)))]
        bits = Bits(draw(st.integers(0, 2**7 - 1)))
        active = bits.take(3) != 7
        clients = bits.subset(CLIENTS, empty_when_high=True) or frozenset({ALL_CLIENTS})
        snapshots.append(PolicySnapshot(id=f"pol{number}", name=f"Policy {number}", priority=priority,
                                        active=active, clients=clients, rules=tuple(rule_list)))
    return tuple(snapshots)


@st.composite
def contexts(draw):
    bits = Bits(draw(st.integers(0, 2**12 - 1)))
    grant = GRANTS[bits.take(2) % len(GRANTS)]
    client_id = CLIENTS[bits.take(2) % len(CLIENTS)]
    scopes = tuple(sorted(bits.subset(SCOPES))) or (SCOPES[0],)
    user_pick = bits.take(2)  # 0: no user; else one of USERS
    user = None if grant == "client_credentials" or user_pick == 0 else USERS[user_pick - 1]
    groups = bits.subset(GROUPS) if user else frozenset()
    return RequestContext(client_id=client_id, grant_type=grant, scopes=scopes, user_id=user, group_ids=groups)


# the reference model: written from REFERENCE §5.3 and the settled details, not from the code --

def reference_failure(rule: RuleSnapshot, context: RequestContext) -> str | None:
    if not rule.active:
        return "inactive"
    if context.grant_type not in rule.grant_types:
        return "grant_type"
    if context.user_id is None:
        # Only EVERYONE, with no user list, matches a request without a user.
        people_ok = EVERYONE in rule.groups_include and len(rule.users_include) == 0
    else:
        excluded = context.user_id in rule.users_exclude or bool(set(context.group_ids) & rule.groups_exclude)
        included = (EVERYONE in rule.groups_include or context.user_id in rule.users_include
                    or bool(set(context.group_ids) & rule.groups_include))
        people_ok = included and not excluded
    if not people_ok:
        return "people"
    if ANY_SCOPE not in rule.scopes and not all(scope in rule.scopes for scope in context.scopes):
        return "scopes"
    return None


def reference(policy_list, context):
    """(policy id, rule id) of the first match, or None; and the expected trace."""
    trace = []
    for policy in sorted(policy_list, key=lambda p: p.priority):
        if not policy.active:
            trace.append((policy.id, "skipped", "inactive", ()))
            continue
        if ALL_CLIENTS not in policy.clients and context.client_id not in policy.clients:
            trace.append((policy.id, "skipped", "client_not_included", ()))
            continue
        seen = []
        for rule in sorted(policy.rules, key=lambda r: r.priority):
            failed = reference_failure(rule, context)
            seen.append((rule.id, failed))
            if failed is None:
                trace.append((policy.id, "matched", None, tuple(seen)))
                return (policy.id, rule.id), trace
        trace.append((policy.id, "no_matching_rule", None, tuple(seen)))
    return None, trace


def trace_shape(trace) -> list:
    return [(entry["policy"], entry["outcome"], entry.get("reason"),
             tuple((r["rule"], r.get("failed")) for r in entry.get("rules", ())))
            for entry in trace]


def check_against_reference(policy_list, context, counts: Counter) -> None:
    expected, expected_trace = reference(policy_list, context)
    result = evaluate(policy_list, context)
    if expected is None:
        assert_denied(result)
        counts["denied"] += 1
        event("denied")
    else:
        assert matched(result) == expected
        policy = next(p for p in policy_list if p.id == expected[0])
        rule = next(r for r in policy.rules if r.id == expected[1])
        assert result.scopes == context.scopes
        assert result.access_token_lifetime == rule.access_token_lifetime_minutes * 60
        assert result.refresh_token_lifetime == (rule.refresh_token_lifetime_minutes * 60 or None)
        counts["matched"] += 1
        event("matched")
        if len(expected_trace) > 1:
            counts["handed_on"] += 1
            event("matched after passing over a policy")
    # The trace names, for every rule passed over, the first condition it failed.
    assert trace_shape(result.trace) == expected_trace
    for _, outcome, reason, seen in expected_trace:
        counts[f"policy:{reason or outcome}"] += 1
        for _, failed in seen:
            counts[f"rule:{failed}"] += 1
    if context.user_id is None and expected is not None:
        counts["matched_without_user"] += 1


def assert_not_vacuous(counts: Counter) -> None:
    total = counts["matched"] + counts["denied"]
    assert total >= EXAMPLES * 0.9, counts
    assert counts["matched"] >= total * 0.2, counts
    assert counts["denied"] >= total * 0.1, counts
    for needed in ("handed_on", "policy:inactive", "policy:client_not_included", "policy:no_matching_rule",
                   "matched_without_user",
                   "rule:inactive", "rule:grant_type", "rule:people", "rule:scopes"):
        assert counts[needed] > 0, (needed, counts)


def test_evaluate_agrees_with_the_reference_model():
    counts = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(policies(), contexts())
    def check(policy_list, context):
        check_against_reference(policy_list, context, counts)

    check()
    assert_not_vacuous(counts)


def test_compiled_policies_decide_exactly_like_evaluate():
    counts = Counter()

    @settings(max_examples=EXAMPLES // 2, deadline=None, database=None)
    @given(policies(), st.lists(contexts(), min_size=1, max_size=6))
    def check(policy_list, context_list):
        compiled = CompiledPolicies(policy_list)
        for context in context_list * 2:  # the second round comes from the memo
            expected = evaluate(policy_list, context)
            got = compiled.evaluate(context)
            assert got == expected
            assert type(got) is type(expected)
            assert got.trace == expected.trace
            counts["matched" if isinstance(got, Decision) else "denied"] += 1

    check()
    assert counts["matched"] > 0 and counts["denied"] > 0, counts


def test_evaluation_does_not_depend_on_the_order_policies_and_rules_are_listed():
    @settings(max_examples=EXAMPLES // 2, deadline=None, database=None)
    @given(policies(), contexts(), st.randoms(use_true_random=False))
    def check(policy_list, context, random):
        shuffled = []
        for policy in policy_list:
            rule_list = list(policy.rules)
            random.shuffle(rule_list)
            shuffled.append(PolicySnapshot(policy.id, policy.name, policy.priority, policy.active, policy.clients,
                                           tuple(rule_list)))
        random.shuffle(shuffled)
        one, other = evaluate(policy_list, context), evaluate(tuple(shuffled), context)
        assert one == other and one.trace == other.trace

    check()
