"""Fixtures shared by the whole suite: servers, scopes, clients, and cache hygiene between tests."""

import base64
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest

from authservers import changefeed
from authservers.models import AuthorizationServer
from authservers.services import bootstrap
from clients.models import Client

from .factories import AuthorizationServerFactory, ClientFactory, ScopeFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and at the end no connection of ours left open on it (else DROP DATABASE fails).

    The change-feed listener and the System Log writer are threads with their own connections.
    """
    yield
    stop = getattr(changefeed, "stop", None)
    if stop is not None:
        stop()
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def clear_snapshot_caches() -> None:
    from authservers.selectors import _servers
    from clients.selectors import _clients

    _servers.clear()
    _clients.clear()


@pytest.fixture(autouse=True)
def _fresh_snapshot_caches():
    """Test transactions roll back without a NOTIFY, so per-process snapshots would outlive their rows."""
    clear_snapshot_caches()
    yield
    clear_snapshot_caches()


@dataclass(frozen=True)
class RegisteredClient:
    model: Client
    client_id: str
    secret: str


def _registered(client: Client) -> RegisteredClient:
    return RegisteredClient(model=client, client_id=client.client_id, secret=client.plaintext_secret)


def basic_auth_header(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: Basic base64(urlencode(id) ":" urlencode(secret))."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


@pytest.fixture
def basic_auth():
    return basic_auth_header


@pytest.fixture
def authserver(db) -> AuthorizationServer:
    """The `default` server, as `bootstrap` makes it."""
    bootstrap()
    return AuthorizationServer.objects.get(pk="default")


@pytest.fixture
def other_authserver(db) -> AuthorizationServer:
    return AuthorizationServerFactory(name="Orders API", audiences=["api://orders"])


@pytest.fixture
def scope(authserver):
    """A custom scope `orders:read` on the default server (implicit consent, not published)."""
    return ScopeFactory(server=authserver, name="orders:read")


@pytest.fixture
def service_client(db) -> RegisteredClient:
    """A service app: client_credentials with client_secret_basic."""
    return _registered(ClientFactory(label="billing-service"))


@pytest.fixture
def post_client(db) -> RegisteredClient:
    """A service app that authenticates with client_secret_post."""
    return _registered(ClientFactory(label="reporting-service", token_endpoint_auth_method="client_secret_post"))


@pytest.fixture
def make_client(db):
    """Make another registered client; keyword arguments go to `client_create`."""
    def make(**kwargs) -> RegisteredClient:
        return _registered(ClientFactory(**kwargs))
    return make


FORM = "application/x-www-form-urlencoded"


def token_url(server_id: str = "default") -> str:
    return f"/oauth2/{server_id}/v1/token"


def post_form(client, url: str, data=(), **extra):
    """POST `data` (a dict or a list of pairs, so names may repeat) form-encoded, as OAuth clients do."""
    return client.post(url, urlencode(data, doseq=False), content_type=FORM, **extra)


@pytest.fixture
def issue_token(client):
    """POST a client_credentials request with Basic auth; returns the access token (asserts 200)."""
    def issue(registered: RegisteredClient, scope: str | None = "orders:read", server_id: str = "default") -> str:
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        response = post_form(client, token_url(server_id), data,
                             HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
        assert response.status_code == 200, response.content
        return response.json()["access_token"]
    return issue
