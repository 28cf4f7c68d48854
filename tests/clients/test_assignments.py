"""`createclient --assign-group/--assign-user` and `client_assign`: all-or-nothing, Okta-style failures."""

import json
from functools import partial

import pytest

from accounts.models import Group
from accounts.services import user_create
from clients.models import Client
from clients.services import client_assign, client_create
from tests.commands import run_command, run_command_failing

SERVICE = ("billing-service", "--grant-types", "client_credentials")


run = partial(run_command, "createclient")
run_failing = partial(run_command_failing, "createclient")


@pytest.fixture
def alice(db):
    return user_create(login="alice@example.com", email="alice@example.com", password="pw-for-tests")


@pytest.fixture
def bob(db):
    return user_create(login="bob@example.com", email="bob@example.com", password="pw-for-tests")


@pytest.mark.django_db
def test_groups_and_users_are_assigned(alice, bob):
    Group.objects.create(name="Engineering")
    out, _ = run(*SERVICE, "--assign-group", "Engineering", "Everyone", "--assign-user", "alice@example.com",
                 "BOB@example.com", "--json")
    client = Client.objects.get(pk=json.loads(out)["id"])
    assert sorted(client.assigned_groups.values_list("name", flat=True)) == ["Engineering", "Everyone"]
    assert set(client.assigned_users.all()) == {alice, bob}


@pytest.mark.django_db
def test_everyone_works_even_before_it_exists():
    Group.objects.filter(name="Everyone").delete()
    out, _ = run(*SERVICE, "--assign-group", "Everyone", "--json")
    client = Client.objects.get(pk=json.loads(out)["id"])
    assert list(client.assigned_groups.values_list("name", flat=True)) == ["Everyone"]


@pytest.mark.django_db
def test_text_output_lists_assignments(alice):
    out, _ = run(*SERVICE, "--assign-group", "Everyone", "--assign-user", "alice@example.com")
    assert "groups:        Everyone" in out
    assert "users:         alice@example.com" in out


@pytest.mark.django_db
def test_without_assignment_flags_nothing_is_assigned():
    out, _ = run(*SERVICE, "--json")
    client = Client.objects.get(pk=json.loads(out)["id"])
    assert not client.assigned_groups.exists()
    assert not client.assigned_users.exists()


@pytest.mark.django_db
def test_unknown_group_is_okta_not_found_and_rolls_back(alice):
    _, err = run_failing(*SERVICE, "--assign-user", "alice@example.com", "--assign-group", "Nope", "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: Nope (UserGroup)"
    assert {"errorLink", "errorId", "errorCauses"} <= set(body)
    assert not Client.objects.exists()
    assert not alice.assigned_clients.exists()


@pytest.mark.django_db
def test_unknown_user_is_okta_not_found_and_rolls_back():
    _, err = run_failing(*SERVICE, "--assign-user", "ghost@example.com", "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: ghost@example.com (User)"
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_unknown_group_without_json_is_a_plain_sentence():
    exc, err = run_failing(*SERVICE, "--assign-group", "Nope")
    assert "Nope" in str(exc)
    assert not err.startswith("{")
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_client_assign_is_all_or_nothing(alice):
    client, _ = client_create(label="svc", grant_types=["client_credentials"])
    with pytest.raises(Exception) as excinfo:
        client_assign(client=client, users=["alice@example.com"], groups=["Missing"])
    assert excinfo.value.code == "E0000007"
    assert not client.assigned_users.exists()
    client_assign(client=client, users=[alice], groups=["Everyone"])
    assert list(client.assigned_users.all()) == [alice]
