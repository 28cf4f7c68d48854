"""The authorization request checks, without HTTP or the database (oauth/authorize.py, oauth/pkce.py)."""

import pytest
from django.http import QueryDict

from authservers.oauth import authorize, errors, pkce
from authservers.runtime import ClientSnapshot, ScopeInfo, ServerSnapshot

REDIRECT = "https://app.example.com/cb"
CHALLENGE = pkce.s256("a" * 43)


def client_snapshot(**overrides) -> ClientSnapshot:
    values = dict(id="0oa1", client_id="0oa1", label="portal", active=True, application_type="web",
                  grant_types=("authorization_code",), response_types=("code",), auth_method="client_secret_basic",
                  secrets=(), pkce_required=False, redirect_uris=(REDIRECT,), consent_method="TRUSTED")
    values.update(overrides)
    return ClientSnapshot(**values)


def server_snapshot(consent: dict[str, str]) -> ServerSnapshot:
    scopes = {name: ScopeInfo(name=name, consent=value, default=False, published=True, system=False)
              for name, value in consent.items()}
    return ServerSnapshot(id="default", name="default", active=True, audiences=("api://default",),
                          issuer_mode="ORG_URL", custom_url="", scopes=scopes, default_scopes=(), signing=None,
                          jwks={}, verification_keys={})


SERVER = server_snapshot({"openid": "IMPLICIT", "email": "IMPLICIT", "orders:read": "IMPLICIT"})


def request(**overrides) -> authorize.AuthorizationRequest:
    values = dict(client_id="0oa1", redirect_uri=REDIRECT, response_type="code", scope="openid", state="s",
                  code_challenge=CHALLENGE, code_challenge_method="S256")
    values.update(overrides)
    return authorize.AuthorizationRequest(**values)


def test_from_params_marks_duplicates():
    req = authorize.AuthorizationRequest.from_params(QueryDict("client_id=a&state=1&state=2"))
    with pytest.raises(errors.InvalidRequest, match="multiple parameters"):
        authorize.verify_client(req, client_snapshot())


@pytest.mark.parametrize(("req", "client", "error"), [
    (request(client_id=None), client_snapshot(), errors.InvalidRequest),
    (request(), None, errors.InvalidClient),
    (request(), client_snapshot(active=False), errors.InvalidClient),
    (request(redirect_uri=None), client_snapshot(), errors.InvalidRequest),
    (request(redirect_uri=REDIRECT.upper()), client_snapshot(), errors.InvalidRequest),
    (request(redirect_uri=REDIRECT + "/x"), client_snapshot(), errors.InvalidRequest),
])
def test_verify_client_refuses(req, client, error):
    with pytest.raises(error):
        authorize.verify_client(req, client)


def test_verify_client_accepts_exact_match():
    assert authorize.verify_client(request(), client_snapshot()).client_id == "0oa1"


@pytest.mark.parametrize(("req", "client", "error", "text"), [
    (request(state=None), client_snapshot(), errors.InvalidRequest, errors.STATE_REQUIRED),
    (request(state="a\nb"), client_snapshot(), errors.InvalidRequest, errors.STATE_REQUIRED),
    (request(response_type="token"), client_snapshot(), errors.UnauthorizedClient, None),  # implicit not enabled
    (request(response_type="code id_token"), client_snapshot(), errors.UnsupportedResponseType, None),
    (request(), client_snapshot(grant_types=("client_credentials",)), errors.UnauthorizedClient, None),
    (request(response_mode="fragment"), client_snapshot(), errors.OAuthError, None),
    (request(prompt="none consent"), client_snapshot(), errors.InvalidRequest, None),
    (request(prompt="select_account"), client_snapshot(), errors.InvalidRequest, None),
    (request(scope="email"), client_snapshot(), errors.AuthorizationAccessDenied, errors.OPENID_REQUIRED),
    (request(code_challenge=None, code_challenge_method=None), client_snapshot(pkce_required=True),
     errors.InvalidRequest, errors.PKCE_CHALLENGE_REQUIRED),
    (request(code_challenge=None, code_challenge_method=None), client_snapshot(auth_method="none"),
     errors.InvalidRequest, errors.PKCE_CHALLENGE_REQUIRED),
    (request(code_challenge_method="plain"), client_snapshot(), errors.InvalidRequest,
     errors.PKCE_METHOD_UNSUPPORTED),
    (request(code_challenge="x" * 42), client_snapshot(), errors.InvalidRequest, None),
])
def test_validate_request_refuses(req, client, error, text):
    with pytest.raises(error) as raised:
        authorize.validate_request(req, client, SERVER)
    if text:
        assert raised.value.description == text


