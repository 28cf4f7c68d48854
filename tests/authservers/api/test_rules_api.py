"""/api/v1/authorizationServers/{id}/policies/{policyId}/rules: Okta's AuthorizationServerPolicyRule operations."""

import pytest

from accounts.services import group_get_or_create, user_create
from policies.models import AccessPolicy, PolicyRule
from policies.services import rule_create
from tests.factories import AuthorizationServerFactory
from tests.helpers import assert_okta_error, basic_auth_header, endpoint, post_form
from tests.okta_schema import response_codes

from .support import assert_guarded, assert_shapes, events, links, walk_pages

SERVER = "/api/v1/authorizationServers/default"
NEW_RULE = {
    "type": "RESOURCE_ACCESS", "name": "Services",
    "conditions": {"people": {"groups": {"include": ["EVERYONE"]}},
                   "grantTypes": {"include": ["client_credentials"]},
                   "scopes": {"include": ["*"]}},
    "actions": {"token": {"accessTokenLifetimeMinutes": 30, "refreshTokenLifetimeMinutes": 0,
                          "refreshTokenWindowMinutes": 10080}},
}


def _assert_rule_shape(body: dict) -> None:
    assert_shapes(body, "AuthorizationServerPolicyRule", {
        "conditions": "AuthorizationServerPolicyRuleConditions",
        "conditions.people": "AuthorizationServerPolicyPeopleCondition",
        "conditions.grantTypes": "GrantTypePolicyRuleCondition",
        "conditions.scopes": "OAuth2ScopesMediationPolicyRuleCondition",
        "actions": "AuthorizationServerPolicyRuleActions",
        "actions.token": "TokenAuthorizationServerPolicyRuleAction",
        "_links": "LinksSelfAndLifecycle", "_links.self": "HrefObject"})
    people = body["conditions"]["people"]
    for kind in ("users", "groups"):
        # Okta's schema declares only `include`; `exclude` appears when a rule excludes someone.
        assert set(people[kind]) <= {"include", "exclude"}
    assert body["type"] == "RESOURCE_ACCESS"


@pytest.fixture
def policy(authserver) -> AccessPolicy:
    return AccessPolicy.objects.get(server=authserver, name="Default Policy")


@pytest.fixture
def url(policy) -> str:
    return f"{SERVER}/policies/{policy.id}/rules"


@pytest.fixture
def rule(api, url) -> PolicyRule:
    return PolicyRule.objects.get(pk=api.post(url, NEW_RULE, format="json").json()["id"])


def _order(policy) -> list[tuple[str, int]]:
    return list(policy.rules.order_by("priority").values_list("name", "priority"))


@pytest.mark.django_db
def test_list_has_the_default_rule_in_okta_shape(api, url):
    response = api.get(url)
    assert response.status_code == 200 and 200 in response_codes("listAuthorizationServerPolicyRules")
    [default] = response.json()
    _assert_rule_shape(default)
    assert default["name"] == "Default Policy Rule" and default["priority"] == 1
    assert default["conditions"]["people"] == {"users": {"include": []}, "groups": {"include": ["EVERYONE"]}}
    assert default["conditions"]["scopes"] == {"include": ["*"]}
    assert "client_credentials" in default["conditions"]["grantTypes"]["include"]
    assert default["actions"] == {"token": {"accessTokenLifetimeMinutes": 60, "refreshTokenLifetimeMinutes": 0,
                                            "refreshTokenWindowMinutes": 10080}}


@pytest.mark.django_db
def test_list_pages_in_priority_order(api, url):
    for n in range(3):
        api.post(url, {**NEW_RULE, "name": f"R{n}"}, format="json")
    items, pages = walk_pages(api, f"{url}?limit=2")
    assert [item["name"] for item in items] == ["Default Policy Rule", "R0", "R1", "R2"]
    assert pages == 2
    assert "after=" in links(api.get(url, {"limit": 2}))["next"]


