"""Signing-key lifecycle: the pure planner and max-age, then whole lifecycles against the database with
time passed in explicitly, tokens verified by jwcrypto against the JWKS a resource server cached."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from authservers.durations import DurationError, format_duration, parse_duration
from authservers.key_lifecycle import (
    PURGE_MARGIN,
    KeyState,
    jwks_max_age,
    longest_token_lifetime,
    plan_rotation,
    served_jwks_max_age,
    signing_key_emergency_rotate,
    signing_key_rotate_now,
    signing_keys_maintain,
)
from authservers.models import KeyStatus, LogEvent, RotationMode, SigningKey
from authservers.oauth.access_tokens import build_access_token_claims, new_jti, sign_jwt
from authservers.selectors import server_snapshot
from tests.helpers import basic_auth_header, endpoint, post_form

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


# Durations ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "seconds"), [("90d", 90 * 86400), ("60s", 60), ("5m", 300), ("2h", 7200),
                                                ("45", 45), ("1.5h", 5400), (" 7D ", 7 * 86400)])
def test_durations_take_s_m_h_d(text, seconds):
    assert parse_duration(text) == s(seconds)


@pytest.mark.parametrize("text", ["", "d", "90 days", "-5m", "0s", "5w", "1h30m"])
def test_malformed_durations_are_refused_plainly(text):
    with pytest.raises(DurationError, match="duration"):
        parse_duration(text)


def test_durations_format_back_to_their_shortest_spelling():
    assert [format_duration(parse_duration(text)) for text in ("90d", "120m", "90s")] == ["90d", "2h", "90s"]


# Planner (pure) ----------------------------------------------------------------------------------

def fresh_keys(at=T0):
    return [KeyState("A", KeyStatus.ACTIVE, at, activated=at), KeyState("N", KeyStatus.NEXT, at)]


def plan(keys, now, *, last_rotated=T0, period=timedelta(days=90), max_age=300, longest=HOUR):
    return [(action.kind, action.kid) for action in plan_rotation(
        keys, now=now, last_rotated=last_rotated, period=period, jwks_max_age=max_age,
        longest_token_lifetime=longest)]


def test_nothing_to_do_before_the_rotation_is_due():
    assert plan(fresh_keys(), T0 + timedelta(days=90) - s(1)) == []


def test_next_becomes_active_when_due():
    assert plan(fresh_keys(), T0 + timedelta(days=90)) == [("promote", "N"), ("create_next", None)]


def test_manual_servers_are_never_rotated_by_the_schedule():
    assert plan(fresh_keys(), T0 + timedelta(days=900), period=None) == []


def test_a_missing_next_key_is_published():
    assert plan(fresh_keys()[:1], T0 + s(5)) == [("create_next", None)]
    assert plan(fresh_keys()[:1], T0 + s(5), period=None) == [("create_next", None)]


def test_a_server_without_an_active_key_signs_with_its_published_next_key():
    assert plan(fresh_keys()[1:], T0) == [("promote", "N"), ("create_next", None)]
    assert plan([], T0) == [("create_active", None), ("create_next", None)]


def test_next_key_signs_only_once_published_for_the_cache_lifetime():
    """A NEXT key that appeared 100 s before the due moment waits until it is 300 s old."""
    keys = [KeyState("A", KeyStatus.ACTIVE, T0, activated=T0),
            KeyState("N", KeyStatus.NEXT, T0 + timedelta(days=90) - s(100))]
    due = T0 + timedelta(days=90)
    assert plan(keys, due) == []
    assert plan(keys, due + s(199)) == []
    assert plan(keys, due + s(200)) == [("promote", "N"), ("create_next", None)]


def test_short_periods_are_not_held_back_by_a_longer_configured_max_age():
    """Period 60 s with max-age 300 s: the cache lifetime is 60 s, so the NEXT key made at the
    last rotation is old enough exactly when the next rotation is due."""
    keys = fresh_keys()
    assert plan(keys, T0 + s(59), period=s(60)) == []
    assert plan(keys, T0 + s(60), period=s(60)) == [("promote", "N"), ("create_next", None)]


def test_expired_keys_are_removed_after_the_longest_token_lifetime_and_a_margin():
    expired_at = T0 + timedelta(days=10)
    keys = [*fresh_keys(), KeyState("E", KeyStatus.EXPIRED, T0 - timedelta(days=80), expired=expired_at)]
    removable = expired_at + HOUR + PURGE_MARGIN
    assert plan(keys, removable - s(1)) == []
    assert plan(keys, removable) == [("remove", "E")]
    assert plan(keys, removable, longest=timedelta(minutes=1440)) == []


def test_manual_servers_still_lose_their_expired_keys():
    keys = [*fresh_keys(), KeyState("E", KeyStatus.EXPIRED, T0, expired=T0)]
    assert plan(keys, T0 + HOUR + PURGE_MARGIN, period=None) == [("remove", "E")]


# JWKS max-age (pure) -----------------------------------------------------------------------------

def test_max_age_is_the_configured_one_far_from_the_rotation():
    assert jwks_max_age(T0, T0 + timedelta(days=30), 300, timedelta(days=90)) == 300


def test_max_age_shortens_as_the_rotation_nears_and_never_reaches_past_it():
    due = T0 + timedelta(days=90)
    assert jwks_max_age(due - s(300), due, 300, timedelta(days=90)) == 300
    assert jwks_max_age(due - s(42), due, 300, timedelta(days=90)) == 42
    assert jwks_max_age(due - s(1.5), due, 300, timedelta(days=90)) == 1


def test_max_age_has_a_floor_while_a_due_rotation_waits_for_the_worker():
    due = T0 + timedelta(days=90)
    assert jwks_max_age(due, due, 300, timedelta(days=90)) == 1
    assert jwks_max_age(due + s(50), due, 300, timedelta(days=90)) == 1


def test_max_age_never_exceeds_a_short_period():
    assert jwks_max_age(T0, T0 + s(60), 300, s(60)) == 60


def test_manual_servers_serve_the_configured_max_age():
    assert jwks_max_age(T0, None, 300, None) == 300


def test_a_configured_max_age_of_zero_is_kept():
    assert jwks_max_age(T0, T0 + s(60), 0, s(60)) == 0


# The invariant, over random schedules (pure) -----------------------------------------------------

def _simulate(period: int, max_age: int, check_every: int, fetch_offsets: list[int], steps: int):
    """Run the planner every `check_every` s; resource servers cache per max-age. Yields failures."""
    keys = fresh_keys()
    last_rotated = T0
    counter = iter(range(10_000))
    caches = [None] * len(fetch_offsets)  # (kids, valid_until)
    for second in range(steps):
        now = T0 + s(second)
        if second % check_every == 0:
            for action in plan_rotation(keys, now=now, last_rotated=last_rotated, period=s(period),
                                        jwks_max_age=max_age, longest_token_lifetime=s(3 * period)):
                if action.kind == "promote":
                    keys = [KeyState(k.kid, KeyStatus.EXPIRED, k.created, k.activated, now)
                            if k.status == KeyStatus.ACTIVE else
                            KeyState(k.kid, KeyStatus.ACTIVE, k.created, now) if k.kid == action.kid else k
                            for k in keys]
                    last_rotated = now
                elif action.kind == "create_next":
                    keys = [*keys, KeyState(f"K{next(counter)}", KeyStatus.NEXT, now)]
                elif action.kind == "remove":
                    keys = [k for k in keys if k.kid != action.kid]
        signer = next(k.kid for k in keys if k.status == KeyStatus.ACTIVE)
        age = jwks_max_age(now, last_rotated + s(period), max_age, s(period))
        for index, offset in enumerate(fetch_offsets):
            cache = caches[index]
            if second >= offset and (cache is None or now >= cache[1]):
                caches[index] = cache = ({k.kid for k in keys}, now + s(age))
            if cache is not None and signer not in cache[0]:
                yield second, index, signer


@hypothesis_settings(max_examples=60, deadline=None)
@given(period=st.integers(2, 120), max_age=st.integers(0, 400), check_every=st.integers(1, 30),
       fetch_offsets=st.lists(st.integers(0, 300), min_size=1, max_size=6))
def test_no_resource_server_honouring_max_age_ever_meets_an_unknown_kid(period, max_age, check_every,
                                                                         fetch_offsets):
    failures = list(_simulate(period, max_age, check_every, fetch_offsets, steps=6 * period + 400))
    assert failures == []


# Whole lifecycle against the database, time passed in --------------------------------------------

class CachingResourceServer:
    """Fetches v1/keys over HTTP and keeps it exactly as long as max-age allows; never re-fetches early."""

    def __init__(self, http, server_id="default"):
        self.http, self.server_id = http, server_id
        self.keyset, self.valid_until, self.fetches = None, None, 0

    def refresh_if_stale(self, now):
        if self.keyset is None or now >= self.valid_until:
            response = self.http.get(endpoint("keys", self.server_id))
            assert response.status_code == 200
            self.keyset = jwk.JWKSet.from_json(response.content)
            # max-age as the view computes it, at the simulated moment
            self.valid_until = now + s(served_jwks_max_age(server_snapshot(self.server_id), now))
            self.fetches += 1

    def verify(self, token, now) -> bool:
        self.refresh_if_stale(now)
        parsed = jws.JWS()
        parsed.deserialize(token)
        key = self.keyset.get_key(parsed.jose_header["kid"])
        if key is None:
            return False
        try:
            parsed.verify(key, alg="RS256")
        except JWException:
            return False
        return json.loads(parsed.payload)["exp"] > now.timestamp()


def issue_at(server_id, now, lifetime=3600):
    """An access token as the token endpoint signs it, with iat = `now`."""
    snapshot = server_snapshot(server_id)
    claims = build_access_token_claims(
        issuer=snapshot.issuer(), audience=snapshot.audience, client_id="0oaLifecycle", scopes=["openid"],
        subject="0oaLifecycle", now=int(now.timestamp()), lifetime=lifetime, jti=new_jti())
    return snapshot.signing.kid, sign_jwt(claims, snapshot.signing)


@pytest.fixture
def short_lifecycle(settings, authserver):
    """Rotation every 10 minutes, v1/keys cacheable 2 minutes, tokens valid an hour."""
    settings.CASTELLAN_KEY_ROTATION_PERIOD = timedelta(minutes=10)
    settings.CASTELLAN_JWKS_MAX_AGE = 120
    settings.CASTELLAN_ACCESS_TOKEN_LIFETIME = 3600
    start = authserver.last_rotated
    SigningKey.objects.filter(server=authserver).update(created=start, activated=None)
    SigningKey.objects.filter(server=authserver, status=KeyStatus.ACTIVE).update(activated=start)
    return start


@pytest.mark.django_db
def test_whole_lifecycle_never_fails_a_resource_server_that_honours_max_age(client, authserver, short_lifecycle):
    start = short_lifecycle
    first_active = authserver.signing_keys.get(status=KeyStatus.ACTIVE).kid
    first_next = authserver.signing_keys.get(status=KeyStatus.NEXT).kid
    resource_servers = [CachingResourceServer(client) for _ in range(3)]
    tokens = []  # (kid, token, exp)
    seen: dict[str, list[str]] = {}  # kid -> statuses it went through
    step = timedelta(seconds=30)
    for n in range(int(timedelta(hours=2, minutes=30) / step)):
        now = start + n * step
        signing_keys_maintain(server_id="default", now=now)
        for key in authserver.signing_keys.all():
            statuses = seen.setdefault(key.kid, [])
            if not statuses or statuses[-1] != key.status:
                statuses.append(key.status)
        tokens = [entry for entry in tokens if entry[2] > now]
        if n % 2 == 0:  # a token a minute
            tokens.append((*issue_at("default", now), now + HOUR))
        for index, resource_server in enumerate(resource_servers):
            if n * step < timedelta(seconds=37 * index):
                continue  # resource servers start at different moments
            fetches = resource_server.fetches
            resource_server.refresh_if_stale(now)
            # Every live token against a freshly fetched key set; otherwise the new token (the
            # older ones already verified against this very key set).
            fresh = tokens[-1:] if n % 2 == 0 else []
            for token_kid, live_token, _ in tokens if resource_server.fetches != fetches else fresh:
                assert resource_server.verify(live_token, now), (now - start, index, token_kid)
    # Keys went NEXT -> ACTIVE -> EXPIRED -> removed, every 10 minutes.
    assert seen[first_active][:1] == ["ACTIVE"] and "EXPIRED" in seen[first_active]
    assert seen[first_next][:3] == ["NEXT", "ACTIVE", "EXPIRED"]
    assert not SigningKey.objects.filter(kid__in=[first_active, first_next]).exists()  # removed after ~1h05
    rotations = LogEvent.objects.filter(event_type="app.oauth2.as.key.rollover",
                                        debug_context__debugData__trigger="AUTO",
                                        debug_context__debugData__activeKid__isnull=False,
                                        debug_context__debugData__nextKid__isnull=False)
    assert rotations.count() == 14  # at 10, 20, ... 140 minutes
    # Published: ACTIVE, NEXT and the EXPIRED keys of the last 65 minutes (their tokens may be live).
    statuses = sorted(authserver.signing_keys.values_list("status", flat=True))
    assert statuses.count("ACTIVE") == 1 and statuses.count("NEXT") == 1
    assert 6 <= statuses.count("EXPIRED") <= 7
    assert all(rs.fetches > 10 for rs in resource_servers)


@pytest.mark.django_db
def test_maintaining_twice_at_the_same_moment_rotates_once(authserver, short_lifecycle):
    due = short_lifecycle + timedelta(minutes=10)
    assert [a.kind for a in signing_keys_maintain(server_id="default", now=due)] == ["promote", "create_next"]
    assert signing_keys_maintain(server_id="default", now=due) == []
    assert authserver.signing_keys.filter(status=KeyStatus.EXPIRED).count() == 1


@pytest.mark.django_db
def test_manual_mode_servers_are_not_rotated_by_the_schedule(authserver, short_lifecycle):
    authserver.rotation_mode = RotationMode.MANUAL
    authserver.save()
    active = authserver.signing_keys.get(status=KeyStatus.ACTIVE).kid
    assert signing_keys_maintain(server_id="default", now=short_lifecycle + timedelta(days=365)) == []
    assert authserver.signing_keys.get(status=KeyStatus.ACTIVE).kid == active


@pytest.mark.django_db
def test_longest_token_lifetime_covers_policy_rules(authserver, settings):
    from policies.models import PolicyRule

    settings.CASTELLAN_ACCESS_TOKEN_LIFETIME = 600
    assert longest_token_lifetime(authserver) >= HOUR  # ID tokens live an hour
    rule = PolicyRule.objects.filter(policy__server=authserver).first()
    if rule is None:
        pytest.skip("bootstrap made no policy rule")
    PolicyRule.objects.filter(pk=rule.pk).update(access_token_lifetime_minutes=1440)
    assert longest_token_lifetime(authserver) == timedelta(minutes=1440)


# v1/keys max-age over HTTP -----------------------------------------------------------------------

@pytest.mark.django_db
def test_keys_max_age_shortens_before_the_due_rotation(client, authserver, settings):
    from django.utils import timezone

    settings.CASTELLAN_JWKS_MAX_AGE = 300
    settings.CASTELLAN_KEY_ROTATION_PERIOD = timedelta(days=90)
    authserver.last_rotated = timezone.now() - timedelta(days=90) + s(100)
    authserver.save()
    header = client.get(endpoint("keys"))["Cache-Control"]
    max_age = int(header.split("max-age=")[1].split(",")[0])
    assert 95 <= max_age <= 100
    assert header.endswith("must-revalidate")


@pytest.mark.django_db
def test_keys_max_age_is_the_configured_one_for_manual_servers(client, authserver, settings):
    settings.CASTELLAN_JWKS_MAX_AGE = 300
    authserver.rotation_mode = RotationMode.MANUAL
    authserver.save()
    assert client.get(endpoint("keys"))["Cache-Control"] == "max-age=300, must-revalidate"


# Manual and emergency rotation -------------------------------------------------------------------

@pytest.mark.django_db
def test_manual_rotation_of_a_freshly_published_key_warns_who_may_miss_it(authserver, settings):
    settings.CASTELLAN_JWKS_MAX_AGE = 300
    upcoming = authserver.signing_keys.get(status=KeyStatus.NEXT)
    result = signing_key_rotate_now(server=authserver, now=upcoming.created + s(30))
    assert result.active_kid == upcoming.kid
    assert f"kid {upcoming.kid}" in result.warning
    assert "30 s" in result.warning and "270 s" in result.warning
    event = LogEvent.objects.filter(event_type="app.oauth2.as.key.rollover").latest("published")
    assert event.severity == "WARN"
    assert event.debug_context["debugData"]["trigger"] == "MANUAL"
    assert event.debug_context["debugData"]["activeKeyPublishedSeconds"] == 30
    assert event.debug_context["debugData"]["warning"] == result.warning


@pytest.mark.django_db
def test_manual_rotation_of_a_long_published_key_has_no_warning(authserver, settings):
    settings.CASTELLAN_JWKS_MAX_AGE = 300
    upcoming = authserver.signing_keys.get(status=KeyStatus.NEXT)
    result = signing_key_rotate_now(server=authserver, now=upcoming.created + s(300))
    assert result.warning is None
    assert sorted(key.status for key in result.keys) == ["ACTIVE", "EXPIRED", "NEXT"]


def _token(client, registered, scope="orders:read"):
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": scope},
                         HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _introspect(client, registered, token):
    response = post_form(client, endpoint("introspect"), {"token": token},
                         HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
    return response.json()


def _kid(token):
    parsed = jws.JWS()
    parsed.deserialize(token)
    return parsed.jose_header["kid"]


@pytest.mark.django_db
def test_emergency_rotation_signs_with_a_fresh_key_and_revokes_what_the_old_one_signed(
        client, authserver, scope, service_client):
    signing_key_rotate_now(server=authserver)  # so there is an EXPIRED key, which must survive
    expired = authserver.signing_keys.get(status=KeyStatus.EXPIRED).kid
    old_active = authserver.signing_keys.get(status=KeyStatus.ACTIVE).kid
    old_next = authserver.signing_keys.get(status=KeyStatus.NEXT).kid
    compromised_token = _token(client, service_client)
    assert _kid(compromised_token) == old_active
    assert _introspect(client, service_client, compromised_token)["active"] is True

    result = signing_key_emergency_rotate(server=authserver)

    assert result.active_kid not in (old_active, old_next)  # fresh, not the published NEXT
    assert set(result.withdrawn_kids) == {old_active, old_next}
    published = {key["kid"] for key in client.get(endpoint("keys")).json()["keys"]}
    assert published == {result.active_kid, result.next_kid, expired}
    assert _introspect(client, service_client, compromised_token) == {"active": False}
    fresh_token = _token(client, service_client)
    assert _kid(fresh_token) == result.active_kid
    assert _introspect(client, service_client, fresh_token)["active"] is True
    event = LogEvent.objects.filter(event_type="app.oauth2.as.key.rollover",
                                    debug_context__debugData__trigger="EMERGENCY").get()
    assert event.severity == "WARN"
    assert event.debug_context["debugData"]["revokedTokensSignedBy"] == [old_active]
    assert "re-fetch v1/keys" in result.warning


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_rotatekeys_emergency_withdraws_the_active_key(authserver):
    old_active = authserver.signing_keys.get(status=KeyStatus.ACTIVE).kid
    out, err = _run("rotatekeys", "--server", "default", "--emergency")
    assert f"WITHDRAWN {old_active}" in out
    assert not SigningKey.objects.filter(kid=old_active).exists()
    assert "have them refresh now" in err


@pytest.mark.django_db
def test_rotatekeys_warns_on_stderr_and_keeps_json_clean(authserver):
    out, err = _run("rotatekeys", "--server", "default", "--json")
    assert [key["status"] for key in json.loads(out)] == ["ACTIVE", "NEXT", "EXPIRED"]
    assert "may not know kid" in err


@pytest.mark.django_db
def test_admin_emergency_rotation_asks_first_then_replaces_the_keys(console, authserver):
    url = reverse("admin:authservers_authorizationserver_changelist")
    old_active = authserver.signing_keys.get(status=KeyStatus.ACTIVE).kid
    page = console.post(url, {"action": "emergency_rotate_keys", "_selected_action": ["default"]})
    assert page.status_code == 200 and b"Yes, replace the signing keys" in page.content
    assert SigningKey.objects.filter(kid=old_active).exists()

    done = console.post(url, {"action": "emergency_rotate_keys", "_selected_action": ["default"],
                              "confirm": "yes"}, follow=True)
    assert not SigningKey.objects.filter(kid=old_active).exists()
    assert b"re-fetch v1/keys" in done.content
    assert b"-----BEGIN" not in done.content


@pytest.mark.django_db
def test_admin_manual_rotation_shows_the_warning(console, authserver):
    url = reverse("admin:authservers_authorizationserver_changelist")
    done = console.post(url, {"action": "rotate_keys", "_selected_action": ["default"]}, follow=True)
    assert b"may not know kid" in done.content


@pytest.mark.django_db
def test_admin_server_page_shows_the_next_rotation(console, authserver):
    page = console.get(reverse("admin:authservers_authorizationserver_change", args=["default"]))
    assert b"Next rotation" in page.content
