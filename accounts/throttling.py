"""Sign-in throttling: repeated failures per login and per client IP slow down, then lock out for a while.

Counts live in Django's cache (Redis when REDIS_URL is set, so every web process sees the same
numbers). Each subject — a login, without regard to case, or a client IP — has a failure counter
that the cache increments atomically, so a burst of parallel guesses cannot all read zero, and a
small state record: the time of the last failure and, when locked, until when.

- The first `FREE_FAILURES` failures cost nothing.
- After that, each attempt must wait `DELAY_SECONDS * 2**(failures - FREE_FAILURES)` seconds
  (at most `MAX_DELAY_SECONDS`) after the last failure; an attempt inside the delay is refused
  without checking the password.
- `LOCKOUT_FAILURES` failures within `WINDOW_SECONDS` lock the subject for `LOCKOUT_SECONDS`, then
  its counter starts over: a lockout is always bounded, so a stranger guessing against someone's
  login cannot lock them out for good (only for as long as the stranger keeps paying the delays).

Logins are counted whether or not they exist, so neither a delay nor a lockout says anything about
an account. Time comes in as `now` (seconds since the epoch).
"""

import hashlib
import math
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache

PREFIX = "castellan:signin"


@dataclass(frozen=True)
class Limits:
    free_failures: int
    lockout_failures: int
    delay_seconds: float
    max_delay_seconds: float
    window_seconds: int
    lockout_seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds until the next attempt may be checked
    locked: bool = False


ALLOWED = Verdict(allowed=True)


def clock() -> float:
    return time.time()


def login_limits() -> Limits:
    return Limits(
        free_failures=settings.CASTELLAN_SIGNIN_FREE_FAILURES,
        lockout_failures=settings.CASTELLAN_SIGNIN_LOCKOUT_FAILURES,
        delay_seconds=settings.CASTELLAN_SIGNIN_DELAY_SECONDS,
        max_delay_seconds=settings.CASTELLAN_SIGNIN_MAX_DELAY_SECONDS,
        window_seconds=settings.CASTELLAN_SIGNIN_WINDOW_SECONDS,
        lockout_seconds=settings.CASTELLAN_SIGNIN_LOCKOUT_SECONDS,
    )


def ip_limits() -> Limits:
    # Many people may share one address (an office behind NAT): its own, higher thresholds.
    return replace(login_limits(), free_failures=settings.CASTELLAN_SIGNIN_IP_FREE_FAILURES,
                   lockout_failures=settings.CASTELLAN_SIGNIN_IP_LOCKOUT_FAILURES)


def login_subject(login: str) -> str:
    # Hashed: logins are user input of any length and content, and cache keys have limits.
    return "login:" + hashlib.sha256(login.strip().casefold().encode()).hexdigest()


def ip_subject(ip: str) -> str:
    return "ip:" + (ip or "unknown")


def _keys(subject: str) -> tuple[str, str]:
    return f"{PREFIX}:{subject}:count", f"{PREFIX}:{subject}:state"


def delay_for(failures: int, limits: Limits) -> float:
    """Seconds to wait after the last failure once `failures` failures are on record."""
    if failures < limits.free_failures:
        return 0.0
    exponent = min(failures - limits.free_failures, 32)
    return min(limits.delay_seconds * 2**exponent, limits.max_delay_seconds)


def check(subject: str, limits: Limits, *, now: float) -> Verdict:
    """Whether an attempt for `subject` may have its password checked now."""
    count_key, state_key = _keys(subject)
    values = cache.get_many([count_key, state_key])
    state = values.get(state_key) or {}
    locked_until = state.get("locked_until", 0)
    if locked_until > now:
        return Verdict(allowed=False, retry_after=math.ceil(locked_until - now), locked=True)
    failures = values.get(count_key) or 0
    if locked_until or state.get("window_start", now) + limits.window_seconds <= now:
        # A served lockout starts over; a passed window too, even if the cache still holds the counter.
        failures = 0
    wait_until = state.get("last_failure", 0) + delay_for(failures, limits)
    if failures and wait_until > now:
        return Verdict(allowed=False, retry_after=max(1, math.ceil(wait_until - now)))
    return ALLOWED


def record_failure(subject: str, limits: Limits, *, now: float) -> Verdict:
    """Count one failure; returns the verdict for the next attempt (locked when this one tipped it)."""
    count_key, state_key = _keys(subject)
    state = cache.get(state_key) or {}
    window_start = state.get("window_start")
    if window_start is None or window_start + limits.window_seconds <= now or state.get("locked_until"):
        # A new window: the previous one expired, or a lockout has run its course.
        cache.set(count_key, 0, timeout=limits.window_seconds)
        state = {"window_start": now}
    cache.add(count_key, 0, timeout=limits.window_seconds)
    try:
        failures = cache.incr(count_key)
    except ValueError:  # evicted between add and incr
        cache.set(count_key, 1, timeout=limits.window_seconds)
        failures = 1
    state["last_failure"] = now
    ttl = limits.window_seconds
    if failures >= limits.lockout_failures:
        state["locked_until"] = now + limits.lockout_seconds
        ttl = max(ttl, limits.lockout_seconds)
    cache.set(state_key, state, timeout=ttl + 60)
    return check(subject, limits, now=now)


def reset(subject: str) -> None:
    cache.delete_many(list(_keys(subject)))
