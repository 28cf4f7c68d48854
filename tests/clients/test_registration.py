"""/oauth2/v1/clients: Okta's Dynamic Client Registration (RFC 7591/7592 variant, REFERENCE §8.3)."""

import pytest

from clients.models import Client
from clients.registration import RegistrationError, metadata_to_client_kwargs
from tests.accounts.api.conftest import anonymous_api, api, bad_token_api, events, links, non_staff_api, staff_user  # noqa: F401
from tests.helpers import assert_oauth_error, assert_okta_error, basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db
URL = "/oauth2/v1/clients"
WEB = {
    "client_name": "Example OAuth 2.0 client",
    "client_uri": "https://www.example.com",
    "logo_uri": "https://www.example.com/logo.png",
    "application_type": "web",
    "redirect_uris": ["https://www.example.com/oauth2/redirectUri"],
    "post_logout_redirect_uris": ["https://www.example.com/oauth2/postLogoutRedirectUri"],
    "response_types": ["code"],
    "grant_types": ["authorization_code", "refresh_token"],
    "token_endpoint_auth_method": "client_secret_post",
    "initiate_login_uri": "https://www.example.com/oauth2/login",
    "policy_uri": "https://www.example.com/policy",
    "tos_uri": "https://www.example.com/tos",
}
SERVICE = {"client_name": "billing", "application_type": "service", "grant_types": ["client_credentials"],
           "response_types": ["token"]}


def assert_unknown_client(response) -> None:
    assert response.status_code == 401 and response["WWW-Authenticate"] == "SSWS"
    assert response.json() == {"error": "invalid_client", "error_description": "Invalid value for 'client_id' parameter."}


def register(api, body=None, **changes):  # noqa: F811
    return api.post(URL, {**(body or WEB), **changes}, format="json")


# --- pure metadata mapping --------------------------------------------------------------------------

def test_defaults_are_okta_s_and_consent_is_always_required():
    kwargs = metadata_to_client_kwargs({"client_name": "x", "redirect_uris": ["https://a.example/cb"],
                                        "consent_method": "TRUSTED"})
    assert kwargs["application_type"] == "web" and kwargs["grant_types"] == ["authorization_code"]
    assert kwargs["token_endpoint_auth_method"] == "client_secret_basic"
    assert kwargs["consent_method"] == "REQUIRED"


@pytest.mark.parametrize("body, error, field", [
    ({}, "invalid_client_metadata", "client_name"),
    ({"client_name": "  "}, "invalid_client_metadata", "client_name"),
    ({"client_name": 7}, "invalid_client_metadata", "client_name"),
    ({"client_name": "x", "redirect_uris": "https://a.example/cb"}, "invalid_redirect_uri", "redirect_uris"),
    ({"client_name": "x", "redirect_uris": [1]}, "invalid_redirect_uri", "redirect_uris"),
    ({"client_name": "x\x00"}, "invalid_client_metadata", "client_name"),
    ({"client_name": "x" * 256}, "invalid_client_metadata", "client_name"),
    ({"client_name": "x", "grant_types": ["authorization_code"] * 101}, "invalid_client_metadata", "grant_types"),
    ({"client_name": "x", "logo_uri": "javascript:alert(1)"}, "invalid_client_metadata", "logo_uri"),
    ({"client_name": "x", "jwks": {"keys": "no"}}, "invalid_client_metadata", "jwks"),
    ({"client_name": "x", "jwks": {"keys": [{"kty": "RSA"}]}}, "invalid_client_metadata", "jwks"),
])
def test_bad_metadata_names_the_field(body, error, field):
    with pytest.raises(RegistrationError) as caught:
        metadata_to_client_kwargs(body)
    assert caught.value.error == error and caught.value.description.startswith(f"`{field}`")


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(RegistrationError):
        metadata_to_client_kwargs(["client_name"])


# --- the endpoint -----------------------------------------------------------------------------------

def test_register_answers_201_with_rfc7591_metadata_and_a_working_secret(api, client, authserver, scope):  # noqa: F811
    response = register(api)
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    for name, value in WEB.items():
        assert body[name] == value, name
    assert body["client_secret_expires_at"] == 0 and isinstance(body["client_id_issued_at"], int)
    assert len(body["client_secret"]) >= 32
    stored = Client.objects.get(client_id=body["client_id"])
    assert stored.consent_method == "REQUIRED" and stored.label == WEB["client_name"]
    assert events("app.oauth2.client.lifecycle.create")

    fetched = api.get(f"{URL}/{body['client_id']}").json()
    assert "client_secret" not in fetched and fetched["client_name"] == WEB["client_name"]


def test_service_client_gets_client_credentials_tokens(api, client, authserver, scope):  # noqa: F811
    body = register(api, SERVICE).json()
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=basic_auth_header(body["client_id"], body["client_secret"]))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("changes, error", [
    ({"client_name": ""}, "invalid_client_metadata"),
    ({"redirect_uris": ["https://a.example/cb#frag"]}, "invalid_redirect_uri"),
    ({"redirect_uris": []}, "invalid_redirect_uri"),
    ({"grant_types": ["client_credentials"], "application_type": "browser"}, "invalid_client_metadata"),
    ({"token_endpoint_auth_method": "magic"}, "invalid_client_metadata"),
    ({"application_type": "toaster"}, "invalid_client_metadata"),
    ({"grant_types": "authorization_code"}, "invalid_client_metadata"),
])
def test_invalid_metadata_gets_rfc7591_400(api, changes, error):  # noqa: F811
    response = register(api, **changes)
    body = assert_oauth_error(response, 400, error)
    assert body["error_description"].startswith("`")
    assert not Client.objects.exists()


