"""Refresh-token families: every read and write behind the refresh grant, introspection and revocation.

A family is one grant's chain of refresh tokens (`RefreshTokenFamily`), bound to its server, client,
user, scopes and original grant type. Tokens are stored as SHA-256 checksums only. The access tokens
issued within a family are remembered (jti and expiry), so ending the family denylists them.
The rules themselves (grace period, reuse, expiry) live in `oauth.refresh`.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import systemlog
from .code_services import user_group_ids, user_is_assigned
from .models import AccessToken, RefreshToken, RefreshTokenFamily, RevokedAccessToken
from .oauth import errors
from .oauth import refresh as rules


def _family_state(family: RefreshTokenFamily) -> rules.FamilyState:
    return rules.FamilyState(revoked=family.revoked is not None, expires=family.expires,
                             last_used=family.last_used, idle_window=family.idle_window)


def family_start(*, server_id: str, client_pk: str, user, scopes, grant_type: str, auth_time: int, decision,
                 token: str, access_jti: str, access_expires: datetime, now: datetime) -> RefreshToken:
    """Store the first refresh token of a new family, and the access token issued with it."""
    with transaction.atomic():
        family = RefreshTokenFamily.objects.create(
            server_id=server_id, client_id=client_pk, user=user, scope=" ".join(scopes), grant_type=grant_type,
            auth_time=auth_time, created=now, last_used=now, idle_window=decision.refresh_token_window,
            expires=rules.narrowed_expiry(None, now, decision.refresh_token_lifetime))
        record = _token_create(family, token, previous=None)
        access_token_record(family=family, jti=access_jti, expires=access_expires, scopes=scopes)
    return record


def _token_create(family: RefreshTokenFamily, token: str, previous: RefreshToken | None) -> RefreshToken:
    return RefreshToken.objects.create(
        server_id=family.server_id, application_id=family.client_id, user_id=family.user_id, token="",
        token_checksum=rules.token_checksum(token), token_family=family.id, family=family, previous=previous)


def access_token_record(*, family: RefreshTokenFamily, jti: str, expires: datetime, scopes) -> None:
    """Remember an access token issued within `family` (the token itself is never stored)."""
    AccessToken.objects.create(
        server_id=family.server_id, application_id=family.client_id, user_id=family.user_id, family=family,
        jti=jti, token="", token_checksum=rules.token_checksum(jti), expires=expires, scope=" ".join(scopes))


def refresh_token_find(*, server_id: str, token: str) -> RefreshToken | None:
    """The stored token `token` is, on `server_id`, with its family; None when unknown or malformed."""
    if not rules.plausible(token):
        return None
    return (RefreshToken.objects.select_related("family", "family__user", "family__client")
            .filter(server_id=server_id, token_checksum=rules.token_checksum(token), family__isnull=False)
            .first())


def refresh_token_redeem(*, server, client, token: str, now: datetime) -> rules.Redemption:
    """Accept `token` for a refresh by `client`, locking its family until the transaction ends.

    Raises InvalidGrant for anything unusable, and `FamilyEnded` when the request must end the
    family: reuse of a rotated-out token, or a user no longer active or assigned to the client.
    Must run inside a transaction (the grant opens it). `now` is when the request arrived, taken
    before the lock wait (see `rules.classify`).
    """
    found = refresh_token_find(server_id=server.id, token=token)
    # RFC 6749 §6: the refresh token is bound to the client it was issued to.
    if found is None or found.application_id != client.id:
        raise errors.InvalidGrant(rules.REFRESH_TOKEN_INVALID)
    # One refresh per family at a time: concurrent ones wait here, then see what the first one did.
    family = RefreshTokenFamily.objects.select_for_update().select_related("user").filter(pk=found.family_id).first()
    record = RefreshToken.objects.filter(pk=found.pk).first()
    if family is None or record is None:  # deleted by housekeeping meanwhile
        raise errors.InvalidGrant(rules.REFRESH_TOKEN_INVALID)
    successor = RefreshToken.objects.filter(previous=record).first()
    state = rules.TokenState(
        revoked=record.revoked is not None, rotated=record.rotated,
        successor_is_live=successor is not None and successor.revoked is None and successor.rotated is None)
    outcome = rules.classify(state, _family_state(family), leeway=client.refresh_token_leeway, now=now)
    if outcome == rules.INVALID:
        raise errors.InvalidGrant(rules.REFRESH_TOKEN_INVALID)
    if outcome == rules.REUSED:
        raise rules.FamilyEnded(family.id, "reuse_detected")
    user = family.user
    if not user.is_active:
        raise rules.FamilyEnded(family.id, "user_inactive")
    if not user_is_assigned(client_pk=client.id, user=user, group_ids=user_group_ids(user)):
        raise rules.FamilyEnded(family.id, "user_not_assigned")
    rotates = outcome == rules.GRACE or client.refresh_token_rotation == "ROTATE"
    return rules.Redemption(token=record, family=family, outcome=outcome, rotates=rotates)


def refresh_completed(*, redemption: rules.Redemption, issued_token: str, decision, access_jti: str,
                      access_expires: datetime, scopes, now: datetime) -> bool:
    """Record a successful refresh; True when a new refresh token was stored (a rotation)."""
    family = redemption.family
    family.last_used = now
    family.idle_window = decision.refresh_token_window
    family.expires = rules.narrowed_expiry(family.expires, family.created, decision.refresh_token_lifetime)
    family.save(update_fields=["last_used", "idle_window", "expires"])
    rotated = redemption.outcome == rules.CURRENT and redemption.rotates
    if rotated:
        record = redemption.token
        record.rotated = now
        record.save(update_fields=["rotated", "updated"])
        _token_create(family, issued_token, previous=record)
    access_token_record(family=family, jti=access_jti, expires=access_expires, scopes=scopes)
    return rotated


def family_revoke(*, family_id, reason: str, now: datetime | None = None) -> list[str]:
    """Revoke every token of the family and denylist its unexpired access tokens; returns their jtis.

    A set-based sweep in a fixed order (family row, refresh tokens, access tokens), the order a
    refresh takes its locks in, so a concurrent refresh cannot deadlock against it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        family = RefreshTokenFamily.objects.select_for_update().filter(pk=family_id).first()
        if family is None:
            return []
        if family.revoked is None:
            family.revoked = now
            family.revoked_reason = reason[:32]
            family.save(update_fields=["revoked", "revoked_reason"])
        RefreshToken.objects.filter(family=family, revoked__isnull=True).update(revoked=now, updated=now)
        live = list(AccessToken.objects.filter(family=family, expires__gt=now).values_list("jti", "expires"))
        client_id = family.client.client_id
        RevokedAccessToken.objects.bulk_create(
            [RevokedAccessToken(jti=jti, server_id=family.server_id, client_id=client_id, expires=expires)
             for jti, expires in live if jti], ignore_conflicts=True)
    return [jti for jti, _ in live]


