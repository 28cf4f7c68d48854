"""Device authorizations (RFC 8628): create, find by user code, confirm or deny, poll.

The device code is stored only as its SHA-256; the confirming user's policy decision rides on the
row (Okta evaluates policy when the user signs in, as for a code: REFERENCE §5.3 point 8).
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from policies.evaluation import Decision

from .models import DeviceAuthorization, DeviceAuthorizationStatus
from .oauth import device

_USER_CODE_ATTEMPTS = 10


def device_authorization_create(*, server_id: str, client_pk: str, scopes, now=None) -> tuple[str, str]:
    """Store a pending authorization for 600 s; returns (device code, user code), shown once."""
    now = now or timezone.now()
    device_code = device.new_device_code()
    for _ in range(_USER_CODE_ATTEMPTS):
        user_code = device.new_user_code()
        # An expired row may still hold the code until housekeeping runs: it is no longer anyone's.
        DeviceAuthorization.objects.filter(user_code=user_code, expires__lte=now).delete()
        try:
            with transaction.atomic():
                DeviceAuthorization.objects.create(
                    server_id=server_id, client_id=client_pk, device_code_hash=device.hash_device_code(device_code),
                    user_code=user_code, scope=" ".join(scopes), interval=device.POLLING_INTERVAL,
                    expires=now + timedelta(seconds=device.DEVICE_CODE_LIFETIME), created=now)
        except IntegrityError:
            continue  # the user code is in use by a live authorization: draw another
        return device_code, user_code
    raise RuntimeError("no free user code after several draws")  # 2.6e10 codes: not in practice


def device_authorization_pending(user_code: str, *, now=None) -> DeviceAuthorization | None:
    """The live, unconfirmed authorization for a normalized user code."""
    now = now or timezone.now()
    return (DeviceAuthorization.objects.select_related("client", "server")
            .filter(user_code=user_code, status=DeviceAuthorizationStatus.PENDING, expires__gt=now).first())


def decision_to_json(decision: Decision, *, auth_time: int) -> dict:
    return {"policy_id": decision.policy_id, "rule_id": decision.rule_id, "scopes": list(decision.scopes),
            "access_token_lifetime": decision.access_token_lifetime,
            "refresh_token_lifetime": decision.refresh_token_lifetime,
            "refresh_token_window": decision.refresh_token_window, "auth_time": auth_time}


def decision_from(carried: dict) -> Decision:
    return Decision(policy_id=carried.get("policy_id", ""), policy_name="", rule_id=carried.get("rule_id", ""),
                    rule_name="", scopes=tuple(carried["scopes"]),
                    access_token_lifetime=carried["access_token_lifetime"],
                    refresh_token_lifetime=carried.get("refresh_token_lifetime"),
                    refresh_token_window=carried.get("refresh_token_window", 0))


def device_authorization_approve(*, authorization: DeviceAuthorization, user: User, decision: Decision,
                                 auth_time: int, now=None) -> bool:
    """PENDING -> APPROVED for `user`; False when it was no longer pending (confirmed twice, expired)."""
    now = now or timezone.now()
    return DeviceAuthorization.objects.filter(
        pk=authorization.pk, status=DeviceAuthorizationStatus.PENDING, expires__gt=now).update(
        status=DeviceAuthorizationStatus.APPROVED, user=user, confirmed=now,
        decision=decision_to_json(decision, auth_time=auth_time)) == 1


def device_authorization_deny(*, authorization: DeviceAuthorization, user: User, now=None) -> bool:
    """PENDING -> DENIED: the user refused, or policy or assignment refused the user."""
    now = now or timezone.now()
    return DeviceAuthorization.objects.filter(
        pk=authorization.pk, status=DeviceAuthorizationStatus.PENDING).update(
        status=DeviceAuthorizationStatus.DENIED, user=user, confirmed=now) == 1


def device_authorization_poll(*, server_id: str, client_pk: str, device_code: str, now=None) -> DeviceAuthorization:
    """One poll from the device: the APPROVED authorization, now REDEEMED (single use), or the
    polling error (`device.raise_for`). The row is locked, so two concurrent polls cannot both
    redeem it, and each poll's time is recorded for slow_down."""
    now = now or timezone.now()
    with transaction.atomic():
        authorization = (DeviceAuthorization.objects.select_for_update()
                         .filter(device_code_hash=device.hash_device_code(device_code), server_id=server_id)
                         .first())
        # RFC 8628 §3.4: the device code is bound to the client it was issued to.
        if authorization is None or authorization.client_id != client_pk:
            raise device.errors.InvalidGrant(device.DEVICE_CODE_INVALID)
        since = (now - authorization.last_polled).total_seconds() if authorization.last_polled else None
        outcome = device.poll_outcome(status=authorization.status, expired=authorization.is_expired(now),
                                      seconds_since_last_poll=since, interval=authorization.interval)
        fields = {"last_polled": now, "interval": outcome.interval}
        if outcome.result == device.ISSUE:
            fields["status"] = DeviceAuthorizationStatus.REDEEMED
        DeviceAuthorization.objects.filter(pk=authorization.pk).update(**fields)
    if outcome.result != device.ISSUE:
        device.raise_for(outcome)
    authorization.user = User.objects.get(pk=authorization.user_id)
    if not authorization.user.is_active:
        raise device.errors.InvalidGrant(device.DEVICE_CODE_INVALID)
    return authorization


