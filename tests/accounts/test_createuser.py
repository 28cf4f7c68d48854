"""`manage.py createuser`: password from stdin, groups, attributes, Okta's User shape and errors."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import EVERYONE, Group, GroupType, User
from accounts.presenters import group_to_okta, user_to_okta
from accounts.services import user_create

PASSWORD = "correct horse battery staple"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def createuser(*args, stdin=f"{PASSWORD}\n"):
    out, err = StringIO(), StringIO()
    call_command("createuser", *args, "--password-stdin", stdin=StringIO(stdin), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def createuser_fails(*args, stdin=f"{PASSWORD}\n"):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("createuser", *args, "--password-stdin", "--json", stdin=StringIO(stdin),
                     stdout=StringIO(), stderr=err)
    return json.loads(err.getvalue())


@pytest.mark.django_db
def test_password_is_first_line_of_stdin_without_newline():
    createuser("ada@example.com", "--email", "ada@example.com", stdin=f"{PASSWORD}\nsecond line\n")
    user = User.objects.get(login="ada@example.com")
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "\n")


@pytest.mark.django_db
def test_password_without_trailing_newline_and_with_crlf():
    createuser("a@example.com", "--email", "a@example.com", stdin=PASSWORD)
    createuser("b@example.com", "--email", "b@example.com", stdin=f"{PASSWORD}\r\n")
    assert User.objects.get(login="a@example.com").check_password(PASSWORD)
    assert User.objects.get(login="b@example.com").check_password(PASSWORD)


@pytest.mark.django_db
def test_json_output_has_okta_user_shape():
    out, _ = createuser("ada@example.com", "--email", "ada@example.com", "--first-name", "Ada",
                        "--last-name", "Lovelace", "--attr", "department=Engineering", "--json")
    body = json.loads(out)
    user = User.objects.get(login="ada@example.com")
    assert body["id"] == user.pk and body["id"].startswith("00u")
    assert body["status"] == "ACTIVE"
    for field in ("created", "activated", "lastUpdated", "passwordChanged"):
        assert TIMESTAMP.match(body[field]), field
    assert body["lastLogin"] is None and body["statusChanged"] is None
    assert body["type"]["id"].startswith("oty")
    assert body["profile"] == {"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada",
                               "lastName": "Lovelace", "department": "Engineering"}
    assert body["credentials"] == {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}
    assert body["_links"]["self"]["href"] == f"http://testserver/api/v1/users/{user.pk}"
    assert PASSWORD not in out


@pytest.mark.django_db
def test_attribute_values_are_json_when_they_parse_else_strings():
    createuser("ada@example.com", "--email", "ada@example.com", "--attr", "age=36", "admin=true",
               'langs=["en","fr"]', "--attr", "nickname=Countess", "note=", "empty=null", "eq=a=b")
    assert User.objects.get(login="ada@example.com").profile == {
        "age": 36, "admin": True, "langs": ["en", "fr"], "nickname": "Countess", "note": "", "empty": None,
        "eq": "a=b",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("attr", ["nokey", "=value", "login=other", "firstName=X"])
def test_malformed_or_base_attribute_is_refused(attr):
    error = createuser_fails("ada@example.com", "--email", "ada@example.com", "--attr", attr)
    assert error["errorCode"] == "E0000001"
    assert error["errorSummary"] == "Api validation failed: profile"
    assert not User.objects.filter(login="ada@example.com").exists()


@pytest.mark.django_db
def test_groups_are_created_when_missing_and_everyone_is_not_duplicated():
    Group.objects.create(name="Existing")
    createuser("ada@example.com", "--email", "ada@example.com", "--group", "Engineering", "Existing",
               "--group", EVERYONE)
    user = User.objects.get(login="ada@example.com")
    assert set(user.directory_groups.values_list("name", flat=True)) == {"Engineering", "Existing", EVERYONE}
    assert Group.objects.get(name="Engineering").type == GroupType.OKTA_GROUP
    assert Group.objects.filter(name=EVERYONE).count() == 1
    assert Group.objects.get(name=EVERYONE).type == GroupType.BUILT_IN


@pytest.mark.django_db
def test_duplicate_login_without_regard_to_case_is_okta_error():
    user_create(login="ada@example.com", email="ada@example.com", password=None)
    error = createuser_fails("ADA@Example.com", "--email", "ada@example.com")
    assert error["errorCode"] == "E0000001"
    assert error["errorSummary"] == "Api validation failed: login"
    assert error["errorCauses"] == [
        {"errorSummary": "login: An object with this field already exists in the current organization"}]
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_duplicate_login_without_json_is_plain_command_error():
    user_create(login="ada@example.com", email="ada@example.com", password=None)
    with pytest.raises(CommandError, match="already exists"):
        createuser("ada@example.com", "--email", "ada@example.com")


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "expected"), [
    ("short1", "too short"),
    ("password123", "too common"),
    ("83749283749283", "entirely numeric"),
    ("ada@example.com", "too similar"),
])
def test_weak_password_is_refused_with_validator_message(password, expected):
    error = createuser_fails("ada@example.com", "--email", "ada@example.com", stdin=f"{password}\n")
    assert error["errorSummary"] == "Api validation failed: password"
    assert expected in error["errorCauses"][0]["errorSummary"]
    assert password not in json.dumps(error) or password == "ada@example.com"
    assert not User.objects.exists()
    assert not Group.objects.exclude(name=EVERYONE).exists()


@pytest.mark.django_db
def test_empty_stdin_is_refused():
    error = createuser_fails("ada@example.com", "--email", "ada@example.com", stdin="")
    assert error["errorSummary"] == "Api validation failed: password"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_failed_group_creation_rolls_back_the_user():
    with pytest.raises(CommandError):
        createuser("ada@example.com", "--email", "ada@example.com", "--group", "  ")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_suspended_user_has_no_lifecycle_links_but_unsuspend():
    user = user_create(login="ada@example.com", email="ada@example.com", password=None)
    user.status = "SUSPENDED"
    body = user_to_okta(user)
    assert body["activated"] is None
    assert set(body["_links"]) == {"self", "unsuspend", "type"}
    assert "password" not in body["credentials"]  # no usable password


@pytest.mark.django_db
def test_group_to_okta_shape():
    group = Group.objects.create(name="Engineering", description="Builders")
    body = group_to_okta(group)
    assert body["id"] == group.pk and body["id"].startswith("00g")
    assert body["type"] == "OKTA_GROUP"
    assert body["profile"] == {"name": "Engineering", "description": "Builders"}
    assert body["objectClass"] == ["okta:user_group"]
    assert TIMESTAMP.match(body["created"])
    assert body["_links"]["users"]["href"].endswith(f"/api/v1/groups/{group.pk}/users")
