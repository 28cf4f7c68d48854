"""Authorization codes: the Grant rows behind the authorization-code flow, and the reads it needs.

A code carries the policy decision made at /authorize (Okta evaluates policy at the user's sign-in,
REFERENCE §5.3 point 8): its lifetimes ride in `Grant.claims` as JSON, with `auth_time`.
"""

import json
import secrets
from datetime import timedelta

from django.db.models import Q

from accounts.models import Group, User
from clients.models import Client
from policies.evaluation import Decision

from .models.tokens import Grant
from .oauth.authorize import CODE_LIFETIME


def user_group_ids(user: User) -> frozenset[str]:
    """The ids of the user's groups (Everyone included: every user belongs to it)."""
    return frozenset(Group.objects.filter(users=user).values_list("id", flat=True))


def user_claims_data(user: User) -> tuple[dict, list[dict]]:
    """(`user` as claim expressions see it: base and custom profile attributes plus id and status,
    the user's groups as {"id", "name", "type"})."""
    profile = {"login": user.login, "email": user.email, "firstName": user.first_name or None,
               "lastName": user.last_name or None}
    profile.update({key: value for key, value in (user.profile or {}).items() if key not in profile})
    profile.update({"id": user.pk, "status": user.status})
    groups = [{"id": pk, "name": name, "type": kind}
              for pk, name, kind in Group.objects.filter(users=user).values_list("id", "name", "type")]
    return profile, groups


def user_is_assigned(*, client_pk: str, user: User, group_ids: frozenset[str]) -> bool:
    """Assigned to the app directly or through one of its groups (Everyone works like any group)."""
    return Client.objects.filter(pk=client_pk).filter(
        Q(assigned_users=user) | Q(assigned_groups__in=list(group_ids))).exists()


def authorization_code_create(*, server_id: str, client_pk: str, user: User, redirect_uri: str, scopes,
                              code_challenge: str | None, code_challenge_method: str | None,
                              nonce: str | None, decision: Decision, auth_time: int, now) -> str:
    """Store a single-use code for 300 s and return it."""
    code = secrets.token_urlsafe(32)
    carried = {"auth_time": auth_time, "policy_id": decision.policy_id, "rule_id": decision.rule_id,
               "access_token_lifetime": decision.access_token_lifetime,
               "refresh_token_lifetime": decision.refresh_token_lifetime,
               "refresh_token_window": decision.refresh_token_window}
    Grant.objects.create(
        server_id=server_id, application_id=client_pk, user=user, code=code, redirect_uri=redirect_uri,
        scope=" ".join(scopes), expires=now + timedelta(seconds=CODE_LIFETIME),
        code_challenge=code_challenge or "", code_challenge_method=code_challenge_method or "",
        nonce=nonce or "", claims=json.dumps(carried),
    )
    return code


def authorization_code_get(*, server_id: str, code: str) -> Grant | None:
    if not code or len(code) > 255:
        return None
    return Grant.objects.select_related("user", "application").filter(server_id=server_id, code=code).first()


def authorization_code_consume(*, grant: Grant, keep_until) -> bool:
    """Mark the code redeemed; False when another request redeemed it first (RFC 6749 §4.1.2: single use).

    The row stays, marked, until `keep_until` (when the tokens issued from it expire), so a replay can
    revoke them (RFC 6749 §4.1.2, §10.5). Compare-and-set on `claims`: of two concurrent redemptions
    only one UPDATE matches.
    """
    carried = json.loads(grant.claims or "{}")
    carried["redeemed"] = True
    updated = Grant.objects.filter(pk=grant.pk, claims=grant.claims).update(
        claims=json.dumps(carried), expires=keep_until)
    return updated == 1


def authorization_code_record_token(*, grant_pk: int, jti: str, expires_at: int) -> None:
    """Remember the access token issued from a redeemed code, for revocation on replay."""
    grant = Grant.objects.filter(pk=grant_pk).first()
    if grant is None:
        return
    carried = json.loads(grant.claims or "{}")
    carried["access_token_jti"] = jti
    carried["access_token_exp"] = expires_at
    Grant.objects.filter(pk=grant_pk).update(claims=json.dumps(carried))


def authorization_code_replayed(*, grant: Grant) -> None:
    """A redeemed code came back: revoke the access token it gave and forget the code."""
    from datetime import UTC, datetime

    from .services import access_token_revoke

    carried = json.loads(grant.claims or "{}")
    jti = carried.get("access_token_jti")
    if jti:
        access_token_revoke(server_id=grant.server_id, client_id=grant.application.client_id, jti=jti,
                            expires=datetime.fromtimestamp(carried.get("access_token_exp", 0), tz=UTC))
    Grant.objects.filter(pk=grant.pk).delete()
