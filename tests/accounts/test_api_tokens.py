"""API tokens: stored hashed, made by `createapitoken`, accepted as `SSWS <token>` from staff only."""

import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, ApiTokenStatus, UserStatus
from accounts.services import api_token_create, user_create
from tests.helpers import assert_okta_error

URL = "/api/v1/authorizationServers"


@pytest.fixture
def staff(db):
    return user_create(login="ops@example.com", email="ops@example.com", password=None, is_staff=True)


def _get(header: str | None):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client.get(URL)


@pytest.mark.django_db
def test_the_token_is_stored_only_as_its_hash(staff):
    token, secret = api_token_create(name="ci", user=staff)
    assert len(secret) == 42 and secret.startswith("00")
    assert token.id.startswith("00T") and len(token.id) == 20
    row = ApiToken.objects.get(pk=token.pk)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.prefix == secret[:8]
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    assert secret not in stored


@pytest.mark.django_db
def test_tokens_are_unique(staff):
    secrets = {api_token_create(name="ci", user=staff)[1] for _ in range(5)}
    assert len(secrets) == 5


@pytest.mark.django_db
def test_createapitoken_json_prints_the_token_once(staff):
    out = StringIO()
    call_command("createapitoken", "terraform", "--user", "OPS@example.com", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert set(body) == {"id", "name", "userId", "token"}
    assert (body["name"], body["userId"]) == ("terraform", staff.id)
    row = ApiToken.objects.get(pk=body["id"])
    assert row.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert _get(f"SSWS {body['token']}").status_code == 200


@pytest.mark.django_db
def test_createapitoken_accepts_name_option_and_expiry(staff):
    out = StringIO()
    call_command("createapitoken", "--name", "ci", "--user", staff.login, "--expires-days", "30", stdout=out)
    assert "shown only this once" in out.getvalue()
    row = ApiToken.objects.get()
    assert row.name == "ci"
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.django_db
@pytest.mark.parametrize("args, code", [
    (["x", "--user", "nobody@example.com"], "E0000007"),
    (["--user", "ops@example.com"], "E0000001"),
    (["x", "--user", "plain@example.com"], "E0000001"),
    (["x", "--user", "ops@example.com", "--expires-days", "0"], "E0000001"),
])
def test_createapitoken_failures(staff, args, code):
    user_create(login="plain@example.com", email="plain@example.com", password=None)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("createapitoken", *args, "--json", stdout=StringIO(), stderr=err)
    assert json.loads(err.getvalue())["errorCode"] == code
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_ssws_with_and_without_the_space(staff):
    _, secret = api_token_create(name="ci", user=staff)
    assert _get(f"SSWS {secret}").status_code == 200
    assert _get(f"SSWS{secret}").status_code == 200
    assert ApiToken.objects.get().last_used is not None


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "", "SSWS", "SSWS ", "SSWS 00wrong", "SSWS " + "0" * 5000,
                                    "SSWS 00\u00e9t\u00e9", "Basic dXNlcjpwYXNz"])
def test_missing_or_invalid_token_is_401_E0000011(staff, header):
    response = _get(header)
    error = assert_okta_error(response, 401, "E0000011")
    assert error["errorSummary"] == "Invalid token provided"
    assert response["X-Okta-Request-Id"]


@pytest.mark.django_db
def test_bearer_tokens_are_not_accepted_yet(staff):
    _, secret = api_token_create(name="ci", user=staff)
    assert_okta_error(_get(f"Bearer {secret}"), 401, "E0000011")


@pytest.mark.django_db
def test_revoked_and_expired_tokens_are_refused(staff):
    revoked, revoked_secret = api_token_create(name="old", user=staff)
    ApiToken.objects.filter(pk=revoked.pk).update(status=ApiTokenStatus.REVOKED)
    _, expired_secret = api_token_create(name="exp", user=staff, expires_at=timezone.now() - timedelta(seconds=1))
    assert_okta_error(_get(f"SSWS {revoked_secret}"), 401, "E0000011")
    assert_okta_error(_get(f"SSWS {expired_secret}"), 401, "E0000011")


@pytest.mark.django_db
def test_a_suspended_users_token_is_refused(staff):
    _, secret = api_token_create(name="ci", user=staff)
    staff.status = UserStatus.SUSPENDED
    staff.save()
    assert_okta_error(_get(f"SSWS {secret}"), 401, "E0000011")


@pytest.mark.django_db
def test_a_token_of_a_user_no_longer_staff_is_403_E0000006(staff):
    _, secret = api_token_create(name="ci", user=staff)
    staff.is_staff = False
    staff.save()
    error = assert_okta_error(_get(f"SSWS {secret}"), 403, "E0000006")
    assert error["errorSummary"] == "You do not have permission to perform the requested action"


@pytest.mark.django_db
def test_only_active_staff_get_tokens(db):
    plain = user_create(login="plain@example.com", email="plain@example.com", password=None)
    from accounts.services import DirectoryError

    with pytest.raises(DirectoryError):
        api_token_create(name="ci", user=plain)


@pytest.mark.django_db
def test_the_admin_session_works_for_staff(console):
    assert console.get(URL).status_code == 200


@pytest.mark.django_db
def test_the_admin_session_of_a_non_staff_user_is_403(client):
    user = user_create(login="plain@example.com", email="plain@example.com", password=None)
    client.force_login(user)
    assert_okta_error(client.get(URL), 403, "E0000006")


@pytest.mark.django_db
def test_admin_lists_tokens_read_only_without_the_hash(console, staff):
    token, secret = api_token_create(name="ci", user=staff)
    listing = console.get("/admin/accounts/apitoken/").content.decode()
    assert token.id in listing and token.prefix in listing
    page = console.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.name in page
    assert token.token_hash not in page and secret not in page
    assert console.get("/admin/accounts/apitoken/add/").status_code == 403
    response = console.post(f"/admin/accounts/apitoken/{token.pk}/change/", {"name": "renamed"})
    assert response.status_code == 403
    assert ApiToken.objects.get().name == "ci"
