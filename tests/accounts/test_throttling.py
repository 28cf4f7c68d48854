"""Sign-in throttling: delays after a few failures, bounded lockouts, per login and per IP."""

import uuid

import pytest

from accounts import throttling
from accounts.services import user_create
from accounts.signin import FAILURE_MESSAGE
from authservers.models import LogEvent

PASSWORD = "correct horse battery staple"
T0 = 1_800_000_000.0
LIMITS = throttling.Limits(free_failures=3, lockout_failures=10, delay_seconds=1, max_delay_seconds=60,
                           window_seconds=900, lockout_seconds=900)


@pytest.fixture(autouse=True)
def _own_throttle_keys(monkeypatch):
    monkeypatch.setattr(throttling, "PREFIX", f"test:{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _default_limits(settings):
    settings.CASTELLAN_SIGNIN_FREE_FAILURES = 3
    settings.CASTELLAN_SIGNIN_LOCKOUT_FAILURES = 10
    settings.CASTELLAN_SIGNIN_DELAY_SECONDS = 1.0
    settings.CASTELLAN_SIGNIN_MAX_DELAY_SECONDS = 60.0
    settings.CASTELLAN_SIGNIN_WINDOW_SECONDS = 900
    settings.CASTELLAN_SIGNIN_LOCKOUT_SECONDS = 900
    settings.CASTELLAN_SIGNIN_IP_FREE_FAILURES = 10
    settings.CASTELLAN_SIGNIN_IP_LOCKOUT_FAILURES = 50


@pytest.fixture
def ada(db):
    return user_create(login="ada@example.com", email="ada@example.com", password=PASSWORD)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttling, "clock", fake)
    return fake


# Pure counting, time passed in.

