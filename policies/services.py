"""Every write to access policies and rules, with priorities kept contiguous (1..n)."""

from django.db import transaction

from authservers import systemlog
from authservers.models import AuthorizationServer
from authservers.services import ServiceError
from clients.models import GrantType

from .models import ALL_CLIENTS, ANY_SCOPE, EVERYONE, AccessPolicy, PolicyRule, Status
from .validation import policy_problems, rule_problems

# Okta's rule grant types: a refresh is evaluated with the grant type of its original grant.
RULE_GRANT_TYPES = [grant for grant in GrantType.values if grant != GrantType.REFRESH_TOKEN]
DEFAULT_POLICY_NAME = "Default Policy"
DEFAULT_RULE_NAME = "Default Policy Rule"


def _raise_first(problems: dict[str, str]) -> None:
    if problems:
        field, message = next(iter(problems.items()))
        raise ServiceError(f"{field}: {message}", field)


def _renumber(siblings: list, moved, wanted: int | None) -> None:
    """Put `moved` at position `wanted` (end when None) and number everything 1..n in one go."""
    others = [item for item in siblings if item.pk != moved.pk]
    position = len(others) if wanted is None else max(0, min(wanted - 1, len(others)))
    ordered = others[:position] + [moved] + others[position:]
    for number, item in enumerate(ordered, start=1):
        item.priority = number
    type(moved).objects.bulk_update(ordered, ["priority"])


def _policy_siblings(server_id: str) -> list[AccessPolicy]:
    # Locking the server row serialises concurrent edits of one server's priorities.
    AuthorizationServer.objects.select_for_update().get(pk=server_id)
    return list(AccessPolicy.objects.filter(server_id=server_id).order_by("priority", "created"))


def _rule_siblings(policy_id: str) -> list[PolicyRule]:
    AccessPolicy.objects.select_for_update().get(pk=policy_id)
    return list(PolicyRule.objects.filter(policy_id=policy_id).order_by("priority", "created"))


def _delete_and_renumber(obj, siblings: list) -> str:
    """Delete `obj` and close the gap it leaves in its siblings' priorities; returns its id."""
    deleted_id = obj.pk  # Model.delete() sets pk to None
    obj.delete()
    remaining = [item for item in siblings if item is not obj]
    for number, item in enumerate(remaining, start=1):
        item.priority = number
    type(obj).objects.bulk_update(remaining, ["priority"])
    return deleted_id


def _locked_copy(obj, siblings: list):
    """`obj` as locked and re-read with its siblings; ServiceError if it was deleted meanwhile."""
    current = next((item for item in siblings if item.pk == obj.pk), None)
    if current is None:
        raise ServiceError(f"Not found: Resource not found: {obj.pk} ({type(obj).__name__})", "id",
                           code="E0000007")
    return current


def _audit(event_type: str, obj, server_id: str, actor: dict | None, message: str, obj_id: str | None = None):
    kind = "PolicyEntity" if isinstance(obj, AccessPolicy) else "PolicyRule"
    systemlog.emit(event_type, actor=actor or systemlog.system_actor(),
                   targets=[systemlog.target(obj_id or obj.pk, kind, obj.name),
                            systemlog.target(server_id, "AuthorizationServer")], message=message)


@transaction.atomic
def policy_create(*, server: AuthorizationServer, name: str, description: str = "",
                  clients: list[str] | None = None, priority: int | None = None, status: str = Status.ACTIVE,
                  system: bool = False, actor: dict | None = None) -> AccessPolicy:
    clients = list(clients) if clients is not None else [ALL_CLIENTS]
    _raise_first(policy_problems(name=name, description=description, priority=priority, clients=clients))
    siblings = _policy_siblings(server.pk)
    policy = AccessPolicy(server=server, name=name.strip(), description=description, clients=clients,
                          status=status, system=system, priority=len(siblings) + 1)
    policy.save(force_insert=True)
    _renumber(siblings + [policy], policy, priority)
    _audit("policy.lifecycle.create", policy, server.pk, actor, "Add policy")
    return policy


@transaction.atomic
def policy_update(*, policy: AccessPolicy, name: str, description: str = "", clients: list[str],
                  priority: int | None = None, actor: dict | None = None) -> AccessPolicy:
    _raise_first(policy_problems(name=name, description=description, priority=priority, clients=clients))
    siblings = _policy_siblings(policy.server_id)
    policy = _locked_copy(policy, siblings)
    policy.name, policy.description, policy.clients = name.strip(), description, list(clients)
    _renumber(siblings, policy, priority if priority is not None else policy.priority)
    policy.save()
    _audit("policy.lifecycle.update", policy, policy.server_id, actor, "Update policy")
    return policy


@transaction.atomic
def policy_set_status(*, policy: AccessPolicy, active: bool, actor: dict | None = None) -> AccessPolicy:
    policy.status = Status.ACTIVE if active else Status.INACTIVE
    policy.save(update_fields=["status", "last_updated"])
    _audit("policy.lifecycle.activate" if active else "policy.lifecycle.deactivate", policy, policy.server_id,
           actor, "Activate policy" if active else "Deactivate policy")
    return policy


@transaction.atomic
def policy_delete(*, policy: AccessPolicy, actor: dict | None = None) -> None:
    siblings = _policy_siblings(policy.server_id)
    deleted_id = _delete_and_renumber(_locked_copy(policy, siblings), siblings)
    _audit("policy.lifecycle.delete", policy, policy.server_id, actor, "Delete policy", obj_id=deleted_id)


