"""Consent grants (Okta's `oag…` grants, REFERENCE §8.4): the reads /authorize needs and every write.

A grant is per user x client x scope x authorization server. The consent page records ACTIVE grants
for what the user allowed and DECLINED rows for optional scopes left unchecked; revocation (admin,
`manage.py revokeconsent`) marks rows REVOKED, so the page asks again.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import systemlog
from .models import ConsentGrant, ConsentSource, ConsentStatus, Scope

CONSENT_GRANT = "app.oauth2.as.consent.grant"
CONSENT_REVOKE = "app.oauth2.as.consent.revoke"


@dataclass(frozen=True)
class ScopeDetails:
    """What the consent page shows for a scope, and whether the user may leave it out."""

    name: str
    display_name: str
    description: str
    optional: bool


def consent_states(*, user_id: str, client_pk: str, server_id: str) -> dict[str, str]:
    """Scope name -> ACTIVE or DECLINED for the user's current grants to this client on this server."""
    rows = ConsentGrant.objects.filter(user_id=user_id, client_id=client_pk, server_id=server_id).exclude(
        status=ConsentStatus.REVOKED).values_list("scope__name", "status")
    return dict(rows)


def scope_details(*, server_id: str, names) -> dict[str, ScopeDetails]:
    rows = Scope.objects.filter(server_id=server_id, name__in=list(names))
    return {scope.name: ScopeDetails(name=scope.name, display_name=scope.display_name or scope.name,
                                     description=scope.description, optional=scope.optional)
            for scope in rows}


def optional_scopes(*, server_id: str, names) -> frozenset[str]:
    return frozenset(Scope.objects.filter(server_id=server_id, name__in=list(names), optional=True)
                     .values_list("name", flat=True))


@transaction.atomic
def consent_record(*, user, client_pk: str, server_id: str, issuer: str, allowed, declined, now=None) -> None:
    """Store the user's answer: ACTIVE grants for `allowed` scopes, DECLINED rows for `declined` ones.

    A scope's current row changes status in place; a row locked first keeps two concurrent answers
    from both inserting (the partial unique constraint would refuse the second anyway).
    """
    now = now or timezone.now()
    wanted = {name: ConsentStatus.ACTIVE for name in allowed}
    wanted.update({name: ConsentStatus.DECLINED for name in declined})
    if not wanted:
        return
    scopes = dict(Scope.objects.filter(server_id=server_id, name__in=list(wanted)).values_list("name", "id"))
    current = {row.scope_id: row for row in ConsentGrant.objects.select_for_update().filter(
        user=user, client_id=client_pk, scope_id__in=list(scopes.values())).exclude(status=ConsentStatus.REVOKED)}
    for name, status in wanted.items():
        scope_id = scopes.get(name)
        if scope_id is None:
            continue  # deleted meanwhile: nothing to consent to
        row = current.get(scope_id)
        if row is None:
            row = ConsentGrant.objects.create(user=user, client_id=client_pk, server_id=server_id,
                                              scope_id=scope_id, status=status, source=ConsentSource.END_USER,
                                              issuer=issuer, created=now, last_updated=now)
        elif row.status != status:
            ConsentGrant.objects.filter(pk=row.pk).update(status=status, issuer=issuer, last_updated=now)
        else:
            continue
        if status == ConsentStatus.ACTIVE:
            systemlog.emit(CONSENT_GRANT, actor=systemlog.actor_for_user(user), message="Consent granted",
                           targets=[systemlog.target(row.pk, "ConsentGrant", name)])


def consent_grants_for(*, user, client_id: str | None = None, scope_name: str | None = None):
    """The user's current (ACTIVE or DECLINED) grants, narrowed to a client_id and/or a scope name."""
    grants = ConsentGrant.objects.select_related("client", "scope", "server").filter(user=user).exclude(
        status=ConsentStatus.REVOKED)
    if client_id is not None:
        grants = grants.filter(client__client_id=client_id)
    if scope_name is not None:
        grants = grants.filter(scope__name=scope_name)
    return grants


def consent_revoke(grants, *, actor: dict | None = None, now=None) -> list[str]:
    """Revoke `grants` (a queryset): the next authorize request asks again. Returns the revoked ids."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(grants.select_for_update(of=("self",)).exclude(status=ConsentStatus.REVOKED)
                    .values_list("id", "scope__name"))
        ConsentGrant.objects.filter(pk__in=[pk for pk, _ in rows]).update(status=ConsentStatus.REVOKED,
                                                                          last_updated=now)
        for pk, name in rows:
            systemlog.emit(CONSENT_REVOKE, actor=actor or systemlog.system_actor(), message="Consent revoked",
                           targets=[systemlog.target(pk, "ConsentGrant", name)])
    return [pk for pk, _ in rows]


def consent_grant_to_okta(grant: ConsentGrant) -> dict:
    """Okta's OAuth2ScopeConsentGrant shape (REFERENCE §8.4), without `_links`."""
    from .presenters import okta_timestamp

    return {"id": grant.id, "status": grant.status, "created": okta_timestamp(grant.created),
            "createdBy": {"id": grant.user_id, "type": "User"}, "lastUpdated": okta_timestamp(grant.last_updated),
            "issuer": grant.issuer, "clientId": grant.client.client_id, "userId": grant.user_id,
            "scopeId": grant.scope_id, "source": grant.source,
            "_embedded": {"scope": {"id": grant.scope_id, "name": grant.scope.name}}}
