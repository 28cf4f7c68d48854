"""/api/v1/authorizationServers/{id}/claims: Okta's OAuth2Claim operations."""

import json

import pytest

from authservers.models import Claim
from tests.factories import AuthorizationServerFactory
from tests.helpers import assert_okta_error
from tests.okta_schema import response_codes

from .support import assert_guarded, assert_shapes, events, links, walk_pages

URL = "/api/v1/authorizationServers/default/claims"
NEW_CLAIM = {"name": "department", "claimType": "RESOURCE", "valueType": "EXPRESSION",
             "value": "user.department", "conditions": {"scopes": []}}


def _assert_claim_shape(body: dict) -> None:
    # `apiResourceId` (always null) is in every claim example of Okta's spec but not in its schema.
    assert_shapes({k: v for k, v in body.items() if k != "apiResourceId"}, "OAuth2Claim",
                  {"conditions": "OAuth2ClaimConditions", "_links.self": "HrefObject"})
    assert {"id", "name", "status", "claimType", "valueType", "value", "alwaysIncludeInToken", "conditions",
            "system", "_links"} <= set(body)


@pytest.fixture
def claim(api, authserver):
    return Claim.objects.get(pk=api.post(URL, NEW_CLAIM, format="json").json()["id"])


@pytest.mark.django_db
def test_list_has_the_system_claims_in_okta_shape(api, authserver):
    response = api.get(URL)
    assert response.status_code == 200
    assert 200 in response_codes("listOAuth2Claims")
    body = response.json()
    for item in body:
        _assert_claim_shape(item)
    by_name = {item["name"]: item for item in body}
    assert by_name["sub"]["system"] is True and by_name["sub"]["claimType"] == "RESOURCE"
    assert by_name["email"]["valueType"] == "SYSTEM" and by_name["email"]["conditions"] == {"scopes": ["email"]}
    assert by_name["sub"]["_links"]["self"]["hints"]["allow"] == ["GET", "PUT"]
    assert 'rel="self"' in response["Link"]


@pytest.mark.django_db
def test_list_pages_with_limit_and_after(api, authserver):
    for n in range(5):
        api.post(URL, {**NEW_CLAIM, "name": f"c{n}"}, format="json")
    everything = api.get(URL).json()
    items, pages = walk_pages(api, f"{URL}?limit=4")
    assert [item["id"] for item in items] == [item["id"] for item in everything]
    assert pages == -(-len(everything) // 4)
    first = api.get(URL, {"limit": 4})
    assert "limit=4" in links(first)["next"] and "after=" in links(first)["next"]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"limit": "x"}, {"limit": 0}, {"after": "garbage!"}])
def test_bad_paging_is_E0000054(api, authserver, params):
    assert_okta_error(api.get(URL, params), 400, "E0000054")


@pytest.mark.django_db
def test_create_returns_201_and_logs(api, authserver, scope):
    body = {**NEW_CLAIM, "conditions": {"scopes": ["orders:read"]}, "alwaysIncludeInToken": False,
            "id": "ignored", "system": True, "_links": {}}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201
    assert 201 in response_codes("createOAuth2Claim")
    out = response.json()
    _assert_claim_shape(out)
    assert out["id"] != "ignored" and out["system"] is False and out["status"] == "ACTIVE"
    # Okta: RESOURCE claims are always included in the access token.
    assert out["alwaysIncludeInToken"] is True
    assert out["conditions"] == {"scopes": ["orders:read"]}
    assert "group_filter_type" not in out
    assert out["_links"]["self"]["href"] == f"http://testserver{URL}/{out['id']}"
    event = events("oauth2.claim.created")[0]
    assert event.actor["alternateId"] == "ops@example.com"
    assert event.target[0]["id"] == out["id"]


@pytest.mark.django_db
def test_create_a_groups_claim(api, authserver):
    body = {"name": "groups", "claimType": "IDENTITY", "valueType": "GROUPS", "value": "Support",
            "group_filter_type": "CONTAINS", "alwaysIncludeInToken": False, "status": "INACTIVE"}
    out = api.post(URL, body, format="json").json()
    _assert_claim_shape(out)
    assert (out["group_filter_type"], out["alwaysIncludeInToken"], out["status"]) == ("CONTAINS", False, "INACTIVE")


