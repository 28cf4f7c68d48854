"""Okta access-policy evaluation (REFERENCE §5.3), as one pure function over snapshots.

Active policies by ascending priority; a policy applies when it covers all clients or names the
requesting one; inside it, the first active rule whose grant type, people and scopes all match
wins. A policy with no matching rule hands evaluation on to the next policy. No match anywhere is
a denial (`no_matching_policy`). Nothing here touches the database or HTTP.
"""

from dataclasses import dataclass, field

ALL_CLIENTS = "ALL_CLIENTS"
EVERYONE = "EVERYONE"
ANY_SCOPE = "*"
NO_MATCHING_POLICY = "no_matching_policy"
POLICY_EVALUATION_FAILED = "Policy evaluation failed for this request, please check the policy configurations."


@dataclass(frozen=True)
class RuleSnapshot:
    id: str
    name: str
    priority: int
    active: bool
    grant_types: frozenset[str]
    scopes: frozenset[str]  # containing "*" means any scope
    users_include: frozenset[str] = frozenset()
    users_exclude: frozenset[str] = frozenset()
    groups_include: frozenset[str] = frozenset()  # group ids, or "EVERYONE"
    groups_exclude: frozenset[str] = frozenset()
    access_token_lifetime_minutes: int = 60
    refresh_token_lifetime_minutes: int = 0  # 0 = unlimited
    refresh_token_window_minutes: int = 10080


@dataclass(frozen=True)
class PolicySnapshot:
    id: str
    name: str
    priority: int
    active: bool
    clients: frozenset[str]  # client ids, or ALL_CLIENTS
    rules: tuple[RuleSnapshot, ...] = ()


@dataclass(frozen=True)
class RequestContext:
    client_id: str
    grant_type: str
    scopes: tuple[str, ...]
    user_id: str | None = None  # None: a grant without a user (client credentials)
    group_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    policy_id: str
    policy_name: str
    rule_id: str
    rule_name: str
    scopes: tuple[str, ...]
    access_token_lifetime: int  # seconds
    refresh_token_lifetime: int | None  # seconds; None = unlimited
    refresh_token_window: int  # seconds
    trace: tuple[dict, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Denial:
    reason: str
    description: str
    trace: tuple[dict, ...] = field(default=(), compare=False)


def rule_mismatch(rule: RuleSnapshot, context: RequestContext) -> str | None:
    """The first condition of `rule` the request fails ("inactive", "grant_type", "people", "scopes")."""
    if not rule.active:
        return "inactive"
    if context.grant_type not in rule.grant_types:
        return "grant_type"
    if not people_match(rule, context):
        return "people"
    if ANY_SCOPE not in rule.scopes and not rule.scopes.issuperset(context.scopes):
        return "scopes"
    return None


def people_match(rule: RuleSnapshot, context: RequestContext) -> bool:
    if context.user_id is None:
        # Settled: a request without a user matches only "everyone", with no user list.
        return EVERYONE in rule.groups_include and not rule.users_include
    if context.user_id in rule.users_exclude or not rule.groups_exclude.isdisjoint(context.group_ids):
        return False
    return (EVERYONE in rule.groups_include or context.user_id in rule.users_include
            or not rule.groups_include.isdisjoint(context.group_ids))


def policy_applies(policy: PolicySnapshot, client_id: str) -> bool:
    return ALL_CLIENTS in policy.clients or client_id in policy.clients


def evaluate(policies: tuple[PolicySnapshot, ...], context: RequestContext) -> Decision | Denial:
    """Decide a token request. `policies` need not be sorted; the trace says why each was passed over."""
    trace: list[dict] = []
    for policy in sorted(policies, key=lambda p: p.priority):
        if not policy.active:
            trace.append({"policy": policy.id, "name": policy.name, "outcome": "skipped", "reason": "inactive"})
            continue
        if not policy_applies(policy, context.client_id):
            trace.append({"policy": policy.id, "name": policy.name, "outcome": "skipped",
                          "reason": "client_not_included"})
            continue
        rules_trace = []
        for rule in sorted(policy.rules, key=lambda r: r.priority):
            failed = rule_mismatch(rule, context)
            if failed is None:
                rules_trace.append({"rule": rule.id, "name": rule.name, "outcome": "matched"})
                trace.append({"policy": policy.id, "name": policy.name, "outcome": "matched",
                              "rules": rules_trace})
                return _decision(policy, rule, context, tuple(trace))
            rules_trace.append({"rule": rule.id, "name": rule.name, "outcome": "no_match", "failed": failed})
        trace.append({"policy": policy.id, "name": policy.name, "outcome": "no_matching_rule",
                      "rules": rules_trace})
    return Denial(NO_MATCHING_POLICY, POLICY_EVALUATION_FAILED, tuple(trace))


def _decision(policy: PolicySnapshot, rule: RuleSnapshot, context: RequestContext, trace) -> Decision:
    refresh = rule.refresh_token_lifetime_minutes
    return Decision(
        policy_id=policy.id, policy_name=policy.name, rule_id=rule.id, rule_name=rule.name,
        scopes=context.scopes, access_token_lifetime=rule.access_token_lifetime_minutes * 60,
        refresh_token_lifetime=refresh * 60 if refresh else None,
        refresh_token_window=rule.refresh_token_window_minutes * 60, trace=trace,
    )


class CompiledPolicies:
    """A server's policies sorted once, with decisions memoised per request context.

    Lives inside the server snapshot, so any change to policies or rules (which replaces the
    snapshot) drops the memo; a server with 1,000 rules costs one walk per distinct request shape.
    """

    MAX_MEMO = 10_000

    def __init__(self, policies: tuple[PolicySnapshot, ...]):
        self.policies = tuple(sorted(
            (PolicySnapshot(p.id, p.name, p.priority, p.active, p.clients,
                            tuple(sorted(p.rules, key=lambda r: r.priority))) for p in policies),
            key=lambda p: p.priority))
        self._memo: dict[RequestContext, Decision | Denial] = {}

    def evaluate(self, context: RequestContext) -> Decision | Denial:
        result = self._memo.get(context)
        if result is None:
            result = evaluate(self.policies, context)
            if len(self._memo) >= self.MAX_MEMO:
                self._memo.clear()
            self._memo[context] = result
        return result