@pytest.mark.django_db
def test_create_returns_201_last_by_default_and_logs(api, url, policy, scope):
    group = group_get_or_create(name="Engineering")
    ada = user_create(login="ada@example.com", email="ada@example.com", password=None)
    body = {**NEW_RULE, "conditions": {
        "people": {"users": {"include": [ada.id]}, "groups": {"include": [group.id], "exclude": []}},
        "grantTypes": {"include": ["authorization_code", "client_credentials"]},
        "scopes": {"include": ["openid", "orders:read"]}}, "id": "ignored", "system": True}
    response = api.post(url, body, format="json")
    assert response.status_code == 201 and 201 in response_codes("createAuthorizationServerPolicyRule")
    out = response.json()
    _assert_rule_shape(out)
    assert out["id"].startswith("0pr") and out["system"] is False and out["priority"] == 2
    assert out["conditions"]["people"] == {"users": {"include": [ada.id]}, "groups": {"include": [group.id]}}
    assert out["conditions"]["scopes"]["include"] == ["openid", "orders:read"]
    assert out["actions"]["token"]["accessTokenLifetimeMinutes"] == 30
    assert out["_links"]["self"]["href"] == f"http://testserver{url}/{out['id']}"
    assert events("policy.rule.add")[-1].target[0]["id"] == out["id"]


@pytest.mark.django_db
def test_create_with_priority_moves_the_others(api, url, policy):
    out = api.post(url, {**NEW_RULE, "priority": 1, "status": "INACTIVE"}, format="json").json()
    assert (out["priority"], out["status"]) == (1, "INACTIVE")
    assert _order(policy) == [("Services", 1), ("Default Policy Rule", 2)]


@pytest.mark.django_db
def test_create_applies_okta_token_defaults(api, url):
    out = api.post(url, {key: value for key, value in NEW_RULE.items() if key != "actions"}, format="json").json()
    assert out["actions"]["token"] == {"accessTokenLifetimeMinutes": 60, "refreshTokenLifetimeMinutes": 0,
                                       "refreshTokenWindowMinutes": 10080}


