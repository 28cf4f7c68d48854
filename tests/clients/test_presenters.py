"""Client apps in the shape of Okta's Apps API (`OpenIdConnectApplication`)."""

import pytest

from clients.presenters import client_to_okta
from clients.services import client_create


@pytest.mark.django_db
def test_service_app_shape():
    client, _ = client_create(label="billing-service", grant_types=["client_credentials"])
    body = client_to_okta(client)
    assert body["id"].startswith("0oa")
    assert body["name"] == "oidc_client"
    assert body["label"] == "billing-service"
    assert body["status"] == "ACTIVE"
    assert body["signOnMode"] == "OPENID_CONNECT"
    assert body["created"].endswith("Z") and body["lastUpdated"].endswith("Z")
    assert body["credentials"]["oauthClient"] == {
        "autoKeyRotation": True, "client_id": client.id, "token_endpoint_auth_method": "client_secret_basic",
        "pkce_required": False,
    }
    settings = body["settings"]["oauthClient"]
    assert settings["application_type"] == "service"
    assert settings["grant_types"] == ["client_credentials"]
    assert settings["response_types"] == ["token"]
    assert settings["redirect_uris"] == []
    assert settings["consent_method"] == "TRUSTED"
    assert settings["wildcard_redirect"] == "DISABLED"
    assert settings["issuer_mode"] == "ORG_URL"
    assert "refresh_token" not in settings
    assert body["_links"]["self"]["href"] == f"http://testserver/api/v1/apps/{client.id}"
    assert body["_links"]["deactivate"]["href"].endswith("/lifecycle/deactivate")


@pytest.mark.django_db
def test_secret_only_when_given():
    client, secret = client_create(label="billing-service", grant_types=["client_credentials"])
    assert "client_secret" not in client_to_okta(client)["credentials"]["oauthClient"]
    assert client_to_okta(client, secret)["credentials"]["oauthClient"]["client_secret"] == secret


@pytest.mark.django_db
def test_web_app_settings():
    client, _ = client_create(
        label="portal", grant_types=["authorization_code", "refresh_token"],
        redirect_uris=["https://portal.example.com/cb", "https://portal.example.com/cb2"],
        post_logout_redirect_uris=["https://portal.example.com/"], profile={"tier": "gold"})
    client.client_uri = "https://portal.example.com"
    body = client_to_okta(client)
    settings = body["settings"]["oauthClient"]
    assert settings["application_type"] == "web"
    assert settings["redirect_uris"] == ["https://portal.example.com/cb", "https://portal.example.com/cb2"]
    assert settings["post_logout_redirect_uris"] == ["https://portal.example.com/"]
    assert settings["response_types"] == ["code"]
    assert settings["refresh_token"] == {"rotation_type": "STATIC", "leeway": 30}
    assert settings["client_uri"] == "https://portal.example.com"
    assert "logo_uri" not in settings
    assert body["profile"] == {"tier": "gold"}