@pytest.mark.parametrize("req", [
    request(), request(scope="orders:read"), request(code_challenge=None, code_challenge_method=None),
    request(prompt="login consent"), request(response_mode="query"),
])
def test_validate_request_accepts(req):
    authorize.validate_request(req, client_snapshot(), SERVER)


def test_unknown_scope_fails_before_sign_in():
    with pytest.raises(errors.InvalidScope) as raised:
        authorize.validate_request(request(scope="openid nope"), client_snapshot(), SERVER)
    assert raised.value.description == errors.UNKNOWN_SCOPE


def test_check_session():
    assert authorize.check_session(request(), signed_in=False) is True
    assert authorize.check_session(request(), signed_in=True) is False
    assert authorize.check_session(request(prompt="login"), signed_in=True) is True
    with pytest.raises(errors.LoginRequired):
        authorize.check_session(request(prompt="none"), signed_in=False)


def test_check_user():
    authorize.check_user(active=True, assigned=True)
    with pytest.raises(errors.AuthorizationAccessDenied, match="not active"):
        authorize.check_user(active=False, assigned=True)
    with pytest.raises(errors.AuthorizationAccessDenied) as raised:
        authorize.check_user(active=True, assigned=False)
    assert raised.value.description == errors.USER_NOT_ASSIGNED


@pytest.mark.parametrize(("prompt", "method", "consent", "prompted"), [
    ("consent", "TRUSTED", "REQUIRED", True),
    ("consent", "REQUIRED", "FLEXIBLE", True),
    ("consent", "TRUSTED", "IMPLICIT", False),
    (None, "TRUSTED", "REQUIRED", False),
    (None, "TRUSTED", "FLEXIBLE", False),
    (None, "REQUIRED", "FLEXIBLE", True),
    (None, "REQUIRED", "REQUIRED", True),
    (None, "REQUIRED", "IMPLICIT", False),
])
def test_consent_matrix(prompt, method, consent, prompted):
    server = server_snapshot({"openid": consent})
    needed = authorize.consent_needed(request(prompt=prompt), client_snapshot(consent_method=method), server,
                                      ("openid",))
    assert bool(needed) is prompted


def test_redirect_keeps_the_registered_query_and_adds_iss():
    result = authorize.code_redirect(request(redirect_uri=REDIRECT + "?a=1"), "c0de", "https://issuer")
    assert result.url == REDIRECT + "?a=1&code=c0de&state=s&iss=https%3A%2F%2Fissuer"


def test_error_redirect_carries_error_state_and_iss():
    url = authorize.error_redirect(request(), errors.LoginRequired("no session"), "https://i").url
    assert url == REDIRECT + "?error=login_required&error_description=no+session&state=s&iss=https%3A%2F%2Fi"


def test_error_redirect_without_state_leaves_it_out():
    url = authorize.error_redirect(request(state=None), errors.InvalidRequest("x"), "https://i").url
    assert "state=" not in url


# --- PKCE (RFC 7636) -----------------------------------------------------------------------------------

def test_s256_is_base64url_sha256_without_padding():
    import base64
    import hashlib
    verifier = "dBjftJeZ4CVP-mJ0lT0IK84AodmeHhhnf0Fw5wAFNeI"
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce.s256(verifier) == expected and len(expected) == 43


@pytest.mark.parametrize(("verifier", "challenge", "required", "error", "text"), [
    (None, CHALLENGE, False, errors.InvalidRequest, errors.PKCE_VERIFIER_REQUIRED),
    ("b" * 43, CHALLENGE, False, errors.InvalidGrant, errors.PKCE_FAILED),
    ("a" * 42, pkce.s256("a" * 42), False, errors.InvalidGrant, errors.PKCE_FAILED),  # too short
    ("a" * 43, None, False, errors.InvalidGrant, errors.PKCE_FAILED),  # no downgrade
    (None, None, True, errors.InvalidRequest, errors.PKCE_VERIFIER_REQUIRED),
])
def test_verify_code_verifier_refuses(verifier, challenge, required, error, text):
    with pytest.raises(error) as raised:
        pkce.verify_code_verifier(verifier, challenge, required=required)
    assert raised.value.description == text


def test_verify_code_verifier_accepts():
    pkce.verify_code_verifier("a" * 43, CHALLENGE, required=True)
    pkce.verify_code_verifier(None, None, required=False)
