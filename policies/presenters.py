"""Access policies and rules as Okta's management API shapes them (`AuthorizationServerPolicy`,
`AuthorizationServerPolicyRule`): pure functions from model objects to dicts.

People conditions carry `include` always and `exclude` only when it lists someone: Okta's schema
(`AuthorizationServerPolicyRuleGroupCondition`, `...UserCondition`) declares `include` alone, while its
examples still show `exclude` (docs/compat.md).
"""

from authservers.presenters import authserver_api_url, lifecycle_links, link, okta_timestamp

from .models import AccessPolicy, PolicyRule, Status

POLICY_TYPE = "OAUTH_AUTHORIZATION_POLICY"
RULE_TYPE = "RESOURCE_ACCESS"


def policy_api_url(server_id: str, policy_id: str, base_url: str | None = None) -> str:
    return f"{authserver_api_url(server_id, base_url)}/policies/{policy_id}"


def _self_methods(system: bool) -> tuple[str, ...]:
    # System policies and rules cannot be deleted, so their self link does not offer DELETE.
    return ("GET", "PUT") if system else ("GET", "PUT", "DELETE")


def policy_to_okta(policy: AccessPolicy, base_url: str | None = None) -> dict:
    """An `AuthorizationServerPolicy` object."""
    url = policy_api_url(policy.server_id, policy.id, base_url)
    return {
        "type": POLICY_TYPE,
        "id": policy.id,
        "status": policy.status,
        "name": policy.name,
        "description": policy.description,
        "priority": policy.priority,
        "system": policy.system,
        "conditions": {"clients": {"include": list(policy.clients)}},
        "created": okta_timestamp(policy.created),
        "lastUpdated": okta_timestamp(policy.last_updated),
        "_links": {
            "self": link(url, *_self_methods(policy.system)),
            **lifecycle_links(url, policy.status == Status.ACTIVE),
            "rules": link(f"{url}/rules", "GET"),
        },
    }


def _people_list(include: list[str], exclude: list[str]) -> dict:
    body = {"include": list(include)}
    if exclude:
        body["exclude"] = list(exclude)
    return body


def rule_to_okta(rule: PolicyRule, base_url: str | None = None) -> dict:
    """An `AuthorizationServerPolicyRule` object; `rule.policy` supplies the server id."""
    url = f"{policy_api_url(rule.policy.server_id, rule.policy_id, base_url)}/rules/{rule.id}"
    return {
        "type": RULE_TYPE,
        "id": rule.id,
        "status": rule.status,
        "name": rule.name,
        "priority": rule.priority,
        "system": rule.system,
        "created": okta_timestamp(rule.created),
        "lastUpdated": okta_timestamp(rule.last_updated),
        "conditions": {
            "people": {"users": _people_list(rule.users_include, rule.users_exclude),
                       "groups": _people_list(rule.groups_include, rule.groups_exclude)},
            "grantTypes": {"include": list(rule.grant_types)},
            "scopes": {"include": list(rule.scopes)},
        },
        "actions": {"token": {
            "accessTokenLifetimeMinutes": rule.access_token_lifetime_minutes,
            "refreshTokenLifetimeMinutes": rule.refresh_token_lifetime_minutes,
            "refreshTokenWindowMinutes": rule.refresh_token_window_minutes,
        }},
        "_links": {
            "self": link(url, *_self_methods(rule.system)),
            **lifecycle_links(url, rule.status == Status.ACTIVE),
        },
    }