@pytest.mark.django_db
@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({**NEW_CLAIM, "name": ""}, "name"),
    ({**NEW_CLAIM, "name": "scp"}, "name"),
    ({**NEW_CLAIM, "name": "has space"}, "name"),
    ({**NEW_CLAIM, "name": "x" * 5000}, "name"),
    ({**NEW_CLAIM, "name": "a\x00b"}, "name"),
    ({**NEW_CLAIM, "name": ["department"]}, "name"),
    ({**NEW_CLAIM, "claimType": "BOTH"}, "claimType"),
    ({**NEW_CLAIM, "claimType": None}, "claimType"),
    ({**NEW_CLAIM, "valueType": "SYSTEM"}, "valueType"),
    ({**NEW_CLAIM, "valueType": 7}, "valueType"),
    ({**NEW_CLAIM, "value": 12}, "value"),
    ({**NEW_CLAIM, "value": "x" * 3000}, "value"),
    ({**NEW_CLAIM, "status": "ON"}, "status"),
    ({**NEW_CLAIM, "alwaysIncludeInToken": "maybe"}, "alwaysIncludeInToken"),
    ({**NEW_CLAIM, "conditions": {"scopes": "email"}}, "conditions"),
    ({**NEW_CLAIM, "conditions": {"scopes": ["no-such-scope"]}}, "conditions"),
    ({**NEW_CLAIM, "conditions": [1]}, "conditions"),
    ({**NEW_CLAIM, "valueType": "GROUPS", "value": "Sales"}, "group_filter_type"),
    ({**NEW_CLAIM, "valueType": "GROUPS", "value": "(", "group_filter_type": "REGEX"}, "value"),
])
def test_create_validation_errors(api, authserver, body, field):
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"
    assert error["errorCauses"]
    assert not Claim.objects.filter(system=False).exists()


