"""/api/v1/authorizationServers: status codes and shapes as Okta's spec declares, paging, errors."""

import json
import re

import pytest

from authservers.models import AuthorizationServer, LogEvent, RotationMode, ServerStatus
from tests.factories import AuthorizationServerFactory
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape, response_codes, schema_properties

URL = "/api/v1/authorizationServers"
NEW_SERVER = {"name": "Payments API", "description": "Payments", "audiences": ["api://payments"]}


def _events(event_type: str) -> list:
    from authservers import systemlog

    systemlog.flush()
    return list(LogEvent.objects.filter(event_type=event_type))


def _links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.get("Link", ""))}


def _assert_server_shape(body: dict) -> None:
    assert_shape(body, "AuthorizationServer")
    assert_shape(body["credentials"]["signing"], "AuthorizationServerCredentialsSigningConfig")
    assert {"id", "name", "description", "audiences", "issuer", "issuerMode", "status", "created",
            "lastUpdated", "credentials", "_links"} <= set(body)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["created"])


@pytest.mark.django_db
def test_list_returns_servers_in_okta_shape(api, authserver):
    response = api.get(URL)
    assert response.status_code == 200
    assert 200 in response_codes("listAuthorizationServers")
    body = response.json()
    assert [server["id"] for server in body] == ["default"]
    _assert_server_shape(body[0])
    assert body[0]["issuer"] == "http://testserver/oauth2/default"
    assert _links(response)["self"] == "http://testserver/api/v1/authorizationServers"
    assert "next" not in _links(response)
    assert response["X-Okta-Request-Id"]


@pytest.mark.django_db
def test_list_searches_name_and_audiences(api, authserver, other_authserver):
    assert [s["id"] for s in api.get(URL, {"q": "orders"}).json()] == [other_authserver.id]
    assert [s["id"] for s in api.get(URL, {"q": "api://default"}).json()] == ["default"]
    assert api.get(URL, {"q": "nothing-matches"}).json() == []


@pytest.mark.django_db
def test_list_pages_with_limit_after_and_link_headers(api, authserver):
    made = [AuthorizationServerFactory(default_policy=False).id for _ in range(4)]
    seen, url, pages = [], f"{URL}?limit=2", 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        assert len(response.json()) <= 2
        seen += [server["id"] for server in response.json()]
        url, pages = _links(response).get("next"), pages + 1
        if url:
            assert "limit=2" in url and "after=" in url
    assert seen == ["default", *made]
    assert pages == 3


@pytest.mark.django_db
def test_next_link_keeps_the_search(api, authserver):
    for _ in range(3):
        AuthorizationServerFactory(default_policy=False)
    response = api.get(URL, {"q": "orders", "limit": 1})
    assert "q=orders" in _links(response)["next"]


@pytest.mark.django_db
def test_limit_is_capped_at_200(api, authserver):
    assert api.get(URL, {"limit": 100000}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": 0}, {"limit": -5}, {"after": "!!not-a-cursor"},
                                    {"after": "x" * 500}])
def test_bad_paging_parameters_are_400(api, authserver, params):
    assert_okta_error(api.get(URL, params), 400, "E0000054")


@pytest.mark.django_db
def test_create_returns_201_with_the_server(api):
    response = api.post(URL, {**NEW_SERVER, "credentials": {"signing": {"rotationMode": "MANUAL"}}}, format="json")
    assert response.status_code == 201
    assert 201 in response_codes("createAuthorizationServer")
    body = response.json()
    _assert_server_shape(body)
    assert body["id"].startswith("aus") and len(body["id"]) == 20
    assert body["status"] == "ACTIVE"
    assert body["credentials"]["signing"]["rotationMode"] == "MANUAL"
    assert "nextRotation" not in body["credentials"]["signing"]
    server = AuthorizationServer.objects.get(pk=body["id"])
    assert server.rotation_mode == RotationMode.MANUAL
    assert server.scopes.filter(system=True).count() == 7
    assert _events("oauth2.as.created")[0].actor["alternateId"] == "ops@example.com"


