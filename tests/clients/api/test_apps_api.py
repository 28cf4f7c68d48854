"""/api/v1/apps for OIDC clients: Okta's shapes and codes, per-type validation, lifecycle, paging, errors."""

import copy
import re

import pytest

from clients.models import Client, ClientStatus
from tests.accounts.api.conftest import events, links, walk_pages
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape, response_codes, schema_properties

URL = "/api/v1/apps"
WEB_APP = {
    "name": "oidc_client",
    "label": "Sample Web App",
    "signOnMode": "OPENID_CONNECT",
    "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_post"}},
    "settings": {"oauthClient": {
        "client_uri": "https://example.com/client", "logo_uri": "https://example.com/logo.png",
        "redirect_uris": ["https://example.com/oauth2/callback", "myapp://callback"],
        "post_logout_redirect_uris": ["https://example.com/postlogout"],
        "response_types": ["code"], "grant_types": ["authorization_code", "refresh_token"],
        "application_type": "web", "consent_method": "REQUIRED",
        "refresh_token": {"rotation_type": "ROTATE", "leeway": 20},
    }},
    "profile": {"tier": "gold"},
}


def _app(**oauth) -> dict:
    body = copy.deepcopy(WEB_APP)
    body["settings"]["oauthClient"].update(oauth)
    return body