@pytest.mark.django_db
def test_an_expression_that_does_not_compile_names_the_problem_and_position(api, authserver):
    error = assert_okta_error(api.post(URL, {**NEW_CLAIM, "value": "user.firstName +"}, format="json"),
                              400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: value"
    [cause] = error["errorCauses"]
    assert cause["errorSummary"].startswith("value: ") and "at position 16" in cause["errorSummary"]


@pytest.mark.django_db
def test_a_duplicate_name_for_the_same_token_type_is_refused(api, authserver, claim):
    error = assert_okta_error(api.post(URL, NEW_CLAIM, format="json"), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: name"
    # The same name in the ID token is another claim.
    assert api.post(URL, {**NEW_CLAIM, "claimType": "IDENTITY"}, format="json").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [b"{nope", b"[1, 2]", b'"just a string"', b"null"])
def test_malformed_or_wrong_json_types(api, authserver, payload):
    response = api.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errorCode"] in ("E0000001", "E0000003")


@pytest.mark.django_db
def test_an_oversized_body_is_refused_without_a_500(api, authserver, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    payload = json.dumps({**NEW_CLAIM, "value": "x" * 100_000})
    response = api.post(URL, payload, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.json()["errorCode"] == "E0000003"


@pytest.mark.django_db
def test_get_replace_delete(api, authserver, claim):
    url = f"{URL}/{claim.id}"
    response = api.get(url)
    assert response.status_code == 200 and 200 in response_codes("getOAuth2Claim")
    _assert_claim_shape(response.json())
    assert response.json()["_links"]["self"]["hints"]["allow"] == ["GET", "PUT", "DELETE"]

    response = api.put(url, {**response.json(), "value": "user.department + '!'", "status": "INACTIVE"},
                       format="json")
    assert response.status_code == 200 and 200 in response_codes("replaceOAuth2Claim")
    assert (response.json()["value"], response.json()["status"]) == ("user.department + '!'", "INACTIVE")
    assert set(events("oauth2.claim.updated")[0].debug_context["debugData"]["changed"]) == {"value", "status"}

    response = api.delete(url)
    assert response.status_code == 204 and not response.content
    assert 204 in response_codes("deleteOAuth2Claim")
    assert events("oauth2.claim.deleted")[0].target[0]["id"] == claim.id
    assert_okta_error(api.get(url), 404, "E0000007")
    assert_okta_error(api.delete(url), 404, "E0000007")


@pytest.mark.django_db
def test_replace_keeps_fields_it_does_not_carry(api, authserver, scope):
    created = api.post(URL, {**NEW_CLAIM, "conditions": {"scopes": ["orders:read"]}}, format="json").json()
    out = api.put(f"{URL}/{created['id']}", {"name": "dept", "claimType": "RESOURCE", "value": "user.department"},
                  format="json").json()
    assert (out["name"], out["conditions"], out["status"]) == ("dept", {"scopes": ["orders:read"]}, "ACTIVE")


@pytest.mark.django_db
def test_replace_validation_errors_keep_the_claim(api, authserver, claim):
    url = f"{URL}/{claim.id}"
    error = assert_okta_error(api.put(url, {**NEW_CLAIM, "value": "user."}, format="json"), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: value"
    assert_okta_error(api.put(url, {"name": "x"}, format="json"), 400, "E0000001")
    assert Claim.objects.get(pk=claim.id).value == "user.department"


@pytest.mark.django_db
def test_system_claims_cannot_be_deleted_or_changed_except_the_sub_value(api, authserver):
    email = api.get(URL).json()
    email = next(item for item in email if item["name"] == "email")
    error = assert_okta_error(api.delete(f"{URL}/{email['id']}"), 403, "E0000006")
    assert error["errorCauses"] == [{"errorSummary": "System claims cannot be deleted."}]
    assert 403 in response_codes("deleteOAuth2Claim")
    # The SDKs send the whole object back: unchanged, it is accepted.
    assert api.put(f"{URL}/{email['id']}", email, format="json").status_code == 200
    assert_okta_error(api.put(f"{URL}/{email['id']}", {**email, "name": "mail"}, format="json"), 400, "E0000001")

    sub = Claim.objects.get(server=authserver, name="sub")
    out = api.put(f"{URL}/{sub.id}", {"name": "sub", "claimType": "RESOURCE", "value": "user.email"},
                  format="json").json()
    assert out["value"] == "user.email" and out["system"] is True
    assert Claim.objects.filter(pk=email["id"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("claim_id", ["oclNope", "x" * 300, "a\x00b"])
def test_unknown_claim_ids_are_404(api, authserver, claim_id):
    assert_okta_error(api.get(f"{URL}/{claim_id}"), 404, "E0000007")


@pytest.mark.django_db
def test_unknown_claim_is_404_naming_it(api, authserver):
    error = assert_okta_error(api.get(f"{URL}/oclNope"), 404, "E0000007")
    assert error["errorSummary"] == "Not found: Resource not found: oclNope (OAuth2Claim)"


@pytest.mark.django_db
def test_a_claim_of_another_server_is_not_found_here(api, authserver):
    other = AuthorizationServerFactory()
    theirs = Claim.objects.get(server=other, name="sub")
    assert_okta_error(api.get(f"{URL}/{theirs.id}"), 404, "E0000007")
    assert_okta_error(api.put(f"{URL}/{theirs.id}", NEW_CLAIM, format="json"), 404, "E0000007")
    assert_okta_error(api.get("/api/v1/authorizationServers/ausNope/claims"), 404, "E0000007")


@pytest.mark.django_db
def test_permissions(authserver, non_staff_token, claim):
    assert_guarded("get", URL, non_staff_token)
    assert_guarded("post", URL, non_staff_token, NEW_CLAIM)
    assert_guarded("put", f"{URL}/{claim.id}", non_staff_token, NEW_CLAIM)
    assert_guarded("delete", f"{URL}/{claim.id}", non_staff_token)
    assert Claim.objects.filter(pk=claim.id, value="user.department").exists()


@pytest.mark.django_db
def test_wrong_method_is_405(api, authserver):
    assert_okta_error(api.delete(URL), 405, "E0000022")
    assert_okta_error(api.post(f"{URL}/oclNope", NEW_CLAIM, format="json"), 405, "E0000022")
