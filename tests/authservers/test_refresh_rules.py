"""The refresh-token rules as plain functions (authservers.oauth.refresh): no database, no HTTP."""

from datetime import UTC, datetime, timedelta

import pytest

from authservers.oauth import refresh as rules

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
LIVE = rules.FamilyState(revoked=False, expires=None, last_used=NOW - timedelta(hours=1), idle_window=7 * 86400)


def token(rotated_ago: float | None = None, successor_is_live=True, revoked=False) -> rules.TokenState:
    rotated = None if rotated_ago is None else NOW - timedelta(seconds=rotated_ago)
    return rules.TokenState(revoked=revoked, rotated=rotated, successor_is_live=successor_is_live)


def test_new_tokens_are_long_random_and_url_safe():
    values = {rules.new_refresh_token() for _ in range(100)}
    assert len(values) == 100
    assert all(len(value) >= 43 and rules.plausible(value) and "." not in value for value in values)


def test_the_successor_is_deterministic_distinct_and_keyed(settings):
    first = rules.new_refresh_token()
    successor = rules.successor_token(first)
    assert successor == rules.successor_token(first) != first
    assert rules.plausible(successor) and len(successor) == 43
    assert rules.successor_token(successor) not in (first, successor)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert rules.successor_token(first) != successor


def test_checksum_is_sha256_hex():
    assert rules.token_checksum("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize("value", [None, "", "a" * 513, "a b", "tok\x00en", "tøken", 42])
def test_implausible_values(value):
    assert not rules.plausible(value)


def test_live_token_is_current():
    assert rules.classify(token(), LIVE, leeway=30, now=NOW) == rules.CURRENT


def test_just_rotated_token_is_in_its_grace_period():
    assert rules.classify(token(rotated_ago=30), LIVE, leeway=30, now=NOW) == rules.GRACE


def test_rotated_token_after_the_leeway_is_reuse():
    assert rules.classify(token(rotated_ago=30.001), LIVE, leeway=30, now=NOW) == rules.REUSED


def test_zero_leeway_allows_only_the_same_instant():
    assert rules.classify(token(rotated_ago=0.001), LIVE, leeway=0, now=NOW) == rules.REUSED


def test_a_request_that_arrived_before_the_rotation_is_in_grace_even_with_zero_leeway():
    assert rules.classify(token(rotated_ago=-0.05), LIVE, leeway=0, now=NOW) == rules.GRACE


def test_two_generations_back_is_reuse_inside_the_leeway():
    assert rules.classify(token(rotated_ago=1, successor_is_live=False), LIVE, leeway=60, now=NOW) == rules.REUSED


@pytest.mark.parametrize("family", [
    rules.FamilyState(revoked=True, expires=None, last_used=NOW, idle_window=3600),
    rules.FamilyState(revoked=False, expires=NOW, last_used=NOW, idle_window=3600),
    rules.FamilyState(revoked=False, expires=None, last_used=NOW - timedelta(seconds=3600), idle_window=3600),
])
def test_revoked_expired_or_idle_family_is_invalid_even_for_a_rotated_token(family):
    assert rules.classify(token(), family, leeway=30, now=NOW) == rules.INVALID
    assert rules.classify(token(rotated_ago=100), family, leeway=30, now=NOW) == rules.INVALID


def test_revoked_token_is_invalid():
    assert rules.classify(token(revoked=True), LIVE, leeway=30, now=NOW) == rules.INVALID


def test_family_expiry_is_the_earlier_of_lifetime_and_idle_window():
    idle_end = LIVE.last_used + timedelta(seconds=LIVE.idle_window)
    assert rules.family_expiry(LIVE) == idle_end
    capped = rules.FamilyState(revoked=False, expires=NOW, last_used=LIVE.last_used, idle_window=LIVE.idle_window)
    assert rules.family_expiry(capped) == NOW


def test_expiry_narrows_but_never_extends():
    created = NOW - timedelta(hours=1)
    assert rules.narrowed_expiry(None, created, None) is None
    assert rules.narrowed_expiry(None, created, 7200) == created + timedelta(hours=2)
    assert rules.narrowed_expiry(NOW, created, 7200) == NOW
    assert rules.narrowed_expiry(NOW + timedelta(days=1), created, 7200) == created + timedelta(hours=2)
    assert rules.narrowed_expiry(NOW, created, None) == NOW


def test_offline_access_user_and_grant_are_all_needed():
    class Client:
        def __init__(self, grants):
            self.grants = grants

        def allows_grant_type(self, grant):
            return grant in self.grants

    allowed = Client({"authorization_code", "refresh_token"})
    user = object()
    assert rules.wants_refresh_token(["openid", "offline_access"], allowed, user)
    assert not rules.wants_refresh_token(["openid"], allowed, user)
    assert not rules.wants_refresh_token(["offline_access"], allowed, None)
    assert not rules.wants_refresh_token(["offline_access"], Client({"authorization_code"}), user)