def _with(path: str, value) -> dict:
    """NEW_RULE with the dotted `path` set to `value` (None removes it)."""
    import copy

    body = copy.deepcopy(NEW_RULE)
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("body, field", [
    (_with("type", None), "type"),
    (_with("type", "SIGN_ON"), "type"),
    (_with("name", ""), "name"),
    (_with("name", "n" * 101), "name"),
    (_with("name", {"x": 1}), "name"),
    (_with("conditions", None), "conditions"),
    (_with("conditions.grantTypes", None), "conditions"),
    (_with("conditions.grantTypes.include", "client_credentials"), "conditions"),
    (_with("conditions.grantTypes.include", []), "conditions.grantTypes"),
    (_with("conditions.grantTypes.include", ["magic"]), "conditions.grantTypes"),
    (_with("conditions.grantTypes.include", ["refresh_token"]), "conditions.grantTypes"),
    (_with("conditions.scopes.include", []), "conditions.scopes"),
    (_with("conditions.scopes.include", ["no:such:scope"]), "conditions.scopes"),
    (_with("conditions.people", {}), "conditions.people"),
    (_with("conditions.people.groups.include", ["00gNoSuchGroup"]), "conditions.people.groups"),
    (_with("conditions.people.users", {"include": ["00uNoSuchUser"]}), "conditions.people.users"),
    (_with("conditions.people.users", {"include": ["u" * 50]}), "conditions"),
    (_with("actions.token.accessTokenLifetimeMinutes", 4), "actions.token.accessTokenLifetimeMinutes"),
    (_with("actions.token.accessTokenLifetimeMinutes", 1441), "actions.token.accessTokenLifetimeMinutes"),
    (_with("actions.token.accessTokenLifetimeMinutes", "an hour"), "actions"),
    (_with("actions.token.accessTokenLifetimeMinutes", 10**15), "actions"),
    (_with("actions.token.refreshTokenLifetimeMinutes", -1), "actions"),
    (_with("actions.token.refreshTokenLifetimeMinutes", 10), "actions.token.refreshTokenLifetimeMinutes"),
    (_with("actions.token.refreshTokenWindowMinutes", 5), "actions.token.refreshTokenWindowMinutes"),
    (_with("actions.token.refreshTokenWindowMinutes", 3_000_000), "actions.token.refreshTokenWindowMinutes"),
    (_with("actions.token.inlineHook", {"id": "cal4egvp1mbMldrYN0g7"}), "actions.token.inlineHook"),
    (_with("priority", 0), "priority"),
    (_with("status", "PAUSED"), "status"),
])
def test_create_validation_errors(api, url, policy, body, field):
    error = assert_okta_error(api.post(url, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"
    assert error["errorCauses"]
    assert _order(policy) == [("Default Policy Rule", 1)]


@pytest.mark.django_db
def test_get_replace_delete(api, url, rule, policy):
    rule_url = f"{url}/{rule.id}"
    response = api.get(rule_url)
    assert response.status_code == 200 and 200 in response_codes("getAuthorizationServerPolicyRule")
    _assert_rule_shape(response.json())

    body = response.json()
    body["name"] = "Services v2"
    body["priority"] = 1
    body["actions"]["token"]["accessTokenLifetimeMinutes"] = 5
    response = api.put(rule_url, body, format="json")
    assert response.status_code == 200 and 200 in response_codes("replaceAuthorizationServerPolicyRule")
    out = response.json()
    assert (out["name"], out["priority"], out["actions"]["token"]["accessTokenLifetimeMinutes"]) == (
        "Services v2", 1, 5)
    assert _order(policy) == [("Services v2", 1), ("Default Policy Rule", 2)]
    assert events("policy.rule.update")

    response = api.delete(rule_url)
    assert response.status_code == 204 and not response.content
    assert 204 in response_codes("deleteAuthorizationServerPolicyRule")
    assert _order(policy) == [("Default Policy Rule", 1)]
    assert events("policy.rule.delete")[0].target[0]["id"] == rule.id
    assert_okta_error(api.get(rule_url), 404, "E0000007")


@pytest.mark.django_db
def test_replace_keeps_lifetimes_it_does_not_carry(api, url, rule):
    body = {key: value for key, value in NEW_RULE.items() if key != "actions"}
    out = api.put(f"{url}/{rule.id}", {**body, "status": "INACTIVE"}, format="json").json()
    assert out["actions"]["token"]["accessTokenLifetimeMinutes"] == 30
    assert out["status"] == "INACTIVE"
    assert events("policy.rule.deactivate")


@pytest.mark.django_db
def test_replace_validation_error_changes_nothing(api, url, rule):
    bad = _with("actions.token.accessTokenLifetimeMinutes", 2)
    bad["name"] = "Changed"
    assert_okta_error(api.put(f"{url}/{rule.id}", bad, format="json"), 400, "E0000001")
    unchanged = PolicyRule.objects.get(pk=rule.id)
    assert (unchanged.name, unchanged.access_token_lifetime_minutes) == ("Services", 30)


@pytest.mark.django_db
def test_a_rule_lifetime_set_through_the_api_governs_tokens(api, url, scope, service_client, client):
    default = PolicyRule.objects.get(name="Default Policy Rule")
    body = api.get(f"{url}/{default.id}").json()
    body["actions"]["token"]["accessTokenLifetimeMinutes"] = 5
    assert api.put(f"{url}/{default.id}", body, format="json").status_code == 200
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert response.status_code == 200, response.content
    assert response.json()["expires_in"] == 300


@pytest.mark.django_db
def test_lifecycle_returns_204_and_is_idempotent(api, url, rule):
    base = f"{url}/{rule.id}/lifecycle"
    for _ in range(2):
        response = api.post(f"{base}/deactivate")
        assert response.status_code == 204 and not response.content
    assert PolicyRule.objects.get(pk=rule.id).status == "INACTIVE"
    assert "activate" in api.get(f"{url}/{rule.id}").json()["_links"]
    assert api.post(f"{base}/activate").status_code == 204
    assert PolicyRule.objects.get(pk=rule.id).status == "ACTIVE"
    assert len(events("policy.rule.deactivate")) == 1 and len(events("policy.rule.activate")) == 1
    assert 204 in response_codes("activateAuthorizationServerPolicyRule")
    assert 204 in response_codes("deactivateAuthorizationServerPolicyRule")
    assert_okta_error(api.post(f"{url}/0prNope/lifecycle/activate"), 404, "E0000007")


@pytest.mark.django_db
def test_system_rules_cannot_be_deleted(api, url, policy):
    system = rule_create(policy=policy, name="Built in", grant_types=["client_credentials"], system=True)
    error = assert_okta_error(api.delete(f"{url}/{system.id}"), 403, "E0000006")
    assert error["errorCauses"] == [{"errorSummary": "System rules cannot be deleted."}]
    assert 403 in response_codes("deleteAuthorizationServerPolicyRule")
    assert api.get(f"{url}/{system.id}").json()["_links"]["self"]["hints"]["allow"] == ["GET", "PUT"]
    assert PolicyRule.objects.filter(pk=system.id).exists()


@pytest.mark.django_db
def test_unknown_or_foreign_ids_are_404(api, url, policy, rule):
    other = AuthorizationServerFactory()
    their_policy = AccessPolicy.objects.get(server=other)
    their_rule = their_policy.rules.get()
    error = assert_okta_error(api.get(f"{url}/0prNope"), 404, "E0000007")
    assert error["errorSummary"] == "Not found: Resource not found: 0prNope (AuthorizationServerPolicyRule)"
    assert_okta_error(api.get(f"{url}/{their_rule.id}"), 404, "E0000007")
    assert_okta_error(api.get(f"{SERVER}/policies/{their_policy.id}/rules"), 404, "E0000007")
    assert_okta_error(api.get(f"{SERVER}/policies/{policy.id}/rules/{'z' * 100}"), 404, "E0000007")
    assert_okta_error(api.delete(f"/api/v1/authorizationServers/{other.id}/policies/{their_policy.id}"
                                 f"/rules/{rule.id}"), 404, "E0000007")
    assert PolicyRule.objects.filter(pk=rule.id).exists()


@pytest.mark.django_db
def test_permissions(url, rule, non_staff_token):
    assert_guarded("get", url, non_staff_token)
    assert_guarded("post", url, non_staff_token, NEW_RULE)
    assert_guarded("put", f"{url}/{rule.id}", non_staff_token, NEW_RULE)
    assert_guarded("delete", f"{url}/{rule.id}", non_staff_token)
    assert_guarded("post", f"{url}/{rule.id}/lifecycle/deactivate", non_staff_token)
    assert PolicyRule.objects.get(pk=rule.id).status == "ACTIVE"


@pytest.mark.django_db
def test_nul_bytes_and_wrong_json_types(api, url):
    assert_okta_error(api.post(url, _with("name", "a\x00"), format="json"), 400, "E0000001")
    assert_okta_error(api.post(url, _with("conditions.scopes.include", ["\x00"]), format="json"), 400, "E0000001")
    assert_okta_error(api.post(url, [NEW_RULE], format="json"), 400, "E0000001")
    assert_okta_error(api.post(url, b"{", content_type="application/json"), 400, "E0000003")


@pytest.mark.django_db
def test_oversized_bodies_and_lists_are_refused(api, url, policy, settings):
    import json

    assert_okta_error(api.post(url, _with("conditions.scopes.include", ["openid"] * 1000), format="json"),
                      400, "E0000001")
    assert_okta_error(api.post(url, _with("conditions.people.groups.include", ["EVERYONE"] * 1000),
                               format="json"), 400, "E0000001")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api.post(url, json.dumps(_with("name", "n" * 20_000)), content_type="application/json")
    assert response.status_code in (400, 413) and response.json()["errorCode"] == "E0000003"
    assert _order(policy) == [("Default Policy Rule", 1)]
