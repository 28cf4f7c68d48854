"""The sign-in and sign-out pages: sessions, generic failures, safe `next`, CSRF, System Log."""

import uuid

import pytest
from django.test import Client

from accounts import throttling
from accounts.models import User, UserStatus
from accounts.services import user_create
from accounts.signin import FAILURE_MESSAGE
from authservers.models import LogEvent

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _own_throttle_keys(monkeypatch):
    """Counters of one test never meet another's, in locmem or a shared Redis."""
    monkeypatch.setattr(throttling, "PREFIX", f"test:{uuid.uuid4().hex}")


@pytest.fixture
def ada(db):
    return user_create(login="ada@example.com", email="ada@example.com", password=PASSWORD,
                       first_name="Ada", last_name="Lovelace")


def sign_in(client, login, password, **extra):
    return client.post("/login/", {"login": login, "password": password}, **extra)


def session_user_id(client):
    return client.session.get("_auth_user_id")


def test_get_renders_accessible_form(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_login">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'autocomplete="current-password"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'role="alert"' not in html
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert "//" not in "".join(line for line in html.splitlines() if "stylesheet" in line).replace("://", "")


def test_success_starts_session_sets_last_login_and_logs(client, ada):
    response = sign_in(client, "ADA@example.com", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert session_user_id(client) == ada.pk
    ada.refresh_from_db()
    assert ada.last_login is not None
    event = LogEvent.objects.get(event_type="user.session.start")
    assert event.outcome_result == "SUCCESS"
    assert event.actor["id"] == ada.pk and event.actor["alternateId"] == ada.login
    assert PASSWORD not in str(event.__dict__)
    page = client.get("/login/").content.decode()
    assert "You are signed in" in page and "ada@example.com" in page


def test_session_cookie_is_httponly_and_samesite_lax(client, ada):
    response = sign_in(client, "ada@example.com", PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_session_key_is_rotated_on_sign_in(client, ada):
    client.get("/login/")
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    sign_in(client, "ada@example.com", PASSWORD)
    assert client.session.session_key != before


@pytest.mark.parametrize(("login", "password"), [
    ("ada@example.com", "wrong password"),
    ("nobody@example.com", PASSWORD),
    ("nobody@example.com", "wrong password"),
])
def test_failure_is_generic(client, ada, login, password):
    response = sign_in(client, login, password)
    assert response.status_code == 200
    html = response.content.decode()
    assert FAILURE_MESSAGE in html and 'role="alert"' in html
    assert session_user_id(client) is None
    assert password not in html


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.DEPROVISIONED])
def test_inactive_user_is_refused_with_generic_message(client, ada, status):
    User.objects.filter(pk=ada.pk).update(status=status)
    response = sign_in(client, "ada@example.com", PASSWORD)
    unknown = sign_in(Client(), "nobody@example.com", PASSWORD)
    assert response.status_code == unknown.status_code == 200
    assert FAILURE_MESSAGE in response.content.decode()
    assert status not in response.content.decode()
    assert session_user_id(client) is None
    event = LogEvent.objects.filter(event_type="user.session.start", actor__id=ada.pk).get()
    assert event.outcome_result == "FAILURE"
    assert event.outcome_reason == f"USER_{status}"


def test_failure_logs_anonymous_actor_with_attempted_login_and_never_the_password(client, db):
    sign_in(client, "nobody@example.com", "hunter2-secret")
    event = LogEvent.objects.get(event_type="user.session.start")
    assert event.outcome_result == "FAILURE" and event.outcome_reason == "INVALID_CREDENTIALS"
    assert event.actor["alternateId"] == "nobody@example.com" and event.actor["id"] == "unknown"
    assert event.client["ipAddress"] == "127.0.0.1"
    assert "hunter2-secret" not in str(event.__dict__)


def test_empty_fields_show_field_errors_in_summary(client, db):
    response = client.post("/login/", {"login": "", "password": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'href="#id_login">Enter your username.' in html
    assert 'href="#id_password">Enter your password.' in html
    # Each input points at its own message (Django adds aria-describedby="<id>_error").
    assert 'aria-describedby="id_login_error"' in html and 'id="id_login_error"' in html


@pytest.mark.parametrize("target", ["/admin/", "/login/?x=1", "/oauth2/default/v1/authorize?client_id=a&state=b"])
def test_same_site_next_is_honoured(client, ada, target):
    response = client.post(f"/login/?next={target.replace('?', '%3F').replace('&', '%26')}",
                           {"login": "ada@example.com", "password": PASSWORD})
    assert response["Location"] == target


def test_next_from_form_field_is_honoured(client, ada):
    page = client.get("/login/?next=/admin/").content.decode()
    assert 'name="next" value="/admin/"' in page
    response = client.post("/login/", {"login": "ada@example.com", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("target", [
    "//evil.com", "https://evil.com", "/\\evil.com", "\\\\evil.com", "http:/evil.com", "///evil.com",
    "javascript:alert(1)", "/\t/evil.com", "evil.com", " //evil.com", "https://testserver/admin/",
])
def test_open_redirect_is_refused(client, ada, target):
    page = client.get("/login/", {"next": target}).content.decode()
    assert "evil" not in page
    response = client.post("/login/", {"login": "ada@example.com", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_post_requires_csrf_token(ada):
    csrf_client = Client(enforce_csrf_checks=True)
    response = sign_in(csrf_client, "ada@example.com", PASSWORD)
    assert response.status_code == 403
    assert session_user_id(csrf_client) is None
    page = csrf_client.get("/login/")
    token = page.cookies["csrftoken"].value
    response = csrf_client.post("/login/", {"login": "ada@example.com", "password": PASSWORD,
                                            "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_sign_out_get_only_confirms(client, ada):
    sign_in(client, "ada@example.com", PASSWORD)
    response = client.get("/logout/")
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert session_user_id(client) == ada.pk


def test_sign_out_post_ends_session_and_logs(client, ada):
    sign_in(client, "ada@example.com", PASSWORD)
    response = client.post("/logout/")
    assert response.status_code == 200
    assert "You have signed out" in response.content.decode()
    assert session_user_id(client) is None
    event = LogEvent.objects.get(event_type="user.session.end")
    assert event.actor["id"] == ada.pk


def test_sign_out_requires_csrf_token(ada):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(ada)
    assert csrf_client.post("/logout/").status_code == 403
    assert session_user_id(csrf_client) == ada.pk


def test_sign_out_without_session_logs_nothing(client, db):
    assert client.post("/logout/").status_code == 200
    assert not LogEvent.objects.filter(event_type="user.session.end").exists()


def test_login_required_redirects_to_our_sign_in(settings):
    assert settings.LOGIN_URL == "/login/"