def test_delay_doubles_after_free_failures_and_is_capped():
    assert [throttling.delay_for(n, LIMITS) for n in range(0, 11)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_free_failures_cost_nothing_then_each_attempt_waits():
    subject = "login:x"
    for _ in range(2):
        assert throttling.record_failure(subject, LIMITS, now=T0).allowed
    verdict = throttling.record_failure(subject, LIMITS, now=T0)  # the third
    assert not verdict.allowed and verdict.retry_after == 1 and not verdict.locked
    assert throttling.check(subject, LIMITS, now=T0 + 1).allowed
    throttling.record_failure(subject, LIMITS, now=T0 + 1)  # the fourth: 2 s
    assert not throttling.check(subject, LIMITS, now=T0 + 2.5).allowed
    assert throttling.check(subject, LIMITS, now=T0 + 3).allowed


def test_lockout_after_limit_within_window_then_expires_and_starts_over():
    subject = "login:y"
    now = T0
    for _ in range(9):
        throttling.record_failure(subject, LIMITS, now=now)
        now += 60
    verdict = throttling.record_failure(subject, LIMITS, now=now)
    assert verdict.locked and verdict.retry_after == 900
    assert throttling.check(subject, LIMITS, now=now + 899).locked
    after = now + 900
    assert throttling.check(subject, LIMITS, now=after).allowed
    # A new episode: free failures again, then only the delays.
    assert throttling.record_failure(subject, LIMITS, now=after).allowed


def test_failures_outside_the_window_do_not_add_up():
    subject = "login:z"
    for i in range(9):
        throttling.record_failure(subject, LIMITS, now=T0 + i * 60)
    later = T0 + 901
    assert throttling.check(subject, LIMITS, now=later).allowed
    assert throttling.record_failure(subject, LIMITS, now=later).allowed  # counted as the first


def test_login_subject_ignores_case_and_surrounding_space():
    assert throttling.login_subject(" Ada@Example.com ") == throttling.login_subject("ada@example.com")


def test_reset_clears_counters():
    subject = "login:r"
    for _ in range(5):
        throttling.record_failure(subject, LIMITS, now=T0)
    throttling.reset(subject)
    assert throttling.check(subject, LIMITS, now=T0).allowed


# Over HTTP.

def fail(client, login="ada@example.com", ip="198.51.100.7"):
    return client.post("/login/", {"login": login, "password": "wrong"}, REMOTE_ADDR=ip)


def test_repeated_failures_answer_429_with_generic_message_during_delay(client, ada, clock):
    for _ in range(3):
        assert fail(client).status_code == 200
    response = client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert FAILURE_MESSAGE in response.content.decode()
    assert client.session.get("_auth_user_id") is None  # right password, but not checked
    clock.now += 1
    response = client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302


def test_lockout_refuses_right_password_until_it_expires(client, ada, clock):
    for _ in range(10):
        fail(client)
        clock.now += 61  # wait out every delay: only the lockout can refuse
    response = client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429
    assert FAILURE_MESSAGE in response.content.decode()
    event = LogEvent.objects.filter(event_type="user.session.start", outcome_reason="LOCKED_OUT").get()
    assert event.actor["id"] == ada.pk
    clock.now += 900
    response = client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 302


def test_lockout_of_unknown_login_looks_the_same(client, ada, clock):
    responses = {}
    for login in ("ada@example.com", "nobody@example.com"):
        for _ in range(10):
            fail(client, login=login, ip=f"203.0.113.{len(responses) + 1}")
            clock.now += 61
        responses[login] = fail(client, login=login, ip="203.0.113.50")
    known, unknown = responses["ada@example.com"], responses["nobody@example.com"]
    assert known.status_code == unknown.status_code == 429
    assert known["Retry-After"] == unknown["Retry-After"]
    strip = lambda r: r.content.decode().replace("nobody@example.com", "ada@example.com")  # noqa: E731
    assert strip(known).split("csrfmiddlewaretoken")[0] == strip(unknown).split("csrfmiddlewaretoken")[0]


def test_counts_per_ip_across_logins(client, db, clock, settings):
    settings.CASTELLAN_SIGNIN_IP_FREE_FAILURES = 3
    settings.CASTELLAN_SIGNIN_IP_LOCKOUT_FAILURES = 5
    for i in range(3):
        assert fail(client, login=f"user{i}@example.com").status_code == 200
    assert fail(client, login="fresh@example.com").status_code == 429  # the IP waits
    assert fail(client, login="fresh@example.com", ip="192.0.2.1").status_code == 200  # another IP does not
    clock.now += 1
    fail(client, login="user3@example.com")
    clock.now += 2
    fail(client, login="user4@example.com")  # fifth failure from this IP: locked
    clock.now += 120
    assert fail(client, login="other@example.com").status_code == 429
    assert LogEvent.objects.filter(outcome_reason="LOCKED_OUT").exists()


def test_success_resets_the_login_counters(client, ada, clock):
    for _ in range(2):
        fail(client)
    assert client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                       REMOTE_ADDR="198.51.100.7").status_code == 302
    client.post("/logout/")
    # Three fresh failures are free again; without the reset the second would already wait.
    for _ in range(3):
        assert fail(client, ip="198.51.100.8").status_code == 200


def test_stranger_cannot_lock_the_user_out_for_longer_than_the_lockout(client, ada, clock):
    for _ in range(10):
        fail(client, ip="203.0.113.66")
        clock.now += 61
    assert fail(client, ip="192.0.2.10").status_code == 429
    clock.now += 900
    response = client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                           REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302


def test_real_cache_ttl_with_small_settings(client, ada, settings):
    """No fake clock: a one-second lockout really ends (the cache and the wall clock agree)."""
    import time

    settings.CASTELLAN_SIGNIN_FREE_FAILURES = 5
    settings.CASTELLAN_SIGNIN_LOCKOUT_FAILURES = 2
    settings.CASTELLAN_SIGNIN_LOCKOUT_SECONDS = 1
    fail(client)
    fail(client)
    assert client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                       REMOTE_ADDR="198.51.100.7").status_code == 429
    time.sleep(1.05)
    assert client.post("/login/", {"login": "ada@example.com", "password": PASSWORD},
                       REMOTE_ADDR="198.51.100.7").status_code == 302