def _rule_fields_problems(name, priority, grant_types, scopes, groups_include, users_include,
                          access_minutes, refresh_minutes, window_minutes):
    return rule_problems(name=name, priority=priority, grant_types=grant_types, scopes=scopes,
                         groups_include=groups_include, users_include=users_include,
                         access_minutes=access_minutes, refresh_minutes=refresh_minutes,
                         window_minutes=window_minutes, known_grant_types=RULE_GRANT_TYPES)


@transaction.atomic
def rule_create(*, policy: AccessPolicy, name: str, grant_types: list[str], scopes: list[str] | None = None,
                groups_include: list[str] | None = None, groups_exclude: list[str] = (),
                users_include: list[str] = (), users_exclude: list[str] = (), access_token_lifetime_minutes: int = 60,
                refresh_token_lifetime_minutes: int = 0, refresh_token_window_minutes: int = 10080,
                priority: int | None = None, status: str = Status.ACTIVE, system: bool = False,
                actor: dict | None = None) -> PolicyRule:
    """A rule; by default for everyone and any scope, placed last (Okta's UI does the same)."""
    scopes = list(scopes) if scopes is not None else [ANY_SCOPE]
    groups_include = list(groups_include) if groups_include is not None else [EVERYONE]
    _raise_first(_rule_fields_problems(name, priority, list(grant_types), scopes, groups_include,
                                       list(users_include), access_token_lifetime_minutes,
                                       refresh_token_lifetime_minutes, refresh_token_window_minutes))
    siblings = _rule_siblings(policy.pk)
    rule = PolicyRule(
        policy=policy, name=name.strip(), grant_types=list(grant_types), scopes=scopes,
        groups_include=groups_include, groups_exclude=list(groups_exclude), users_include=list(users_include),
        users_exclude=list(users_exclude), access_token_lifetime_minutes=access_token_lifetime_minutes,
        refresh_token_lifetime_minutes=refresh_token_lifetime_minutes,
        refresh_token_window_minutes=refresh_token_window_minutes, status=status, system=system,
        priority=len(siblings) + 1,
    )
    rule.save(force_insert=True)
    _renumber(siblings + [rule], rule, priority)
    _audit("policy.rule.add", rule, policy.server_id, actor, "Add policy rule")
    return rule


@transaction.atomic
def rule_update(*, rule: PolicyRule, actor: dict | None = None, **fields) -> PolicyRule:
    """Replace a rule's settings (any of rule_create's keyword fields); `priority` moves it."""
    siblings = _rule_siblings(rule.policy_id)
    current = _locked_copy(rule, siblings)
    priority = fields.pop("priority", None)
    for name, value in fields.items():
        setattr(current, name, list(value) if isinstance(value, tuple) else value)
    current.name = (current.name or "").strip()
    _raise_first(_rule_fields_problems(
        current.name, priority, current.grant_types, current.scopes, current.groups_include,
        current.users_include, current.access_token_lifetime_minutes, current.refresh_token_lifetime_minutes,
        current.refresh_token_window_minutes))
    _renumber(siblings, current, priority if priority is not None else current.priority)
    current.save()
    _audit("policy.rule.update", current, current.policy.server_id, actor, "Update policy rule")
    return current


@transaction.atomic
def rule_set_status(*, rule: PolicyRule, active: bool, actor: dict | None = None) -> PolicyRule:
    rule.status = Status.ACTIVE if active else Status.INACTIVE
    rule.save(update_fields=["status", "last_updated"])
    _audit("policy.rule.activate" if active else "policy.rule.deactivate", rule, rule.policy.server_id, actor,
           "Activate policy rule" if active else "Deactivate policy rule")
    return rule


@transaction.atomic
def rule_delete(*, rule: PolicyRule, actor: dict | None = None) -> None:
    siblings = _rule_siblings(rule.policy_id)
    server_id = rule.policy.server_id
    deleted_id = _delete_and_renumber(_locked_copy(rule, siblings), siblings)
    _audit("policy.rule.delete", rule, server_id, actor, "Delete policy rule", obj_id=deleted_id)


def supported_grant_types() -> list[str]:
    from authservers.oauth.implicit import GRANT_TYPE as IMPLICIT
    from authservers.oauth.server import SUPPORTED_GRANT_TYPES

    # refresh_token is not a rule grant type; implicit is (/authorize only)
    return [grant for grant in [*SUPPORTED_GRANT_TYPES, IMPLICIT] if grant in RULE_GRANT_TYPES]


@transaction.atomic
def default_policy_create(*, server: AuthorizationServer, actor: dict | None = None) -> AccessPolicy:
    """Okta's "Default Policy" (all clients) with its "Default Policy Rule": everyone, any scope,
    60 min access / unlimited refresh / 7-day idle window, every grant Castellan supports."""
    policy = policy_create(server=server, name=DEFAULT_POLICY_NAME, description="Default policy description",
                           clients=[ALL_CLIENTS], priority=1, system=False, actor=actor)
    rule_create(policy=policy, name=DEFAULT_RULE_NAME, grant_types=supported_grant_types(), scopes=[ANY_SCOPE],
                groups_include=[EVERYONE], access_token_lifetime_minutes=60, refresh_token_lifetime_minutes=0,
                refresh_token_window_minutes=10080, actor=actor)
    return policy
