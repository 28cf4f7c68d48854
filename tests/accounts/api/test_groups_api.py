"""/api/v1/groups: CRUD, membership, Everyone read-only, paging, errors and permissions."""

import pytest

from accounts.models import EVERYONE, Group, GroupType
from accounts.services import everyone_group, user_create
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape, response_codes

from .conftest import events, walk_pages

URL = "/api/v1/groups"
NEW_GROUP = {"profile": {"name": "West Coast Users", "description": "All users West of The Rockies"}}


def _assert_group_shape(body: dict) -> None:
    assert_shape(body, "Group")
    assert_shape(body["profile"], "OktaUserGroupProfile")
    assert body["id"].startswith("00g") and body["objectClass"] == ["okta:user_group"]


@pytest.mark.django_db
def test_create_returns_200_an_okta_group_and_logs_it(api):
    response = api.post(URL, NEW_GROUP, format="json")
    assert response.status_code == 200 and 200 in response_codes("addGroup")
    body = response.json()
    _assert_group_shape(body)
    assert body["type"] == "OKTA_GROUP" and body["profile"] == NEW_GROUP["profile"]
    assert [event.target[0]["id"] for event in events("group.lifecycle.create")] == [body["id"]]


@pytest.mark.parametrize("name", ["west coast users", EVERYONE])
@pytest.mark.django_db
def test_group_names_are_unique_without_regard_to_case(api, name):
    everyone_group()
    api.post(URL, NEW_GROUP, format="json")
    body = assert_okta_error(api.post(URL, {"profile": {"name": name}}, format="json"), 400, "E0000001")
    assert body["errorSummary"] == "Api validation failed: name"


@pytest.mark.parametrize("body, field", [({}, "profile"), ({"profile": {}}, "profile.name"),
                                         ({"profile": {"name": ""}}, "profile.name"),
                                         ({"profile": {"name": 7}}, "profile.name"),
                                         ({"profile": {"name": "x" * 256}}, "profile.name"),
                                         ({"profile": {"name": "a\x00b"}}, "profile.name"),
                                         ({"profile": {"name": "ok", "description": ["x"]}}, "profile.description")])
@pytest.mark.django_db
def test_invalid_groups_are_E0000001_naming_the_field(api, body, field):
    error = assert_okta_error(api.post(URL, body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == f"Api validation failed: {field}"
    assert not Group.objects.exclude(type=GroupType.BUILT_IN).exists()


@pytest.mark.django_db
def test_get_replace_and_delete(api):
    group_id = api.post(URL, NEW_GROUP, format="json").json()["id"]
    assert api.get(f"{URL}/{group_id}").json()["profile"]["name"] == "West Coast Users"
    response = api.put(f"{URL}/{group_id}", {"profile": {"name": "Pacific Users"}}, format="json")
    assert response.status_code == 200 and 200 in response_codes("replaceGroup")
    assert response.json()["profile"] == {"name": "Pacific Users", "description": None}
    assert len(events("group.profile.update")) == 1
    response = api.delete(f"{URL}/{group_id}")
    assert response.status_code == 204 and 204 in response_codes("deleteGroup")
    assert_okta_error(api.get(f"{URL}/{group_id}"), 404, "E0000007")
    assert len(events("group.lifecycle.delete")) == 1


@pytest.mark.django_db
def test_everyone_is_built_in_and_read_only(api, staff_user):
    everyone = everyone_group()
    body = api.get(f"{URL}/{everyone.pk}").json()
    assert body["type"] == "BUILT_IN"
    assert_okta_error(api.put(f"{URL}/{everyone.pk}", {"profile": {"name": "All"}}, format="json"), 403, "E0000006")
    assert_okta_error(api.delete(f"{URL}/{everyone.pk}"), 403, "E0000006")
    assert_okta_error(api.delete(f"{URL}/{everyone.pk}/users/{staff_user.pk}"), 403, "E0000006")
    assert Group.objects.filter(pk=everyone.pk, name=EVERYONE).exists()


@pytest.mark.django_db
def test_membership_put_and_delete_answer_204_and_log(api):
    group_id = api.post(URL, NEW_GROUP, format="json").json()["id"]
    user = user_create(login="ada@example.org", email="ada@example.org", password=None)
    response = api.put(f"{URL}/{group_id}/users/{user.pk}")
    assert response.status_code == 204 and 204 in response_codes("assignUserToGroup")
    assert api.put(f"{URL}/{group_id}/users/{user.pk}").status_code == 204  # already a member: no change
    listed = api.get(f"{URL}/{group_id}/users").json()
    assert [member["id"] for member in listed] == [user.pk]
    assert len(events("group.user_membership.add")) == 1
    response = api.delete(f"{URL}/{group_id}/users/{user.pk}")
    assert response.status_code == 204 and 204 in response_codes("unassignUserFromGroup")
    assert api.get(f"{URL}/{group_id}/users").json() == []
    assert len(events("group.user_membership.remove")) == 1


@pytest.mark.django_db
def test_membership_with_unknown_ids_is_E0000007(api):
    group_id = api.post(URL, NEW_GROUP, format="json").json()["id"]
    assert_okta_error(api.put(f"{URL}/{group_id}/users/00unknown"), 404, "E0000007")
    assert_okta_error(api.put(f"{URL}/00gunknown/users/00unknown"), 404, "E0000007")
    assert_okta_error(api.get(f"{URL}/{'x' * 500}/users"), 404, "E0000007")


@pytest.mark.django_db
def test_list_searches_filters_and_pages(api):
    everyone_group()
    made = [api.post(URL, {"profile": {"name": f"Team {n}"}}, format="json").json()["id"] for n in range(5)]
    items, pages = walk_pages(api, f"{URL}?limit=2")
    assert [item["id"] for item in items][-5:] == made and pages == 3
    assert [g["id"] for g in api.get(URL, {"q": "team"}).json()] == made
    assert [g["profile"]["name"] for g in api.get(URL, {"filter": 'type eq "BUILT_IN"'}).json()] == [EVERYONE]
    assert_okta_error(api.get(URL, {"filter": 'type eq "BUILT_IN" or'}), 400, "E0000031")
    assert_okta_error(api.get(URL, {"q": "a\x00"}), 400, "E0000031")


@pytest.mark.parametrize("fixture, status, code", [("anonymous_api", 401, "E0000011"),
                                                   ("bad_token_api", 401, "E0000011"),
                                                   ("non_staff_api", 403, "E0000006")])
@pytest.mark.django_db
def test_groups_api_needs_a_staff_token(request, fixture, status, code):
    client = request.getfixturevalue(fixture)
    assert_okta_error(client.get(URL), status, code)
    assert_okta_error(client.post(URL, NEW_GROUP, format="json"), status, code)
    assert not Group.objects.filter(name="West Coast Users").exists()
