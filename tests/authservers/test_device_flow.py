"""Device authorization (RFC 8628) over HTTP: a device polls while a signed-in user confirms at /activate."""

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from accounts import throttling
from accounts.services import everyone_group, user_create
from authservers.models import DeviceAuthorization
from authservers.oauth import device
from tests.helpers import assert_json, assert_oauth_error, basic_auth_header, endpoint, post_form

from .code_flow import verified
from .conftest import PASSWORD, REDIRECT_URI

DEVICE_AUTHORIZE = endpoint("device/authorize")
TOKEN = endpoint("token")


@pytest.fixture(autouse=True)
def _own_throttle_keys(monkeypatch):
    monkeypatch.setattr(throttling, "PREFIX", f"test:{uuid.uuid4().hex}")


@pytest.fixture
def tv_app(make_client, authserver):
    """A public native app with the device grant, assigned to Everyone."""
    registered = make_client(label="living-room-tv", application_type="native", token_endpoint_auth_method="none",
                             grant_types=["authorization_code", device.GRANT_TYPE], redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    return registered


@pytest.fixture
def person(db):
    """The browser of a second party: the person who confirms on another device."""
    return BrowserClient(enforce_csrf_checks=True)


def start(client, registered, scope="openid profile"):
    response = post_form(client, DEVICE_AUTHORIZE, {"client_id": registered.client_id, "scope": scope})
    body = assert_json(response)
    assert response.status_code == 200, body
    assert response["Cache-Control"] == "no-store"
    return body


def poll(client, registered, device_code):
    return post_form(client, TOKEN, {"grant_type": device.GRANT_TYPE, "device_code": device_code,
                                     "client_id": registered.client_id})


def wait_interval(device_code):
    """As if the device had waited its interval since its last poll."""
    authorization = DeviceAuthorization.objects.get(device_code_hash=device.hash_device_code(device_code))
    if authorization.last_polled:
        DeviceAuthorization.objects.filter(pk=authorization.pk).update(
            last_polled=authorization.last_polled - timedelta(seconds=authorization.interval + 1))


def csrf_post(browser, data):
    page = browser.get("/activate")
    token = browser.cookies["csrftoken"].value
    assert page.status_code == 200
    return browser.post("/activate", {**data, "csrfmiddlewaretoken": token})


def confirm(browser, user_code, decision="allow"):
    looked_up = csrf_post(browser, {"user_code": user_code})
    assert looked_up.status_code == 200, looked_up.content
    assert b"living-room-tv" in looked_up.content
    return csrf_post(browser, {"user_code": user_code, "decision": decision})


@pytest.mark.django_db
def test_device_signs_in_with_the_user_who_confirms(client, person, tv_app, ada):
    started = start(client, tv_app)
    assert set(started) == {"device_code", "user_code", "verification_uri", "verification_uri_complete",
                            "expires_in", "interval"}
    assert started["expires_in"] == 600 and started["interval"] == 5
    assert started["verification_uri"] == "http://testserver/activate"
    assert started["verification_uri_complete"] == f"http://testserver/activate?user_code={started['user_code']}"
    assert len(started["user_code"]) == 8 and set(started["user_code"]) <= set(device.USER_CODE_ALPHABET)
    uuid.UUID(started["device_code"])

    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "authorization_pending",
                       device.AUTHORIZATION_PENDING)

    person.force_login(ada)
    typed = started["user_code"].lower()[:4] + "-" + started["user_code"].lower()[4:]  # case and dash ignored
    done = confirm(person, typed)
    assert done.status_code == 200 and b"Device activated" in done.content

    wait_interval(started["device_code"])
    response = poll(client, tv_app, started["device_code"])
    body = assert_json(response)
    assert response.status_code == 200, body
    assert body["token_type"] == "Bearer" and body["scope"] == "openid profile"
    _, access = verified(client, body["access_token"])
    assert access["uid"] == ada.pk and access["sub"] == ada.login and access["cid"] == tv_app.client_id
    _, id_token = verified(client, body["id_token"])
    assert id_token["sub"] == ada.pk and id_token["aud"] == tv_app.client_id

    wait_interval(started["device_code"])
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "invalid_grant",
                       device.DEVICE_CODE_INVALID)  # single use


