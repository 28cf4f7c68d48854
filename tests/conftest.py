"""Fixtures shared by the whole suite: servers, scopes, clients, and cache hygiene between tests."""

from dataclasses import dataclass

import pytest

from accounts.services import user_create
from authservers import changefeed
from authservers.models import AuthorizationServer
from authservers.services import bootstrap
from clients.models import Client

from .factories import AuthorizationServerFactory, ClientFactory, ScopeFactory
from .helpers import basic_auth_header, endpoint, post_form


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and at the end no connection of ours left open on it (else DROP DATABASE fails).

    The change-feed listener and the System Log writer are threads with their own connections.
    """
    yield
    changefeed.stop()
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


_KEY_POOL: list = []


@pytest.fixture(autouse=True)
def _pooled_rsa_keys(monkeypatch):
    """RSA-2048 generation costs ~0.1 s and every server makes two keys: reuse real generated keys.

    Within one test every key is distinct (the pool grows when a test needs more), so kids stay
    unique as the schema requires; across tests, rows roll back and the same keys are dealt again.
    """
    from authservers import keys

    generate = keys.generate_rsa_key
    dealt = iter(range(1_000_000))

    def pooled(alg: str = "RS256"):
        index = next(dealt)
        while len(_KEY_POOL) <= index:
            _KEY_POOL.append(generate())
        key = _KEY_POOL[index]
        return key if alg == "RS256" else generate(alg)

    monkeypatch.setattr(keys, "generate_rsa_key", pooled)


def clear_snapshot_caches() -> None:
    from authservers.selectors import _servers
    from clients.selectors import _clients, _cors_origins

    _servers.clear()
    _clients.clear()
    _cors_origins.clear()


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


@pytest.fixture
def basic_auth():
    return basic_auth_header


@pytest.fixture
def console(client, db):
    """The test client, logged in to the admin console as a superuser (root@example.com)."""
    admin = user_create(login="root@example.com", email="root@example.com", password="pw-for-tests",
                        is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


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


@pytest.fixture
def issue_token(client):
    """POST a client_credentials request with Basic auth; returns the access token (asserts 200)."""
    def issue(registered: RegisteredClient, scope: str | None = "orders:read", server_id: str = "default") -> str:
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        response = post_form(client, endpoint("token", server_id), data,
                             HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
        assert response.status_code == 200, response.content
        return response.json()["access_token"]
    return issue
