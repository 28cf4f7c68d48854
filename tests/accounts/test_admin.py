"""The user directory in the console, with the custom user model (login, status, profile)."""

import pytest
from django.urls import reverse

from accounts.models import EVERYONE, Group, User
from accounts.services import everyone_group, user_create


@pytest.mark.django_db
def test_add_user_with_password(console):
    response = console.post(reverse("admin:accounts_user_add"), {
        "login": "alice@example.com", "email": "alice@example.com", "usable_password": "true",
        "password1": "a-long-enough-Passw0rd", "password2": "a-long-enough-Passw0rd"})
    assert response.status_code == 302, response.context and response.context["errors"]
    user = User.objects.get(login="alice@example.com")
    assert user.check_password("a-long-enough-Passw0rd")
    assert user.id.startswith("00u")
    assert user.directory_groups.filter(name=EVERYONE).exists()


@pytest.mark.django_db
def test_logins_are_unique_regardless_of_case(console):
    response = console.post(reverse("admin:accounts_user_add"), {
        "login": "ROOT@example.com", "email": "x@example.com", "usable_password": "true",
        "password1": "a-long-enough-Passw0rd", "password2": "a-long-enough-Passw0rd"})
    assert response.status_code == 200
    assert b"already exists" in response.content


@pytest.mark.django_db
def test_user_change_page_and_password_page(console):
    user = user_create(login="bob@example.com", email="bob@example.com", password="x",
                       profile={"department": "ops"})
    response = console.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert b"department" in response.content
    assert b"Everyone" in response.content
    response = console.get(reverse("admin:auth_user_password_change", args=[user.pk]))
    assert response.status_code == 200


@pytest.mark.django_db
def test_edit_status_and_profile(console):
    user = user_create(login="bob@example.com", email="bob@example.com", password="x")
    response = console.post(reverse("admin:accounts_user_change", args=[user.pk]), {
        "login": "bob@example.com", "email": "bob@example.com", "first_name": "Bob", "last_name": "",
        "profile": '{"department": "ops"}', "status": "SUSPENDED"})
    assert response.status_code == 302, response.context and response.context["errors"]
    user.refresh_from_db()
    assert user.status == "SUSPENDED" and not user.is_active
    assert user.profile == {"department": "ops"}


@pytest.mark.django_db
def test_everyone_group_cannot_be_deleted(console):
    everyone = everyone_group()
    response = console.post(reverse("admin:accounts_group_delete", args=[everyone.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Group.objects.filter(name=EVERYONE).exists()
    assert console.get(reverse("admin:accounts_group_change", args=[everyone.pk])).status_code == 200


@pytest.mark.django_db
def test_user_search(console):
    user_create(login="carol@example.com", email="carol@example.com", password="x")
    response = console.get(reverse("admin:accounts_user_changelist"), {"q": "carol"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
