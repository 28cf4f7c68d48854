"""Deprovisioning that really deprovisions: a client's or a user's tokens end with it (REFERENCE §6.5).

JWT access tokens are never stored, so they cannot be deleted: a deactivated client gets a
`tokens_valid_after` moment, carried in its snapshot, and introspection and userinfo refuse every
token issued at or before it. Reactivation leaves that moment in place, so the old tokens stay
dead for good. Stored refresh tokens are revoked and pending authorization codes deleted, so
nothing can mint new tokens from before the deactivation either. Resource servers that verify JWTs
locally cannot see any of this before `exp` (docs/operations.md).
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from authservers import systemlog

from .models import Client, ClientStatus


def _target(client: Client) -> dict:
    return systemlog.target(client.id, "AppInstance", client.label, client.client_id)


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


def client_delete(*, client: Client, actor: dict | None = None) -> None:
    """Delete an INACTIVE client (Okta: deactivate first); its stored tokens go with it."""
    from .api_services import client_delete as delete

    delete(client=client, actor=actor)


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