@pytest.mark.django_db
def test_activate_sends_a_signed_out_person_to_sign_in_and_back(person, tv_app, ada):
    started = start(person, tv_app)
    response = person.get(f"/activate?user_code={started['user_code']}")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:login")
    assert parse_qs(location.query)["next"] == [f"/activate?user_code={started['user_code']}"]
    person.force_login(ada)
    page = person.get(f"/activate?user_code={started['user_code']}")
    assert page.status_code == 200 and started["user_code"].encode() in page.content
    assert page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_polling_faster_than_the_interval_slows_the_device_down(client, tv_app):
    started = start(client, tv_app)
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "authorization_pending")
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "slow_down", device.SLOW_DOWN)
    authorization = DeviceAuthorization.objects.get(device_code_hash=device.hash_device_code(started["device_code"]))
    assert authorization.interval == 10  # RFC 8628 §3.5: +5 s for this and all later polls
    # Waiting only the original 5 seconds is still too fast now.
    DeviceAuthorization.objects.filter(pk=authorization.pk).update(
        last_polled=timezone.now() - timedelta(seconds=6))
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "slow_down")
    wait_interval(started["device_code"])
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "authorization_pending")


@pytest.mark.django_db
def test_expired_device_code_answers_expired_token(client, person, tv_app, ada):
    started = start(client, tv_app)
    DeviceAuthorization.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "expired_token", device.EXPIRED_TOKEN)
    person.force_login(ada)
    refused = csrf_post(person, {"user_code": started["user_code"]})
    assert refused.status_code == 400 and b"not valid" in refused.content


@pytest.mark.django_db
def test_denial_answers_access_denied(client, person, tv_app, ada):
    started = start(client, tv_app)
    person.force_login(ada)
    done = confirm(person, started["user_code"], decision="deny")
    assert b"Device not activated" in done.content
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "access_denied",
                       device.DEVICE_ACCESS_DENIED)


@pytest.mark.django_db
def test_unassigned_user_cannot_confirm(client, person, make_client, authserver, ada):
    registered = make_client(label="living-room-tv", application_type="native", token_endpoint_auth_method="none",
                             grant_types=["authorization_code", device.GRANT_TYPE], redirect_uris=[REDIRECT_URI])
    started = start(client, registered)
    person.force_login(ada)
    done = confirm(person, started["user_code"])
    assert done.status_code == 403 and b"not assigned" in done.content
    assert_oauth_error(poll(client, registered, started["device_code"]), 400, "access_denied")


@pytest.mark.django_db
def test_policy_is_evaluated_with_the_confirming_user(client, person, tv_app, ada, authserver):
    from policies.models import PolicyRule

    PolicyRule.objects.filter(policy__server=authserver).update(users_exclude=[ada.pk])
    started = start(client, tv_app)
    person.force_login(ada)
    done = confirm(person, started["user_code"])
    assert done.status_code == 403 and b"Policy evaluation failed" in done.content
    assert_oauth_error(poll(client, tv_app, started["device_code"]), 400, "access_denied")


@pytest.mark.django_db
def test_device_code_is_stored_hashed(client, tv_app):
    started = start(client, tv_app)
    row = DeviceAuthorization.objects.get()
    assert row.device_code_hash == device.hash_device_code(started["device_code"])
    assert started["device_code"] not in str(list(DeviceAuthorization.objects.values()))


@pytest.mark.django_db
def test_device_code_is_bound_to_its_client(client, tv_app, make_client):
    other = make_client(label="other-tv", application_type="native", token_endpoint_auth_method="none",
                        grant_types=["authorization_code", device.GRANT_TYPE], redirect_uris=[REDIRECT_URI])
    started = start(client, tv_app)
    assert_oauth_error(poll(client, other, started["device_code"]), 400, "invalid_grant", device.DEVICE_CODE_INVALID)


@pytest.mark.django_db
@pytest.mark.parametrize("device_code", ["", "x" * 5000, "not-a-code", "\u00e9\u00e9"])
def test_bad_device_codes(client, tv_app, device_code):
    response = poll(client, tv_app, device_code)
    body = assert_json(response)
    assert response.status_code == 400
    assert body["error"] in ("invalid_request", "invalid_grant")


