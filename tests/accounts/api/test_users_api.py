"""/api/v1/users: Okta's shapes and status codes, lifecycle, filters, paging, errors and permissions."""

import re

import pytest

from accounts.models import Group, User, UserStatus
from accounts.services import user_create
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape, response_codes

from .conftest import events, links, walk_pages

URL = "/api/v1/users"
PASSWORD = "Correct-Horse-Battery-9"
NEW_USER = {"profile": {"firstName": "Isaac", "lastName": "Brock", "email": "isaac@example.org",
                        "login": "isaac@example.org", "mobilePhone": "555-415-1337"},
            "credentials": {"password": {"value": PASSWORD}}}


def _assert_user_shape(body: dict) -> None:
    assert_shape(body, "User")
    assert_shape(body["credentials"], "UserCredentials")
    assert re.fullmatch(r"00u\w{17}", body["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["created"])


def _make(login: str, **kwargs) -> User:
    return user_create(login=login, email=login, password=None, **kwargs)


@pytest.mark.django_db
def test_create_returns_200_an_active_user_with_custom_attributes_and_logs_it(api, staff_user):
    response = api.post(URL, NEW_USER, format="json")
    assert response.status_code == 200 and 200 in response_codes("createUser"), response.content
    body = response.json()
    _assert_user_shape(body)
    assert body["status"] == "ACTIVE"
    assert body["profile"]["login"] == "isaac@example.org" and body["profile"]["mobilePhone"] == "555-415-1337"
    assert "password" in body["credentials"] and "value" not in body["credentials"]["password"]
    assert "deactivate" in body["_links"]
    user = User.objects.get(pk=body["id"])
    assert user.check_password(PASSWORD)
    assert [event.actor["id"] for event in events("user.lifecycle.create") if event.target[0]["id"] == user.pk] \
        == [staff_user.pk]
    assert response["X-Okta-Request-Id"]


@pytest.mark.django_db
def test_create_with_activate_false_stages_the_user_who_can_be_activated_later(api):
    body = api.post(f"{URL}?activate=false", NEW_USER, format="json").json()
    assert body["status"] == "STAGED" and "activate" in body["_links"]
    response = api.post(f"{URL}/{body['id']}/lifecycle/activate")
    assert response.status_code == 200 and 200 in response_codes("activateUser")
    assert User.objects.get(pk=body["id"]).status == UserStatus.ACTIVE
    assert len(events("user.lifecycle.activate")) == 1
    assert_okta_error(api.post(f"{URL}/{body['id']}/lifecycle/activate"), 403, "E0000016")


@pytest.mark.django_db
def test_create_adds_the_user_to_groupIds(api):
    group = Group.objects.create(name="Engineering")
    body = api.post(URL, {**NEW_USER, "groupIds": [group.pk]}, format="json").json()
    assert group.users.filter(pk=body["id"]).exists()


@pytest.mark.django_db
def test_create_with_an_unknown_group_creates_nothing(api):
    assert_okta_error(api.post(URL, {**NEW_USER, "groupIds": ["00gunknown"]}, format="json"), 404, "E0000007")
    assert not User.objects.filter(login="isaac@example.org").exists()


@pytest.mark.django_db
def test_duplicate_login_is_E0000001_without_regard_to_case(api):
    api.post(URL, NEW_USER, format="json")
    profile = {**NEW_USER["profile"], "login": "ISAAC@example.org"}
    body = assert_okta_error(api.post(URL, {"profile": profile}, format="json"), 400, "E0000001")
    assert body["errorSummary"] == "Api validation failed: login"
    assert "already exists" in body["errorCauses"][0]["errorSummary"]


@pytest.mark.parametrize("profile, field", [
    ({"email": "a@example.org"}, "profile.login"),
    ({"login": "a@example.org"}, "profile.email"),
    ({"login": "a@example.org", "email": "not-an-email"}, "profile.email"),
    ({"login": 42, "email": "a@example.org"}, "profile.login"),
    ({"login": "a@example.org", "email": "a@example.org", "firstName": "x" * 101}, "profile.firstName"),
    ({"login": "a@example.org", "email": "a@example.org", "nested": {"a": 1}}, "profile.nested"),
    ({"login": "a@example.org", "email": "a@example.org", "bad name": "x"}, "profile.bad name"),
    ({"login": "a\x00b@example.org", "email": "a@example.org"}, "profile.login"),
])
@pytest.mark.django_db
def test_invalid_profiles_are_E0000001_naming_the_field(api, profile, field):
    body = assert_okta_error(api.post(URL, {"profile": profile}, format="json"), 400, "E0000001")
    assert body["errorSummary"] == f"Api validation failed: {field}"
    assert body["errorCauses"][0]["errorSummary"].startswith(f"{field}: ")
    assert User.objects.filter(is_staff=False).count() == 0


@pytest.mark.django_db
def test_weak_password_is_refused_with_the_validators_reason(api):
    body = {**NEW_USER, "credentials": {"password": {"value": "abc"}}}
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: password"


@pytest.mark.parametrize("body", [[], "text", {"profile": "x"}, {"profile": None}, {"profile": []},
                                  {"profile": {"login": "a@example.org", "email": "a@example.org"},
                                   "credentials": {"password": {"value": 12345678901}}}])
@pytest.mark.django_db
def test_wrong_json_types_are_client_errors(api, body):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errorCode"] in ("E0000001", "E0000003")


@pytest.mark.django_db
def test_malformed_json_is_E0000003(api):
    assert_okta_error(api.post(URL, "{not json", content_type="application/json"), 400, "E0000003")


@pytest.mark.django_db
def test_oversized_body_is_refused_without_a_server_error(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    profile = {**NEW_USER["profile"], "bio": "x" * 200_000}
    response = api.post(URL, {"profile": profile}, format="json")
    assert response.status_code in (400, 413)
    assert response.json()["errorCode"]


@pytest.mark.django_db
def test_get_by_id_or_login(api):
    user = _make("ada@example.org")
    body = api.get(f"{URL}/{user.pk}").json()
    _assert_user_shape(body)
    assert_shape(body["profile"], "UserProfile")  # no custom attributes: only Okta's base profile
    assert body["id"] == user.pk
    assert api.get(f"{URL}/ADA@example.org").json()["id"] == user.pk
    assert 200 in response_codes("getUser")


@pytest.mark.parametrize("key", ["00unknown", "x" * 300, "a%00b", "nobody@example.org"])
@pytest.mark.django_db
def test_unknown_users_are_E0000007(api, key):
    body = assert_okta_error(api.get(f"{URL}/{key}"), 404, "E0000007")
    assert body["errorSummary"].startswith("Not found: Resource not found:")


@pytest.mark.django_db
def test_replace_changes_the_profile_and_logs_what_changed(api):
    user_id = api.post(URL, NEW_USER, format="json").json()["id"]
    profile = {**NEW_USER["profile"], "lastName": "Brock-Smith", "title": "Engineer"}
    profile.pop("mobilePhone")
    response = api.put(f"{URL}/{user_id}", {"profile": profile}, format="json")
    assert response.status_code == 200 and 200 in response_codes("replaceUser")
    body = response.json()
    assert body["profile"]["lastName"] == "Brock-Smith" and body["profile"]["title"] == "Engineer"
    assert "mobilePhone" not in body["profile"]
    [event] = events("user.account.update_profile")
    assert event.debug_context["debugData"]["changedAttributes"] == "lastName,profile"
    assert User.objects.get(pk=user_id).check_password(PASSWORD)


@pytest.mark.django_db
def test_replace_can_set_a_new_password(api):
    user_id = api.post(URL, NEW_USER, format="json").json()["id"]
    body = {**NEW_USER, "credentials": {"password": {"value": "Another-Strong-Pass-7"}}}
    assert api.put(f"{URL}/{user_id}", body, format="json").status_code == 200
    assert User.objects.get(pk=user_id).check_password("Another-Strong-Pass-7")
    assert len(events("user.account.update_password")) == 1


@pytest.mark.django_db
def test_suspend_unsuspend_deactivate_and_two_step_delete(api):
    user_id = api.post(URL, NEW_USER, format="json").json()["id"]
    assert api.post(f"{URL}/{user_id}/lifecycle/suspend").status_code == 200
    assert api.get(f"{URL}/{user_id}").json()["status"] == "SUSPENDED"
    assert_okta_error(api.post(f"{URL}/{user_id}/lifecycle/suspend"), 400, "E0000001")
    assert api.post(f"{URL}/{user_id}/lifecycle/unsuspend").status_code == 200
    assert_okta_error(api.post(f"{URL}/{user_id}/lifecycle/unsuspend"), 400, "E0000001")
    assert api.post(f"{URL}/{user_id}/lifecycle/deactivate").status_code == 200
    assert api.get(f"{URL}/{user_id}").json()["status"] == "DEPROVISIONED"
    assert api.post(f"{URL}/{user_id}/lifecycle/deactivate").status_code == 200  # nothing more to do
    assert [len(events(f"user.lifecycle.{name}")) for name in ("suspend", "unsuspend", "deactivate")] == [1, 1, 1]
    response = api.delete(f"{URL}/{user_id}")
    assert response.status_code == 204 and 204 in response_codes("deleteUser")
    assert not User.objects.filter(pk=user_id).exists()
    assert len(events("user.lifecycle.delete.initiated")) == 1


@pytest.mark.django_db
def test_deleting_an_active_user_first_deactivates_it(api):
    user = _make("ada@example.org")
    assert api.delete(f"{URL}/{user.pk}").status_code == 204
    assert User.objects.get(pk=user.pk).status == UserStatus.DEPROVISIONED
    assert api.delete(f"{URL}/{user.pk}").status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_an_admin_cannot_deactivate_or_delete_itself(api, staff_user):
    assert_okta_error(api.post(f"{URL}/{staff_user.pk}/lifecycle/deactivate"), 403, "E0000006")
    assert_okta_error(api.delete(f"{URL}/{staff_user.pk}"), 403, "E0000006")
    assert User.objects.get(pk=staff_user.pk).status == UserStatus.ACTIVE


@pytest.mark.django_db
def test_list_leaves_out_deprovisioned_users_unless_filtered(api, staff_user):
    ada, bob = _make("ada@example.org"), _make("bob@example.org", status=UserStatus.DEPROVISIONED)
    ids = [user["id"] for user in api.get(URL).json()]
    assert ada.pk in ids and bob.pk not in ids
    assert [u["id"] for u in api.get(URL, {"filter": 'status eq "DEPROVISIONED"'}).json()] == [bob.pk]
    assert 200 in response_codes("listUsers")


@pytest.mark.django_db
def test_q_matches_the_start_of_names_and_email(api):
    ada = user_create(login="ada@example.org", email="ada@example.org", password=None, first_name="Ada",
                      last_name="Lovelace")
    _make("bob@example.org")
    assert [u["id"] for u in api.get(URL, {"q": "love"}).json()] == [ada.pk]
    assert [u["id"] for u in api.get(URL, {"q": "ada@"}).json()] == [ada.pk]


@pytest.mark.django_db
def test_filters_on_login_status_and_last_updated(api):
    ada = _make("ada@example.org")
    _make("bob@example.org", status=UserStatus.SUSPENDED)
    by_login = api.get(URL, {"filter": 'profile.login eq "ADA@example.org"'}).json()
    assert [u["id"] for u in by_login] == [ada.pk]
    combined = api.get(URL, {"filter": '(status eq "SUSPENDED" or status eq "ACTIVE") and '
                                       'lastUpdated gt "2000-01-01T00:00:00.000Z"'}).json()
    assert {u["profile"]["login"] for u in combined} >= {"ada@example.org", "bob@example.org"}
    assert api.get(URL, {"filter": 'lastUpdated gt "2999-01-01T00:00:00.000Z"'}).json() == []


@pytest.mark.parametrize("text", [
    'status eq "ACTIVE" or 1=1', "status eq ACTIVE", 'status eq "NOPE"', 'password eq "x"',
    'profile.login eq "a" ; DROP TABLE accounts_user', 'status ne "ACTIVE"', '(status eq "ACTIVE"',
    'lastUpdated gt "yesterday"', "(" * 50 + 'status eq "ACTIVE"' + ")" * 50, 'profile.login eq "a\x00"',
    "x" * 2000,
])
@pytest.mark.django_db
def test_invalid_or_hostile_filters_are_E0000031(api, text):
    body = assert_okta_error(api.get(URL, {"filter": text}), 400, "E0000031")
    assert body["errorSummary"] == "Invalid search criteria."
    assert body["errorCauses"]


@pytest.mark.django_db
def test_list_pages_with_limit_after_and_link_headers(api, staff_user):
    made = [_make(f"user{n}@example.org").pk for n in range(5)]
    items, pages = walk_pages(api, f"{URL}?limit=2")
    assert [item["id"] for item in items] == [staff_user.pk, *made]
    assert pages == 3
    assert "next" not in links(api.get(f"{URL}?limit=10"))
    assert_okta_error(api.get(URL, {"after": "garbage!"}), 400, "E0000054")
    assert_okta_error(api.get(URL, {"limit": "-1"}), 400, "E0000054")


@pytest.mark.parametrize("fixture, status, code", [("anonymous_api", 401, "E0000011"),
                                                   ("bad_token_api", 401, "E0000011"),
                                                   ("non_staff_api", 403, "E0000006")])
@pytest.mark.django_db
def test_users_api_needs_a_staff_token(request, fixture, status, code):
    client = request.getfixturevalue(fixture)
    assert_okta_error(client.get(URL), status, code)
    assert_okta_error(client.post(URL, NEW_USER, format="json"), status, code)
    assert not User.objects.filter(login="isaac@example.org").exists()


@pytest.mark.django_db
def test_bad_activate_flag_is_E0000001(api):
    assert_okta_error(api.post(f"{URL}?activate=maybe", NEW_USER, format="json"), 400, "E0000001")


@pytest.mark.django_db
def test_only_a_superuser_may_change_a_superuser(api):
    root = _make("root@example.org", is_staff=True, is_superuser=True)
    body = {"profile": {"login": "root@example.org", "email": "root@example.org"},
            "credentials": {"password": {"value": "Taken-Over-Password-1"}}}
    assert_okta_error(api.put(f"{URL}/{root.pk}", body, format="json"), 403, "E0000006")
    assert_okta_error(api.post(f"{URL}/{root.pk}/lifecycle/suspend"), 403, "E0000006")
    assert_okta_error(api.delete(f"{URL}/{root.pk}"), 403, "E0000006")
    root.refresh_from_db()
    assert root.status == UserStatus.ACTIVE and not root.check_password("Taken-Over-Password-1")
    assert api.get(f"{URL}/{root.pk}").status_code == 200


@pytest.mark.parametrize("raw", ['"login": "\\ud800@example.org", "email": "a@example.org"',
                                 '"login": "a@example.org", "email": "a@example.org", "size": 1e999',
                                 '"login": "a@example.org", "email": "a@example.org", "nick": "\\udfff"'])
@pytest.mark.django_db
def test_profiles_postgres_cannot_store_are_client_errors(api, raw):
    response = api.post(URL, '{"profile": {' + raw + "}}", content_type="application/json")
    assert_okta_error(response, 400, "E0000001")
    assert not User.objects.filter(login="a@example.org").exists()
