"""Django's own user commands work with the custom user model (login instead of username)."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import EVERYONE, User


@pytest.mark.django_db
def test_createsuperuser_noinput_reads_django_superuser_variables(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_LOGIN", "ops@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "correct horse battery staple")
    call_command("createsuperuser", "--noinput", stdout=StringIO(), stderr=StringIO())
    user = User.objects.get(login="ops@example.com")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.email == "ops@example.com"
    assert user.check_password("correct horse battery staple")
    assert user.id.startswith("00u")
    assert user.directory_groups.filter(name=EVERYONE).exists()


@pytest.mark.django_db
def test_createsuperuser_with_options():
    call_command("createsuperuser", "--noinput", "--login", "root@example.com", "--email", "root@example.com",
                 stdout=StringIO(), stderr=StringIO())
    user = User.objects.get(login="root@example.com")
    assert user.is_superuser
    assert not user.has_usable_password()
