"""Deprovisioning that really deprovisions: a client's or a user's tokens end with it (REFERENCE §6.5).

JWT access tokens are never stored, so they cannot be deleted: a deactivated client gets a
`tokens_valid_after` moment, carried in its snapshot, and introspection and userinfo refuse every
token issued at or before it. Reactivation leaves that moment in place, so the old tokens stay
dead for good. Stored refresh tokens are revoked and pending authorization codes deleted, so
nothing can mint new tokens from before the deactivation either. Resource servers that verify JWTs
locally cannot see any of this before `exp` (docs/operations.md).
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.utils import timezone

from authservers import systemlog
from authservers.services import ServiceError

from .models import Client, ClientStatus
from .services import app_log_target as _target

APP_DELETE_FORBIDDEN = "E0000056"


def client_get(client_id: str) -> Client | None:
    """A client by its id or client_id (they are equal for clients Castellan creates)."""
    if not client_id or len(client_id) > 255 or "\x00" in client_id:
        return None
    client = Client.objects.filter(client_id=client_id).first()
    if client is None and len(client_id) <= 20:
        client = Client.objects.filter(pk=client_id).first()
    return client


@transaction.atomic
def client_tokens_end(*, client: Client, actor: dict | None = None, reason: str = "client") -> int:
    """End every token of `client` issued until now; returns how many stored refresh tokens were revoked."""
    from authservers.models import Grant, RefreshToken

    now = timezone.now()
    client.tokens_valid_after = now
    client.save(update_fields=["tokens_valid_after"])  # post_save refreshes the snapshot everywhere
    revoked = _families_end(reason="client_deactivated", client=client)
    RefreshToken.objects.filter(application=client, revoked__isnull=True).update(revoked=now)
    Grant.objects.filter(application=client).delete()
    systemlog.emit("app.oauth2.token.revoke.implicit.client", actor=actor or systemlog.system_actor(),
                   targets=[_target(client)], message="Tokens of the client revoked",
                   debug={"reason": reason, "revokedRefreshTokens": revoked,
                          "tokensValidAfter": int(now.timestamp())})
    return revoked


@transaction.atomic
def client_deactivate(*, client: Client, actor: dict | None = None) -> Client:
    """INACTIVE, and every token issued so far dead for good. Idempotent."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status == ClientStatus.INACTIVE:
        return client
    client.status = ClientStatus.INACTIVE
    client.save(update_fields=["status", "last_updated"])
    client_tokens_end(client=client, actor=actor, reason="deactivated")
    systemlog.emit("app.oauth2.client.lifecycle.deactivate", actor=actor or systemlog.system_actor(),
                   targets=[_target(client)], message="Deactivate OAuth client")
    return client


@transaction.atomic
def client_activate(*, client: Client, actor: dict | None = None) -> Client:
    """ACTIVE again; tokens from before the deactivation stay dead. Idempotent."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status == ClientStatus.ACTIVE:
        return client
    client.status = ClientStatus.ACTIVE
    client.save(update_fields=["status", "last_updated"])
    systemlog.emit("app.oauth2.client.lifecycle.activate", actor=actor or systemlog.system_actor(),
                   targets=[_target(client)], message="Activate OAuth client")
    return client


@transaction.atomic
def client_delete(*, client: Client, actor: dict | None = None) -> None:
    """Delete an app with its secrets, keys, assignments and stored tokens. Okta: only an INACTIVE app."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.is_active:
        raise ServiceError("The application must be deactivated before it can be deleted.", None,
                           code=APP_DELETE_FORBIDDEN)
    target = _target(locked)
    locked.delete()  # the snapshot is dropped everywhere
    systemlog.emit("app.oauth2.client.lifecycle.delete", actor=actor or systemlog.system_actor(), targets=[target],
                   message="Delete OAuth client")


def user_refresh_tokens_end(*, user_id: str) -> int:
    """Revoke the user's refresh-token families (and their access tokens) and drop their pending codes."""
    from authservers.models import Grant, RefreshToken

    revoked = _families_end(reason="user_inactive", user_id=user_id)
    RefreshToken.objects.filter(user_id=user_id, revoked__isnull=True).update(revoked=timezone.now())
    Grant.objects.filter(user_id=user_id).delete()
    return revoked


def _families_end(*, reason: str, **owner) -> int:
    """Revoke every live refresh-token family of `owner` (user_id= or client=); returns how many."""
    from authservers.models import RefreshTokenFamily
    from authservers.refresh_services import family_revoke

    family_ids = list(RefreshTokenFamily.objects.filter(revoked__isnull=True, **owner).values_list("pk", flat=True))
    for family_id in family_ids:
        family_revoke(family_id=family_id, reason=reason)
    return len(family_ids)


