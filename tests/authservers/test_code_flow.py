"""POST /v1/token with grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636, OIDC Core §3.1.3)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from authservers.models import Grant
from authservers.oauth import errors
from authservers.oauth.id_tokens import at_hash
from policies.models import PolicyRule
from tests.helpers import assert_oauth_error, basic_auth_header, endpoint, post_form

from .code_flow import VERIFIER, exchange, get_code, verified

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oauth2/default"


def introspect(client, registered, token) -> dict:
    response = post_form(client, endpoint("introspect"), {"token": token},
                         HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
    assert response.status_code == 200, response.content
    return response.json()


def test_code_exchange_issues_access_and_id_tokens(signed_in, authserver, web_app, ada):
    code = get_code(signed_in, web_app)
    response = exchange(signed_in, web_app, code)

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"token_type", "expires_in", "access_token", "scope", "id_token"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "openid"

    _, access = verified(signed_in, body["access_token"])
    assert access["uid"] == ada.pk and access["sub"] == ada.login
    assert access["cid"] == web_app.client_id and access["scp"] == ["openid"]
    ada.refresh_from_db()
    assert access["auth_time"] == int(ada.last_login.timestamp())

    header, claims = verified(signed_in, body["id_token"])
    assert header["alg"] == "RS256" and header["kid"] == authserver.signing_keys.get(status="ACTIVE", alg="RS256").kid
    assert claims["iss"] == ISSUER and claims["aud"] == web_app.client_id and claims["sub"] == ada.pk
    assert claims["ver"] == 1 and claims["jti"].startswith("ID.") and claims["amr"] == ["pwd"]
    assert claims["exp"] == claims["iat"] + 3600
    assert claims["idp"] and claims["auth_time"] == access["auth_time"]
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["at_hash"] == at_hash(body["access_token"])
    assert "email" not in claims and "preferred_username" not in claims  # thin: userinfo serves them


def test_custom_claims_see_the_user_and_groups(signed_in, authserver, web_app, ada):
    from accounts.services import group_get_or_create
    from authservers.claim_services import claim_create

    group_get_or_create(name="Engineering").users.add(ada)
    claim_create(server=authserver, name="email_address", claim_type="RESOURCE", value="user.email")
    claim_create(server=authserver, name="is_me", claim_type="RESOURCE",
                 value='appuser.userName == "ada@example.com"')
    claim_create(server=authserver, name="teams", claim_type="RESOURCE", value_type="GROUPS",
                 group_filter_type="STARTS_WITH", value="Eng")
    body = exchange(signed_in, web_app, get_code(signed_in, web_app)).json()
    claims = verified(signed_in, body["access_token"])[1]
    assert claims["email_address"] == "ada@example.com" and claims["is_me"] is True
    assert claims["teams"] == ["Engineering"]
    assert "email_address" not in verified(signed_in, body["id_token"])[1]


def test_id_token_carries_identity_claims_marked_always_include_only(signed_in, authserver, web_app):
    from authservers.claim_services import claim_create

    claim_create(server=authserver, name="dept", claim_type="IDENTITY", value='"R&D"')
    claim_create(server=authserver, name="nickname_x", claim_type="IDENTITY", value='"Ada"',
                 always_include_in_token=False)
    claim_create(server=authserver, name="mail_only", claim_type="IDENTITY", value='"m"',
                 conditions_scopes=["email"])
    body = exchange(signed_in, web_app, get_code(signed_in, web_app)).json()
    claims = verified(signed_in, body["id_token"])[1]
    assert claims["dept"] == "R&D"
    assert "nickname_x" not in claims and "mail_only" not in claims
    assert "dept" not in verified(signed_in, body["access_token"])[1]


def test_no_id_token_without_openid(signed_in, authserver, scope, web_app):
    body = exchange(signed_in, web_app, get_code(signed_in, web_app, scope="orders:read")).json()
    assert "id_token" not in body and body["scope"] == "orders:read"


def test_nonce_is_optional_for_code(signed_in, authserver, web_app):
    body = exchange(signed_in, web_app, get_code(signed_in, web_app, nonce=None)).json()
    assert "nonce" not in verified(signed_in, body["id_token"])[1]


def test_code_cannot_be_redeemed_twice(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app)
    assert exchange(signed_in, web_app, code).status_code == 200
    assert_oauth_error(exchange(signed_in, web_app, code), 400, "invalid_grant", errors.CODE_INVALID)


def test_replayed_code_revokes_the_access_token_it_gave(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app)
    access_token = exchange(signed_in, web_app, code).json()["access_token"]
    assert introspect(signed_in, web_app, access_token)["active"] is True

    assert_oauth_error(exchange(signed_in, web_app, code), 400, "invalid_grant", errors.CODE_INVALID)
    assert introspect(signed_in, web_app, access_token) == {"active": False}
    # The code is forgotten: a third try is simply invalid.
    assert_oauth_error(exchange(signed_in, web_app, code), 400, "invalid_grant", errors.CODE_INVALID)


def test_expired_code_is_invalid(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app)
    Grant.objects.filter(code=code).update(expires=timezone.now() - timedelta(seconds=1))
    assert_oauth_error(exchange(signed_in, web_app, code), 400, "invalid_grant", errors.CODE_INVALID)


def test_unknown_code_is_invalid(signed_in, authserver, web_app):
    assert_oauth_error(exchange(signed_in, web_app, "nope"), 400, "invalid_grant", errors.CODE_INVALID)


def test_code_is_bound_to_its_server(signed_in, authserver, other_authserver, web_app):
    code = get_code(signed_in, web_app)
    response = exchange(signed_in, web_app, code, server_id=other_authserver.pk)
    assert_oauth_error(response, 400, "invalid_grant", errors.CODE_INVALID)


def test_redirect_uri_must_equal(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app)
    response = exchange(signed_in, web_app, code, redirect_uri="https://app.example.com/other")
    assert_oauth_error(response, 400, "invalid_grant", errors.REDIRECT_URI_MISMATCH)
    # The failed attempt did not consume the code.
    assert exchange(signed_in, web_app, code).status_code == 200


def test_redirect_uri_is_required_at_token(signed_in, authserver, web_app):
    response = exchange(signed_in, web_app, get_code(signed_in, web_app), redirect_uri=None)
    assert_oauth_error(response, 400, "invalid_grant", errors.REDIRECT_URI_MISMATCH)


def test_wrong_verifier_fails_pkce(signed_in, authserver, web_app):
    response = exchange(signed_in, web_app, get_code(signed_in, web_app), verifier="w" * 43)
    assert_oauth_error(response, 400, "invalid_grant", errors.PKCE_FAILED)


def test_missing_verifier_when_code_has_challenge(signed_in, authserver, web_app):
    response = exchange(signed_in, web_app, get_code(signed_in, web_app), verifier=None)
    assert_oauth_error(response, 400, "invalid_request", errors.PKCE_VERIFIER_REQUIRED)


def test_no_pkce_downgrade_verifier_for_code_without_challenge(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app, code_challenge=None, code_challenge_method=None)
    assert_oauth_error(exchange(signed_in, web_app, code), 400, "invalid_grant", errors.PKCE_FAILED)


def test_confidential_client_without_pkce_when_not_required(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app, code_challenge=None, code_challenge_method=None)
    assert exchange(signed_in, web_app, code, verifier=None).status_code == 200


def test_code_issued_to_another_client_is_refused(signed_in, authserver, web_app, make_client):
    other = make_client(label="other-portal", grant_types=["authorization_code"], application_type="web",
                        redirect_uris=["https://app.example.com/callback"])
    code = get_code(signed_in, web_app)
    assert_oauth_error(exchange(signed_in, other, code), 400, "invalid_grant", errors.CODE_OTHER_CLIENT)


def test_wrong_secret_is_invalid_client(signed_in, authserver, web_app):
    code = get_code(signed_in, web_app)
    response = exchange(signed_in, type(web_app)(model=web_app.model, client_id=web_app.client_id,
                                                 secret="wrong"), code)
    assert_oauth_error(response, 401, "invalid_client")


def test_public_client_with_pkce_and_client_id_only(signed_in, authserver, spa_app, ada):
    code = get_code(signed_in, spa_app)
    response = exchange(signed_in, spa_app, code, basic=False)
    assert response.status_code == 200, response.content
    assert verified(signed_in, response.json()["id_token"])[1]["aud"] == spa_app.client_id


def test_public_client_needs_the_verifier(signed_in, authserver, spa_app):
    response = exchange(signed_in, spa_app, get_code(signed_in, spa_app), basic=False, verifier=None)
    assert_oauth_error(response, 400, "invalid_request", errors.PKCE_VERIFIER_REQUIRED)


def test_bare_client_id_of_a_confidential_client_is_refused(signed_in, authserver, web_app):
    response = exchange(signed_in, web_app, get_code(signed_in, web_app), basic=False)
    assert_oauth_error(response, 401, "invalid_client", errors.NO_CLIENT_CREDENTIALS)


def test_lifetime_comes_from_the_decision_made_at_authorize(signed_in, authserver, web_app):
    PolicyRule.objects.filter(policy__server=authserver).update(access_token_lifetime_minutes=5)
    code = get_code(signed_in, web_app)
    # Okta: later policy changes do not affect a code awaiting exchange (REFERENCE §5.3 point 8).
    PolicyRule.objects.filter(policy__server=authserver).update(access_token_lifetime_minutes=60,
                                                                grant_types=["client_credentials"])
    from tests.conftest import clear_snapshot_caches
    clear_snapshot_caches()
    body = exchange(signed_in, web_app, code).json()
    assert body["expires_in"] == 300
    claims = verified(signed_in, body["access_token"])[1]
    assert claims["exp"] - claims["iat"] == 300


def test_service_client_cannot_redeem_codes(client, authserver, service_client):
    response = exchange(client, service_client, "some-code")
    assert_oauth_error(response, 400, "unauthorized_client", errors.unauthorized_grant_type(["client_credentials"]))


def test_authorization_code_is_in_discovery(client, authserver):
    document = client.get("/oauth2/default/.well-known/openid-configuration").json()
    assert "authorization_code" in document["grant_types_supported"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert "none" in document["token_endpoint_auth_methods_supported"]


def test_verifier_example_is_well_formed():
    assert 43 <= len(VERIFIER) <= 128
