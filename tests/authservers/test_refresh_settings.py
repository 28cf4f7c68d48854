"""Per-client refresh-token settings (Okta `settings.oauthClient.refresh_token`), discovery, housekeeping."""

import json
from datetime import timedelta
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from authservers.housekeeping import housekeeping_run
from authservers.models import AccessToken, RefreshToken, RefreshTokenFamily
from authservers.services import ServiceError
from clients.models import Client
from clients.presenters import client_to_okta
from clients.services import client_create
from tests.commands import run_command, run_command_failing

from .refresh_flow import refresh_app, sign_in_tokens

pytestmark = pytest.mark.django_db
run = partial(run_command, "createclient")
run_failing = partial(run_command_failing, "createclient")
URIS = ["https://app.example.com/cb"]


def _create(**kwargs):
    defaults = {"label": "app", "grant_types": ["authorization_code", "refresh_token"], "redirect_uris": URIS}
    return client_create(**{**defaults, **kwargs})[0]


# --- defaults and validation ---------------------------------------------------------------------


def test_okta_defaults_spa_rotates_web_and_native_keep_one_token():
    assert _create(application_type="browser", token_endpoint_auth_method="none").refresh_token_rotation == "ROTATE"
    web = _create(application_type="web")
    assert (web.refresh_token_rotation, web.refresh_token_leeway) == ("STATIC", 30)
    assert _create(application_type="native", token_endpoint_auth_method="none").refresh_token_rotation == "ROTATE"


@pytest.mark.parametrize("leeway", [-1, 61, 1000])
def test_leeway_outside_0_to_60_is_refused(leeway):
    with pytest.raises(ServiceError, match="refresh_token_leeway"):
        _create(refresh_token_leeway=leeway)
    assert not Client.objects.exists()


@pytest.mark.parametrize("leeway", [0, 60])
def test_leeway_bounds_are_allowed(leeway):
    assert _create(refresh_token_leeway=leeway).refresh_token_leeway == leeway


def test_unknown_rotation_type_is_refused():
    with pytest.raises(ServiceError, match="refresh_token_rotation"):
        _create(refresh_token_rotation="SOMETIMES")


def test_public_client_must_rotate():
    with pytest.raises(ServiceError, match="must rotate"):
        _create(application_type="browser", token_endpoint_auth_method="none", refresh_token_rotation="STATIC")


# --- presenter (Okta Apps API shape) -----------------------------------------------------------


def test_presenter_shows_oktas_refresh_token_settings():
    app = _create(refresh_token_rotation="ROTATE", refresh_token_leeway=20)
    assert client_to_okta(app)["settings"]["oauthClient"]["refresh_token"] == {"rotation_type": "ROTATE",
                                                                                 "leeway": 20}
    service = client_create(label="svc", grant_types=["client_credentials"])[0]
    assert "refresh_token" not in client_to_okta(service)["settings"]["oauthClient"]


# --- createclient --------------------------------------------------------------------------------


def test_createclient_takes_rotation_and_leeway():
    out, _ = run("portal", "--grant-types", "authorization_code", "refresh_token", "--redirect-uris", URIS[0],
                 "--refresh-token-rotation", "ROTATE", "--refresh-token-leeway", "10", "--json")
    body = json.loads(out)
    assert body["settings"]["oauthClient"]["refresh_token"] == {"rotation_type": "ROTATE", "leeway": 10}
    stored = Client.objects.get(pk=body["id"])
    assert (stored.refresh_token_rotation, stored.refresh_token_leeway) == ("ROTATE", 10)


def test_createclient_human_output_names_the_refresh_settings():
    out, _ = run("portal", "--grant-types", "authorization_code", "refresh_token", "--redirect-uris", URIS[0])
    assert "refresh token: STATIC, leeway 30 s" in out


