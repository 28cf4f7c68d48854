"""`createclient`: Okta's Apps API JSON, one-time secret, Okta's defaults and failures."""

import json
from functools import partial

import pytest

from clients.models import Client, ClientSecret
from clients.services import secret_hash
from tests.commands import run_command, run_command_failing

run = partial(run_command, "createclient")
run_failing = partial(run_command_failing, "createclient")


@pytest.mark.django_db
def test_service_app_json_matches_okta_apps_api():
    out, _ = run("billing-service", "--grant-types", "client_credentials", "--auth-method", "client_secret_basic",
                 "--json")
    body = json.loads(out)
    assert body["id"].startswith("0oa")
    assert body["client_id"] == body["id"] == body["credentials"]["oauthClient"]["client_id"]
    assert body["client_secret"] == body["credentials"]["oauthClient"]["client_secret"]
    assert len(body["client_secret"]) >= 43  # at least 256 bits, base64url
    assert body["label"] == "billing-service"
    assert body["name"] == "oidc_client"
    assert body["status"] == "ACTIVE"
    assert body["signOnMode"] == "OPENID_CONNECT"
    assert body["credentials"]["oauthClient"]["token_endpoint_auth_method"] == "client_secret_basic"
    settings = body["settings"]["oauthClient"]
    assert settings["application_type"] == "service"
    assert settings["grant_types"] == ["client_credentials"]
    assert settings["response_types"] == ["token"]
    stored = ClientSecret.objects.get(client_id=body["id"])
    assert stored.secret_hash == secret_hash(body["client_secret"])
    assert body["client_secret"] not in stored.encrypted_secret


@pytest.mark.django_db
def test_human_output_shows_secret_once_with_a_warning():
    out, _ = run("billing-service", "--grant-types", "client_credentials")
    client = Client.objects.get(label="billing-service")
    secret = out.split("client_secret:")[1].split()[0]
    assert ClientSecret.objects.get(client=client).secret_hash == secret_hash(secret)
    assert client.client_id in out
    assert "shown only once" in out


@pytest.mark.django_db
def test_labels_need_not_be_unique():
    run("billing-service", "--grant-types", "client_credentials")
    run("billing-service", "--grant-types", "client_credentials")
    assert Client.objects.filter(label="billing-service").count() == 2


@pytest.mark.django_db
def test_web_app_with_several_grants_and_uris():
    out, _ = run("portal", "--grant-types", "authorization_code", "refresh_token",
                 "--redirect-uris", "https://portal.example.com/cb", "https://portal.example.com/cb2",
                 "--post-logout-redirect-uris", "https://portal.example.com/",
                 "--consent-method", "REQUIRED", "--profile", '{"tier": "gold"}', "--json")
    body = json.loads(out)
    settings = body["settings"]["oauthClient"]
    assert settings["application_type"] == "web"
    assert settings["grant_types"] == ["authorization_code", "refresh_token"]
    assert settings["response_types"] == ["code"]
    assert settings["redirect_uris"] == ["https://portal.example.com/cb", "https://portal.example.com/cb2"]
    assert settings["post_logout_redirect_uris"] == ["https://portal.example.com/"]
    assert settings["consent_method"] == "REQUIRED"
    assert settings["refresh_token"] == {"rotation_type": "STATIC", "leeway": 30}
    assert body["profile"] == {"tier": "gold"}
    assert Client.objects.get(pk=body["id"]).profile == {"tier": "gold"}


@pytest.mark.django_db
def test_public_browser_app_has_no_secret():
    out, _ = run("spa", "--grant-types", "authorization_code", "--application-type", "browser",
                 "--auth-method", "none", "--redirect-uris", "https://spa.example.com/cb", "--json")
    body = json.loads(out)
    assert body["client_secret"] is None
    assert "client_secret" not in body["credentials"]["oauthClient"]
    assert body["credentials"]["oauthClient"]["pkce_required"] is True
    assert not ClientSecret.objects.filter(client_id=body["id"]).exists()
    human, _ = run("spa", "--grant-types", "authorization_code", "--application-type", "browser",
                   "--auth-method", "none", "--redirect-uris", "https://spa.example.com/cb")
    assert "client_secret" not in human and "public client" in human


@pytest.mark.django_db
def test_pkce_can_be_switched():
    on, _ = run("portal", "--grant-types", "authorization_code", "--redirect-uris", "https://p.example.com/cb",
                "--pkce-required", "--json")
    off, _ = run("portal", "--grant-types", "authorization_code", "--redirect-uris", "https://p.example.com/cb",
                 "--no-pkce-required", "--json")
    assert json.loads(on)["credentials"]["oauthClient"]["pkce_required"] is True
    assert json.loads(off)["credentials"]["oauthClient"]["pkce_required"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "field"), [
    # A service app may only use client_credentials.
    (["--grant-types", "client_credentials", "authorization_code", "--application-type", "service",
      "--redirect-uris", "https://x.example.com/cb"], "grant_types"),
    (["--grant-types", "client_credentials", "--application-type", "service", "--auth-method", "none"],
     "token_endpoint_auth_method"),
    (["--grant-types", "magic"], "grant_types"),
    (["--grant-types", "authorization_code"], "redirect_uris"),
    (["--grant-types", "authorization_code", "--redirect-uris", "https://x.example.com/cb#frag"], "redirect_uris"),
    (["--grant-types", "client_credentials", "--auth-method", "carrier_pigeon"], "token_endpoint_auth_method"),
    (["--grant-types", "client_credentials", "--application-type", "robot"], "application_type"),
    (["--grant-types", "client_credentials", "--consent-method", "SOMETIMES"], "consent_method"),
    (["--grant-types", "authorization_code", "--redirect-uris", "https://x.example.com/cb",
      "--response-types", "code", "telepathy"], "response_types"),
    (["--grant-types", "client_credentials", "--profile", "[1, 2]"], "profile"),
    (["--grant-types", "client_credentials", "--profile", "{not json"], "profile"),
])
def test_bad_input_gives_an_okta_error_and_creates_nothing(args, field):
    _, err = run_failing("some-app", *args, "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == f"Api validation failed: {field}"
    assert body["errorCauses"][0]["errorSummary"].startswith(f"{field}:")
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_bad_input_without_json_is_a_sentence():
    exc, err = run_failing("svc", "--grant-types", "client_credentials", "authorization_code",
                           "--application-type", "service")
    assert "grant_types: Application type 'service' cannot use authorization_code." in str(exc)
    assert "grant_types" in err
