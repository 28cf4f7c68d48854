"""Deprovisioning that really deprovisions: each case tries the old token afterwards (REFERENCE §6.5)."""

import json
import time

import pytest

from accounts.models import UserStatus
from authservers.api_services import authserver_set_status
from authservers.models import AuthorizationServer, Grant, LogEvent, RefreshToken, ServerStatus
from clients.models import Client
from tests.commands import run_command, run_command_failing
from tests.helpers import assert_oauth_error, basic_auth_header, endpoint, post_form

from .code_flow import exchange, get_code


def introspect(client, registered, token: str, secret: str | None = None):
    return post_form(client, endpoint("introspect"), {"token": token},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, secret or registered.secret))


def userinfo(client, token: str):
    return client.get(endpoint("userinfo"), HTTP_AUTHORIZATION=f"Bearer {token}")


def next_second() -> None:
    """Tokens carry whole-second `iat`s: one issued in the second of a deactivation counts as before it."""
    time.sleep(1.02 - time.time() % 1)


@pytest.fixture
def user_token(client, signed_in, web_app, authserver):
    response = exchange(client, web_app, get_code(client, web_app, scope="openid profile"))
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert userinfo(client, token).status_code == 200
    assert introspect(client, web_app, token).json()["active"] is True
    return token


@pytest.fixture
def service_token(issue_token, service_client, scope, client):
    token = issue_token(service_client)
    assert introspect(client, service_client, token).json()["active"] is True
    return token


def test_deactivateclient_kills_tokens_and_reactivation_does_not_revive_them(client, web_app, user_token):
    out, _ = run_command("deactivateclient", web_app.client_id, "--json")
    assert json.loads(out)["status"] == "INACTIVE"
    assert userinfo(client, user_token).status_code == 401
    assert_oauth_error(introspect(client, web_app, user_token), 401, "invalid_client")  # cannot even authenticate

    out, _ = run_command("activateclient", web_app.client_id, "--json")
    assert json.loads(out)["status"] == "ACTIVE"
    assert userinfo(client, user_token).status_code == 401
    assert introspect(client, web_app, user_token).json() == {"active": False}
    assert {"app.oauth2.client.lifecycle.deactivate", "app.oauth2.client.lifecycle.activate",
            "app.oauth2.token.revoke.implicit.client"} <= set(LogEvent.objects.values_list("event_type", flat=True))


def test_reactivated_client_gets_working_new_tokens(client, issue_token, service_client, service_token):
    run_command("deactivateclient", service_client.client_id)
    run_command("activateclient", service_client.client_id)
    assert introspect(client, service_client, service_token).json() == {"active": False}
    next_second()
    fresh = issue_token(service_client)
    assert introspect(client, service_client, fresh).json()["active"] is True


def test_deactivation_revokes_stored_refresh_tokens_and_codes(client, signed_in, web_app, authserver, ada):
    get_code(client, web_app)  # a pending code
    stored = RefreshToken.objects.create(user=ada, application=web_app.model, server=authserver, token="rt-1")
    run_command("deactivateclient", web_app.client_id)
    stored.refresh_from_db()
    assert stored.revoked is not None
    assert not Grant.objects.filter(application=web_app.model).exists()


def test_deactivateclient_is_idempotent_and_plain_output_says_so(service_client):
    out, _ = run_command("deactivateclient", service_client.client_id)
    assert "no longer work" in out
    first = Client.objects.get(pk=service_client.model.pk).tokens_valid_after
    run_command("deactivateclient", service_client.client_id)
    assert Client.objects.get(pk=service_client.model.pk).tokens_valid_after == first


def test_rotateclientsecret_ends_the_old_secret_and_tokens(client, service_client, service_token, user_token, web_app):
    out, _ = run_command("rotateclientsecret", service_client.client_id, "--json")
    body = json.loads(out)
    new_secret = body["client_secret"]
    assert body["client_id"] == service_client.client_id and body["status"] == "ACTIVE"
    assert_oauth_error(introspect(client, service_client, service_token), 401, "invalid_client")
    assert introspect(client, service_client, service_token, secret=new_secret).json() == {"active": False}

    run_command("rotateclientsecret", web_app.client_id)
    assert userinfo(client, user_token).status_code == 401


