"""Fixtures for the user-facing flows: a signed-in user and apps that use the authorization code."""

import pytest

from accounts.services import everyone_group, user_create

REDIRECT_URI = "https://app.example.com/callback"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def ada(db):
    return user_create(login="ada@example.com", email="ada@example.com", password=PASSWORD,
                       first_name="Ada", last_name="Lovelace")


@pytest.fixture
def web_app(make_client):
    """A confidential web app (client_secret_basic, PKCE optional), assigned to Everyone."""
    registered = make_client(label="portal", grant_types=["authorization_code"], application_type="web",
                             redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    return registered


@pytest.fixture
def spa_app(make_client):
    """A public browser app (auth method none, PKCE required), assigned to Everyone."""
    registered = make_client(label="spa", grant_types=["authorization_code"], application_type="browser",
                             token_endpoint_auth_method="none", redirect_uris=[REDIRECT_URI])
    registered.model.assigned_groups.add(everyone_group())
    return registered


@pytest.fixture
def signed_in(client, ada):
    client.force_login(ada)
    return client
