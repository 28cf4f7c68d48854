"""The legacy implicit flow: token, id_token and `id_token token` in the fragment, only where enabled."""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.services import everyone_group
from authservers.oauth import errors, implicit
from authservers.oauth.id_tokens import at_hash

from .code_flow import AUTHORIZE, authorize_params, verified
from .conftest import REDIRECT_URI

pytestmark = pytest.mark.django_db


@pytest.fixture
def legacy_spa(make_client, authserver):
    """A browser app that deliberately enabled the implicit grant, assigned to Everyone."""
    registered = make_client(label="legacy-spa", application_type="browser", token_endpoint_auth_method="none",
                             grant_types=["authorization_code", "implicit"],
                             response_types=["code", "token", "id_token"], redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    return registered


def implicit_params(registered, response_type="id_token token", **overrides):
    return authorize_params(registered, response_type=response_type, code_challenge=None,
                            code_challenge_method=None, scope="openid profile email", **overrides)


def fragment_params(response) -> dict:
    """The fragment of a redirect to the client (asserting nothing rides in the query)."""
    assert response.status_code == 302, response.content
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    assert location.query == "", "tokens and implicit errors never travel in the query"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    return {name: values[0] for name, values in parse_qs(location.fragment).items()}


def test_token_alone(signed_in, legacy_spa, ada):
    params = fragment_params(signed_in.get(AUTHORIZE, implicit_params(legacy_spa, response_type="token")))
    assert set(params) == {"access_token", "token_type", "expires_in", "scope", "state", "iss"}
    assert params["token_type"] == "Bearer" and params["expires_in"] == "3600" and params["state"] == "st-1"
    assert params["scope"] == "openid profile email"
    assert params["iss"] == "http://testserver/oauth2/default"
    _, claims = verified(signed_in, params["access_token"])
    assert claims["uid"] == ada.pk and claims["cid"] == legacy_spa.client_id
    assert claims["scp"] == ["openid", "profile", "email"]


def test_id_token_alone_carries_the_scope_claims(signed_in, legacy_spa, ada):
    params = fragment_params(signed_in.get(AUTHORIZE, implicit_params(legacy_spa, response_type="id_token")))
    assert set(params) == {"id_token", "state", "iss"}
    _, claims = verified(signed_in, params["id_token"])
    assert claims["sub"] == ada.pk and claims["aud"] == legacy_spa.client_id
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["email"] == "ada@example.com" and claims["given_name"] == "Ada"
    assert claims["preferred_username"] == "ada@example.com"
    assert "at_hash" not in claims


@pytest.mark.parametrize("response_type", ["id_token token", "token id_token"])
def test_id_token_with_access_token_is_thin(signed_in, legacy_spa, ada, response_type):
    params = fragment_params(signed_in.get(AUTHORIZE, implicit_params(legacy_spa, response_type=response_type)))
    assert {"access_token", "id_token"} <= set(params)
    _, claims = verified(signed_in, params["id_token"])
    assert claims["at_hash"] == at_hash(params["access_token"])
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert "email" not in claims and "given_name" not in claims  # Okta: /userinfo serves them (§6.2)


@pytest.mark.parametrize(("overrides", "error", "description"), [
    ({"nonce": None}, "invalid_request", implicit.NONCE_REQUIRED),
    ({"response_mode": "query"}, "unsupported_response_mode", implicit.RESPONSE_MODE_UNSUPPORTED),
    ({"response_mode": "form_post"}, "unsupported_response_mode", implicit.RESPONSE_MODE_UNSUPPORTED),
    ({"scope": "profile"}, "access_denied", errors.OPENID_REQUIRED),
    ({"scope": "openid nope"}, "invalid_scope", errors.UNKNOWN_SCOPE),
    ({"state": None}, "invalid_request", errors.STATE_REQUIRED),
])
def test_request_errors_go_back_in_the_fragment(signed_in, legacy_spa, overrides, error, description):
    params = implicit_params(legacy_spa)
    for name, value in overrides.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    result = fragment_params(signed_in.get(AUTHORIZE, params))
    assert result["error"] == error and result["error_description"] == description
    assert "access_token" not in result and "id_token" not in result


def test_nonce_is_required_for_token_alone_too(signed_in, legacy_spa):
    params = implicit_params(legacy_spa, response_type="token")
    del params["nonce"]
    assert fragment_params(signed_in.get(AUTHORIZE, params))["error_description"] == implicit.NONCE_REQUIRED


@pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token"])
def test_off_for_clients_that_did_not_enable_it(signed_in, spa_app, authserver, response_type):
    result = fragment_params(signed_in.get(AUTHORIZE, implicit_params(spa_app, response_type=response_type)))
    assert result["error"] == "unauthorized_client"


def test_response_types_must_be_enabled_too(signed_in, make_client, authserver):
    registered = make_client(label="legacy-spa", application_type="browser", token_endpoint_auth_method="none",
                             grant_types=["implicit"], response_types=["id_token"], redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    result = fragment_params(signed_in.get(AUTHORIZE, implicit_params(registered, response_type="id_token token")))
    assert result["error"] == "unauthorized_client"
    ok = fragment_params(signed_in.get(AUTHORIZE, implicit_params(registered, response_type="id_token")))
    assert "id_token" in ok


def test_signed_out_user_signs_in_first(client, legacy_spa):
    response = client.get(AUTHORIZE, implicit_params(legacy_spa))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert "access_token" not in response["Location"]


def test_unassigned_user_is_denied(signed_in, make_client, authserver):
    registered = make_client(label="legacy-spa", application_type="browser", token_endpoint_auth_method="none",
                             grant_types=["implicit"], response_types=["token", "id_token"],
                             redirect_uris=[REDIRECT_URI])
    result = fragment_params(signed_in.get(AUTHORIZE, implicit_params(registered)))
    assert result["error"] == "access_denied" and result["error_description"] == errors.USER_NOT_ASSIGNED


def test_rule_without_the_implicit_grant_denies(signed_in, legacy_spa, authserver):
    from policies.models import PolicyRule

    PolicyRule.objects.filter(policy__server=authserver).update(grant_types=["authorization_code"])
    result = fragment_params(signed_in.get(AUTHORIZE, implicit_params(legacy_spa)))
    assert result["error"] == "access_denied" and "Policy evaluation failed" in result["error_description"]


def test_the_same_client_keeps_the_code_flow(signed_in, legacy_spa):
    response = signed_in.get(AUTHORIZE, authorize_params(legacy_spa))
    assert response.status_code == 302 and "?code=" in response["Location"]


def test_unverified_redirect_uri_never_gets_tokens(signed_in, legacy_spa):
    response = signed_in.get(AUTHORIZE, implicit_params(legacy_spa, redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert b"access_token" not in response.content


def test_discovery_lists_the_implicit_response_types(client, authserver):
    document = client.get("/oauth2/default/.well-known/openid-configuration").json()
    assert {"id_token", "id_token token"} <= set(document["response_types_supported"])
    oauth = client.get("/oauth2/default/.well-known/oauth-authorization-server").json()
    assert "token" in oauth["response_types_supported"]  # Okta: the OAuth document adds `token`
    assert "fragment" in document["response_modes_supported"]
    assert "implicit" in document["grant_types_supported"]


def test_response_type_parsing_is_order_insensitive_and_excludes_hybrids():
    assert implicit.requested("token id_token") and implicit.requested("id_token  token")
    assert implicit.requested("token") and implicit.requested("id_token")
    for other in ("code", "code token", "code id_token token", "", None, "token token2"):
        assert not implicit.requested(other)
    assert implicit.fragment_url("https://a.example/cb?x=1", {"state": "s", "none": None}) == \
        "https://a.example/cb?x=1#state=s"


def test_issued_tokens_are_in_the_system_log(signed_in, legacy_spa, ada, settings):
    from authservers import systemlog
    from authservers.models import LogEvent

    settings.CASTELLAN_SYSTEM_LOG_WRITER = "inline"
    fragment_params(signed_in.get(AUTHORIZE, implicit_params(legacy_spa)))
    systemlog.flush()
    kinds = set(LogEvent.objects.filter(event_type__startswith="app.oauth2.as.authorize.implicit.")
                .values_list("event_type", flat=True))
    assert kinds == {"app.oauth2.as.authorize.implicit.access_token", "app.oauth2.as.authorize.implicit.id_token"}


@pytest.mark.parametrize(("response_type", "in_access_token", "in_id_token"), [
    ("token", {"team"}, None),
    ("id_token", None, {"nickname_upper", "login_always"}),  # fat: every IDENTITY claim the scopes allow
    ("id_token token", {"team"}, {"login_always"}),  # thin: only "always include in token"
])
def test_custom_claims_land_where_okta_puts_them(signed_in, legacy_spa, ada, authserver, response_type,
                                                 in_access_token, in_id_token):
    from authservers.claim_services import claim_create

    claim_create(server=authserver, name="team", claim_type="RESOURCE", value='"platform"')
    claim_create(server=authserver, name="nickname_upper", claim_type="IDENTITY",
                 value="String.toUpperCase(user.firstName)", always_include_in_token=False)
    claim_create(server=authserver, name="login_always", claim_type="IDENTITY", value="user.login")
    claim_create(server=authserver, name="scoped_out", claim_type="IDENTITY", value="user.login",
                 conditions_scopes=["phone"])  # not granted: in no token
    params = fragment_params(signed_in.get(AUTHORIZE, implicit_params(legacy_spa, response_type=response_type)))
    custom = {"team", "nickname_upper", "login_always", "scoped_out"}
    if in_access_token is None:
        assert "access_token" not in params
    else:
        _, access = verified(signed_in, params["access_token"])
        assert custom & set(access) == in_access_token
    if in_id_token is None:
        assert "id_token" not in params
    else:
        _, id_claims = verified(signed_in, params["id_token"])
        assert custom & set(id_claims) == in_id_token
        if "nickname_upper" in in_id_token:
            assert id_claims["nickname_upper"] == "ADA"
