"""POST /v1/token with grant_type=refresh_token (RFC 6749 §6), Okta's rotation and reuse detection."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import UserStatus
from authservers.models import LogEvent, RefreshToken, RefreshTokenFamily, RevokedAccessToken
from authservers.oauth import refresh as rules
from policies.models import PolicyRule
from tests.helpers import assert_oauth_error, endpoint

from .code_flow import exchange, get_code, verified
from .refresh_flow import introspect, refresh, refresh_app, revoke, sign_in_tokens

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oauth2/default"


@pytest.fixture
def static_app(make_client):
    return refresh_app(make_client, rotation="STATIC")


@pytest.fixture
def rotate_app(make_client):
    return refresh_app(make_client, rotation="ROTATE", leeway=30)


def _age_rotation(seconds: int) -> None:
    """Move every rotation `seconds` into the past (the grace period is measured from it)."""
    for token in RefreshToken.objects.exclude(rotated=None):
        token.rotated -= timedelta(seconds=seconds)
        token.save(update_fields=["rotated"])


# --- issuance ----------------------------------------------------------------------------------


def test_code_exchange_with_offline_access_issues_a_hashed_refresh_token(signed_in, authserver, static_app, ada):
    body = sign_in_tokens(signed_in, static_app)

    assert set(body) == {"token_type", "expires_in", "access_token", "scope", "id_token", "refresh_token"}
    raw = body["refresh_token"]
    assert len(raw) >= 43 and "." not in raw
    stored = RefreshToken.objects.get()
    assert stored.token == "" and stored.token_checksum == rules.token_checksum(raw)
    assert raw not in str(list(RefreshToken.objects.values()))
    family = stored.family
    assert (family.server_id, family.client_id, family.user_id) == ("default", static_app.model.id, ada.pk)
    assert family.scope == "openid offline_access" and family.grant_type == "authorization_code"
    assert family.auth_time == verified(signed_in, body["access_token"])[1]["auth_time"]
    assert family.expires is None and family.idle_window == 10080 * 60  # Default Policy Rule
    assert LogEvent.objects.filter(event_type="app.oauth2.as.token.grant.refresh_token").count() == 1


def test_no_refresh_token_without_offline_access(signed_in, authserver, static_app):
    body = sign_in_tokens(signed_in, static_app, scope="openid")
    assert "refresh_token" not in body
    assert not RefreshTokenFamily.objects.exists()


def test_no_refresh_token_for_a_client_without_the_refresh_grant(signed_in, authserver, make_client):
    app = refresh_app(make_client, grant_types=("authorization_code",))
    body = sign_in_tokens(signed_in, app)
    assert "refresh_token" not in body and "offline_access" in body["scope"]


def test_client_without_the_refresh_grant_is_unauthorized(signed_in, authserver, static_app, make_client):
    body = sign_in_tokens(signed_in, static_app)
    other = refresh_app(make_client, grant_types=("authorization_code",))
    response = refresh(signed_in, other, body["refresh_token"])
    assert_oauth_error(response, 400, "unauthorized_client",
                       "The client is not authorized to use the provided grant type. "
                       "Configured grant types: [authorization_code].")


# --- STATIC ------------------------------------------------------------------------------------


def test_static_refresh_returns_the_same_refresh_token_and_new_tokens(signed_in, authserver, static_app, ada):
    first = sign_in_tokens(signed_in, static_app)

    response = refresh(signed_in, static_app, first["refresh_token"])

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["refresh_token"] == first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert body["scope"] == "openid offline_access" and body["token_type"] == "Bearer"
    _, access = verified(signed_in, body["access_token"])
    assert access["uid"] == ada.pk and access["cid"] == static_app.client_id
    assert access["auth_time"] == verified(signed_in, first["access_token"])[1]["auth_time"]
    _, id_token = verified(signed_in, body["id_token"])
    assert id_token["sub"] == ada.pk and id_token["aud"] == static_app.client_id and "nonce" not in id_token
    # Still usable: STATIC tokens live until the family expires.
    assert refresh(signed_in, static_app, first["refresh_token"]).status_code == 200
    assert RefreshToken.objects.count() == 1


def test_refresh_resets_the_idle_window(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app)
    family = RefreshTokenFamily.objects.get()
    family.last_used -= timedelta(days=6)
    family.save()
    assert refresh(signed_in, static_app, first["refresh_token"]).status_code == 200
    family.refresh_from_db()
    assert timezone.now() - family.last_used < timedelta(minutes=1)


def test_idle_family_is_expired(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app)
    RefreshTokenFamily.objects.update(last_used=timezone.now() - timedelta(days=7, seconds=1))
    assert_oauth_error(refresh(signed_in, static_app, first["refresh_token"]), 400, "invalid_grant",
                       rules.REFRESH_TOKEN_INVALID)
    assert introspect(signed_in, static_app, first["refresh_token"]) == {"active": False}


def test_expiry_is_inherited_from_the_first_token(signed_in, authserver, static_app):
    PolicyRule.objects.filter(policy__server=authserver).update(refresh_token_lifetime_minutes=120,
                                                               refresh_token_window_minutes=60)
    from tests.conftest import clear_snapshot_caches

    clear_snapshot_caches()
    first = sign_in_tokens(signed_in, static_app)
    family = RefreshTokenFamily.objects.get()
    assert family.expires - family.created == timedelta(minutes=120)
    # Used regularly, the family still ends two hours after the first token.
    RefreshTokenFamily.objects.update(created=family.created - timedelta(minutes=119),
                                      expires=family.expires - timedelta(minutes=119))
    body = refresh(signed_in, static_app, first["refresh_token"]).json()
    assert introspect(signed_in, static_app, body["refresh_token"])["exp"] == int(
        (family.expires - timedelta(minutes=119)).timestamp())
    RefreshTokenFamily.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert_oauth_error(refresh(signed_in, static_app, first["refresh_token"]), 400, "invalid_grant")


# --- ROTATE ------------------------------------------------------------------------------------


def test_rotate_issues_a_new_refresh_token_each_time(signed_in, authserver, rotate_app):
    first = sign_in_tokens(signed_in, rotate_app)

    second = refresh(signed_in, rotate_app, first["refresh_token"]).json()
    third = refresh(signed_in, rotate_app, second["refresh_token"]).json()

    tokens = {first["refresh_token"], second["refresh_token"], third["refresh_token"]}
    assert len(tokens) == 3
    assert RefreshToken.objects.count() == 3 and RefreshTokenFamily.objects.count() == 1
    assert introspect(signed_in, rotate_app, third["refresh_token"])["active"] is True
    assert introspect(signed_in, rotate_app, first["refresh_token"]) == {"active": False}


def test_rotated_out_token_works_inside_the_grace_period_and_returns_the_same_successor(
        signed_in, authserver, rotate_app):
    first = sign_in_tokens(signed_in, rotate_app)
    second = refresh(signed_in, rotate_app, first["refresh_token"]).json()

    retry = refresh(signed_in, rotate_app, first["refresh_token"])

    assert retry.status_code == 200, retry.content
    assert retry.json()["refresh_token"] == second["refresh_token"]  # no double rotation
    assert retry.json()["access_token"] != second["access_token"]
    assert RefreshToken.objects.count() == 2
    assert refresh(signed_in, rotate_app, second["refresh_token"]).status_code == 200
    assert not LogEvent.objects.filter(event_type="app.oauth2.as.token.detect_reuse").exists()


def test_reuse_after_the_grace_period_revokes_the_family_and_its_access_tokens(
        signed_in, authserver, rotate_app):
    first = sign_in_tokens(signed_in, rotate_app)
    second = refresh(signed_in, rotate_app, first["refresh_token"]).json()
    _age_rotation(31)

    response = refresh(signed_in, rotate_app, first["refresh_token"])

    assert_oauth_error(response, 400, "invalid_grant", rules.REFRESH_TOKEN_INVALID)
    family = RefreshTokenFamily.objects.get()
    assert family.revoked is not None and family.revoked_reason == "reuse_detected"
    # The newest refresh token and every access token issued since sign-in are dead.
    assert_oauth_error(refresh(signed_in, rotate_app, second["refresh_token"]), 400, "invalid_grant")
    for token in (first["access_token"], second["access_token"]):
        assert introspect(signed_in, rotate_app, token) == {"active": False}
    assert introspect(signed_in, rotate_app, second["refresh_token"]) == {"active": False}
    assert RevokedAccessToken.objects.count() == 2
    event = LogEvent.objects.get(event_type="app.oauth2.as.token.detect_reuse")
    assert event.outcome_result == "FAILURE" and event.severity == "WARN"
    assert event.actor["id"] == rotate_app.client_id
    assert first["refresh_token"] not in str(event.debug_context)


def test_two_generations_back_is_reuse_even_inside_the_grace_period(signed_in, authserver, rotate_app):
    first = sign_in_tokens(signed_in, rotate_app)
    second = refresh(signed_in, rotate_app, first["refresh_token"]).json()
    refresh(signed_in, rotate_app, second["refresh_token"])

    assert_oauth_error(refresh(signed_in, rotate_app, first["refresh_token"]), 400, "invalid_grant")
    assert RefreshTokenFamily.objects.get().revoked_reason == "reuse_detected"


def test_zero_leeway_makes_any_reuse_theft(signed_in, authserver, make_client):
    app = refresh_app(make_client, rotation="ROTATE", leeway=0)
    first = sign_in_tokens(signed_in, app)
    refresh(signed_in, app, first["refresh_token"])
    _age_rotation(1)
    assert_oauth_error(refresh(signed_in, app, first["refresh_token"]), 400, "invalid_grant")
    assert RefreshTokenFamily.objects.get().revoked is not None


def test_public_browser_app_rotates(signed_in, authserver, make_client):
    spa = refresh_app(make_client, rotation="ROTATE", auth_method="none", application_type="browser")
    first = sign_in_tokens(signed_in, spa)
    body = refresh(signed_in, spa, first["refresh_token"]).json()
    assert body["refresh_token"] != first["refresh_token"]


def test_reuse_of_another_family_is_untouched(signed_in, authserver, rotate_app):
    one = sign_in_tokens(signed_in, rotate_app)
    two = sign_in_tokens(signed_in, rotate_app)
    refresh(signed_in, rotate_app, one["refresh_token"])
    _age_rotation(31)
    refresh(signed_in, rotate_app, one["refresh_token"])
    assert refresh(signed_in, rotate_app, two["refresh_token"]).status_code == 200


# --- scopes and policy --------------------------------------------------------------------------


def test_narrower_scope_is_granted_and_the_family_keeps_the_original(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app, scope="openid profile offline_access")

    body = refresh(signed_in, static_app, first["refresh_token"], scope="offline_access").json()

    assert body["scope"] == "offline_access" and "id_token" not in body
    assert verified(signed_in, body["access_token"])[1]["scp"] == ["offline_access"]
    again = refresh(signed_in, static_app, first["refresh_token"]).json()
    assert again["scope"] == "openid profile offline_access" and "id_token" in again


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_scope_means_the_original_scopes_not_the_defaults(signed_in, authserver, static_app, blank):
    from authservers.models import Scope

    Scope.objects.filter(server=authserver, name="email").update(default=True)
    first = sign_in_tokens(signed_in, static_app)
    body = refresh(signed_in, static_app, first["refresh_token"], scope=blank).json()
    assert body["scope"] == "openid offline_access"


def test_wider_scope_is_denied_with_oktas_error(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app)
    response = refresh(signed_in, static_app, first["refresh_token"], scope="openid offline_access profile")
    assert_oauth_error(response, 400, "access_denied", rules.SCOPES_NOT_GRANTED)


def test_policy_is_evaluated_again_and_a_denial_is_invalid_grant(signed_in, authserver, static_app):
    from tests.conftest import clear_snapshot_caches

    first = sign_in_tokens(signed_in, static_app)
    PolicyRule.objects.filter(policy__server=authserver).update(status="INACTIVE")
    clear_snapshot_caches()

    response = refresh(signed_in, static_app, first["refresh_token"])

    assert_oauth_error(response, 400, "invalid_grant",
                       "Policy evaluation failed for this request, please check the policy configurations.")
    event = LogEvent.objects.get(event_type="app.oauth2.as.token.grant", outcome_reason="no_matching_policy")
    assert event.debug_context["debugData"]["grantType"] == "refresh_token"
    assert RefreshTokenFamily.objects.get().revoked is None  # a policy change may be undone


def test_new_rule_lifetimes_apply_on_refresh(signed_in, authserver, static_app):
    from tests.conftest import clear_snapshot_caches

    first = sign_in_tokens(signed_in, static_app)
    PolicyRule.objects.filter(policy__server=authserver).update(access_token_lifetime_minutes=5,
                                                               refresh_token_lifetime_minutes=30,
                                                               refresh_token_window_minutes=10)
    clear_snapshot_caches()
    body = refresh(signed_in, static_app, first["refresh_token"]).json()
    assert body["expires_in"] == 300
    family = RefreshTokenFamily.objects.get()
    assert family.expires == family.created + timedelta(minutes=30) and family.idle_window == 600


# --- the user and the client --------------------------------------------------------------------


def test_deactivated_user_cannot_refresh_and_the_family_dies(signed_in, authserver, static_app, ada):
    first = sign_in_tokens(signed_in, static_app)
    ada.status = UserStatus.DEPROVISIONED
    ada.save()

    assert_oauth_error(refresh(signed_in, static_app, first["refresh_token"]), 400, "invalid_grant",
                       rules.REFRESH_TOKEN_INVALID)
    family = RefreshTokenFamily.objects.get()
    assert family.revoked_reason == "user_inactive"
    assert introspect(signed_in, static_app, first["access_token"]) == {"active": False}
    ada.status = UserStatus.ACTIVE
    ada.save()
    assert_oauth_error(refresh(signed_in, static_app, first["refresh_token"]), 400, "invalid_grant")


def test_unassigned_user_cannot_refresh(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app)
    static_app.model.assigned_groups.clear()
    assert_oauth_error(refresh(signed_in, static_app, first["refresh_token"]), 400, "invalid_grant")
    assert RefreshTokenFamily.objects.get().revoked_reason == "user_not_assigned"


def test_token_of_another_client_is_invalid_and_harmless(signed_in, authserver, static_app, make_client):
    first = sign_in_tokens(signed_in, static_app)
    thief = refresh_app(make_client, rotation="STATIC")
    assert_oauth_error(refresh(signed_in, thief, first["refresh_token"]), 400, "invalid_grant",
                       rules.REFRESH_TOKEN_INVALID)
    assert refresh(signed_in, static_app, first["refresh_token"]).status_code == 200


def test_token_of_another_server_is_invalid(signed_in, authserver, other_authserver, static_app):
    from tests.helpers import basic_auth_header, endpoint, post_form

    first = sign_in_tokens(signed_in, static_app)
    response = post_form(signed_in, endpoint("token", other_authserver.id),
                         {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                         HTTP_AUTHORIZATION=basic_auth_header(static_app.client_id, static_app.secret))
    assert_oauth_error(response, 400, "invalid_grant")


def test_wrong_client_secret_is_invalid_client(signed_in, authserver, static_app):
    from tests.helpers import basic_auth_header, endpoint, post_form

    first = sign_in_tokens(signed_in, static_app)
    response = post_form(signed_in, endpoint("token"),
                         {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                         HTTP_AUTHORIZATION=basic_auth_header(static_app.client_id, "x" * 40))
    assert_oauth_error(response, 401, "invalid_client")


# --- hostile input ------------------------------------------------------------------------------


def test_missing_or_empty_refresh_token_is_invalid_request(signed_in, authserver, static_app):
    for value in (None, ""):
        assert_oauth_error(refresh(signed_in, static_app, value), 400, "invalid_request",
                           rules.REFRESH_TOKEN_REQUIRED)


@pytest.mark.parametrize("value", ["x", "a" * 513, "a" * 10_000, "tøken", "a b", "' OR 1=1 --",
                                   "eyJhbGciOiJub25lIn0.e30.", "\u202etoken"])
def test_malformed_or_oversized_refresh_token_is_invalid_grant(signed_in, authserver, static_app, value):
    assert_oauth_error(refresh(signed_in, static_app, value), 400, "invalid_grant", rules.REFRESH_TOKEN_INVALID)
    assert not RefreshTokenFamily.objects.exists()


def test_nul_in_the_body_is_refused_before_the_grant(signed_in, authserver, static_app):
    assert_oauth_error(refresh(signed_in, static_app, "tok\x00en"), 400, "invalid_request")


def test_repeated_refresh_token_parameter_is_rejected(signed_in, authserver, static_app):
    from tests.helpers import basic_auth_header, endpoint, post_form

    first = sign_in_tokens(signed_in, static_app)
    response = post_form(signed_in, endpoint("token"),
                         [("grant_type", "refresh_token"), ("refresh_token", first["refresh_token"]),
                          ("refresh_token", "other")],
                         HTTP_AUTHORIZATION=basic_auth_header(static_app.client_id, static_app.secret))
    assert_oauth_error(response, 400, "invalid_request")


def test_access_token_is_not_a_refresh_token(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app)
    assert_oauth_error(refresh(signed_in, static_app, first["access_token"]), 400, "invalid_grant")


def test_code_exchange_without_offline_access_stays_unchanged(signed_in, authserver, static_app):
    response = exchange(signed_in, static_app, get_code(signed_in, static_app, scope="openid"))
    assert response.status_code == 200 and "refresh_token" not in response.json()


# --- revocation and introspection ---------------------------------------------------------------


def test_revoking_a_refresh_token_revokes_its_family_and_access_tokens(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app)
    second = refresh(signed_in, static_app, first["refresh_token"]).json()

    response = revoke(signed_in, static_app, first["refresh_token"])

    assert response.status_code == 200 and response.content in (b"", b"{}")
    for token in (first["refresh_token"], first["access_token"], second["access_token"]):
        assert introspect(signed_in, static_app, token) == {"active": False}
    assert_oauth_error(refresh(signed_in, static_app, first["refresh_token"]), 400, "invalid_grant")
    assert RefreshTokenFamily.objects.get().revoked_reason == "revoked"
    userinfo = signed_in.get(endpoint("userinfo"), HTTP_AUTHORIZATION=f"Bearer {second['access_token']}")
    assert userinfo.status_code == 401


def test_revoking_an_access_token_leaves_the_refresh_token(signed_in, authserver, static_app):
    first = sign_in_tokens(signed_in, static_app)
    assert revoke(signed_in, static_app, first["access_token"]).status_code == 200
    assert refresh(signed_in, static_app, first["refresh_token"]).status_code == 200


def test_another_client_cannot_revoke_the_refresh_token(signed_in, authserver, static_app, make_client):
    first = sign_in_tokens(signed_in, static_app)
    other = refresh_app(make_client, rotation="STATIC")
    assert revoke(signed_in, other, first["refresh_token"]).status_code == 200
    assert refresh(signed_in, static_app, first["refresh_token"]).status_code == 200


@pytest.mark.parametrize("value", ["unknown", "a" * 5000, "\x01\x02"])
def test_revoking_garbage_is_fine(signed_in, authserver, static_app, value):
    assert revoke(signed_in, static_app, value).status_code == 200


def test_introspection_of_a_refresh_token_has_oktas_fields(signed_in, authserver, static_app, ada):
    first = sign_in_tokens(signed_in, static_app)
    body = introspect(signed_in, static_app, first["refresh_token"])

    stored = RefreshToken.objects.get()
    assert body == {
        "active": True, "token_type": "refresh_token", "scope": "openid offline_access",
        "client_id": static_app.client_id, "username": ada.login, "sub": ada.login, "uid": ada.pk,
        "aud": "api://default", "iss": ISSUER, "iat": int(stored.created.timestamp()),
        "exp": int((stored.family.last_used + timedelta(days=7)).timestamp()),
    }


def test_another_client_sees_the_refresh_token_inactive(signed_in, authserver, static_app, make_client):
    first = sign_in_tokens(signed_in, static_app)
    other = refresh_app(make_client, rotation="STATIC")
    assert introspect(signed_in, other, first["refresh_token"]) == {"active": False}
