"""/api/v1/authorizationServers/{id}/scopes: Okta's OAuth2Scope operations."""

import re

import pytest

from authservers.models import LogEvent, Scope
from tests.factories import ScopeFactory
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape, response_codes

URL = "/api/v1/authorizationServers/default/scopes"


def _events(event_type: str) -> list:
    from authservers import systemlog

    systemlog.flush()
    return list(LogEvent.objects.filter(event_type=event_type))


def _assert_scope_shape(body: dict) -> None:
    assert_shape(body, "OAuth2Scope")
    assert {"id", "name", "displayName", "description", "system", "default", "consent", "optional",
            "metadataPublish", "_links"} <= set(body)


@pytest.mark.django_db
def test_list_includes_the_system_scopes(api, authserver, scope):
    response = api.get(URL)
    assert response.status_code == 200
    assert 200 in response_codes("listOAuth2Scopes")
    body = response.json()
    for item in body:
        _assert_scope_shape(item)
    names = {item["name"]: item for item in body}
    assert {"openid", "profile", "email", "offline_access", "orders:read"} <= set(names)
    assert names["openid"]["system"] is True and names["orders:read"]["system"] is False
    assert 'rel="self"' in response["Link"]


@pytest.mark.django_db
def test_list_searches_and_pages(api, authserver, scope):
    assert [item["name"] for item in api.get(URL, {"q": "orders"}).json()] == ["orders:read"]
    seen, url = [], f"{URL}?limit=3"
    while url:
        response = api.get(url)
        seen += [item["id"] for item in response.json()]
        url = dict((rel, u) for u, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])).get("next")
    assert sorted(seen) == sorted(authserver.scopes.values_list("id", flat=True))
    assert len(seen) == len(set(seen)) == 8


@pytest.mark.django_db
def test_create_returns_201(api, authserver):
    body = {"name": "payments:write", "displayName": "Make payments", "description": "Write access",
            "consent": "REQUIRED", "optional": True, "default": True, "metadataPublish": "ALL_CLIENTS",
            "system": True, "id": "ignored", "unknown": [1]}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201
    assert 201 in response_codes("createOAuth2Scope")
    out = response.json()
    _assert_scope_shape(out)
    assert out["id"].startswith("scp") and out["system"] is False
    assert {k: out[k] for k in ("name", "displayName", "consent", "optional", "default", "metadataPublish")} == {
        "name": "payments:write", "displayName": "Make payments", "consent": "REQUIRED", "optional": True,
        "default": True, "metadataPublish": "ALL_CLIENTS"}
    assert _events("oauth2.scope.created")


@pytest.mark.django_db
def test_create_applies_okta_defaults(api, authserver):
    out = api.post(URL, {"name": "minimal", "consent": None, "optional": None}, format="json").json()
    assert (out["consent"], out["optional"], out["default"], out["metadataPublish"]) == (
        "IMPLICIT", False, False, "NO_CLIENTS")


@pytest.mark.django_db
@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "has space"}, "name"),
    ({"name": "okta.users.read"}, "name"),
    ({"name": "x" * 10_000}, "name"),
    ({"name": ["a"]}, "name"),
    ({"name": "openid"}, "name"),
    ({"name": "ok", "consent": "SOMETIMES"}, "consent"),
    ({"name": "ok", "optional": "maybe"}, "optional"),
    ({"name": "ok", "optional": True, "consent": "IMPLICIT"}, "optional"),
    ({"name": "ok", "metadataPublish": 3}, "metadataPublish"),
])
def test_create_validation_errors(api, authserver, body, field):
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"


@pytest.mark.django_db
def test_create_on_unknown_server_is_404(api):
    assert_okta_error(api.post("/api/v1/authorizationServers/ausNope/scopes", {"name": "x"}, format="json"),
                      404, "E0000007")


@pytest.mark.django_db
def test_get_replace_and_delete(api, authserver, scope):
    url = f"{URL}/{scope.id}"
    response = api.get(url)
    assert response.status_code == 200
    _assert_scope_shape(response.json())
    assert response.json()["_links"]["self"]["hints"]["allow"] == ["GET", "PUT", "DELETE"]

    response = api.put(url, {"name": "orders:read-all", "description": "All orders", "consent": "FLEXIBLE"},
                       format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["consent"]) == ("orders:read-all", "FLEXIBLE")
    assert set(_events("oauth2.scope.updated")[0].debug_context["debugData"]["changed"]) == {
        "name", "description", "consent"}

    response = api.delete(url)
    assert response.status_code == 204 and not response.content
    assert 204 in response_codes("deleteOAuth2Scope")
    assert not Scope.objects.filter(pk=scope.id).exists()
    assert _events("oauth2.scope.deleted")
    assert_okta_error(api.get(url), 404, "E0000007")


@pytest.mark.django_db
def test_unknown_scope_is_404_naming_it(api, authserver):
    error = assert_okta_error(api.get(f"{URL}/scpNope"), 404, "E0000007")
    assert error["errorSummary"] == "Not found: Resource not found: scpNope (OAuth2Scope)"


@pytest.mark.django_db
def test_a_scope_of_another_server_is_not_found(api, authserver, other_authserver):
    theirs = ScopeFactory(server=other_authserver, name="theirs")
    assert_okta_error(api.get(f"{URL}/{theirs.id}"), 404, "E0000007")
    assert_okta_error(api.delete(f"{URL}/{theirs.id}"), 404, "E0000007")


@pytest.mark.django_db
def test_renaming_onto_an_existing_name_is_a_validation_error(api, authserver, scope):
    other = ScopeFactory(server=authserver, name="orders:write")
    error = assert_okta_error(api.put(f"{URL}/{other.id}", {"name": "orders:read"}, format="json"), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: name"


@pytest.mark.django_db
def test_system_scopes_cannot_be_deleted_or_renamed(api, authserver):
    openid = authserver.scopes.get(name="openid")
    error = assert_okta_error(api.delete(f"{URL}/{openid.id}"), 403, "E0000006")
    assert error["errorCauses"] == [{"errorSummary": "A system scope cannot be deleted."}]
    assert_okta_error(api.put(f"{URL}/{openid.id}", {"name": "openid2"}, format="json"), 400, "E0000001")
    response = api.put(f"{URL}/{openid.id}", {"name": "openid", "description": "Sign in"}, format="json")
    assert response.status_code == 200
    assert response.json()["description"] == "Sign in" and response.json()["system"] is True
    assert Scope.objects.filter(pk=openid.id).exists()


@pytest.mark.django_db
def test_wrong_method_on_scopes_is_405(api, authserver):
    assert_okta_error(api.delete(URL), 405, "E0000022")