def test_rotateclientsecret_keep_tokens(client, service_client, service_token):
    out, _ = run_command("rotateclientsecret", service_client.client_id, "--keep-tokens", "--json")
    new_secret = json.loads(out)["client_secret"]
    assert introspect(client, service_client, service_token, secret=new_secret).json()["active"] is True


def test_rotateclientsecret_refuses_a_public_client(make_client):
    public = make_client(token_endpoint_auth_method="none", grant_types=["authorization_code"],
                         redirect_uris=["https://app.example.com/cb"], application_type="browser")
    _, err = run_command_failing("rotateclientsecret", public.client_id, "--json")
    assert json.loads(err)["errorCode"] == "E0000001"


def test_deleteclient_ends_everything(client, web_app, user_token, service_client, service_token):
    out, _ = run_command("deleteclient", web_app.client_id, "--dry-run", "--json")
    assert json.loads(out)["deleted"] is False
    assert userinfo(client, user_token).status_code == 200

    out, _ = run_command("deleteclient", web_app.client_id, "--json")
    assert json.loads(out) == {"id": web_app.model.id, "client_id": web_app.client_id, "label": "portal",
                               "deleted": True}
    assert not Client.objects.filter(pk=web_app.model.pk).exists()
    assert userinfo(client, user_token).status_code == 401
    assert_oauth_error(introspect(client, web_app, user_token), 401, "invalid_client")

    run_command("deleteclient", service_client.client_id)
    assert_oauth_error(introspect(client, service_client, service_token), 401, "invalid_client")


@pytest.mark.parametrize("command", ["deactivateclient", "activateclient", "rotateclientsecret", "deleteclient"])
@pytest.mark.parametrize("client_id", ["0oaMissing", "x" * 300, "bad\x00id"])
def test_commands_refuse_unknown_clients(db, command, client_id):
    _, err = run_command_failing(command, client_id, "--json")
    assert json.loads(err)["errorCode"] == "E0000007"


@pytest.mark.parametrize("status", [UserStatus.DEPROVISIONED, UserStatus.SUSPENDED])
def test_user_deactivation_ends_their_tokens(client, ada, web_app, authserver, user_token, status):
    stored = RefreshToken.objects.create(user=ada, application=web_app.model, server=authserver, token="rt-2")
    ada.status = status
    ada.save()
    stored.refresh_from_db()
    assert stored.revoked is not None
    assert userinfo(client, user_token).status_code == 401
    assert introspect(client, web_app, user_token).json() == {"active": False}


def test_user_deletion_ends_their_tokens(client, ada, web_app, authserver, user_token):
    RefreshToken.objects.create(user=ada, application=web_app.model, server=authserver, token="rt-3")
    ada.delete()
    assert not RefreshToken.objects.filter(token="rt-3").exists()
    assert userinfo(client, user_token).status_code == 401
    assert introspect(client, web_app, user_token).json() == {"active": False}


def test_deactivated_server_stops_all_its_endpoints(client, service_client, service_token, user_token, web_app):
    authserver_set_status(server=AuthorizationServer.objects.get(pk="default"), status=ServerStatus.INACTIVE)
    basic = basic_auth_header(service_client.client_id, service_client.secret)
    assert post_form(client, endpoint("token"), {"grant_type": "client_credentials"},
                     HTTP_AUTHORIZATION=basic).status_code == 404
    assert introspect(client, service_client, service_token).status_code == 404
    assert post_form(client, endpoint("revoke"), {"token": service_token}, HTTP_AUTHORIZATION=basic).status_code == 404
    assert userinfo(client, user_token).status_code == 404
    for name in ("keys", "authorize", "logout"):
        assert client.get(endpoint(name)).status_code == 404, name
    assert client.get("/oauth2/default/.well-known/openid-configuration").status_code == 404
    assert client.get("/oauth2/default/.well-known/oauth-authorization-server").status_code == 404
    assert client.get("/.well-known/oauth-authorization-server/oauth2/default").status_code == 404