@pytest.mark.django_db
def test_create_ignores_unknown_and_read_only_fields(api):
    body = {**NEW_SERVER, "id": "mine", "status": "INACTIVE", "issuer": "https://evil", "bogus": {"x": 1},
            "_links": {}, "description": None, "issuerMode": None, "credentials": None}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["id"] != "mine"
    assert response.json()["status"] == "ACTIVE"


@pytest.mark.django_db
@pytest.mark.parametrize("body, field", [
    ({"audiences": ["api://x"]}, "name"),
    ({"name": "x"}, "audiences"),
    ({"name": "x" * 10_000, "audiences": ["api://x"]}, "name"),
    ({"name": "x", "audiences": "api://x"}, "audiences"),
    ({"name": {"a": 1}, "audiences": ["api://x"]}, "name"),
    ({"name": "x", "audiences": []}, "audiences"),
    ({"name": "x", "audiences": ["a", "b"]}, "audiences"),
    ({"name": "x", "audiences": ["not a uri:"]}, "audiences"),
    ({"name": "x", "audiences": ["api://x"], "issuerMode": "NOPE"}, "issuerMode"),
    ({"name": "x", "audiences": ["api://x"], "credentials": {"signing": {"rotationMode": "SOMETIMES"}}},
     "credentials"),
    ({"name": "   ", "audiences": ["api://x"]}, "name"),
])
def test_create_validation_errors_are_E0000001(api, body, field):
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"
    assert error["errorCauses"] and set(error) == schema_properties("Error")
    assert AuthorizationServer.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [b"{not json", b'{"name": ', b"\xff\xfe"])
def test_malformed_json_is_E0000003(api, payload):
    response = api.post(URL, payload, content_type="application/json")
    assert_okta_error(response, 400, "E0000003")


@pytest.mark.django_db
def test_a_json_array_body_is_a_validation_error(api):
    assert_okta_error(api.post(URL, [1, 2], format="json"), 400, "E0000001")


@pytest.mark.django_db
def test_a_huge_body_is_refused_without_a_500(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    payload = json.dumps({**NEW_SERVER, "description": "x" * 200_000})
    response = api.post(URL, payload, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.json()["errorCode"] == "E0000003"
    assert response["X-Okta-Request-Id"]


@pytest.mark.django_db
def test_get_by_id_and_by_the_literal_default(api, authserver, other_authserver):
    response = api.get(f"{URL}/{other_authserver.id}")
    assert response.status_code == 200
    _assert_server_shape(response.json())
    assert response.json()["name"] == "Orders API"
    assert api.get(f"{URL}/default").json()["id"] == "default"


@pytest.mark.django_db
@pytest.mark.parametrize("server_id", ["aus0000000000000000", "x" * 300, "%00"])
def test_unknown_server_is_404_E0000007(api, server_id):
    error = assert_okta_error(api.get(f"{URL}/{server_id}"), 404, "E0000007")
    if server_id == "aus0000000000000000":
        assert error["errorSummary"] == f"Not found: Resource not found: {server_id} (AuthorizationServer)"


@pytest.mark.django_db
def test_replace_changes_name_audience_and_rotation_mode(api, other_authserver):
    kid = other_authserver.signing_keys.get(status="ACTIVE").kid
    body = {"name": "Orders v2", "audiences": ["api://orders-v2"], "description": "new",
            "credentials": {"signing": {"rotationMode": "MANUAL"}}, "status": "INACTIVE", "id": "ignored"}
    response = api.put(f"{URL}/{other_authserver.id}", body, format="json")
    assert response.status_code == 200
    assert 200 in response_codes("replaceAuthorizationServer")
    out = response.json()
    _assert_server_shape(out)
    assert (out["name"], out["audiences"], out["description"]) == ("Orders v2", ["api://orders-v2"], "new")
    assert out["credentials"]["signing"]["rotationMode"] == "MANUAL"
    # Switching rotation mode does not change the active key (REFERENCE §1).
    assert out["credentials"]["signing"]["kid"] == kid
    assert out["status"] == "ACTIVE"
    event = _events("oauth2.as.updated")[0]
    assert set(event.debug_context["debugData"]["changed"]) == {"name", "audiences", "description", "rotationMode"}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"audiences": ["api://x"]}, {"name": "x"}, {"name": "x", "audiences": 5}])
