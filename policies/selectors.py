"""Reads of policies: the compiled, per-process form the token endpoint evaluates."""

from .evaluation import CompiledPolicies, PolicySnapshot, RuleSnapshot


def rule_snapshot(rule) -> RuleSnapshot:
    return RuleSnapshot(
        id=rule.id, name=rule.name, priority=rule.priority, active=rule.is_active,
        grant_types=frozenset(rule.grant_types), scopes=frozenset(rule.scopes),
        users_include=frozenset(rule.users_include), users_exclude=frozenset(rule.users_exclude),
        groups_include=frozenset(rule.groups_include), groups_exclude=frozenset(rule.groups_exclude),
        access_token_lifetime_minutes=rule.access_token_lifetime_minutes,
        refresh_token_lifetime_minutes=rule.refresh_token_lifetime_minutes,
        refresh_token_window_minutes=rule.refresh_token_window_minutes,
    )


def policy_snapshot(policy) -> PolicySnapshot:
    return PolicySnapshot(id=policy.id, name=policy.name, priority=policy.priority, active=policy.is_active,
                          clients=frozenset(policy.clients),
                          rules=tuple(rule_snapshot(rule) for rule in policy.rules.all()))


def compile_policies(policies) -> CompiledPolicies:
    """`policies`: AccessPolicy rows with their rules prefetched."""
    return CompiledPolicies(tuple(policy_snapshot(policy) for policy in policies))
