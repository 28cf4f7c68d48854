"""Helpers for tests that drive /authorize and the code exchange over Django's test client."""

import json
from urllib.parse import parse_qs, urlsplit

from jwcrypto import jwk, jwt

from authservers.oauth.pkce import s256
from tests.helpers import basic_auth_header, endpoint, post_form

from .conftest import REDIRECT_URI

VERIFIER = "v" * 43 + "-._~0123456789"
CHALLENGE = s256(VERIFIER)
AUTHORIZE = endpoint("authorize")
TOKEN = endpoint("token")


def authorize_params(registered, **overrides) -> dict:
    params = {"client_id": registered.client_id, "redirect_uri": REDIRECT_URI, "response_type": "code",
              "scope": "openid", "state": "st-1", "nonce": "n-0S6_WzA2Mj", "code_challenge": CHALLENGE,
              "code_challenge_method": "S256"}
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def redirect_params(response) -> dict:
    """The query of a redirect to the client, one value per name (asserts it goes to the redirect URI)."""
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def get_code(client, registered, **overrides) -> str:
    params = redirect_params(client.get(AUTHORIZE, authorize_params(registered, **overrides)))
    assert "code" in params, params
    return params["code"]


def exchange(client, registered, code, *, verifier=VERIFIER, redirect_uri=REDIRECT_URI, basic=True,
             server_id="default", **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    data = {name: value for name, value in data.items() if value is not None}
    headers = {}
    if basic and registered.secret:
        headers["HTTP_AUTHORIZATION"] = basic_auth_header(registered.client_id, registered.secret)
    else:
        data["client_id"] = registered.client_id
    data.update(extra)
    return post_form(client, endpoint("token", server_id), data, **headers)


def verified(client, token: str) -> tuple[dict, dict]:
    keys = jwk.JWKSet.from_json(client.get(endpoint("keys")).content)
    parsed = jwt.JWT(jwt=token, key=keys, algs=["RS256"])
    return parsed.token.jose_header, json.loads(parsed.claims)
