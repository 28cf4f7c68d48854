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

    systemlog.emit("user.lifecycle.create", actor=actor or systemlog.system_actor(), targets=[_user_target(user)],
                   message="Create Okta user")
    return user


def _user_target(user: User) -> dict:
    from authservers import systemlog

    return systemlog.target(user.pk, "User", user.display_name, user.login)


def _group_target(group: Group) -> dict:
    from authservers import systemlog

    return systemlog.target(group.pk, "UserGroup", group.name, group.name)


def _emit(event_type: str, message: str, targets: list[dict], actor: dict | None, debug: dict | None = None) -> None:
    from authservers import systemlog

    systemlog.emit(event_type, actor=actor or systemlog.system_actor(), targets=targets, message=message, debug=debug)


def password_problem(password: str, user: User) -> str | None:
    """AUTH_PASSWORD_VALIDATORS' complaint about `password` for `user`, or None."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


@transaction.atomic
def user_replace(*, user: User, login: str, email: str, first_name: str = "", last_name: str = "",
                 profile: dict | None = None, password: str | None = None, actor: dict | None = None) -> User:
    """Replace a user's profile (Okta's PUT); a password, when given, must pass the validators."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if User.objects.filter(login__iexact=login).exclude(pk=locked.pk).exists():
        raise DirectoryError("login: An object with this field already exists in the current organization",
                             "login")
    before = {"login": locked.login, "email": locked.email, "firstName": locked.first_name,
              "lastName": locked.last_name, "profile": locked.profile}
    locked.login, locked.email, locked.first_name, locked.last_name = login, email, first_name, last_name
    locked.profile = profile or {}
    if password is not None:
        problem = password_problem(password, locked)
        if problem:
            raise DirectoryError(f"password: {problem}", "password")
        locked.set_password(password)
    locked.save()
    after = {"login": login, "email": email, "firstName": first_name, "lastName": last_name,
             "profile": locked.profile}
    changed = sorted(key for key in before if before[key] != after[key])
    if changed:
        _emit("user.account.update_profile", "Update user profile for Okta", [_user_target(locked)], actor,
              {"changedAttributes": ",".join(changed)})
    if password is not None:
        _emit("user.account.update_password", "User update password for Okta", [_user_target(locked)], actor)
    return locked


# Okta's lifecycle operations: the statuses each may start from, where it leads, its System Log event.
USER_TRANSITIONS = {
    "activate": ({UserStatus.STAGED, UserStatus.DEPROVISIONED}, UserStatus.ACTIVE, "user.lifecycle.activate",
                 "Activate Okta user"),
    "deactivate": ({UserStatus.STAGED, UserStatus.ACTIVE, UserStatus.SUSPENDED}, UserStatus.DEPROVISIONED,
                   "user.lifecycle.deactivate", "Deactivate Okta user"),
    "suspend": ({UserStatus.ACTIVE}, UserStatus.SUSPENDED, "user.lifecycle.suspend", "Suspend Okta user"),
    "unsuspend": ({UserStatus.SUSPENDED}, UserStatus.ACTIVE, "user.lifecycle.unsuspend", "Unsuspend Okta user"),
}


class UserLifecycleError(DirectoryError):
    """A lifecycle operation the user's status does not allow."""


@transaction.atomic
def user_lifecycle(*, user: User, operation: str, actor: dict | None = None) -> User:
    """Run `activate`, `deactivate`, `suspend` or `unsuspend`. Deactivating a deactivated user changes nothing."""
    from django.utils import timezone

    sources, target, event, message = USER_TRANSITIONS[operation]
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.status == target and operation == "deactivate":
        return locked
    if locked.status not in sources:
        if operation == "activate":
            # Okta: E0000016 "Activation failed because the user is already active".
            raise UserLifecycleError("Activation failed because the user is already active", "status",
                                     code="E0000016")
        raise UserLifecycleError(f"Cannot {operation} a user with status {locked.status}.", "status")
    locked.status, locked.status_changed = target, timezone.now()
    locked.save(update_fields=["status", "status_changed", "last_updated"])
    _emit(event, message, [_user_target(locked)], actor)
    return locked


@transaction.atomic
def user_delete(*, user: User, actor: dict | None = None) -> bool:
    """Okta's delete: a user not yet deactivated is deactivated (False); a deactivated one is deleted (True)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.status != UserStatus.DEPROVISIONED:
        user_lifecycle(user=locked, operation="deactivate", actor=actor)
        return False
    target = _user_target(locked)
    locked.delete()
    _emit("user.lifecycle.delete.initiated", "Delete Okta user", [target], actor)
    return True


# Groups ------------------------------------------------------------------------------------------

def _built_in_is_read_only(group: Group) -> None:
    if group.is_built_in:
        # Okta: the Everyone group (BUILT_IN) cannot be changed, deleted, or have members added or removed.
        raise DirectoryError(f"{group.name} is a built-in group and cannot be changed.", "type", code="E0000006")


def _group_name(name: str, instance: Group | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DirectoryError("name: The field cannot be left blank.", "name")
    if len(name) > 255:
        raise DirectoryError("name: The name must be at most 255 characters.", "name")
    others = Group.objects.exclude(pk=instance.pk) if instance else Group.objects.all()
    if name == EVERYONE or others.filter(name__iexact=name).exists():
        raise DirectoryError("name: An object with this field already exists in the current organization", "name")
    return name


def _save_group(group: Group) -> None:
    from django.db import IntegrityError

    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:  # the same name saved concurrently
        raise DirectoryError("name: An object with this field already exists in the current organization",
                             "name") from None


@transaction.atomic
def group_create(*, name: str, description: str = "", actor: dict | None = None) -> Group:
    """Create an OKTA_GROUP; names are unique without regard to case."""
    group = Group(name=_group_name(name), description=(description or "").strip(), type=GroupType.OKTA_GROUP)
    _save_group(group)
    _emit("group.lifecycle.create", "Create Okta group", [_group_target(group)], actor)
    return group


@transaction.atomic
def group_replace(*, group: Group, name: str, description: str = "", actor: dict | None = None) -> Group:
    locked = Group.objects.select_for_update().get(pk=group.pk)
    _built_in_is_read_only(locked)
    before = (locked.name, locked.description)
    locked.name, locked.description = _group_name(name, locked), (description or "").strip()
    _save_group(locked)
    if before != (locked.name, locked.description):
        _emit("group.profile.update", "Update Okta group profile", [_group_target(locked)], actor)
    return locked


@transaction.atomic
def group_delete(*, group: Group, actor: dict | None = None) -> None:
    _built_in_is_read_only(group)
    target = _group_target(group)
    group.delete()
    _emit("group.lifecycle.delete", "Delete Okta group", [target], actor)


@transaction.atomic
def group_membership_set(*, group: Group, user: User, member: bool, actor: dict | None = None) -> None:
    """Add `user` to `group` or remove it; a change that is already so logs nothing."""
    _built_in_is_read_only(group)
    if group.users.filter(pk=user.pk).exists() == member:
        return
    if member:
        group.users.add(user)
    else:
        group.users.remove(user)
    from django.utils import timezone

    Group.objects.filter(pk=group.pk).update(last_updated=timezone.now())
    event, message = (("group.user_membership.add", "Add user to group membership") if member
                      else ("group.user_membership.remove", "Remove user from group membership"))
    _emit(event, message, [_user_target(user), _group_target(group)], actor)


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
