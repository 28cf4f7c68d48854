"""Writes the management API needs beyond `services.py`: profile replacement, the user lifecycle,
and group changes and membership, each with its Okta System Log event (REFERENCE §11.1)."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import EVERYONE, Group, GroupType, User, UserStatus
from .services import DirectoryError, group_log_target, log_event, user_log_target


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
        log_event("user.account.update_profile", "Update user profile for Okta", [user_log_target(locked)], actor,
              {"changedAttributes": ",".join(changed)})
    if password is not None:
        log_event("user.account.update_password", "User update password for Okta", [user_log_target(locked)], actor)
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
    log_event(event, message, [user_log_target(locked)], actor)
    return locked


@transaction.atomic
def user_delete(*, user: User, actor: dict | None = None) -> bool:
    """Okta's delete: a user not yet deactivated is deactivated (False); a deactivated one is deleted (True)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.status != UserStatus.DEPROVISIONED:
        user_lifecycle(user=locked, operation="deactivate", actor=actor)
        return False
    target = user_log_target(locked)
    locked.delete()
    log_event("user.lifecycle.delete.initiated", "Delete Okta user", [target], actor)
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
    log_event("group.lifecycle.create", "Create Okta group", [group_log_target(group)], actor)
    return group


@transaction.atomic
def group_replace(*, group: Group, name: str, description: str = "", actor: dict | None = None) -> Group:
    locked = Group.objects.select_for_update().get(pk=group.pk)
    _built_in_is_read_only(locked)
    before = (locked.name, locked.description)
    locked.name, locked.description = _group_name(name, locked), (description or "").strip()
    _save_group(locked)
    if before != (locked.name, locked.description):
        log_event("group.profile.update", "Update Okta group profile", [group_log_target(locked)], actor)
    return locked


@transaction.atomic
def group_delete(*, group: Group, actor: dict | None = None) -> None:
    _built_in_is_read_only(group)
    target = group_log_target(group)
    group.delete()
    log_event("group.lifecycle.delete", "Delete Okta group", [target], actor)


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
    log_event(event, message, [user_log_target(user), group_log_target(group)], actor)
