"""/api/v1/authorizationServers/{id}/policies: Okta's AuthorizationServerPolicy operations."""

import pytest

from policies.models import AccessPolicy
from policies.services import policy_create
from tests.factories import AuthorizationServerFactory
from tests.helpers import assert_okta_error, endpoint, post_form
from tests.okta_schema import response_codes

from .support import assert_guarded, assert_shapes, events, links, walk_pages

URL = "/api/v1/authorizationServers/default/policies"
NEW_POLICY = {"type": "OAUTH_AUTHORIZATION_POLICY", "name": "Partners", "description": "Partner apps",
              "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}}


def _assert_policy_shape(body: dict) -> None:
    assert_shapes(body, "AuthorizationServerPolicy", {
        "conditions": "AuthorizationServerPolicyConditions", "conditions.clients": "ClientPolicyCondition",
        "_links.self": "HrefObject", "_links.rules": "HrefObject"})
    assert {"type", "id", "status", "name", "description", "priority", "system", "conditions", "created",
            "lastUpdated", "_links"} <= set(body)
    assert body["type"] == "OAUTH_AUTHORIZATION_POLICY"


def _priorities(server) -> list[tuple[str, int]]:
    return list(AccessPolicy.objects.filter(server=server).order_by("priority").values_list("name", "priority"))


@pytest.fixture
def policy(api, authserver):
    return AccessPolicy.objects.get(pk=api.post(URL, NEW_POLICY, format="json").json()["id"])


@pytest.mark.django_db
def test_list_in_evaluation_order_in_okta_shape(api, authserver, policy):
    response = api.get(URL)
    assert response.status_code == 200 and 200 in response_codes("listAuthorizationServerPolicies")
    body = response.json()
    for item in body:
        _assert_policy_shape(item)
    assert [(item["name"], item["priority"]) for item in body] == [("Default Policy", 1), ("Partners", 2)]
    default = body[0]
    assert default["conditions"] == {"clients": {"include": ["ALL_CLIENTS"]}}
    assert default["_links"]["rules"]["href"] == f"http://testserver{URL}/{default['id']}/rules"
    assert "deactivate" in default["_links"] and "activate" not in default["_links"]


@pytest.mark.django_db
def test_list_pages_in_priority_order(api, authserver):
    for n in range(4):
        api.post(URL, {**NEW_POLICY, "name": f"P{n}", "priority": 1}, format="json")
    items, pages = walk_pages(api, f"{URL}?limit=2")
    assert [item["name"] for item in items] == ["P3", "P2", "P1", "P0", "Default Policy"]
    assert [item["priority"] for item in items] == [1, 2, 3, 4, 5]
    assert pages == 3
    assert "limit=2" in links(api.get(URL, {"limit": 2}))["next"]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"limit": "two"}, {"limit": -1}, {"after": "!!"}, {"after": "cDE5OTk5OTk5OTk5OTk5"},
                                    {"after": "x" * 300}])
def test_bad_paging_is_E0000054(api, authserver, params):
    assert_okta_error(api.get(URL, params), 400, "E0000054")


@pytest.mark.django_db
def test_create_returns_201_first_by_priority_and_logs(api, authserver, service_client):
    body = {**NEW_POLICY, "priority": 1, "conditions": {"clients": {"include": [service_client.client_id]}},
            "id": "ignored", "system": True, "created": "yesterday"}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201 and 201 in response_codes("createAuthorizationServerPolicy")
    out = response.json()
    _assert_policy_shape(out)
    assert out["id"].startswith("00p") and out["system"] is False and out["status"] == "ACTIVE"
    assert out["conditions"]["clients"]["include"] == [service_client.client_id]
    assert _priorities(authserver) == [("Partners", 1), ("Default Policy", 2)]
    event = events("policy.lifecycle.create")[-1]
    assert event.target[0]["id"] == out["id"] and event.actor["alternateId"] == "ops@example.com"


@pytest.mark.django_db
def test_create_defaults_and_inactive_status(api, authserver):
    out = api.post(URL, {"type": "OAUTH_AUTHORIZATION_POLICY", "name": "Minimal", "status": "INACTIVE"},
                   format="json").json()
    assert (out["priority"], out["status"], out["description"]) == (2, "INACTIVE", "")
    assert out["conditions"] == {"clients": {"include": ["ALL_CLIENTS"]}}
    assert "activate" in out["_links"]