class ConfirmationRefused(Exception):
    """The confirming user may not have the tokens: why, in words for the activation page."""

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


def device_authorization_confirm(*, authorization: DeviceAuthorization, user: User, now=None) -> bool:
    """The user at /activate allows the device: active, assigned to the app, and the access policies
    evaluated with this user (grant type device_code). A refusal denies the device too (it then gets
    access_denied) and raises ConfirmationRefused. False when the authorization was no longer pending."""
    from clients.selectors import client_snapshot

    from . import code_services
    from .oauth import authorize, decisions, errors
    from .selectors import server_snapshot

    now = now or timezone.now()
    server = server_snapshot(authorization.server_id)
    client = client_snapshot(authorization.client.client_id)
    if server is None or not server.active or client is None or not client.active:
        device_authorization_deny(authorization=authorization, user=user, now=now)
        raise ConfirmationRefused(device.DEVICE_ACCESS_DENIED)
    group_ids = code_services.user_group_ids(user)
    try:
        authorize.check_user(active=user.is_active, assigned=code_services.user_is_assigned(
            client_pk=client.id, user=user, group_ids=group_ids))
        decision = decisions.decide(server, client, device.GRANT_TYPE, authorization.scope.split(),
                                    user_id=user.pk, group_ids=group_ids)
    except errors.OAuthError as exc:
        device_authorization_deny(authorization=authorization, user=user, now=now)
        raise ConfirmationRefused(exc.description) from None
    auth_time = int((user.last_login or now).timestamp())
    return device_authorization_approve(authorization=authorization, user=user, decision=decision,
                                        auth_time=auth_time, now=now)


# --- brute-force protection at /activate ----------------------------------------------------------
# accounts.throttling's delays and bounded lockouts, with counters of their own: a wrong user code
# counts against the signed-in user and the client IP, never against sign-in.


def _activation_subjects(user_pk: str, ip: str) -> list[tuple[str, object]]:
    from accounts import throttling

    return [(f"device-activation-user:{user_pk}", throttling.login_limits()),
            (f"device-activation-ip:{ip or 'unknown'}", throttling.ip_limits())]


def activation_retry_after(*, user_pk: str, ip: str, now: float) -> int:
    """Seconds until this user (and IP) may try a user code again; 0 when they may now."""
    from accounts import throttling

    verdicts = [throttling.check(subject, limits, now=now) for subject, limits in _activation_subjects(user_pk, ip)]
    return max((verdict.retry_after for verdict in verdicts if not verdict.allowed), default=0)


def activation_failed(*, user_pk: str, ip: str, now: float) -> None:
    from accounts import throttling

    for subject, limits in _activation_subjects(user_pk, ip):
        throttling.record_failure(subject, limits, now=now)
