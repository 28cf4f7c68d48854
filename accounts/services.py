"""Writes to the user directory."""

from collections.abc import Sequence

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import EVERYONE, Group, GroupType, User, UserStatus


class DirectoryError(Exception):
    """An invalid directory write; `field` names the input at fault (same shape as authservers' ServiceError)."""

    def __init__(self, message: str, field: str | None = None, code: str = "E0000001"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def everyone_group() -> Group:
    group, _ = Group.objects.get_or_create(
        name=EVERYONE,
        defaults={"type": GroupType.BUILT_IN, "description": "All users in your organization"},
    )
    return group


def group_get_or_create(*, name: str) -> Group:
    """The group called `name`, created as an OKTA_GROUP when missing."""
    name = name.strip()
    if not name:
        raise DirectoryError("name: The field cannot be left blank.", "name")
    group, _ = Group.objects.get_or_create(name=name, defaults={"type": GroupType.OKTA_GROUP})
    return group


@transaction.atomic
def user_create(*, login: str, email: str, password: str | None, first_name: str = "",
                last_name: str = "", profile: dict | None = None, is_staff: bool = False,
                is_superuser: bool = False, groups: Sequence[str] = (),
                validate_password: bool = False, status: str = UserStatus.ACTIVE,
                actor: dict | None = None) -> User:
    """Create a user, add it to `groups` (created when missing) and, through the signal, to Everyone.

    With `validate_password` the password must pass AUTH_PASSWORD_VALIDATORS; failures, like a
    login taken without regard to case, raise `DirectoryError` with Okta's wording.
    """
    if User.objects.filter(login__iexact=login).exists():
        # Okta: E0000001 "Api validation failed: login", cause "login: An object with this field
        # already exists in the current organization".
        raise DirectoryError("login: An object with this field already exists in the current organization",
                           "login")
    if validate_password and password is not None:
        candidate = User(login=login, email=email, first_name=first_name, last_name=last_name)
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as exc:
            raise DirectoryError("password: " + " ".join(exc.messages), "password") from None
    user = User.objects.create_user(
        login=login, email=email, password=password, first_name=first_name, last_name=last_name,
        profile=profile or {}, is_staff=is_staff, is_superuser=is_superuser, status=status,
    )
    names = {name.strip() for name in groups} - {EVERYONE}  # every user is in Everyone already
    for name in sorted(names):
        group_get_or_create(name=name).users.add(user)
    from authservers import systemlog

    systemlog.emit("user.lifecycle.create", actor=actor or systemlog.system_actor(), targets=[user_log_target(user)],
                   message="Create Okta user")
    return user


def user_log_target(user: User) -> dict:
    from authservers import systemlog

    return systemlog.target(user.pk, "User", user.display_name, user.login)


def group_log_target(group: Group) -> dict:
    from authservers import systemlog

    return systemlog.target(group.pk, "UserGroup", group.name, group.name)


def log_event(event_type: str, message: str, targets: list[dict], actor: dict | None, debug: dict | None = None) -> None:
    from authservers import systemlog

    systemlog.emit(event_type, actor=actor or systemlog.system_actor(), targets=targets, message=message, debug=debug)


# API tokens --------------------------------------------------------------------------------------

API_TOKEN_PREFIX_LENGTH = 8


def api_token_hash(token: str) -> str:
    """The stored form of an API token: SHA-256, hex. The token has ~238 bits of entropy, so no salt."""
    import hashlib

    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_api_token_secret() -> str:
    # Okta: API tokens are 42 characters starting with "00"; ours are "00" and 40 base62 characters.
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    return "00" + "".join(secrets.choice(alphabet) for _ in range(40))


@transaction.atomic
def api_token_create(*, name: str, user: User, expires_at=None, actor: dict | None = None):
    """Create an API token acting as `user` (an active staff member); returns (token row, secret).

    The secret is returned here once and never stored: only its hash and first characters are.
    """
    from authservers import systemlog

    from .models import ApiToken

    name = (name or "").strip()
    if not name:
        raise DirectoryError("name: The field cannot be left blank.", "name")
    if len(name) > 255:
        raise DirectoryError("name: The name must be at most 255 characters.", "name")
    if not (user.is_active and user.is_staff):
        raise DirectoryError("user: An API token must act as an active staff user.", "user")
    secret = _new_api_token_secret()
    token = ApiToken.objects.create(name=name, user=user, token_hash=api_token_hash(secret),
                                    prefix=secret[:API_TOKEN_PREFIX_LENGTH], expires_at=expires_at)
    systemlog.emit("system.api_token.create", actor=actor or systemlog.actor_for_user(user),
                   targets=[systemlog.target(token.id, "Token", token.name)], message="Create API token")
    return token, secret
