"""Issue 8 "Done means", end to end over HTTP: an operator registers a client dynamically, rotates its
secret without downtime, moves it to private_key_jwt, watches its token activity in the System Log,
hits a rate limit with Okta's headers, and deprovisions it, and the old tokens stop working."""

import time
import uuid

import pytest
from jwcrypto import jwk, jwt

from authservers import systemlog
from authservers.oauth import client_auth
from tests.accounts.api.conftest import api, staff_user  # noqa: F401
from tests.authservers.test_rate_limits import redis_limits, wait_for_room_in_window  # noqa: F401
from tests.helpers import assert_oauth_error, basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db
TOKEN_URL = "http://testserver/oauth2/default/v1/token"
FORM = {"grant_type": "client_credentials", "scope": "orders:read"}


def _with_secret(client, client_id, secret):
    return post_form(client, endpoint("token"), FORM, HTTP_AUTHORIZATION=basic_auth_header(client_id, secret))


def _with_key(client, client_id, key, **extra):
    now = int(time.time())
    signed = jwt.JWT(header={"alg": "RS256", "kid": key.get("kid")},
                     claims={"iss": client_id, "sub": client_id, "aud": TOKEN_URL, "iat": now, "exp": now + 300,
                             "jti": uuid.uuid4().hex})
    signed.make_signed_token(key)
    return post_form(client, endpoint("token"), {**FORM, "client_assertion_type": client_auth.ASSERTION_TYPE,
                                                 "client_assertion": signed.serialize()}, **extra)


def _introspect_with_key(client, client_id, key, token):
    now = int(time.time())
    signed = jwt.JWT(header={"alg": "RS256", "kid": key.get("kid")},
                     claims={"iss": client_id, "sub": client_id, "aud": "http://testserver/oauth2/default",
                             "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex})
    signed.make_signed_token(key)
    return post_form(client, endpoint("introspect"), {"token": token, "client_assertion": signed.serialize(),
                                                      "client_assertion_type": client_auth.ASSERTION_TYPE})


def test_onboard_rotate_move_to_keys_watch_limit_and_deprovision(api, client, authserver, scope,  # noqa: F811
                                                                 redis_limits):  # noqa: F811
    # 1. Register dynamically (RFC 7591, Okta's admin-token variant).
    registered = api.post("/oauth2/v1/clients", {
        "client_name": "nightly-reports", "application_type": "service", "grant_types": ["client_credentials"],
        "response_types": ["token"], "token_endpoint_auth_method": "client_secret_basic"}, format="json")
    assert registered.status_code == 201, registered.content
    client_id, first_secret = registered.json()["client_id"], registered.json()["client_secret"]
    app_id = client_id  # Castellan (like Okta) uses the app id as the client_id
    assert _with_secret(client, client_id, first_secret).status_code == 200

    # 2. Zero-downtime secret rotation: add a second secret, both work, deactivate and delete the old one.
    secrets_url = f"/api/v1/apps/{app_id}/credentials/secrets"
    [old] = api.get(secrets_url).json()
    added = api.post(secrets_url, {}, format="json")
    assert added.status_code == 201, added.content
    second_secret = added.json()["client_secret"]
    assert _with_secret(client, client_id, first_secret).status_code == 200
    assert _with_secret(client, client_id, second_secret).status_code == 200
    assert api.post(f"{secrets_url}/{old['id']}/lifecycle/deactivate").status_code == 200
    assert_oauth_error(_with_secret(client, client_id, first_secret), 401, "invalid_client")
    assert _with_secret(client, client_id, second_secret).status_code == 200
    assert api.delete(f"{secrets_url}/{old['id']}").status_code == 204

    # 3. Move to private_key_jwt: register the public key, switch the method, sign an assertion.
    key = jwk.JWK.generate(kty="RSA", size=2048, kid="reports-2026")
    assert api.post(f"/api/v1/apps/{app_id}/credentials/jwks", key.export_public(as_dict=True),
                    format="json").status_code == 201
    current = api.get(f"/oauth2/v1/clients/{client_id}").json()
    moved = api.put(f"/oauth2/v1/clients/{client_id}", {**current, "token_endpoint_auth_method": "private_key_jwt"},
                    format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["token_endpoint_auth_method"] == "private_key_jwt"
    issued = _with_key(client, client_id, key)
    assert issued.status_code == 200, issued.content
    access_token = issued.json()["access_token"]
    assert _introspect_with_key(client, client_id, key, access_token).json()["active"] is True
    assert_oauth_error(_with_secret(client, client_id, second_secret), 401, "invalid_client")

    # 4. Watch its token activity in the System Log API.
    systemlog.flush()
    logs = api.get("/api/v1/logs", {"filter": 'eventType eq "app.oauth2.as.token.grant.access_token"'})
    assert logs.status_code == 200, logs.content
    mine = [event for event in logs.json() if event["actor"]["id"] == client_id]
    assert len(mine) >= 5 and all(event["outcome"]["result"] == "SUCCESS" for event in mine)
    lifecycle = api.get("/api/v1/logs", {"q": client_id}).json()
    assert {"app.oauth2.client.lifecycle.create", "app.oauth2.credentials.lifecycle.deactivate"} <= \
        {event["eventType"] for event in lifecycle}

    # 5. Hit a rate limit (a tiny one, counted per address: a fresh one here) and see Okta's headers.
    redis_limits.CASTELLAN_RATE_LIMIT_TOKEN = 2
    wait_for_room_in_window()
    answers = [_with_key(client, client_id, key, REMOTE_ADDR="10.20.30.40") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    limited = answers[-1]
    assert limited.json()["error"] == "too_many_requests"
    assert limited["X-Rate-Limit-Limit"] == "2" and limited["X-Rate-Limit-Remaining"] == "0"
    assert int(limited["X-Rate-Limit-Reset"]) > time.time()
    redis_limits.CASTELLAN_RATE_LIMIT_TOKEN = 1200

    # 6. Deprovision: deactivate it (its tokens die at once), then delete it through registration.
    assert api.post(f"/api/v1/apps/{app_id}/lifecycle/deactivate").status_code == 200
    assert api.post(f"/api/v1/apps/{app_id}/lifecycle/activate").status_code == 200  # reactivation revives nothing
    assert _introspect_with_key(client, client_id, key, access_token).json() == {"active": False}
    assert api.delete(f"/oauth2/v1/clients/{client_id}").status_code == 204
    assert_oauth_error(_with_key(client, client_id, key), 401, "invalid_client")
    assert api.get(f"/oauth2/v1/clients/{client_id}").status_code == 401