@pytest.mark.django_db
@pytest.mark.parametrize("body, field", [
    ({}, "type"),
    ({**NEW_POLICY, "type": "OKTA_SIGN_ON"}, "type"),
    ({**NEW_POLICY, "name": ""}, "name"),
    ({**NEW_POLICY, "name": "   "}, "name"),
    ({**NEW_POLICY, "name": "x" * 101}, "name"),
    ({**NEW_POLICY, "name": 5}, "name"),
    ({**NEW_POLICY, "name": "a\x00b"}, "name"),
    ({**NEW_POLICY, "description": "d" * 256}, "description"),
    ({**NEW_POLICY, "priority": 0}, "priority"),
    ({**NEW_POLICY, "priority": "first"}, "priority"),
    ({**NEW_POLICY, "priority": 10**20}, "priority"),
    ({**NEW_POLICY, "status": "ENABLED"}, "status"),
    ({**NEW_POLICY, "conditions": "ALL_CLIENTS"}, "conditions"),
    ({**NEW_POLICY, "conditions": {"clients": {"include": "ALL_CLIENTS"}}}, "conditions"),
    ({**NEW_POLICY, "conditions": {"clients": {"include": []}}}, "conditions.clients"),
    ({**NEW_POLICY, "conditions": {"clients": {"include": ["ALL_CLIENTS", "0oaX"]}}}, "conditions.clients"),
    ({**NEW_POLICY, "conditions": {"clients": {"include": ["0oaNoSuchClient"]}}}, "conditions.clients"),
])
def test_create_validation_errors(api, authserver, body, field):
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"
    assert error["errorCauses"]
    assert _priorities(authserver) == [("Default Policy", 1)]


@pytest.mark.django_db
def test_get_replace_delete_with_contiguous_priorities(api, authserver, policy):
    url = f"{URL}/{policy.id}"
    response = api.get(url)
    assert response.status_code == 200 and 200 in response_codes("getAuthorizationServerPolicy")
    _assert_policy_shape(response.json())

    body = {**response.json(), "name": "Partners v2", "priority": 1, "description": "Moved up"}
    response = api.put(url, body, format="json")
    assert response.status_code == 200 and 200 in response_codes("replaceAuthorizationServerPolicy")
    assert (response.json()["name"], response.json()["priority"]) == ("Partners v2", 1)
    assert _priorities(authserver) == [("Partners v2", 1), ("Default Policy", 2)]
    assert events("policy.lifecycle.update")

    response = api.delete(url)
    assert response.status_code == 204 and not response.content
    assert 204 in response_codes("deleteAuthorizationServerPolicy")
    assert _priorities(authserver) == [("Default Policy", 1)]
    assert events("policy.lifecycle.delete")[0].target[0]["id"] == policy.id
    assert_okta_error(api.get(url), 404, "E0000007")


@pytest.mark.django_db
def test_replace_keeps_what_it_does_not_carry_and_applies_status(api, authserver, service_client):
    created = api.post(URL, {**NEW_POLICY, "conditions": {"clients": {"include": [service_client.client_id]}}},
                       format="json").json()
    out = api.put(f"{URL}/{created['id']}", {"type": "OAUTH_AUTHORIZATION_POLICY", "name": "Renamed",
                                              "status": "INACTIVE"}, format="json").json()
    assert out["conditions"]["clients"]["include"] == [service_client.client_id]
    assert (out["description"], out["priority"], out["status"]) == ("Partner apps", 2, "INACTIVE")
    assert events("policy.lifecycle.deactivate")


@pytest.mark.django_db
def test_replace_validation_error_changes_nothing(api, authserver, policy):
    url = f"{URL}/{policy.id}"
    bad = {**NEW_POLICY, "name": "Changed", "conditions": {"clients": {"include": ["0oaGhost"]}}}
    assert_okta_error(api.put(url, bad, format="json"), 400, "E0000001")
    assert AccessPolicy.objects.get(pk=policy.id).name == "Partners"