def _assert_app_shape(body: dict) -> None:
    # OpenIdConnectApplication is Application plus credentials, name and settings.
    assert not set(body) - schema_properties("Application") - {"credentials", "name", "settings"}
    assert_shape(body["credentials"]["oauthClient"], "ApplicationCredentialsOAuthClient")
    assert_shape(body["settings"]["oauthClient"], "OpenIdConnectApplicationSettingsClient")
    assert re.fullmatch(r"0oa\w{17}", body["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["lastUpdated"])


@pytest.mark.django_db
def test_create_returns_200_with_the_secret_once_and_logs_it(api, staff_user):
    response = api.post(URL, WEB_APP, format="json")
    assert response.status_code == 200 and 200 in response_codes("createApplication"), response.content
    body = response.json()
    _assert_app_shape(body)
    credentials, oauth = body["credentials"]["oauthClient"], body["settings"]["oauthClient"]
    assert body["status"] == "ACTIVE" and body["signOnMode"] == "OPENID_CONNECT" and body["name"] == "oidc_client"
    assert credentials["client_id"] == body["id"] and len(credentials["client_secret"]) >= 32
    assert credentials["token_endpoint_auth_method"] == "client_secret_post"
    assert oauth["redirect_uris"] == WEB_APP["settings"]["oauthClient"]["redirect_uris"]
    assert oauth["consent_method"] == "REQUIRED" and oauth["logo_uri"] == "https://example.com/logo.png"
    assert oauth["refresh_token"] == {"rotation_type": "ROTATE", "leeway": 20}
    assert body["profile"] == {"tier": "gold"} and "deactivate" in body["_links"]
    fetched = api.get(f"{URL}/{body['id']}").json()
    assert "client_secret" not in fetched["credentials"]["oauthClient"]
    [event] = events("app.oauth2.client.lifecycle.create")
    assert event.actor["id"] == staff_user.pk and event.target[0]["id"] == body["id"]
    assert credentials["client_secret"] not in str(event.debug_context)


@pytest.mark.django_db
def test_create_with_activate_false_is_inactive(api):
    body = api.post(f"{URL}?activate=false", WEB_APP, format="json").json()
    assert body["status"] == "INACTIVE" and "activate" in body["_links"]


@pytest.mark.django_db
def test_service_apps_carry_response_type_token_and_no_redirects(api):
    body = {"label": "billing", "settings": {"oauthClient": {"grant_types": ["client_credentials"],
                                                            "application_type": "service"}}}
    created = api.post(URL, body, format="json").json()
    assert created["settings"]["oauthClient"]["response_types"] == ["token"]
    assert created["settings"]["oauthClient"]["redirect_uris"] == []
    assert created["credentials"]["oauthClient"]["token_endpoint_auth_method"] == "client_secret_basic"


@pytest.mark.django_db
def test_browser_apps_are_public_with_pkce_and_may_use_refresh_tokens(api):
    body = _app(application_type="browser", grant_types=["authorization_code", "refresh_token"])
    body["credentials"] = {"oauthClient": {"token_endpoint_auth_method": "none"}}
    created = api.post(URL, body, format="json").json()
    assert created["credentials"]["oauthClient"]["pkce_required"] is True
    assert "client_secret" not in created["credentials"]["oauthClient"]


@pytest.mark.django_db
def test_a_chosen_client_id_is_kept_and_unique(api):
    body = copy.deepcopy(WEB_APP)
    body["credentials"]["oauthClient"]["client_id"] = "portal.example-1"
    assert api.post(URL, body, format="json").json()["credentials"]["oauthClient"]["client_id"] == "portal.example-1"
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: client_id"
    body["credentials"]["oauthClient"]["client_id"] = "has space"
    assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")


@pytest.mark.parametrize("oauth, field", [
    ({"application_type": "service", "grant_types": ["authorization_code"]}, "grant_types"),
    ({"application_type": "browser", "grant_types": ["client_credentials"]}, "grant_types"),
    ({"application_type": "web", "grant_types": ["implicit"], "response_types": ["token"]}, "grant_types"),
    ({"application_type": "native", "grant_types": ["password"]}, "grant_types"),
    ({"grant_types": ["authorization_code"], "response_types": ["token"]}, "response_types"),
    ({"redirect_uris": []}, "redirect_uris"),
    ({"redirect_uris": ["/relative"]}, "redirect_uris"),
    ({"redirect_uris": ["https://example.com/cb#frag"]}, "redirect_uris"),
    ({"post_logout_redirect_uris": ["https://example.com/x#y"]}, "redirect_uris"),
    ({"grant_types": []}, "settings.oauthClient.grant_types"),
    ({"grant_types": ["magic"]}, "settings.oauthClient.grant_types[0]"),
    ({"grant_types": "authorization_code"}, "settings.oauthClient.grant_types"),
    ({"response_types": ["code", "nonsense"]}, "settings.oauthClient.response_types[1]"),
    ({"application_type": "desktop"}, "settings.oauthClient.application_type"),
    ({"redirect_uris": [7]}, "settings.oauthClient.redirect_uris[0]"),
    ({"redirect_uris": ["https://example.com/" + "x" * 2000]}, "settings.oauthClient.redirect_uris[0]"),
    ({"logo_uri": "javascript:alert(1)"}, "settings.oauthClient.logo_uri"),
    ({"issuer_mode": "CUSTOM_URL"}, "settings.oauthClient.issuer_mode"),
    ({"wildcard_redirect": "SUBDOMAIN"}, "settings.oauthClient.wildcard_redirect"),
    ({"refresh_token": {"leeway": 600}}, "settings.oauthClient.refresh_token.leeway"),
])
@pytest.mark.django_db
def test_invalid_settings_are_E0000001_with_the_field_and_a_cause(api, oauth, field):
    body = assert_okta_error(api.post(URL, _app(**oauth), format="json"), 400, "E0000001")
    assert body["errorSummary"] == f"Api validation failed: {field}"
    assert body["errorCauses"] and body["errorCauses"][0]["errorSummary"]
    assert not Client.objects.exists()


@pytest.mark.parametrize("change, field", [
    ({"label": None}, "label"), ({"label": 12}, "label"), ({"label": "a\x00b"}, "label"),
    ({"signOnMode": "SAML_2_0"}, "signOnMode"), ({"name": "bookmark"}, "name"),
    ({"settings": None}, "settings"), ({"settings": {"oauthClient": "x"}}, "settings.oauthClient"),
    ({"profile": ["not", "an", "object"]}, "profile"), ({"profile": {"k": "a\x00"}}, "profile"),
    ({"credentials": {"oauthClient": {"token_endpoint_auth_method": "magic"}}},
     "credentials.oauthClient.token_endpoint_auth_method"),
    ({"credentials": {"oauthClient": {"pkce_required": "yes"}}}, "credentials.oauthClient.pkce_required"),
    ({"credentials": {"oauthClient": {"client_secret": "short"}}}, "client_secret"),
])
@pytest.mark.django_db
def test_invalid_top_level_fields_are_E0000001(api, change, field):
    body = {**copy.deepcopy(WEB_APP), **change}
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"
    assert not Client.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "[]", '"text"', "null"])
