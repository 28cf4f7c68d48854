"""Writes to the user directory."""

from django.db import transaction

from .models import EVERYONE, Group, GroupType, User


def everyone_group() -> Group:
    group, _ = Group.objects.get_or_create(
        name=EVERYONE,
        defaults={"type": GroupType.BUILT_IN, "description": "All users in your organization"},
    )
    return group


@transaction.atomic
def user_create(*, login: str, email: str, password: str | None, first_name: str = "",
                last_name: str = "", profile: dict | None = None, is_staff: bool = False,
                is_superuser: bool = False) -> User:
    return User.objects.create_user(
        login=login, email=email, password=password, first_name=first_name, last_name=last_name,
        profile=profile or {}, is_staff=is_staff, is_superuser=is_superuser,
    )