def test_replace_needs_name_and_audiences(api, other_authserver, body):
    assert_okta_error(api.put(f"{URL}/{other_authserver.id}", body, format="json"), 400, "E0000001")


@pytest.mark.django_db
def test_replace_unknown_server_is_404(api):
    assert_okta_error(api.put(f"{URL}/ausNope", NEW_SERVER, format="json"), 404, "E0000007")


@pytest.mark.django_db
def test_delete_returns_204_and_logs(api, other_authserver):
    response = api.delete(f"{URL}/{other_authserver.id}")
    assert response.status_code == 204 and not response.content
    assert 204 in response_codes("deleteAuthorizationServer")
    assert not AuthorizationServer.objects.filter(pk=other_authserver.id).exists()
    assert _events("oauth2.as.deleted")[0].target[0]["id"] == other_authserver.id
    assert_okta_error(api.delete(f"{URL}/{other_authserver.id}"), 404, "E0000007")


@pytest.mark.django_db
def test_the_default_server_cannot_be_deleted(api, authserver):
    error = assert_okta_error(api.delete(f"{URL}/default"), 403, "E0000006")
    assert error["errorCauses"] == [{"errorSummary": "The default authorization server cannot be deleted."}]
    assert 403 in response_codes("deleteAuthorizationServer")
    assert AuthorizationServer.objects.filter(pk="default").exists()


@pytest.mark.django_db
def test_deactivate_and_activate_return_204(api, authserver):
    response = api.post(f"{URL}/default/lifecycle/deactivate")
    assert response.status_code == 204 and not response.content
    assert AuthorizationServer.objects.get(pk="default").status == ServerStatus.INACTIVE
    assert "activate" in api.get(f"{URL}/default").json()["_links"]
    # The management API still sees an inactive server; doing it twice is harmless.
    assert api.post(f"{URL}/default/lifecycle/deactivate").status_code == 204
    assert api.post(f"{URL}/default/lifecycle/activate").status_code == 204
    assert AuthorizationServer.objects.get(pk="default").status == ServerStatus.ACTIVE
    assert len(_events("oauth2.as.deactivated")) == 1
    assert len(_events("oauth2.as.activated")) == 1
    assert {204} <= response_codes("activateAuthorizationServer") & response_codes("deactivateAuthorizationServer")


@pytest.mark.django_db
def test_lifecycle_of_unknown_server_is_404(api):
    assert_okta_error(api.post(f"{URL}/ausNope/lifecycle/activate"), 404, "E0000007")


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", [("patch", ""), ("delete", ""), ("put", ""),
                                          ("get", "/default/lifecycle/activate"), ("post", "/default")])
def test_wrong_method_is_405_E0000022(api, authserver, method, path):
    response = getattr(api, method)(f"{URL}{path}")
    assert_okta_error(response, 405, "E0000022")
    assert response["X-Okta-Request-Id"]


@pytest.mark.django_db
def test_unknown_api_path_is_okta_404(api):
    response = api.get("/api/v1/nothingHere")
    assert_okta_error(response, 404, "E0000008")
    assert response["X-Okta-Request-Id"]


@pytest.mark.django_db
def test_every_response_has_a_distinct_request_id(api, authserver):
    ids = {api.get(URL)["X-Okta-Request-Id"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.django_db
def test_nul_characters_are_refused_not_crashed_on(api, authserver):
    assert_okta_error(api.get(URL, {"q": "a\x00b"}), 400, "E0000031")
    assert_okta_error(api.post(URL, {"name": "a\x00b", "audiences": ["api://x"]}, format="json"), 400, "E0000001")
    import base64

    cursor = base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|a\x00").decode()
    assert_okta_error(api.get(URL, {"after": cursor}), 400, "E0000054")
