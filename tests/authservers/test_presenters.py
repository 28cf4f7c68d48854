"""Okta shapes of authorization servers, scopes and signing keys (schemas from Okta's management OpenAPI)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from authservers.models import KeyStatus, RotationMode, ServerStatus
from authservers.presenters import (
    authserver_issuer,
    authserver_to_okta,
    okta_timestamp,
    scope_to_okta,
    signing_key_to_okta,
)
from authservers.services import authserver_create, scope_create


def _server(**overrides):
    return authserver_create(**{"name": "Orders API", "audiences": ["api://orders"], **overrides})


def test_timestamps_have_milliseconds_and_z():
    moment = datetime(2023, 5, 17, 22, 25, 57, 123456, tzinfo=UTC)
    assert okta_timestamp(moment) == "2023-05-17T22:25:57.123Z"
    assert okta_timestamp(moment.replace(microsecond=0)) == "2023-05-17T22:25:57.000Z"


def test_timestamps_are_converted_to_utc():
    moment = datetime(2023, 5, 18, 0, 25, 57, tzinfo=timezone(timedelta(hours=2)))
    assert okta_timestamp(moment) == "2023-05-17T22:25:57.000Z"
    assert okta_timestamp(None) is None


@pytest.mark.django_db
def test_authserver_has_okta_fields():
    server = _server(description="Orders")
    body = authserver_to_okta(server)
    assert set(body) == {"id", "name", "description", "audiences", "issuer", "issuerMode", "status", "created",
                         "lastUpdated", "credentials", "_links"}
    assert body["id"].startswith("aus") and len(body["id"]) == 20
    assert body["audiences"] == ["api://orders"]
    assert body["issuer"] == f"http://testserver/oauth2/{server.id}"
    assert body["issuerMode"] == "ORG_URL"
    assert body["status"] == "ACTIVE"
    assert body["created"].endswith("Z") and len(body["created"]) == len("2023-05-17T22:25:57.000Z")


@pytest.mark.django_db
def test_authserver_signing_credentials_name_the_active_key_and_next_rotation():
    server = _server()
    active = server.signing_keys.get(status=KeyStatus.ACTIVE)
    signing = authserver_to_okta(server)["credentials"]["signing"]
    assert signing["kid"] == active.kid
    assert signing["rotationMode"] == "AUTO"
    assert signing["use"] == "sig"
    assert signing["lastRotated"] == okta_timestamp(server.last_rotated)
    # Okta: AUTO rotation every 90 days.
    assert signing["nextRotation"] == okta_timestamp(server.last_rotated + timedelta(days=90))


@pytest.mark.django_db
def test_manual_rotation_has_no_next_rotation():
    server = _server()
    server.rotation_mode = RotationMode.MANUAL
    signing = authserver_to_okta(server)["credentials"]["signing"]
    assert signing["rotationMode"] == "MANUAL"
    assert "nextRotation" not in signing


@pytest.mark.django_db
def test_authserver_links():
    server = _server()
    links = authserver_to_okta(server, base_url="https://id.example.com")["_links"]
    api = f"https://id.example.com/api/v1/authorizationServers/{server.id}"
    assert links["self"] == {"href": api, "hints": {"allow": ["GET", "DELETE", "PUT"]}}
    assert links["scopes"]["href"] == f"{api}/scopes"
    assert links["claims"]["href"] == f"{api}/claims"
    assert links["policies"]["href"] == f"{api}/policies"
    assert links["rotateKey"] == {"href": f"{api}/credentials/lifecycle/keyRotate", "hints": {"allow": ["POST"]}}
    assert links["deactivate"]["href"] == f"{api}/lifecycle/deactivate"
    assert "activate" not in links
    issuer = f"http://testserver/oauth2/{server.id}"
    assert [(link["name"], link["href"]) for link in links["metadata"]] == [
        ("oauth-authorization-server", f"{issuer}/.well-known/oauth-authorization-server"),
        ("openid-configuration", f"{issuer}/.well-known/openid-configuration"),
    ]


@pytest.mark.django_db
def test_inactive_server_links_to_activate():
    server = _server()
    server.status = ServerStatus.INACTIVE
    links = authserver_to_okta(server)["_links"]
    assert "activate" in links and "deactivate" not in links


@pytest.mark.django_db
@pytest.mark.parametrize(("mode", "custom_url", "base_url", "issuer_base"), [
    ("ORG_URL", "", "https://api.example.com", "http://testserver"),
    ("CUSTOM_URL", "https://id.example.com/", None, "https://id.example.com"),
    ("DYNAMIC", "", "https://login.example.org", "https://login.example.org"),
    ("DYNAMIC", "", None, "http://testserver"),
])
def test_issuer_follows_issuer_mode(mode, custom_url, base_url, issuer_base):
    server = _server(issuer_mode=mode, custom_url=custom_url)
    assert authserver_issuer(server, base_url) == f"{issuer_base}/oauth2/{server.id}"
    assert authserver_to_okta(server, base_url)["issuer"] == f"{issuer_base}/oauth2/{server.id}"


@pytest.mark.django_db
def test_scope_shape():
    server = _server()
    scope = scope_create(server=server, name="orders:read", display_name="Read orders", consent="REQUIRED",
                         metadata_publish="ALL_CLIENTS")
    body = scope_to_okta(scope)
    assert body == {
        "id": scope.id, "name": "orders:read", "displayName": "Read orders", "description": "",
        "system": False, "default": False, "consent": "REQUIRED", "optional": False,
        "metadataPublish": "ALL_CLIENTS",
        "_links": {"self": {
            "href": f"http://testserver/api/v1/authorizationServers/{server.id}/scopes/{scope.id}",
            "hints": {"allow": ["GET", "PUT", "DELETE"]}}},
    }
    assert body["id"].startswith("scp")


@pytest.mark.django_db
def test_system_scope_cannot_be_deleted_through_its_link():
    server = _server()
    body = scope_to_okta(server.scopes.get(name="openid"))
    assert body["system"] is True
    assert "DELETE" not in body["_links"]["self"]["hints"]["allow"]


@pytest.mark.django_db
def test_signing_key_shows_public_parameters_only():
    server = _server()
    key = server.signing_keys.get(status=KeyStatus.NEXT)
    body = signing_key_to_okta(key)
    assert set(body) == {"status", "alg", "e", "n", "kid", "kty", "use", "_links"}
    assert body["status"] == "NEXT"
    assert (body["kty"], body["alg"], body["use"]) == ("RSA", "RS256", "sig")
    assert body["n"] == key.public_jwk["n"]
    assert body["_links"]["self"]["href"] == (
        f"http://testserver/api/v1/authorizationServers/{server.id}/credentials/keys/{key.kid}")