@receiver(post_save, sender="accounts.User", dispatch_uid="clients.user_tokens_end_when_not_active")
def _user_not_active(sender, instance, raw=False, **kwargs):
    # However a user is suspended or deprovisioned (API, console, command), their refresh tokens end;
    # deleting a user deletes them outright (foreign keys cascade).
    if not raw and not instance.is_active:
        user_refresh_tokens_end(user_id=instance.pk)


# --- assignments: a user no longer assigned to a client loses their refresh tokens for it ------------

def unassigned_tokens_end(*, client_pks, user_ids) -> int:
    """End the refresh-token families of each user no longer assigned to each client (direct or by group).

    Called whenever an assignment or a group membership goes away, from whichever side (API, admin,
    commands); a user still assigned by another path keeps their tokens. Returns how many families ended.
    """
    from accounts.models import User
    from authservers.code_services import user_group_ids, user_is_assigned
    from authservers.models import RefreshTokenFamily

    ended = 0
    for user_id in set(user_ids):
        live = set(RefreshTokenFamily.objects.filter(user_id=user_id, client_id__in=list(client_pks),
                                                     revoked__isnull=True).values_list("client_id", flat=True))
        if not live:
            continue
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            continue
        groups = user_group_ids(user)
        for client_pk in live:
            if not user_is_assigned(client_pk=client_pk, user=user, group_ids=groups):
                ended += _families_end(reason="user_not_assigned", user_id=user_id, client_id=client_pk)
    return ended


def _assignment_removed(client_pks, user_ids) -> None:
    if client_pks and user_ids:
        unassigned_tokens_end(client_pks=list(client_pks), user_ids=list(user_ids))


def _group_members(group_pks) -> list[str]:
    from accounts.models import Group

    return list(Group.users.through.objects.filter(group_id__in=list(group_pks)).values_list("user_id", flat=True))


def _group_clients(group_pks) -> list[str]:
    return list(Client.assigned_groups.through.objects.filter(group_id__in=list(group_pks))
                .values_list("client_id", flat=True))


def _m2m_receiver(on_remove):
    """An m2m_changed receiver: remembers the rows before a clear, calls `on_remove(instance, reverse, pks)`."""
    def receiver_(sender, instance, action, reverse, pk_set, **kwargs):
        if action == "pre_clear":
            field = kwargs["model"]
            instance._castellan_cleared = _related_pks(sender, instance, reverse, field)
        elif action == "post_clear":
            on_remove(instance, reverse, getattr(instance, "_castellan_cleared", set()))
        elif action == "post_remove":
            on_remove(instance, reverse, pk_set or set())
    return receiver_


def _related_pks(through, instance, reverse, model) -> set:
    for field in through._meta.get_fields():
        if getattr(field, "related_model", None) is type(instance):
            own = field.name
        elif getattr(field, "related_model", None) is model:
            other = field.name
    return set(through.objects.filter(**{own: instance.pk}).values_list(f"{other}_id", flat=True))


def _users_unassigned(instance, reverse, pks) -> None:
    # forward: instance is a Client, pks are users; reverse: instance is a User, pks are clients
    _assignment_removed([instance.pk], pks) if not reverse else _assignment_removed(pks, [instance.pk])


def _groups_unassigned(instance, reverse, pks) -> None:
    if not reverse:  # a Client lost groups
        _assignment_removed([instance.pk], _group_members(pks))
    else:  # a Group lost clients
        _assignment_removed(pks, _group_members([instance.pk]))


def _members_removed(instance, reverse, pks) -> None:
    if not reverse:  # a Group lost users
        _assignment_removed(_group_clients([instance.pk]), pks)
    else:  # a User left groups
        _assignment_removed(_group_clients(pks), [instance.pk])


def _connect_assignment_receivers() -> None:
    from accounts.models import Group

    m2m_changed.connect(_m2m_receiver(_users_unassigned), sender=Client.assigned_users.through, weak=False,
                        dispatch_uid="clients.assigned_users_removed")
    m2m_changed.connect(_m2m_receiver(_groups_unassigned), sender=Client.assigned_groups.through, weak=False,
                        dispatch_uid="clients.assigned_groups_removed")
    m2m_changed.connect(_m2m_receiver(_members_removed), sender=Group.users.through, weak=False,
                        dispatch_uid="clients.group_members_removed")


_connect_assignment_receivers()
