"""Token and grant monitoring (REFERENCE §6.3, §8.4): the reads behind the monitoring API and its revocations.

A refresh token is listed as Okta lists it: one entry per live family, its current token (the
newest one; rotated-out tokens are history). Revoking one revokes its whole family and every
access token minted from it (`refresh_services.family_revoke`). Revoking a consent grant also ends
the user's refresh-token families for that client on that server, as Okta revokes tokens with grants.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from .. import consents, systemlog
from ..models import ConsentGrant, ConsentStatus, RefreshToken, RefreshTokenFamily
from ..refresh_services import family_revoke

ADMIN_REVOKED = "admin_revoked"
CONSENT_REVOKED = "consent_revoked"


def current_tokens(**owner) -> QuerySet:
    """Every family's current token (any state), narrowed by `owner` filters such as server_id=, user_id=."""
    return (RefreshToken.objects.select_related("family", "family__client", "family__user", "server")
            .filter(family__isnull=False, rotated__isnull=True, **owner))


def live_tokens(**owner) -> QuerySet:
    """The current tokens still usable: not revoked, family neither revoked nor past its lifetime."""
    now = timezone.now()
    return current_tokens(**owner).filter(revoked__isnull=True, family__revoked__isnull=True).filter(
        Q(family__expires__isnull=True) | Q(family__expires__gt=now))


def token_get(token_id: str, **owner) -> RefreshToken | None:
    """A token by its Okta id (`oar…`), within `owner`; None when unknown or not a plausible id."""
    if not token_id or len(token_id) > 20 or "\x00" in token_id:
        return None
    return current_tokens(**owner).filter(public_id=token_id).first() or \
        RefreshToken.objects.select_related("family", "family__client", "family__user", "server").filter(
            family__isnull=False, public_id=token_id, **owner).first()


def token_is_active(token: RefreshToken, now=None) -> bool:
    now = now or timezone.now()
    family = token.family
    return (token.revoked is None and token.rotated is None and family.revoked is None
            and (family.expires is None or family.expires > now))


def tokens_revoke(tokens, *, actor: dict, reason: str = ADMIN_REVOKED) -> int:
    """Revoke the families of `tokens` (a queryset or RefreshToken objects); returns how many families."""
    family_ids = sorted({token.family_id for token in tokens if token.family_id}, key=str)
    for family_id in family_ids:
        family = RefreshTokenFamily.objects.select_related("client", "server").filter(pk=family_id).first()
        if family is None:
            continue
        jtis = family_revoke(family_id=family_id, reason=reason)
        systemlog.emit("app.oauth2.as.token.revoke", actor=actor, message="OAuth2 refresh token family revoked",
                       targets=[systemlog.target(family.server_id, "AuthorizationServer", family.server.name),
                                systemlog.target(family.client.id, "AppInstance", family.client.label,
                                                 family.client.client_id)],
                       debug={"tokenType": "refresh_token", "tokenFamily": str(family_id), "reason": reason,
                              "revokedAccessTokens": len(jtis)})
    return len(family_ids)


def current_grants(**owner) -> QuerySet:
    """Consent grants as Okta shows them (ACTIVE; DECLINED rows are Castellan's own bookkeeping)."""
    return ConsentGrant.objects.select_related("client", "scope", "server").filter(
        status=ConsentStatus.ACTIVE, **owner)


def grants_revoke(grants: QuerySet, *, actor: dict) -> list[str]:
    """Revoke consent grants, and end the user's refresh tokens for each client x server they covered."""
    triples = set(grants.exclude(status=ConsentStatus.REVOKED).values_list("user_id", "client_id", "server_id"))
    revoked = consents.consent_revoke(grants, actor=actor)
    for user_id, client_pk, server_id in triples:
        tokens_revoke(live_tokens(user_id=user_id, application_id=client_pk, server_id=server_id),
                      actor=actor, reason=CONSENT_REVOKED)
    return revoked