@pytest.mark.django_db
def test_lifecycle_returns_204_and_is_idempotent(api, authserver, policy):
    url = f"{URL}/{policy.id}/lifecycle"
    for _ in range(2):
        response = api.post(f"{url}/deactivate")
        assert response.status_code == 204 and not response.content
    assert AccessPolicy.objects.get(pk=policy.id).status == "INACTIVE"
    assert "activate" in api.get(f"{URL}/{policy.id}").json()["_links"]
    assert api.post(f"{url}/activate").status_code == 204
    assert AccessPolicy.objects.get(pk=policy.id).status == "ACTIVE"
    assert len(events("policy.lifecycle.deactivate")) == 1 and len(events("policy.lifecycle.activate")) == 1
    assert 204 in response_codes("activateAuthorizationServerPolicy")
    assert 204 in response_codes("deactivateAuthorizationServerPolicy")
    assert_okta_error(api.post(f"{URL}/00pNope/lifecycle/activate"), 404, "E0000007")


@pytest.mark.django_db
def test_deactivating_the_only_policy_denies_tokens(api, authserver, scope, service_client, client):
    default = AccessPolicy.objects.get(server=authserver)
    assert api.post(f"{URL}/{default.id}/lifecycle/deactivate").status_code == 204
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=_basic(service_client))
    assert response.status_code in (400, 401, 403)
    assert response.json()["error"] == "access_denied"


def _basic(registered) -> str:
    from tests.helpers import basic_auth_header

    return basic_auth_header(registered.client_id, registered.secret)


@pytest.mark.django_db
def test_system_policies_cannot_be_deleted(api, authserver):
    system = policy_create(server=authserver, name="Built in", system=True)
    error = assert_okta_error(api.delete(f"{URL}/{system.id}"), 403, "E0000006")
    assert error["errorCauses"] == [{"errorSummary": "System policies cannot be deleted."}]
    assert 403 in response_codes("deleteAuthorizationServerPolicy")
    assert api.get(f"{URL}/{system.id}").json()["_links"]["self"]["hints"]["allow"] == ["GET", "PUT"]
    assert AccessPolicy.objects.filter(pk=system.id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("policy_id", ["00pNope", "y" * 200, "a\x00"])
def test_unknown_policy_is_404(api, authserver, policy_id):
    assert_okta_error(api.get(f"{URL}/{policy_id}"), 404, "E0000007")


@pytest.mark.django_db
def test_a_policy_of_another_server_is_not_found_here(api, authserver):
    other = AuthorizationServerFactory()
    theirs = AccessPolicy.objects.get(server=other)
    error = assert_okta_error(api.get(f"{URL}/{theirs.id}"), 404, "E0000007")
    assert error["errorSummary"] == f"Not found: Resource not found: {theirs.id} (AuthorizationServerPolicy)"
    assert_okta_error(api.delete(f"{URL}/{theirs.id}"), 404, "E0000007")
    assert AccessPolicy.objects.filter(pk=theirs.id).exists()
    assert_okta_error(api.get("/api/v1/authorizationServers/ausNope/policies"), 404, "E0000007")


@pytest.mark.django_db
def test_permissions(authserver, non_staff_token, policy):
    assert_guarded("get", URL, non_staff_token)
    assert_guarded("post", URL, non_staff_token, NEW_POLICY)
    assert_guarded("put", f"{URL}/{policy.id}", non_staff_token, NEW_POLICY)
    assert_guarded("delete", f"{URL}/{policy.id}", non_staff_token)
    assert_guarded("post", f"{URL}/{policy.id}/lifecycle/deactivate", non_staff_token)
    assert AccessPolicy.objects.get(pk=policy.id).status == "ACTIVE"


@pytest.mark.django_db
def test_wrong_method_is_405(api, authserver, policy):
    assert_okta_error(api.put(URL, NEW_POLICY, format="json"), 405, "E0000022")
    assert_okta_error(api.get(f"{URL}/{policy.id}/lifecycle/activate"), 405, "E0000022")


@pytest.mark.django_db
def test_oversized_bodies_and_lists_are_refused(api, authserver, settings):
    import json

    many = {**NEW_POLICY, "conditions": {"clients": {"include": [f"0oa{n}" for n in range(5000)]}}}
    assert_okta_error(api.post(URL, many, format="json"), 400, "E0000001")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api.post(URL, json.dumps({**NEW_POLICY, "description": "d" * 20_000}),
                        content_type="application/json")
    assert response.status_code in (400, 413) and response.json()["errorCode"] == "E0000003"
    assert _priorities(authserver) == [("Default Policy", 1)]