def family_end(*, family_id, reason: str, server, client) -> None:
    """End a family a refresh found unusable; reuse is written to the System Log as Okta does."""
    jtis = family_revoke(family_id=family_id, reason=reason)
    if reason == "reuse_detected":
        systemlog.emit_deferred(_reuse_event, server, client, str(family_id), jtis)
    else:
        systemlog.emit_deferred(_family_revoked_event, server, client, str(family_id), reason, jtis)


def refresh_token_revoke(*, server, client, token: str) -> bool:
    """RFC 7009: revoke the family of `client`'s refresh token; False when it is not one (silently)."""
    found = refresh_token_find(server_id=server.id, token=token)
    if found is None or found.application_id != client.id:
        return False
    jtis = family_revoke(family_id=found.family_id, reason="revoked")
    systemlog.emit_deferred(_family_revoked_event, server, client, str(found.family_id), "revoked", jtis)
    return True


def _reuse_event(server, client, family_id, jtis) -> tuple:
    return ("app.oauth2.as.token.detect_reuse", "WARN",
            "A rotated-out refresh token was used again; its family and access tokens are revoked",
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "FAILURE", "refresh_token_reuse",
            {"grantType": "refresh_token", "tokenFamily": family_id, "revokedAccessTokens": len(jtis)})


def _family_revoked_event(server, client, family_id, reason, jtis) -> tuple:
    return ("app.oauth2.as.token.revoke", "INFO", "OAuth2 refresh token family revoked",
            systemlog.actor_for_client(client.client_id, client.label), {},
            [systemlog.target(server.id, "AuthorizationServer", server.name)], "SUCCESS", reason,
            {"tokenType": "refresh_token", "tokenFamily": family_id, "revokedAccessTokens": len(jtis)})
