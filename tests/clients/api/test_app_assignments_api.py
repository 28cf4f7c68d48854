"""/api/v1/apps/{id}/users and /groups: assign, read, list (direct and through groups), unassign."""

import pytest

from accounts.models import Group
from accounts.services import everyone_group, user_create
from clients.services import client_create
from tests.accounts.api.conftest import events, walk_pages
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape, response_codes


@pytest.fixture
def app(db):
    client, _ = client_create(label="Portal", grant_types=["authorization_code"],
                              redirect_uris=["https://portal.example.com/cb"])
    return client


@pytest.fixture
def ada(db):
    return user_create(login="ada@example.org", email="ada@example.org", password=None)


@pytest.mark.django_db
def test_assign_get_list_and_unassign_a_user(api, app, ada):
    url = f"/api/v1/apps/{app.id}/users"
    response = api.post(url, {"id": ada.pk, "scope": "USER", "credentials": {"userName": ada.login}}, format="json")
    assert response.status_code == 200 and 200 in response_codes("assignUserToApplication"), response.content
    body = response.json()
    assert_shape(body, "AppUser")
    assert body["id"] == ada.pk and body["scope"] == "USER" and body["credentials"] == {"userName": ada.login}
    assert body["_links"]["user"]["href"].endswith(f"/api/v1/users/{ada.pk}")
    assert api.get(f"{url}/{ada.pk}").json()["id"] == ada.pk
    assert [user["id"] for user in api.get(url).json()] == [ada.pk]
    assert len(events("application.user_membership.add")) == 1
    response = api.delete(f"{url}/{ada.pk}")
    assert response.status_code == 204 and 204 in response_codes("unassignUserFromApplication")
    assert api.get(url).json() == []
    assert_okta_error(api.get(f"{url}/{ada.pk}"), 404, "E0000007")
    assert_okta_error(api.delete(f"{url}/{ada.pk}"), 404, "E0000007")
    assert len(events("application.user_membership.remove")) == 1


@pytest.mark.django_db
def test_users_through_a_group_are_listed_with_scope_group(api, app, ada):
    group = Group.objects.create(name="Portal Users")
    group.users.add(ada)
    url = f"/api/v1/apps/{app.id}/groups/{group.pk}"
    response = api.put(url, {"priority": 0}, format="json")
    assert response.status_code == 200 and 200 in response_codes("assignGroupToApplication")
    assert_shape(response.json(), "ApplicationGroupAssignment")
    [listed] = api.get(f"/api/v1/apps/{app.id}/users").json()
    assert listed["id"] == ada.pk and listed["scope"] == "GROUP"
    assert api.get(f"/api/v1/apps/{app.id}/users/{ada.pk}").json()["scope"] == "GROUP"
    # Unassigning the user directly does not undo a group assignment.
    assert_okta_error(api.delete(f"/api/v1/apps/{app.id}/users/{ada.pk}"), 404, "E0000007")


@pytest.mark.django_db
def test_assign_get_list_and_unassign_a_group(api, app):
    group = Group.objects.create(name="Portal Users")
    url = f"/api/v1/apps/{app.id}/groups"
    assert api.put(f"{url}/{group.pk}").status_code == 200
    assert api.put(f"{url}/{group.pk}").status_code == 200  # already assigned: no second event
    assert [item["id"] for item in api.get(url).json()] == [group.pk]
    assert api.get(f"{url}/{group.pk}").json()["_links"]["group"]["href"].endswith(f"/api/v1/groups/{group.pk}")
    assert len(events("group.application_assignment.add")) == 1
    response = api.delete(f"{url}/{group.pk}")
    assert response.status_code == 204 and 204 in response_codes("unassignApplicationFromGroup")
    assert api.get(url).json() == []
    assert_okta_error(api.get(f"{url}/{group.pk}"), 404, "E0000007")
    assert len(events("group.application_assignment.remove")) == 1


@pytest.mark.django_db
def test_assigning_everyone_lists_every_user(api, app, ada, staff_user):
    api.put(f"/api/v1/apps/{app.id}/groups/{everyone_group().pk}")
    listed = {user["id"] for user in api.get(f"/api/v1/apps/{app.id}/users").json()}
    assert listed == {ada.pk, staff_user.pk}


@pytest.mark.django_db
def test_assignment_lists_page(api, app):
    users = [user_create(login=f"u{n}@example.org", email=f"u{n}@example.org", password=None) for n in range(5)]
    for user in users:
        api.post(f"/api/v1/apps/{app.id}/users", {"id": user.pk}, format="json")
    items, pages = walk_pages(api, f"/api/v1/apps/{app.id}/users?limit=2")
    assert [item["id"] for item in items] == [user.pk for user in users] and pages == 3
    groups = [Group.objects.create(name=f"G{n}") for n in range(3)]
    for group in groups:
        api.put(f"/api/v1/apps/{app.id}/groups/{group.pk}")
    items, pages = walk_pages(api, f"/api/v1/apps/{app.id}/groups?limit=2")
    assert [item["id"] for item in items] == [group.pk for group in groups] and pages == 2


@pytest.mark.parametrize("body, code", [({}, "E0000001"), ({"id": 5}, "E0000001"), ({"id": "a\x00"}, "E0000001"),
                                        ({"id": "00u" + "x" * 40}, "E0000001"), ({"id": "00uunknown"}, "E0000007"),
                                        ({"id": "x", "scope": "GROUP"}, "E0000001"), ([], "E0000003")])
@pytest.mark.django_db
def test_bad_user_assignments_are_refused(api, app, body, code):
    response = api.post(f"/api/v1/apps/{app.id}/users", body, format="json")
    assert_okta_error(response, 404 if code == "E0000007" else 400, code)
    assert not app.assigned_users.exists()


@pytest.mark.django_db
def test_bad_group_assignments_are_refused(api, app):
    group = Group.objects.create(name="G")
    assert_okta_error(api.put(f"/api/v1/apps/{app.id}/groups/00gunknown"), 404, "E0000007")
    assert_okta_error(api.put(f"/api/v1/apps/0oaunknown/groups/{group.pk}"), 404, "E0000007")
    assert_okta_error(api.put(f"/api/v1/apps/{app.id}/groups/{group.pk}", {"priority": "high"}, format="json"),
                      400, "E0000001")
    assert not app.assigned_groups.exists()


@pytest.mark.parametrize("fixture, status, code", [("anonymous_api", 401, "E0000011"),
                                                   ("bad_token_api", 401, "E0000011"),
                                                   ("non_staff_api", 403, "E0000006")])
@pytest.mark.django_db
def test_assignments_need_a_staff_token(request, app, ada, fixture, status, code):
    client = request.getfixturevalue(fixture)
    assert_okta_error(client.post(f"/api/v1/apps/{app.id}/users", {"id": ada.pk}, format="json"), status, code)
    assert_okta_error(client.get(f"/api/v1/apps/{app.id}/groups"), status, code)
    assert not app.assigned_users.exists()
