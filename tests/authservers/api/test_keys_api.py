"""/api/v1/authorizationServers/{id}/credentials: key list, key get and manual keyRotate."""

import pytest

from authservers.models import KeyStatus, LogEvent
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape, response_codes

URL = "/api/v1/authorizationServers/default/credentials"


def _assert_key_shape(body: dict) -> None:
    assert_shape(body, "AuthorizationServerJsonWebKey")
    assert {"kid", "kty", "alg", "use", "e", "n", "status", "_links"} <= set(body)
    assert (body["kty"], body["alg"], body["use"]) == ("RSA", "RS256", "sig")


@pytest.mark.django_db
def test_list_keys_shows_active_and_next_without_private_parts(api, authserver):
    response = api.get(f"{URL}/keys")
    assert response.status_code == 200
    assert 200 in response_codes("listAuthorizationServerKeys")
    body = response.json()
    for key in body:
        _assert_key_shape(key)
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    assert [key["status"] for key in body] == ["ACTIVE", "NEXT"]


@pytest.mark.django_db
def test_get_one_key(api, authserver):
    kid = authserver.signing_keys.get(status=KeyStatus.ACTIVE).kid
    response = api.get(f"{URL}/keys/{kid}")
    assert response.status_code == 200
    _assert_key_shape(response.json())
    assert response.json()["kid"] == kid
    assert response.json()["_links"]["self"]["href"].endswith(f"/credentials/keys/{kid}")


@pytest.mark.django_db
def test_unknown_key_is_404(api, authserver):
    assert_okta_error(api.get(f"{URL}/keys/nope"), 404, "E0000007")


@pytest.mark.django_db
def test_key_rotate_promotes_next_and_returns_the_key_list(api, authserver):
    before = {key.status: key.kid for key in authserver.signing_keys.all()}
    response = api.post(f"{URL}/lifecycle/keyRotate", {"use": "sig"}, format="json")
    assert response.status_code == 200
    assert 200 in response_codes("rotateAuthorizationServerKeys")
    body = response.json()
    for key in body:
        _assert_key_shape(key)
    statuses = {key["kid"]: key["status"] for key in body}
    assert statuses[before["NEXT"]] == "ACTIVE"
    assert statuses[before["ACTIVE"]] == "EXPIRED"
    assert sorted(statuses.values()) == ["ACTIVE", "EXPIRED", "NEXT"]
    server = api.get("/api/v1/authorizationServers/default").json()
    assert server["credentials"]["signing"]["kid"] == before["NEXT"]
    from authservers import systemlog

    systemlog.flush()
    assert LogEvent.objects.filter(event_type="app.oauth2.as.key.rollover").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"use": "enc"}, {}, {"use": None}, {"use": ["sig"]}, [1]])
def test_key_rotate_needs_use_sig(api, authserver, body):
    kids = set(authserver.signing_keys.values_list("kid", flat=True))
    error = assert_okta_error(api.post(f"{URL}/lifecycle/keyRotate", body, format="json"), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: rotateKeys"
    assert error["errorCauses"] == [{"errorSummary": "Invalid value specified for key 'use' parameter."}]
    assert set(authserver.signing_keys.values_list("kid", flat=True)) == kids


@pytest.mark.django_db
def test_key_rotate_of_unknown_server_is_404(api):
    assert_okta_error(api.post("/api/v1/authorizationServers/ausNope/credentials/lifecycle/keyRotate",
                               {"use": "sig"}, format="json"), 404, "E0000007")


@pytest.mark.django_db
def test_key_rotate_is_post_only(api, authserver):
    assert_okta_error(api.get(f"{URL}/lifecycle/keyRotate"), 405, "E0000022")