def test_malformed_and_oversized_bodies(api):  # noqa: F811
    response = api.post(URL, "{not json", content_type="application/json")
    assert_oauth_error(response, 400, "invalid_client_metadata")
    response = api.post(URL, [1, 2], format="json")
    assert_oauth_error(response, 400, "invalid_client_metadata")
    response = api.post(URL, {**WEB, "client_uri": "https://e.example/" + "a" * 70000}, format="json")
    assert response.status_code == 413
    assert not Client.objects.exists()


def test_read_only_members_are_ignored(api):  # noqa: F811
    body = register(api, client_id="chosen", client_secret="s" * 40, client_id_issued_at=1).json()
    assert body["client_id"] != "chosen" and body["client_secret"] != "s" * 40


def test_authentication_is_the_admin_api_token(anonymous_api, bad_token_api, non_staff_api):  # noqa: F811
    assert_okta_error(register(anonymous_api), 401, "E0000011")
    assert_okta_error(register(bad_token_api), 401, "E0000011")
    assert_okta_error(register(non_staff_api), 403, "E0000006")
    assert_okta_error(anonymous_api.get(f"{URL}/whatever"), 401, "E0000011")
    assert not Client.objects.exists()


def test_unknown_client_ids_are_invalid_client(api):  # noqa: F811
    for client_id in ("0oanope", "x" * 300, "a\x00b"):
        for response in (api.get(f"{URL}/{client_id}"), api.put(f"{URL}/{client_id}", WEB, format="json"),
                         api.delete(f"{URL}/{client_id}"), api.post(f"{URL}/{client_id}/lifecycle/newSecret")):
            assert_unknown_client(response)


def test_put_replaces_everything_but_the_id(api):  # noqa: F811
    created = register(api).json()
    replaced = {**WEB, "client_name": "Updated OAuth Client", "redirect_uris": ["https://b.example/cb"],
                "client_id": created["client_id"]}
    replaced.pop("logo_uri")
    response = api.put(f"{URL}/{created['client_id']}", replaced, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["client_id"] == created["client_id"] and body["client_name"] == "Updated OAuth Client"
    assert "logo_uri" not in body and body["redirect_uris"] == ["https://b.example/cb"]
    assert Client.objects.get(client_id=created["client_id"]).consent_method == "REQUIRED"
    bad = api.put(f"{URL}/{created['client_id']}", {"redirect_uris": ["https://b.example/cb"]}, format="json")
    assert_oauth_error(bad, 400, "invalid_client_metadata")
    changed_type = api.put(f"{URL}/{created['client_id']}", {**WEB, "application_type": "native"}, format="json")
    assert_oauth_error(changed_type, 400, "invalid_client_metadata")


def test_new_secret_replaces_the_old_one(api, client, authserver, scope):  # noqa: F811
    created = register(api, SERVICE).json()
    response = api.post(f"{URL}/{created['client_id']}/lifecycle/newSecret")
    assert response.status_code == 200, response.content
    new = response.json()["client_secret"]
    assert new != created["client_secret"]
    data = {"grant_type": "client_credentials", "scope": "orders:read"}
    old_try = post_form(client, endpoint("token"), data,
                        HTTP_AUTHORIZATION=basic_auth_header(created["client_id"], created["client_secret"]))
    assert_oauth_error(old_try, 401, "invalid_client")
    assert post_form(client, endpoint("token"), data,
                     HTTP_AUTHORIZATION=basic_auth_header(created["client_id"], new)).status_code == 200


def test_new_secret_refuses_clients_without_a_basic_or_post_secret(api):  # noqa: F811
    created = register(api, {**WEB, "application_type": "browser", "token_endpoint_auth_method": "none",
                             "grant_types": ["authorization_code"]}).json()
    response = api.post(f"{URL}/{created['client_id']}/lifecycle/newSecret")
    assert_oauth_error(response, 400, "invalid_client_metadata")


def test_delete_ends_the_client_and_its_tokens(api, client, authserver, scope):  # noqa: F811
    created = register(api, SERVICE).json()
    auth = basic_auth_header(created["client_id"], created["client_secret"])
    assert post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                     HTTP_AUTHORIZATION=auth).status_code == 200
    assert api.delete(f"{URL}/{created['client_id']}").status_code == 204
    assert not Client.objects.filter(client_id=created["client_id"]).exists()
    assert_unknown_client(api.get(f"{URL}/{created['client_id']}"))
    assert events("app.oauth2.client.lifecycle.delete")


def test_list_pages_and_searches_by_client_name(api):  # noqa: F811
    for index in range(3):
        register(api, SERVICE, client_name=f"svc-{index}")
    register(api, SERVICE, client_name="other")
    first = api.get(URL, {"limit": 2})
    assert first.status_code == 200 and len(first.json()) == 2 and "next" in links(first)
    names = [item["client_name"] for item in api.get(URL, {"q": "svc"}).json()]
    assert sorted(names) == ["svc-0", "svc-1", "svc-2"]
    assert all("client_secret" not in item for item in first.json())
    assert_okta_error(api.get(URL, {"limit": "x"}), 400, "E0000054")
    assert_okta_error(api.get(URL, {"q": "a\x00"}), 400, "E0000031")
