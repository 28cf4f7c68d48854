"""The password grant's side of the user directory: throttled credential checks and app assignment.

Throttling reuses `accounts.throttling` (delays after a few failures, bounded lockouts) with
counters of its own, per login and per IP, so failures here and on the sign-in page never add up
in either direction. On top of that, Okta's fixed per-username rate (4 requests a second, counted
whatever the outcome; reason `user_rate_limited`).
"""

from django.core.cache import cache

from accounts import throttling
from accounts.models import User
from accounts.signin import _verify as verify_credentials  # one password check, timing-safe, shared with sign-in
from accounts.signin import anonymous_actor

from . import code_services, systemlog
from .oauth import errors
from .oauth import password as password_grant
from .oauth.authorize import check_user


def _subjects(username: str, ip: str) -> list[tuple[str, throttling.Limits]]:
    return [("password-grant-" + throttling.login_subject(username), throttling.login_limits()),
            ("password-grant-" + throttling.ip_subject(ip), throttling.ip_limits())]


def _over_rate(username: str, now: float) -> bool:
    key = f"{throttling.PREFIX}:password-grant-rate:{throttling.login_subject(username)}:{int(now)}"
    cache.add(key, 0, timeout=5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=5)
        count = 1
    return count > password_grant.PER_SECOND_LIMIT


def authenticate_resource_owner(*, username: str, password: str, ip: str, client, server, now: float) -> User:
    """The ACTIVE user these credentials belong to; else InvalidGrant (one text for every failure)
    or TooManyRequests. Each outcome goes to the System Log."""
    subjects = _subjects(username, ip)
    verdicts = [throttling.check(subject, limits, now=now) for subject, limits in subjects]
    refused = [verdict for verdict in verdicts if not verdict.allowed]
    if _over_rate(username, now):
        refused.append(throttling.Verdict(allowed=False, retry_after=1))
    if refused:
        _log(username, None, ip, client, server, "user_rate_limited")  # Okta's reason
        raise password_grant.TooManyRequests(max(verdict.retry_after for verdict in refused))
    user, reason = verify_credentials(username, password)
    if reason:
        for subject, limits in subjects:
            throttling.record_failure(subject, limits, now=now)
        _log(username, user, ip, client, server, reason)
        raise errors.InvalidGrant(password_grant.INVALID_CREDENTIALS)
    throttling.reset(subjects[0][0])  # the login's counters only, as at sign-in
    return user  # the grant itself is logged when the token is issued (validator.save_bearer_token)


def group_ids_if_assigned(*, user: User, client) -> frozenset[str]:
    """The user's group ids, once the user is known to be assigned to the app (Okta: REFERENCE §2.1)."""
    group_ids = code_services.user_group_ids(user)
    try:
        check_user(active=user.is_active, assigned=code_services.user_is_assigned(
            client_pk=client.id, user=user, group_ids=group_ids))
    except errors.OAuthError as exc:
        raise errors.AccessDenied(exc.description, status_code=400) from None
    return group_ids


def _log(username: str, user: User | None, ip: str, client, server, reason: str) -> None:
    actor = systemlog.actor_for_user(user) if user is not None else anonymous_actor(username)
    targets = [systemlog.target(server.id, "AuthorizationServer", server.name),
               systemlog.target(client.id, "AppInstance", client.label, client.client_id)]
    systemlog.emit("app.oauth2.as.token.grant", actor=actor, targets=targets, result="FAILURE", reason=reason,
                   severity="WARN", request_ip=ip, message="Resource owner password grant refused",
                   debug={"grantType": password_grant.GRANT_TYPE})
