"""A standard OpenID Connect client library (Authlib) against a live Castellan: discovery, code + PKCE
through the sign-in page, token exchange, ID token verified against the JWKS, userinfo, logout."""

import secrets
import warnings
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

with warnings.catch_warnings():
    # Authlib's OIDC claim classes sit on authlib.jose, which warns (past any filter) that it will move.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

from .conftest import LOGIN, PASSWORD, WEB_LOGOUT_URI, WEB_REDIRECT_URI
from .forms import browse_until

pytestmark = pytest.mark.live


def query_of(url: str) -> dict:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def sign_in_with_authlib(live, browser: requests.Session, scope="openid profile email"):
    metadata = requests.get(f"{live.issuer}/.well-known/openid-configuration", timeout=10).json()
    rp = OAuth2Session(live.web_client_id, live.web_client_secret, scope=scope, redirect_uri=WEB_REDIRECT_URI,
                       code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    nonce, verifier = generate_token(20), generate_token(64)
    url, state = rp.create_authorization_url(metadata["authorization_endpoint"], nonce=nonce,
                                             code_verifier=verifier)
    callback = browse_until(browser, url, WEB_REDIRECT_URI, login=LOGIN, password=PASSWORD)
    token = rp.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    return metadata, rp, token, nonce, state, callback


def test_code_flow_with_pkce_userinfo_and_logout(live_castellan):
    live = live_castellan
    browser = requests.Session()
    metadata, rp, token, nonce, state, callback = sign_in_with_authlib(live, browser)

    assert metadata["issuer"] == live.issuer
    assert "S256" in metadata["code_challenge_methods_supported"]
    params = query_of(callback)
    assert params["state"] == state
    assert params["iss"] == live.issuer  # RFC 9207
    assert token["token_type"] == "Bearer" and token["access_token"] and token["id_token"]

    # The ID token, verified with Authlib's OIDC rules against the published keys.
    jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": live.issuer},
                                        "aud": {"essential": True, "value": live.web_client_id}},
                        claims_params={"nonce": nonce, "client_id": live.web_client_id,
                                       "access_token": token["access_token"]})
    claims.validate()  # iss, aud, exp, iat, nonce, at_hash
    assert claims["sub"] == live.user_id
    assert claims["at_hash"] and claims["auth_time"] <= claims["iat"]

    # Userinfo with the access token Authlib attaches.
    response = rp.get(metadata["userinfo_endpoint"], timeout=10)
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["sub"] == live.user_id
    assert info["email"] == LOGIN and info["given_name"] == "Grace"

    # RP-initiated logout: back to the registered URI with the state, and the session is gone.
    logout_state = secrets.token_urlsafe(8)
    query = urlencode({"id_token_hint": token["id_token"], "post_logout_redirect_uri": WEB_LOGOUT_URI,
                       "state": logout_state})
    response = browser.get(f"{metadata['end_session_endpoint']}?{query}", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{WEB_LOGOUT_URI}?{urlencode({'state': logout_state})}"
    url, _ = rp.create_authorization_url(metadata["authorization_endpoint"], nonce=generate_token(20),
                                         code_verifier=generate_token(64), prompt="none")
    response = browser.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "login_required"


def test_the_code_is_bound_to_its_verifier(live_castellan):
    live = live_castellan
    metadata = requests.get(f"{live.issuer}/.well-known/openid-configuration", timeout=10).json()
    rp = OAuth2Session(live.web_client_id, live.web_client_secret, scope="openid", redirect_uri=WEB_REDIRECT_URI,
                       code_challenge_method="S256")
    url, _ = rp.create_authorization_url(metadata["authorization_endpoint"], nonce=generate_token(20),
                                         code_verifier=generate_token(64))
    callback = browse_until(requests.Session(), url, WEB_REDIRECT_URI, login=LOGIN, password=PASSWORD)
    from authlib.integrations.base_client import OAuthError

    with pytest.raises(OAuthError) as caught:
        rp.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=generate_token(64))
    assert caught.value.error == "invalid_grant"