@pytest.mark.parametrize("args, field", [
    (["--refresh-token-leeway", "61"], "refresh_token_leeway"),
    (["--refresh-token-leeway", "-5"], "refresh_token_leeway"),
    (["--refresh-token-rotation", "NEVER"], "refresh_token_rotation"),
])
def test_createclient_refuses_bad_refresh_settings_with_an_okta_error(args, field):
    _, err = run_failing("portal", "--grant-types", "authorization_code", "refresh_token",
                         "--redirect-uris", URIS[0], *args, "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000001" and field in json.dumps(body["errorCauses"])
    assert not Client.objects.exists()


# --- admin ---------------------------------------------------------------------------------------


def _add_form(**overrides):
    return {"label": "portal", "application_type": "web", "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic", "redirect_uris": URIS[0],
            "post_logout_redirect_uris": "", "consent_method": "TRUSTED", "pkce_required": "unknown",
            "profile": "", "client_secret": "", "refresh_token_rotation": "", "refresh_token_leeway": "",
            **overrides}


def test_admin_add_form_sets_rotation_and_leeway(console):
    response = console.post(reverse("admin:clients_client_add"),
                            _add_form(refresh_token_rotation="ROTATE", refresh_token_leeway="5"))
    assert response.status_code == 200, response.content
    stored = Client.objects.get(label="portal")
    assert (stored.refresh_token_rotation, stored.refresh_token_leeway) == ("ROTATE", 5)


def test_admin_add_form_defaults(console):
    console.post(reverse("admin:clients_client_add"), _add_form())
    stored = Client.objects.get(label="portal")
    assert (stored.refresh_token_rotation, stored.refresh_token_leeway) == ("STATIC", 30)


@pytest.mark.parametrize("leeway", ["61", "-1", "abc"])
def test_admin_add_form_refuses_a_bad_leeway_with_a_message(console, leeway):
    response = console.post(reverse("admin:clients_client_add"), _add_form(refresh_token_leeway=leeway))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["refresh_token_leeway"]
    assert not Client.objects.exists()


def test_admin_change_form_refuses_static_for_a_public_client(console):
    app = _create(application_type="browser", token_endpoint_auth_method="none")
    from tests.clients.test_admin import change_form

    response = console.post(reverse("admin:clients_client_change", args=[app.pk]),
                            change_form(app, refresh_token_rotation="STATIC"))
    assert response.status_code == 200
    assert "refresh_token_rotation" in response.context["adminform"].form.errors
    app.refresh_from_db()
    assert app.refresh_token_rotation == "ROTATE"


# --- discovery and housekeeping --------------------------------------------------------------------


def test_discovery_advertises_the_refresh_grant(client, authserver):
    for document in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        body = client.get(f"/oauth2/default{document}").json()
        assert "refresh_token" in body["grant_types_supported"]


def test_default_rule_keeps_only_rule_grant_types(authserver):
    from policies.models import PolicyRule

    rule = PolicyRule.objects.get(policy__server=authserver)
    assert "refresh_token" not in rule.grant_types and "authorization_code" in rule.grant_types


def test_housekeeping_deletes_expired_idle_and_long_revoked_families(signed_in, authserver, make_client):
    app = refresh_app(make_client)
    for _ in range(4):
        sign_in_tokens(signed_in, app)
    now = timezone.now()
    expired, idle, revoked, live = RefreshTokenFamily.objects.order_by("created")
    RefreshTokenFamily.objects.filter(pk=expired.pk).update(expires=now - timedelta(seconds=1))
    RefreshTokenFamily.objects.filter(pk=idle.pk).update(last_used=now - timedelta(days=7, seconds=1))
    RefreshTokenFamily.objects.filter(pk=revoked.pk).update(revoked=now - timedelta(days=2))

    counts = housekeeping_run(now=now)

    assert counts["refresh_token_families"] == 3
    assert list(RefreshTokenFamily.objects.values_list("pk", flat=True)) == [live.pk]
    assert RefreshToken.objects.count() == 1 and AccessToken.objects.filter(family__isnull=False).count() == 1


def test_console_lists_families_without_token_values(console, authserver, make_client):
    app = refresh_app(make_client)
    tokens = sign_in_tokens(console, app)  # the console's user signs in to the app too
    family = RefreshTokenFamily.objects.get()
    listing = console.get(reverse("admin:authservers_refreshtokenfamily_changelist"))
    detail = console.get(reverse("admin:authservers_refreshtokenfamily_change", args=[family.pk]))
    assert listing.status_code == 200 and detail.status_code == 200
    for page in (listing, detail):
        assert tokens["refresh_token"].encode() not in page.content