@pytest.mark.django_db
def test_client_without_the_device_grant_is_refused(client, spa_app, web_app, authserver):
    response = post_form(client, DEVICE_AUTHORIZE, {"client_id": spa_app.client_id, "scope": "openid"})
    assert_oauth_error(response, 400, "unauthorized_client")
    response = post_form(client, DEVICE_AUTHORIZE, {"scope": "openid"},
                         HTTP_AUTHORIZATION=basic_auth_header(web_app.client_id, web_app.secret))
    assert_oauth_error(response, 400, "unauthorized_client")
    response = post_form(client, TOKEN, {"grant_type": device.GRANT_TYPE, "device_code": "x",
                                         "client_id": spa_app.client_id})
    assert_oauth_error(response, 400, "unauthorized_client")


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "status", "error"), [
    ({}, 401, "invalid_client"),
    ({"client_id": "0oaNOPE"}, 401, "invalid_client"),
    ({"client_id": "{tv}", "scope": "nope"}, 400, "invalid_scope"),
    ({"client_id": "{tv}", "scope": "x" * 2000}, 400, "invalid_scope"),
    ([("client_id", "{tv}"), ("client_id", "{tv}")], 400, "invalid_request"),
])
def test_device_authorize_rejects_bad_requests(client, tv_app, data, status, error):
    pairs = data.items() if isinstance(data, dict) else data
    pairs = [(name, value.replace("{tv}", tv_app.client_id)) for name, value in pairs]
    assert_oauth_error(post_form(client, DEVICE_AUTHORIZE, pairs), status, error)


@pytest.mark.django_db
def test_device_authorize_only_takes_form_posts(client, tv_app):
    assert_oauth_error(client.get(DEVICE_AUTHORIZE), 405, "invalid_request")
    response = client.post(DEVICE_AUTHORIZE, '{"client_id": "x"}', content_type="application/json")
    assert_oauth_error(response, 400, "invalid_request")
    assert client.post("/oauth2/nope/v1/device/authorize").status_code == 404


