"""A resource server's view over real HTTP: discover, get a token, fetch the JWKS, verify with a JOSE library."""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from authservers.models import AuthorizationServer
from authservers.services import bootstrap, scope_create
from clients.services import client_create
from tests.conftest import clear_snapshot_caches

pytestmark = pytest.mark.live


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def http(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def live_default_server(live_server, settings, transactional_db):
    settings.CASTELLAN_BASE_URL = live_server.url
    clear_snapshot_caches()
    bootstrap()
    scope_create(server=AuthorizationServer.objects.get(pk="default"), name="orders:read")
    client, secret = client_create(label="billing-service", grant_types=["client_credentials"])
    return live_server.url, client.client_id, secret


def test_resource_server_verifies_a_token_with_a_standard_jose_library(live_default_server):
    base_url, client_id, secret = live_default_server

    status, headers, body = http(f"{base_url}/oauth2/default/.well-known/openid-configuration")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    metadata = json.loads(body)
    issuer = metadata["issuer"]
    assert issuer == f"{base_url}/oauth2/default"

    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    status, headers, body = http(metadata["token_endpoint"],
                                 {"grant_type": "client_credentials", "scope": "orders:read"},
                                 {"Authorization": f"Basic {credentials}"})
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    access_token = json.loads(body)["access_token"]

    status, headers, body = http(metadata["jwks_uri"])
    assert status == 200 and "max-age" in headers["Cache-Control"]
    keyset = jwk.JWKSet.from_json(body)

    verified = jwt.JWT(jwt=access_token, key=keyset, algs=["RS256"],
                       check_claims={"iss": issuer, "aud": "api://default", "exp": None, "iat": None})
    claims = json.loads(verified.claims)
    assert verified.token.jose_header["typ"] == "at+jwt"
    assert claims["cid"] == claims["sub"] == client_id
    assert claims["scp"] == ["orders:read"]

    status, _, body = http(metadata["introspection_endpoint"], {"token": access_token},
                           {"Authorization": f"Basic {credentials}"})
    assert status == 200 and json.loads(body)["active"] is True


def test_resource_server_rejects_a_token_signed_by_another_key(live_default_server):
    base_url, client_id, secret = live_default_server
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    _, _, body = http(f"{base_url}/oauth2/default/v1/token",
                      {"grant_type": "client_credentials", "scope": "orders:read"},
                      {"Authorization": f"Basic {credentials}"})
    header, payload, _ = json.loads(body)["access_token"].split(".")

    stranger = jwk.JWK.generate(kty="RSA", size=2048)
    forged = jwt.JWT(header=json.loads(unb64(header)), claims=json.loads(unb64(payload)))
    forged.make_signed_token(stranger)
    keyset = jwk.JWKSet.from_json(http(f"{base_url}/oauth2/default/v1/keys")[2])

    with pytest.raises(JWException):
        jwt.JWT(jwt=forged.serialize(), key=keyset, algs=["RS256"])
    status, _, body = http(f"{base_url}/oauth2/default/v1/introspect", {"token": forged.serialize()},
                           {"Authorization": f"Basic {credentials}"})
    assert status == 200 and json.loads(body) == {"active": False}


def test_errors_over_real_http_are_json(live_default_server):
    base_url, _, _ = live_default_server
    for url, data in [(f"{base_url}/oauth2/default/v1/token", {"grant_type": "client_credentials"}),
                      (f"{base_url}/oauth2/nope/v1/keys", None),
                      (f"{base_url}/oauth2/default/v1/nothing-here", None)]:
        status, headers, body = http(url, data)
        assert 400 <= status < 500
        assert headers["Content-Type"].startswith("application/json")
        json.loads(body)
