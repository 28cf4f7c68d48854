"""Password sign-in: throttle, verify, count, and write the System Log.

Every refusal reads the same to the person at the keyboard (`FAILURE_MESSAGE`); only the System
Log says why. The view turns a `SignInResult` into a page and starts the session.
"""

from dataclasses import dataclass

from authservers import systemlog

from . import throttling
from .models import User, UserStatus

FAILURE_MESSAGE = "Sign-in failed. Check your username and password."

SESSION_START = "user.session.start"
SESSION_END = "user.session.end"


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    reason: str = ""  # System Log outcome reason of a failure
    retry_after: int = 0  # > 0: refused by throttling, answer 429

    @property
    def ok(self) -> bool:
        return self.user is not None


def anonymous_actor(login: str) -> dict:
    return {"id": "unknown", "type": "User", "alternateId": login[:100], "displayName": "Unknown"}


def _find_user(login: str) -> User | None:
    return User.objects.filter(login__iexact=login).first()


def _verify(login: str, password: str) -> tuple[User | None, str]:
    """The user when login and password match an ACTIVE user; else (known user or None, reason).

    Exactly one password hash is computed whatever the outcome, so the answer's timing does not
    tell an unknown login from a known one (as Django's ModelBackend does).
    """
    user = _find_user(login)
    if user is None:
        User().set_password(password)
        return None, "INVALID_CREDENTIALS"
    if not user.check_password(password):
        return user, "INVALID_CREDENTIALS"
    if user.status == UserStatus.SUSPENDED:
        return user, "USER_SUSPENDED"
    if user.status != UserStatus.ACTIVE:
        return user, "USER_DEPROVISIONED"
    return user, ""


def sign_in(*, login: str, password: str, ip: str, now: float) -> SignInResult:
    """Check throttling for the login and the IP, then the password; count failures, log the outcome."""
    login_subject, ip_subject = throttling.login_subject(login), throttling.ip_subject(ip)
    login_limits, ip_limits = throttling.login_limits(), throttling.ip_limits()
    verdicts = [throttling.check(login_subject, login_limits, now=now),
                throttling.check(ip_subject, ip_limits, now=now)]
    refused = [v for v in verdicts if not v.allowed]
    if refused:
        # Not counted as a failure: the password was never checked.
        reason = "LOCKED_OUT" if any(v.locked for v in refused) else "RATE_LIMITED"
        retry_after = max(v.retry_after for v in refused)
        user = _find_user(login)
        _log_start(login, user, ip, reason)
        return SignInResult(user=None, reason=reason, retry_after=retry_after)

    user, reason = _verify(login, password)
    if reason:
        throttling.record_failure(login_subject, login_limits, now=now)
        throttling.record_failure(ip_subject, ip_limits, now=now)
        _log_start(login, user, ip, reason)
        return SignInResult(user=None, reason=reason)
    # Only the login's counters: resetting the IP's would let one valid account launder guesses
    # against others from the same address.
    throttling.reset(login_subject)
    _log_start(login, user, ip, "")
    return SignInResult(user=user)


def _log_start(login: str, user: User | None, ip: str, reason: str) -> None:
    actor = systemlog.actor_for_user(user) if user is not None else anonymous_actor(login)
    if reason:
        systemlog.emit(SESSION_START, actor=actor, result="FAILURE", reason=reason, severity="WARN",
                       message="User login to Castellan", request_ip=ip)
    else:
        systemlog.emit(SESSION_START, actor=actor, message="User login to Castellan", request_ip=ip)


def log_sign_out(user: User, ip: str) -> None:
    systemlog.emit(SESSION_END, actor=systemlog.actor_for_user(user), message="User logout from Castellan",
                   request_ip=ip)