@pytest.mark.django_db
def test_activation_is_throttled_against_guessing(person, client, tv_app, ada, settings):
    settings.CASTELLAN_SIGNIN_FREE_FAILURES = 2
    started = start(client, tv_app)
    person.force_login(ada)
    statuses = [csrf_post(person, {"user_code": "BBBBBBBB"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    # While throttled, even the right code is not looked up.
    throttled = csrf_post(person, {"user_code": started["user_code"]})
    assert throttled.status_code == 429 and throttled["Retry-After"]
    assert DeviceAuthorization.objects.get().status == "PENDING"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["A" * 10_000, "<script>", "BCDF\x00GHJK", "", "BCDFGHJ", "BCDFGHJKL", "AEIOUAEI"])
def test_hostile_user_codes_are_refused_without_a_lookup(person, ada, typed, tv_app):
    person.force_login(ada)
    response = csrf_post(person, {"user_code": typed})
    assert response.status_code == 400
    assert b"<script>" not in response.content


def test_user_codes_normalize_case_and_separators():
    assert device.normalize_user_code("rgtc-fdtl") == "RGTCFDTL"
    assert device.normalize_user_code(" RGTC FDTL ") == "RGTCFDTL"
    assert device.normalize_user_code("RGTCFDT") is None
    assert device.normalize_user_code("RGTCFDTA") is None  # vowels are never in a code
    assert device.normalize_user_code("R" * 40) is None


def test_poll_outcomes():
    outcome = device.poll_outcome
    assert outcome(status="PENDING", expired=False, seconds_since_last_poll=None, interval=5).result == "pending"
    assert outcome(status="PENDING", expired=False, seconds_since_last_poll=2, interval=5) == \
        device.PollOutcome("slow_down", 10)
    assert outcome(status="PENDING", expired=True, seconds_since_last_poll=2, interval=5).result == "expired"
    assert outcome(status="APPROVED", expired=False, seconds_since_last_poll=1, interval=5).result == "issue"
    assert outcome(status="DENIED", expired=False, seconds_since_last_poll=9, interval=5).result == "denied"
    assert outcome(status="REDEEMED", expired=False, seconds_since_last_poll=9, interval=5).result == "spent"
    assert outcome(status="PENDING", expired=False, seconds_since_last_poll=1, interval=60).interval == 60
    assert outcome(status="PENDING", expired=False, seconds_since_last_poll=4.8, interval=5).result == "pending"


@pytest.mark.django_db
def test_confirmed_by_one_user_is_not_confirmable_by_another(client, tv_app, ada):
    """DOT issue 1819: a device grant confirmable by another user."""
    bob = user_create(login="bob@example.com", email="bob@example.com", password=PASSWORD)
    started = start(client, tv_app)
    first, second = BrowserClient(enforce_csrf_checks=True), BrowserClient(enforce_csrf_checks=True)
    first.force_login(ada)
    second.force_login(bob)
    assert confirm(first, started["user_code"]).status_code == 200
    assert csrf_post(second, {"user_code": started["user_code"], "decision": "allow"}).status_code == 400
    wait_interval(started["device_code"])
    _, access = verified(client, assert_json(poll(client, tv_app, started["device_code"]))["access_token"])
    assert access["uid"] == ada.pk


@pytest.mark.django_db
def test_console_shows_device_authorizations_but_no_codes(console, tv_app):
    started = start(console, tv_app)
    row = DeviceAuthorization.objects.get()
    page = console.get(reverse("admin:authservers_deviceauthorization_change", args=[row.pk]))
    assert page.status_code == 200 and b"living-room-tv" in page.content
    for secret in (started["device_code"], started["user_code"], row.device_code_hash):
        assert secret.encode() not in page.content


@pytest.mark.django_db
def test_inactive_app_with_device_authorizations_can_be_deleted_in_the_console(console, tv_app):
    start(console, tv_app)
    tv_app.model.status = "INACTIVE"
    tv_app.model.save()
    delete_url = reverse("admin:clients_client_delete", args=[tv_app.model.pk])
    assert console.post(delete_url, {"post": "yes"}).status_code == 302
    assert not DeviceAuthorization.objects.exists()


@pytest.mark.django_db
def test_confidential_device_client_authenticates(client, make_client, authserver):
    registered = make_client(label="kiosk", application_type="native",
                             grant_types=["authorization_code", device.GRANT_TYPE], redirect_uris=[REDIRECT_URI])
    ok = post_form(client, DEVICE_AUTHORIZE, {"scope": "openid"},
                   HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
    assert ok.status_code == 200, ok.content
    wrong = post_form(client, DEVICE_AUTHORIZE, {"scope": "openid"},
                      HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, "not-the-secret"))
    assert_oauth_error(wrong, 401, "invalid_client")
    bare = post_form(client, DEVICE_AUTHORIZE, {"client_id": registered.client_id, "scope": "openid"})
    assert_oauth_error(bare, 401, "invalid_client")  # a confidential client must authenticate


@pytest.mark.django_db
def test_a_device_stays_signed_in_with_offline_access(client, person, make_client, authserver, ada):
    """Okta: a device granted `offline_access` gets a refresh token; the TV keeps refreshing."""
    tv = make_client(label="living-room-tv", application_type="native", token_endpoint_auth_method="none",
                     grant_types=["authorization_code", device.GRANT_TYPE, "refresh_token"],
                     redirect_uris=[REDIRECT_URI])
    tv.model.assigned_groups.add(everyone_group())
    started = start(client, tv, scope="openid offline_access")
    person.force_login(ada)
    assert confirm(person, started["user_code"]).status_code == 200
    wait_interval(started["device_code"])
    first = assert_json(poll(client, tv, started["device_code"]))
    assert first.get("refresh_token"), first

    refreshed = post_form(client, TOKEN, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
                                          "client_id": tv.client_id})
    body = assert_json(refreshed)
    assert refreshed.status_code == 200, body
    _, access = verified(client, body["access_token"])
    assert access["uid"] == ada.pk and access["cid"] == tv.client_id
