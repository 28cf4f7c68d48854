"""client_secret_jwt and private_key_jwt at v1/token, v1/introspect and v1/revoke (RFC 7523, REFERENCE §2.3)."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jwcrypto import jwk, jwt

from authservers.oauth import client_auth
from clients import credentials_runtime
from clients.credentials_services import client_jwk_create
from clients.models import UsedClientAssertion
from tests.helpers import assert_json, assert_oauth_error, endpoint, post_form, redis_url_or_skip

TOKEN_URL = "http://testserver/oauth2/default/v1/token"
ISSUER = "http://testserver/oauth2/default"


@pytest.fixture(scope="module")
def rsa_key():
    return jwk.JWK.generate(kty="RSA", size=2048, kid="rsa-1")


@pytest.fixture(scope="module")
def ec_key():
    return jwk.JWK.generate(kty="EC", crv="P-256", kid="ec-1")


def public(key) -> dict:
    return key.export_public(as_dict=True)


def assertion(key, client_id: str, *, alg="RS256", aud=TOKEN_URL, exp_in=300, kid="default", **overrides) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "iat": now, "exp": now + exp_in,
              "jti": uuid.uuid4().hex}
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    header = {"alg": alg}
    kid = key.get("kid") if kid == "default" else kid
    if kid:
        header["kid"] = kid
    token = jwt.JWT(header=header, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def hmac_key(secret: str):
    return jwk.JWK.from_password(secret)


def token_request(client, signed: str, url: str = "token", **extra_form):
    form = {"grant_type": "client_credentials", "scope": "orders:read",
            "client_assertion_type": client_auth.ASSERTION_TYPE, "client_assertion": signed, **extra_form}
    return post_form(client, endpoint(url), form)


@pytest.fixture
def key_client(make_client, scope, rsa_key, ec_key):
    registered = make_client(token_endpoint_auth_method="private_key_jwt")
    client_jwk_create(client=registered.model, data=public(rsa_key))
    client_jwk_create(client=registered.model, data=public(ec_key))
    return registered


@pytest.fixture
def jwt_secret_client(make_client, scope):
    return make_client(token_endpoint_auth_method="client_secret_jwt")


def test_private_key_jwt_with_rsa_key_gets_a_token(client, key_client, rsa_key):
    response = token_request(client, assertion(rsa_key, key_client.client_id))
    body = assert_json(response)
    assert response.status_code == 200, body
    assert body["token_type"] == "Bearer"


@pytest.mark.parametrize("alg", ["ES256"])
def test_private_key_jwt_with_ec_key_gets_a_token(client, key_client, ec_key, alg):
    response = token_request(client, assertion(ec_key, key_client.client_id, alg=alg))
    assert response.status_code == 200, response.content


def test_issuer_is_accepted_as_audience(client, key_client, rsa_key):
    response = token_request(client, assertion(rsa_key, key_client.client_id, aud=ISSUER))
    assert response.status_code == 200, response.content


def test_audience_list_containing_the_endpoint_is_accepted(client, key_client, rsa_key):
    response = token_request(client, assertion(rsa_key, key_client.client_id, aud=["x", TOKEN_URL]))
    assert response.status_code == 200, response.content


def test_assertion_cannot_be_used_twice(client, key_client, rsa_key):
    signed = assertion(rsa_key, key_client.client_id)
    assert token_request(client, signed).status_code == 200
    assert_oauth_error(token_request(client, signed), 401, "invalid_client", client_auth.ASSERTION_REPLAYED)


def test_replay_store_without_redis_uses_the_database(db, settings):
    settings.REDIS_URL = ""
    exp = time.time() + 60
    assert credentials_runtime.use_jti("0oaA", "jti-1", exp) is True
    assert credentials_runtime.use_jti("0oaA", "jti-1", exp) is False
    assert credentials_runtime.use_jti("0oaB", "jti-1", exp) is True  # another client's jti is its own
    assert UsedClientAssertion.objects.count() == 2


def test_expired_row_in_the_database_store_may_be_taken_over(db, settings):
    settings.REDIS_URL = ""
    assert credentials_runtime.use_jti("0oaA", "jti-2", time.time() - 5) is True
    assert credentials_runtime.use_jti("0oaA", "jti-2", time.time() + 60) is True
    assert credentials_runtime.use_jti("0oaA", "jti-2", time.time() + 60) is False


@pytest.mark.parametrize(("overrides", "description"), [
    ({"aud": "https://elsewhere.example/oauth2/default/v1/token"}, client_auth.ASSERTION_AUDIENCE),
    ({"aud": "http://testserver/oauth2/default/v1/introspect"}, client_auth.ASSERTION_AUDIENCE),
    ({"aud": None}, client_auth.ASSERTION_AUDIENCE),
    ({"exp_in": -10}, client_auth.ASSERTION_EXPIRED),
    ({"exp_in": 7200}, client_auth.ASSERTION_EXP_TOO_FAR),
    ({"exp": None}, client_auth.ASSERTION_EXP_MISSING),
    ({"exp": "soon"}, client_auth.ASSERTION_EXP_MISSING),
    ({"iat": int(time.time()) + 3600}, client_auth.ASSERTION_IAT_FUTURE),
    ({"nbf": int(time.time()) + 3600}, client_auth.ASSERTION_NOT_YET_VALID),
    ({"jti": None}, client_auth.ASSERTION_JTI_MISSING),
    ({"jti": ""}, client_auth.ASSERTION_JTI_MISSING),
    ({"iss": "0oaSomeoneElse"}, client_auth.ASSERTION_ISS_SUB),
    ({"kid": None}, client_auth.ASSERTION_KID_INVALID),
    ({"kid": "unknown"}, client_auth.ASSERTION_KID_INVALID),
])
def test_bad_assertions_are_refused_with_oktas_texts(client, key_client, rsa_key, overrides, description):
    signed = assertion(rsa_key, key_client.client_id, **overrides)
    assert_oauth_error(token_request(client, signed), 401, "invalid_client", description)


def test_assertion_signed_by_another_key_is_refused(client, key_client):
    impostor = jwk.JWK.generate(kty="RSA", size=2048, kid="rsa-1")
    assert_oauth_error(token_request(client, assertion(impostor, key_client.client_id)), 401, "invalid_client",
                       client_auth.ASSERTION_SIGNATURE_INVALID)


def test_alg_that_does_not_fit_the_key_is_refused(client, key_client, ec_key, rsa_key):
    # An EC key named by an RS256 header: refused before any verification is attempted.
    signed = assertion(rsa_key, key_client.client_id, kid="ec-1")
    assert_oauth_error(token_request(client, signed), 401, "invalid_client", client_auth.ASSERTION_SIGNATURE_INVALID)


def test_hmac_assertion_is_refused_for_a_private_key_client(client, key_client):
    signed = assertion(hmac_key("x" * 40), key_client.client_id, alg="HS256", kid="rsa-1")
    assert_oauth_error(token_request(client, signed), 401, "invalid_client", client_auth.ASSERTION_SIGNATURE_INVALID)


def test_unsigned_assertion_is_refused(client, key_client):
    header = client_auth.base64.urlsafe_b64encode(b'{"alg":"none","kid":"rsa-1"}').rstrip(b"=").decode()
    now = int(time.time())
    payload = client_auth.base64.urlsafe_b64encode(json.dumps(
        {"iss": key_client.client_id, "sub": key_client.client_id, "aud": TOKEN_URL, "exp": now + 60,
         "jti": "j"}).encode()).rstrip(b"=").decode()
    assert_oauth_error(token_request(client, f"{header}.{payload}."), 401, "invalid_client",
                       client_auth.ASSERTION_SIGNATURE_INVALID)


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "x" * 20000, "e30.e30.", "W10.W10.sig"])
def test_malformed_assertions_are_refused(client, key_client, garbage):
    body = assert_oauth_error(token_request(client, garbage), 401, "invalid_client")
    assert body["error_description"] in (client_auth.ASSERTION_MALFORMED, client_auth.ASSERTION_ISS_SUB)


def test_wrong_assertion_type_is_refused(client, key_client, rsa_key):
    response = token_request(client, assertion(rsa_key, key_client.client_id), client_assertion_type="urn:x")
    assert_oauth_error(response, 401, "invalid_client", client_auth.ASSERTION_TYPE_INVALID)


def test_client_id_that_disagrees_with_the_assertion_is_refused(client, key_client, rsa_key):
    response = token_request(client, assertion(rsa_key, key_client.client_id), client_id="0oaOther")
    assert_oauth_error(response, 401, "invalid_client", client_auth.ASSERTION_ISS_SUB)


def test_assertion_with_a_secret_too_is_refused(client, key_client, rsa_key):
    response = token_request(client, assertion(rsa_key, key_client.client_id), client_secret="s")
    assert response.status_code == 401


def test_basic_auth_is_refused_for_a_private_key_client(client, key_client, basic_auth):
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=basic_auth(key_client.client_id, "whatever"))
    assert_oauth_error(response, 401, "invalid_client")


def test_inactive_key_no_longer_authenticates(client, key_client, rsa_key):
    from clients.credentials_services import client_jwk_deactivate

    key = key_client.model.json_web_keys.get(kid="rsa-1")
    client_jwk_deactivate(client=key_client.model, key=key)
    assert_oauth_error(token_request(client, assertion(rsa_key, key_client.client_id)), 401, "invalid_client",
                       client_auth.ASSERTION_KID_INVALID)


def test_client_secret_jwt_gets_a_token(client, jwt_secret_client):
    signed = assertion(hmac_key(jwt_secret_client.secret), jwt_secret_client.client_id, alg="HS256", kid=None)
    response = token_request(client, signed)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_client_secret_jwt_accepts_longer_hmacs(client, jwt_secret_client, alg):
    signed = assertion(hmac_key(jwt_secret_client.secret), jwt_secret_client.client_id, alg=alg, kid=None)
    assert token_request(client, signed).status_code == 200


def test_client_secret_jwt_with_the_wrong_secret_is_refused(client, jwt_secret_client):
    signed = assertion(hmac_key("w" * 64), jwt_secret_client.client_id, alg="HS256", kid=None)
    assert_oauth_error(token_request(client, signed), 401, "invalid_client", client_auth.ASSERTION_SIGNATURE_INVALID)


def test_client_secret_jwt_refuses_rsa_signatures(client, jwt_secret_client, rsa_key):
    signed = assertion(rsa_key, jwt_secret_client.client_id)
    assert_oauth_error(token_request(client, signed), 401, "invalid_client", client_auth.ASSERTION_SIGNATURE_INVALID)


def test_both_active_secrets_verify_an_hmac_assertion(client, jwt_secret_client):
    from clients.credentials_services import client_secret_create

    _, second = client_secret_create(client=jwt_secret_client.model)
    for secret in (jwt_secret_client.secret, second):
        signed = assertion(hmac_key(secret), jwt_secret_client.client_id, alg="HS256", kid=None)
        assert token_request(client, signed).status_code == 200


def test_assertion_for_a_secret_client_is_refused(client, service_client, scope):
    signed = assertion(hmac_key(service_client.secret), service_client.client_id, alg="HS256", kid=None)
    assert_oauth_error(token_request(client, signed), 401, "invalid_client", "Client authentication failed. "
                       "Either the client or the client credentials are invalid.")


def test_introspect_and_revoke_accept_assertions_with_their_own_audience(client, key_client, rsa_key):
    access_token = token_request(client, assertion(rsa_key, key_client.client_id)).json()["access_token"]
    introspect_url = "http://testserver/oauth2/default/v1/introspect"
    response = post_form(client, endpoint("introspect"), {
        "token": access_token, "client_assertion_type": client_auth.ASSERTION_TYPE,
        "client_assertion": assertion(rsa_key, key_client.client_id, aud=introspect_url)})
    assert response.status_code == 200, response.content
    assert response.json()["active"] is True
    # The token endpoint's URL is not the introspection endpoint's audience.
    response = post_form(client, endpoint("introspect"), {
        "token": access_token, "client_assertion_type": client_auth.ASSERTION_TYPE,
        "client_assertion": assertion(rsa_key, key_client.client_id)})
    assert_oauth_error(response, 401, "invalid_client", client_auth.ASSERTION_AUDIENCE)
    response = post_form(client, endpoint("revoke"), {
        "token": access_token, "client_assertion_type": client_auth.ASSERTION_TYPE,
        "client_assertion": assertion(rsa_key, key_client.client_id,
                                      aud="http://testserver/oauth2/default/v1/revoke")})
    assert response.status_code == 200, response.content
    response = post_form(client, endpoint("introspect"), {
        "token": access_token, "client_assertion_type": client_auth.ASSERTION_TYPE,
        "client_assertion": assertion(rsa_key, key_client.client_id, aud=introspect_url)})
    assert response.json() == {"active": False}


# --- jwks_uri ------------------------------------------------------------------------------------

class _JwksServer:
    def __init__(self):
        self.document = {"keys": []}
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                body = json.dumps(outer.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server():
    server = _JwksServer()
    credentials_runtime.forget_fetched_jwks()
    yield server
    server.close()
    credentials_runtime.forget_fetched_jwks()


@pytest.fixture
def uri_client(make_client, scope, jwks_server):
    registered = make_client(token_endpoint_auth_method="private_key_jwt")
    registered.model.jwks_uri = jwks_server.url
    registered.model.save()
    return registered


def test_private_key_jwt_through_jwks_uri(client, uri_client, jwks_server, rsa_key):
    jwks_server.document = {"keys": [public(rsa_key)]}
    for _ in range(3):
        assert token_request(client, assertion(rsa_key, uri_client.client_id)).status_code == 200
    assert jwks_server.hits == 1  # fetched once, then cached


def test_jwks_uri_is_refetched_for_a_new_kid_but_not_for_every_unknown_one(client, uri_client, jwks_server, rsa_key,
                                                                            ec_key, settings):
    settings.CASTELLAN_CLIENT_JWKS_REFETCH_SECONDS = 0
    jwks_server.document = {"keys": [public(rsa_key)]}
    assert token_request(client, assertion(rsa_key, uri_client.client_id)).status_code == 200
    jwks_server.document = {"keys": [public(rsa_key), public(ec_key)]}  # the client rotated a key in
    assert token_request(client, assertion(ec_key, uri_client.client_id, alg="ES256")).status_code == 200
    assert jwks_server.hits == 2
    settings.CASTELLAN_CLIENT_JWKS_REFETCH_SECONDS = 60
    for _ in range(3):
        token_request(client, assertion(rsa_key, uri_client.client_id, kid="made-up"))
    assert jwks_server.hits == 2


def test_jwks_uri_serving_private_keys_or_garbage_authenticates_nobody(client, uri_client, jwks_server, rsa_key):
    jwks_server.document = {"keys": [rsa_key.export_private(as_dict=True), "junk", {"kty": "oct", "k": "AA"}]}
    assert_oauth_error(token_request(client, assertion(rsa_key, uri_client.client_id)), 401, "invalid_client",
                       client_auth.ASSERTION_KID_INVALID)


def test_unreachable_jwks_uri_fails_quickly(client, make_client, scope, rsa_key, settings):
    settings.CASTELLAN_CLIENT_JWKS_TIMEOUT_SECONDS = 0.5
    credentials_runtime.forget_fetched_jwks()
    registered = make_client(token_endpoint_auth_method="private_key_jwt")
    registered.model.jwks_uri = "http://127.0.0.1:9/jwks.json"  # discard port: nothing listens
    registered.model.save()
    started = time.monotonic()
    assert_oauth_error(token_request(client, assertion(rsa_key, registered.client_id)), 401, "invalid_client",
                       client_auth.ASSERTION_KID_INVALID)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(("uri", "allowed"), [
    ("https://keys.example.com/jwks", True), ("http://127.0.0.1:8000/jwks", True), ("http://localhost/j", True),
    ("http://keys.example.com/jwks", False), ("file:///etc/passwd", False), ("ftp://x/y", False), ("", False),
])
def test_jwks_uri_schemes(uri, allowed):
    assert credentials_runtime.jwks_uri_allowed(uri) is allowed


def test_discovery_advertises_the_assertion_methods(client, authserver):
    document = client.get("/oauth2/default/.well-known/oauth-authorization-server").json()
    for field in ("token_endpoint", "introspection_endpoint", "revocation_endpoint"):
        assert {"client_secret_jwt", "private_key_jwt"} <= set(document[f"{field}_auth_methods_supported"])
        assert set(document[f"{field}_auth_signing_alg_values_supported"]) == \
            client_auth.HMAC_ALGS | client_auth.KEY_ALGS


def _snapshot(**overrides):
    from authservers.runtime import ClientSnapshot

    fields = {"id": "0oaPure", "client_id": "0oaPure", "label": "pure", "active": True, "application_type": "service",
              "grant_types": ("client_credentials",), "response_types": (), "auth_method": "client_secret_jwt",
              "secrets": (b"s" * 40,)}
    fields.update(overrides)
    return ClientSnapshot(**fields)


def _context(used: set):
    def use_jti(client_id, jti, exp):
        if (client_id, jti) in used:
            return False
        used.add((client_id, jti))
        return True

    return client_auth.AssertionContext(audiences=(TOKEN_URL, ISSUER), now=time.time(), use_jti=use_jti,
                                        client_key=lambda client, kid: None)


def test_verification_is_a_pure_function():
    client = _snapshot()
    signed = assertion(hmac_key("s" * 40), "0oaPure", alg="HS256", kid=None)
    used: set = set()
    claims = client_auth.verify_client_assertion(signed, client, _context(used))
    assert claims["iss"] == "0oaPure" and len(used) == 1
    with pytest.raises(client_auth.errors.InvalidClient, match="already been used"):
        client_auth.verify_client_assertion(signed, client, _context(used))


def test_secret_too_short_for_hmac_has_oktas_text():
    client = _snapshot(secrets=(b"short",))
    signed = assertion(hmac_key("k" * 32), "0oaPure", alg="HS256", kid=None)
    with pytest.raises(client_auth.errors.InvalidClient) as excinfo:
        client_auth.verify_client_assertion(signed, client, _context(set()))
    assert excinfo.value.description == client_auth.SECRET_TOO_SHORT


def test_hs512_needs_a_secret_of_64_bytes():
    """RFC 7518 §3.2: a 40-character secret is long enough for HS256 but not for HS512."""
    client = _snapshot(secrets=(b"s" * 40,))
    signed = assertion(hmac_key("k" * 64), "0oaPure", alg="HS512", kid=None)
    with pytest.raises(client_auth.errors.InvalidClient) as excinfo:
        client_auth.verify_client_assertion(signed, client, _context(set()))
    assert excinfo.value.description == client_auth.SECRET_TOO_SHORT


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("redis", [True, False])
def test_replay_store_admits_one_of_concurrent_uses(settings, redis):
    """Each thread has its own database connection (or Redis connection), as separate processes would."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if not redis:
        settings.REDIS_URL = ""
    else:
        settings.REDIS_URL = redis_url_or_skip("the replay store's Redis variant")
    barrier = threading.Barrier(6)
    jti = uuid.uuid4().hex

    def attempt(_):
        try:
            barrier.wait()
            return credentials_runtime.use_jti("0oaRace", jti, time.time() + 60)
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert results.count(True) == 1