@pytest.mark.django_db
def test_bodies_that_are_not_objects_are_E0000003(api, raw):
    assert_okta_error(api.post(URL, raw, content_type="application/json"), 400, "E0000003")


@pytest.mark.django_db
def test_oversized_body_is_refused_without_a_server_error(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = api.post(URL, {**WEB_APP, "profile": {"blob": "x" * 200_000}}, format="json")
    assert response.status_code in (400, 413) and response.json()["errorCode"]


@pytest.mark.django_db
def test_replace_keeps_id_type_and_status_and_logs_the_changes(api):
    created = api.post(URL, WEB_APP, format="json").json()
    body = _app(redirect_uris=["https://example.com/new"], consent_method="TRUSTED")
    body.update(label="Renamed", id="0oaIGNORED", status="INACTIVE", _links={})
    response = api.put(f"{URL}/{created['id']}", body, format="json")
    assert response.status_code == 200 and 200 in response_codes("replaceApplication")
    replaced = response.json()
    assert replaced["id"] == created["id"] and replaced["status"] == "ACTIVE" and replaced["label"] == "Renamed"
    assert replaced["settings"]["oauthClient"]["redirect_uris"] == ["https://example.com/new"]
    assert "client_secret" not in replaced["credentials"]["oauthClient"]
    [event] = events("app.oauth2.client.lifecycle.update")
    assert set(event.debug_context["debugData"]["changed"]) == {"label", "redirect_uris", "consent_method"}


@pytest.mark.django_db
def test_replace_cannot_change_the_application_type_or_client_id(api):
    created = api.post(URL, WEB_APP, format="json").json()
    error = assert_okta_error(api.put(f"{URL}/{created['id']}", _app(application_type="native"), format="json"),
                              400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: application_type"
    body = copy.deepcopy(WEB_APP)
    body["credentials"]["oauthClient"]["client_id"] = "another"
    assert_okta_error(api.put(f"{URL}/{created['id']}", body, format="json"), 400, "E0000001")


@pytest.mark.django_db
def test_switching_a_public_app_to_a_secret_returns_the_new_secret_once(api):
    body = _app(application_type="browser", grant_types=["authorization_code"])
    body["credentials"] = {"oauthClient": {"token_endpoint_auth_method": "none"}}
    created = api.post(URL, body, format="json").json()
    assert "client_secret" not in created["credentials"]["oauthClient"]
    body["credentials"] = {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}}
    replaced = api.put(f"{URL}/{created['id']}", body, format="json").json()
    assert len(replaced["credentials"]["oauthClient"]["client_secret"]) >= 32


@pytest.mark.django_db
def test_lifecycle_and_delete_only_when_inactive(api):
    app_id = api.post(URL, WEB_APP, format="json").json()["id"]
    error = assert_okta_error(api.delete(f"{URL}/{app_id}"), 403, "E0000056")
    assert error["errorSummary"] == "Delete application forbidden."
    assert 403 in response_codes("deleteApplication")
    response = api.post(f"{URL}/{app_id}/lifecycle/deactivate")
    assert response.status_code == 200 and response.json() == {} and 200 in response_codes("deactivateApplication")
    assert api.post(f"{URL}/{app_id}/lifecycle/deactivate").status_code == 200  # again: no change, no event
    assert Client.objects.get(pk=app_id).status == ClientStatus.INACTIVE
    assert api.post(f"{URL}/{app_id}/lifecycle/activate").status_code == 200
    assert api.post(f"{URL}/{app_id}/lifecycle/deactivate").status_code == 200
    response = api.delete(f"{URL}/{app_id}")
    assert response.status_code == 204 and 204 in response_codes("deleteApplication")
    assert_okta_error(api.get(f"{URL}/{app_id}"), 404, "E0000007")
    assert [len(events(f"app.oauth2.client.lifecycle.{name}")) for name in ("deactivate", "activate", "delete")] \
        == [2, 1, 1]


@pytest.mark.parametrize("path", ["0oaunknown", "x" * 300, "a%00b"])
@pytest.mark.django_db
def test_unknown_apps_are_E0000007(api, path):
    assert_okta_error(api.get(f"{URL}/{path}"), 404, "E0000007")
    assert_okta_error(api.put(f"{URL}/{path}", WEB_APP, format="json"), 404, "E0000007")
    assert_okta_error(api.post(f"{URL}/{path}/lifecycle/activate"), 404, "E0000007")
    assert_okta_error(api.delete(f"{URL}/{path}"), 404, "E0000007")


@pytest.mark.django_db
def test_list_searches_filters_and_pages(api):
    made = [api.post(URL, {**WEB_APP, "label": f"Portal {n}"}, format="json").json()["id"] for n in range(5)]
    api.post(f"{URL}/{made[0]}/lifecycle/deactivate")
    items, pages = walk_pages(api, f"{URL}?limit=2")
    assert [item["id"] for item in items] == made and pages == 3
    assert all("client_secret" not in item["credentials"]["oauthClient"] for item in items)
    assert len(api.get(URL, {"q": "portal 3"}).json()) == 1
    assert len(api.get(URL, {"q": "oidc"}).json()) == 5  # every app is named oidc_client
    assert [a["id"] for a in api.get(URL, {"filter": 'status eq "INACTIVE"'}).json()] == [made[0]]
    assert len(api.get(URL, {"filter": 'name eq "oidc_client" and status eq "ACTIVE"'}).json()) == 4
    assert "next" not in links(api.get(URL))
    assert 200 in response_codes("listApplications")


@pytest.mark.parametrize("params", [{"filter": 'status eq "ACTIVE" or 1 eq 1'}, {"filter": "label eq \"x\""},
                                    {"filter": 'status eq "DELETED"'}, {"q": "a\x00"}, {"limit": "many"},
                                    {"after": "\x00"}])
@pytest.mark.django_db
def test_hostile_list_parameters_are_client_errors(api, params):
    response = api.get(URL, params)
    assert response.status_code == 400 and response.json()["errorCode"] in ("E0000031", "E0000054")


@pytest.mark.parametrize("fixture, status, code", [("anonymous_api", 401, "E0000011"),
                                                   ("bad_token_api", 401, "E0000011"),
                                                   ("non_staff_api", 403, "E0000006")])
@pytest.mark.django_db
def test_apps_api_needs_a_staff_token(request, fixture, status, code):
    client = request.getfixturevalue(fixture)
    assert_okta_error(client.get(URL), status, code)
    assert_okta_error(client.post(URL, WEB_APP, format="json"), status, code)
    assert not Client.objects.exists()


@pytest.mark.parametrize("raw, field", [
    ('"label": "\\ud800"', "label"),
    ('"label": "ok", "profile": {"n": 1e400}', "profile"),
    ('"label": "ok", "profile": {"s": "\\udfff"}', "profile"),
])
@pytest.mark.django_db
def test_text_and_numbers_postgres_cannot_store_are_E0000001(api, raw, field):
    settings = '"settings": {"oauthClient": {"grant_types": ["client_credentials"]}}'
    response = api.post(URL, "{" + raw + ", " + settings + "}", content_type="application/json")
    error = assert_okta_error(response, 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_nan_literals_are_not_json(api):
    body = '{"label": "ok", "profile": {"n": NaN}, "settings": {"oauthClient": {"grant_types": ["client_credentials"]}}}'
    assert_okta_error(api.post(URL, body, content_type="application/json"), 400, "E0000003")
