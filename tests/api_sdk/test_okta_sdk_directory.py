"""The Okta Python SDK manages users, groups and memberships against a live Castellan."""

import pytest
from okta.models import (
    AddGroupRequest,
    CreateUserRequest,
    OktaUserGroupProfile,
    PasswordCredential,
    UserCredentialsWritable,
    UserProfile,
)

pytestmark = pytest.mark.live


def test_okta_sdk_runs_a_user_through_its_lifecycle(sdk):
    body = CreateUserRequest(
        profile=UserProfile(first_name="Isaac", last_name="Brock", email="isaac@example.org",
                            login="isaac@example.org"),
        credentials=UserCredentialsWritable(password=PasswordCredential(value="Correct-Horse-Battery-9")))
    user = sdk.ok(sdk.client.create_user(body, activate=False))
    assert user.status == "STAGED" and user.profile.login == "isaac@example.org"
    sdk.ok(sdk.client.activate_user(user.id, send_email=False))
    assert sdk.ok(sdk.client.get_user("isaac@example.org")).status == "ACTIVE"
    found = sdk.ok(sdk.client.list_users(search='profile.login eq "isaac@example.org"'))
    assert [item.id for item in found] == [user.id]
    found = sdk.ok(sdk.client.list_users(filter='status eq "ACTIVE"', q="isaac"))
    assert [item.id for item in found] == [user.id]

    group = sdk.ok(sdk.client.add_group(AddGroupRequest(profile=OktaUserGroupProfile(name="Engineering"))))
    sdk.ok(sdk.client.assign_user_to_group(group.id, user.id))
    assert [member.id for member in sdk.ok(sdk.client.list_group_users(group.id))] == [user.id]
    assert [item.id for item in sdk.ok(sdk.client.list_groups(q="Eng"))] == [group.id]
    sdk.ok(sdk.client.unassign_user_from_group(group.id, user.id))
    sdk.ok(sdk.client.delete_group(group.id))

    sdk.ok(sdk.client.suspend_user(user.id))
    sdk.ok(sdk.client.unsuspend_user(user.id))
    sdk.ok(sdk.client.deactivate_user(user.id))
    sdk.ok(sdk.client.delete_user(user.id))
    _, response, error = sdk.run(sdk.client.get_user(user.id))
    assert error is not None and response.status == 404


def test_okta_sdk_pages_through_groups_with_the_link_header(sdk):
    from okta.pagination import PaginationHelper

    made = [sdk.ok(sdk.client.add_group(AddGroupRequest(profile=OktaUserGroupProfile(name=f"Team {n}")))).id
            for n in range(5)]
    seen, after, pages = [], None, 0
    while True:
        groups, response, error = sdk.run(sdk.client.list_groups(q="Team", limit=2, after=after))
        assert error is None, error
        seen += [group.id for group in groups]
        pages += 1
        after = PaginationHelper.extract_next_cursor(response.headers)
        if after is None:
            break
    assert seen == made and pages == 3
