"""Every write to claims: create, update, delete, and the system claims seeded on each server.

Kept beside `services.py` (which would pass 300 lines with them); errors are its `ServiceError`,
with `field` in Okta's names (`name`, `value`, `conditions`...).
"""

from django.db import IntegrityError, transaction

from . import systemlog
from .claims import (
    DEFAULT_SUB_EXPRESSION,
    OIDC_IDENTITY_CLAIMS,
    SUB_CLAIM,
    claim_name_problem,
    value_problem,
)
from .models import AuthorizationServer, Claim, ClaimStatus, ClaimType, ClaimValueType, GroupFilterType
from .services import ServiceError

SYSTEM_CLAIM_IMMUTABLE = "System claims cannot be changed; only the value of the sub claim can be edited."


def system_claims_create(server: AuthorizationServer) -> None:
    """Seed Okta's default claims: `sub` (RESOURCE, editable value) and the OIDC IDENTITY claims."""
    rows = [Claim(server=server, name=SUB_CLAIM, claim_type=ClaimType.RESOURCE,
                  value_type=ClaimValueType.EXPRESSION, value=DEFAULT_SUB_EXPRESSION,
                  always_include_in_token=True, system=True)]
    rows += [Claim(server=server, name=name, claim_type=ClaimType.IDENTITY, value_type=ClaimValueType.SYSTEM,
                   value="", always_include_in_token=True, conditions_scopes=[scope], system=True)
             for name, scope in sorted(OIDC_IDENTITY_CLAIMS.items())]
    Claim.objects.bulk_create(rows, ignore_conflicts=True)


def _check(*, name, claim_type, value_type, value, group_filter_type, status, conditions_scopes, server) -> None:
    problem = claim_name_problem(name)
    if problem:
        raise ServiceError(f"name: {problem}", "name")
    if claim_type not in ClaimType.values:
        raise ServiceError(f"claimType: Must be one of {', '.join(ClaimType.values)}.", "claimType")
    if status not in ClaimStatus.values:
        raise ServiceError(f"status: Must be one of {', '.join(ClaimStatus.values)}.", "status")
    if value_type not in (ClaimValueType.EXPRESSION, ClaimValueType.GROUPS):
        raise ServiceError("valueType: Must be EXPRESSION or GROUPS.", "valueType")
    if group_filter_type is not None and group_filter_type not in GroupFilterType.values:
        raise ServiceError(f"group_filter_type: Must be one of {', '.join(GroupFilterType.values)}.",
                           "group_filter_type")
    problem = value_problem(value_type, value, group_filter_type)
    if problem:
        field = "group_filter_type" if value_type == ClaimValueType.GROUPS and not group_filter_type else "value"
        raise ServiceError(f"{field}: {problem}", field)
    unknown = sorted(set(conditions_scopes) - set(server.scopes.values_list("name", flat=True)))
    if unknown:
        raise ServiceError(f"conditions: Unknown scopes: {', '.join(unknown)}.", "conditions")


def _targets(claim: Claim, server: AuthorizationServer) -> list[dict]:
    return [systemlog.target(claim.id, "OAuth2Claim", claim.name),
            systemlog.target(server.id, "AuthorizationServer", server.name)]


@transaction.atomic
def claim_create(*, server: AuthorizationServer, name: str, claim_type: str, value: str,
                 value_type: str = ClaimValueType.EXPRESSION, group_filter_type: str | None = None,
                 status: str = ClaimStatus.ACTIVE, always_include_in_token: bool = True,
                 conditions_scopes: list[str] | None = None, actor: dict | None = None) -> Claim:
    conditions_scopes = list(conditions_scopes or [])
    group_filter_type = group_filter_type or None if value_type == ClaimValueType.GROUPS else None
    _check(name=name, claim_type=claim_type, value_type=value_type, value=value,
           group_filter_type=group_filter_type, status=status, conditions_scopes=conditions_scopes, server=server)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                server=server, name=name, claim_type=claim_type, value_type=value_type, value=value,
                group_filter_type=group_filter_type, status=status, conditions_scopes=conditions_scopes,
                # Okta: RESOURCE claims are always included in the access token.
                always_include_in_token=True if claim_type == ClaimType.RESOURCE else always_include_in_token)
    except IntegrityError:
        raise ServiceError(f"name: A claim with name '{name}' already exists for this token type.", "name") from None
    systemlog.emit("oauth2.claim.created", actor=actor or systemlog.system_actor(), targets=_targets(claim, server),
                   message="Create OAuth2 claim")
    return claim


_EDITABLE = ("name", "claim_type", "value_type", "value", "group_filter_type", "status",
             "always_include_in_token", "conditions_scopes")


@transaction.atomic
def claim_update(*, claim: Claim, actor: dict | None = None, **changes) -> Claim:
    """Change a claim's fields (keyword names as the model's). System claims: only `sub`'s value."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ServiceError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    server = claim.server
    changed = {key: value for key, value in changes.items() if getattr(claim, key) != value}
    if claim.system:
        if set(changed) - {"value"} or (changed and claim.name != SUB_CLAIM):
            raise ServiceError(SYSTEM_CLAIM_IMMUTABLE, next(iter(changed), None))
        if "value" in changed:
            problem = value_problem(ClaimValueType.EXPRESSION, changed["value"], None)
            if problem:
                raise ServiceError(f"value: {problem}", "value")
    else:
        merged = {key: changes.get(key, getattr(claim, key)) for key in _EDITABLE}
        merged["conditions_scopes"] = list(merged["conditions_scopes"] or [])
        if merged["value_type"] != ClaimValueType.GROUPS:
            merged["group_filter_type"] = None
        merged["group_filter_type"] = merged["group_filter_type"] or None
        _check(name=merged["name"], claim_type=merged["claim_type"], value_type=merged["value_type"],
               value=merged["value"], group_filter_type=merged["group_filter_type"], status=merged["status"],
               conditions_scopes=merged["conditions_scopes"], server=server)
        if merged["claim_type"] == ClaimType.RESOURCE:
            merged["always_include_in_token"] = True
        changed = {key: value for key, value in merged.items() if getattr(claim, key) != value}
    if not changed:
        return claim
    old = {key: getattr(claim, key) for key in changed}
    for key, value in changed.items():
        setattr(claim, key, value)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        raise ServiceError(f"name: A claim with name '{claim.name}' already exists for this token type.",
                           "name") from None
    systemlog.emit("oauth2.claim.updated", actor=actor or systemlog.system_actor(), targets=_targets(claim, server),
                   message="Update OAuth2 claim",
                   debug={"changed": sorted(changed), "oldValue": {k: str(v) for k, v in old.items()}})
    return claim


@transaction.atomic
def claim_delete(*, claim: Claim, actor: dict | None = None) -> None:
    if claim.system:
        raise ServiceError("System claims cannot be deleted.", "system")
    server = claim.server
    targets = _targets(claim, server)
    claim.delete()
    systemlog.emit("oauth2.claim.deleted", actor=actor or systemlog.system_actor(), targets=targets,
                   message="Delete OAuth2 claim")
