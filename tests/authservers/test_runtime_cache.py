"""Per-process configuration snapshots: no query per token request, and changes arrive within a second."""

import time

import psycopg
import pytest
from django.db import connection

from authservers import changefeed, systemlog
from authservers.models import LogEvent
from authservers.selectors import server_snapshot
from clients.selectors import client_snapshot
from tests.factories import AuthorizationServerFactory
from tests.helpers import basic_auth_header, endpoint, post_form

GRANT = {"grant_type": "client_credentials", "scope": "orders:read"}


def request_token(client, registered):
    return post_form(client, endpoint("token"), GRANT,
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


def served_from_memory(lookup, timeout=2.0) -> bool:
    """True once `lookup()` runs without a query: the fixtures' own commits notify asynchronously,
    so the cache may be dropped once or twice right after they ran."""
    from django.test.utils import CaptureQueriesContext

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lookup()
        with CaptureQueriesContext(connection) as queries:
            lookup()
        if not queries.captured_queries:
            return True
        time.sleep(0.02)
    return False


def poll(condition, timeout=1.0):
    """True as soon as `condition()` is, False if it is not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _jti(token: str) -> str:
    import base64
    import json

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


@pytest.mark.django_db(transaction=True)  # the batched writer commits from its own thread
def test_warm_token_request_runs_no_sql_and_its_event_is_written_by_flush(
        client, authserver, scope, service_client, settings, django_assert_num_queries):
    settings.CASTELLAN_SYSTEM_LOG_WRITER = "batched"
    assert changefeed.feed_is_live()
    assert request_token(client, service_client).status_code == 200  # warms the snapshots
    assert served_from_memory(lambda: (server_snapshot("default"), client_snapshot(service_client.client_id)))

    with django_assert_num_queries(0):
        response = request_token(client, service_client)

    assert response.status_code == 200
    jti = _jti(response.json()["access_token"])
    systemlog.flush()
    events = LogEvent.objects.filter(event_type="app.oauth2.as.token.grant.access_token",
                                      debug_context__debugData__accessTokenJti=jti)
    assert poll(events.exists)  # written off the request path, by flush() or the writer thread
    assert events.get().actor["id"] == service_client.client_id
    assert events.get().target[0]["id"] == "default"


@pytest.mark.django_db(transaction=True)
def test_flush_writes_events_the_writer_thread_already_took(client, authserver, scope, service_client, settings):
    """flush() promises "everything queued so far" (shutdown, tests): that includes a batch in the writer's hands."""
    settings.CASTELLAN_SYSTEM_LOG_WRITER = "batched"
    response = request_token(client, service_client)
    assert response.status_code == 200
    assert poll(lambda: systemlog._queue.qsize() == 0)  # the writer thread has picked the event up

    systemlog.flush()

    assert LogEvent.objects.filter(event_type="app.oauth2.as.token.grant.access_token",
                                   debug_context__debugData__accessTokenJti=_jti(response.json()["access_token"])
                                   ).exists()


@pytest.mark.django_db
def test_warm_discovery_and_keys_run_no_sql(client, authserver, django_assert_num_queries):
    client.get(endpoint("keys"))
    client.get("/oauth2/default/.well-known/openid-configuration")
    with django_assert_num_queries(0):
        assert client.get(endpoint("keys")).status_code == 200
        assert client.get("/oauth2/default/.well-known/openid-configuration").status_code == 200


@pytest.mark.django_db
def test_signing_key_is_parsed_once_per_snapshot(client, authserver, scope, service_client, monkeypatch):
    from authservers import keys

    loads = []
    real = keys.load_private_key
    monkeypatch.setattr(keys, "load_private_key", lambda blob: loads.append(1) or real(blob))
    for _ in range(3):
        assert request_token(client, service_client).status_code == 200
    assert len(loads) == 1


@pytest.mark.django_db
def test_unknown_server_is_negative_cached_but_creating_it_shows_at_once(django_assert_num_queries):
    assert server_snapshot("ausNotYetCreated0000") is None
    with django_assert_num_queries(0):
        assert server_snapshot("ausNotYetCreated0000") is None

    AuthorizationServerFactory(server_id="ausNotYetCreated0000")

    snapshot = server_snapshot("ausNotYetCreated0000")
    assert snapshot is not None and snapshot.active


@pytest.mark.django_db
def test_unknown_client_is_negative_cached(django_assert_num_queries):
    assert client_snapshot("0oaNotThere000000000") is None
    with django_assert_num_queries(0):
        assert client_snapshot("0oaNotThere000000000") is None


@pytest.mark.django_db
def test_new_client_can_get_a_token_at_once(client, authserver, scope, make_client):
    for n in range(3):
        assert request_token(client, make_client(label=f"svc-{n}")).status_code == 200


@pytest.mark.django_db
def test_secret_rotation_reaches_the_cache(client, authserver, scope, service_client):
    from clients.models import SecretStatus

    assert request_token(client, service_client).status_code == 200
    secret = service_client.model.secrets.get()
    secret.status = SecretStatus.INACTIVE
    secret.save()
    assert request_token(client, service_client).status_code == 401


def _separate_connection() -> psycopg.Connection:
    """A connection of 'another process': not Django's, so it shares nothing with this one."""
    params = {name: value for name, value in connection.get_connection_params().items()
              if isinstance(value, str | int) and value != ""}
    return psycopg.connect(**params, autocommit=False)


@pytest.mark.django_db(transaction=True)
def test_change_committed_by_another_process_reaches_this_one_within_a_second(authserver, scope,
                                                                              django_assert_num_queries):
    assert changefeed.feed_is_live()
    assert "orders:read" in server_snapshot("default").scopes
    assert served_from_memory(lambda: server_snapshot("default"))
    with django_assert_num_queries(0):
        assert "orders:read" in server_snapshot("default").scopes  # warm: served from memory

    with _separate_connection() as other:
        other.execute("UPDATE authservers_scope SET name = 'orders:write' "
                      "WHERE server_id = 'default' AND name = 'orders:read'")
        other.execute("NOTIFY castellan_config, 'server:default'")
        other.commit()

    assert poll(lambda: "orders:write" in server_snapshot("default").scopes)
    assert "orders:read" not in server_snapshot("default").scopes


@pytest.mark.django_db(transaction=True)
def test_client_deactivated_by_another_process_is_refused_within_a_second(client, authserver, scope,
                                                                          service_client):
    assert request_token(client, service_client).status_code == 200

    with _separate_connection() as other:
        other.execute("UPDATE clients_client SET status = 'INACTIVE' WHERE client_id = %s",
                      [service_client.client_id])
        other.execute("SELECT pg_notify('castellan_config', %s)", [f"client:{service_client.client_id}"])
        other.commit()

    assert poll(lambda: request_token(client, service_client).status_code == 401)


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_is_never_announced(authserver, scope):
    assert changefeed.feed_is_live()
    server_snapshot("default")
    with _separate_connection() as other:
        other.execute("NOTIFY castellan_config, 'server:default'")
        other.rollback()
    time.sleep(0.05)
    assert "orders:read" in server_snapshot("default").scopes


@pytest.mark.django_db
def test_change_arriving_while_a_snapshot_loads_is_not_lost(authserver, scope, monkeypatch):
    """A change notified between a cache miss's read and its store must not leave the old snapshot cached.

    (Two threads of one process: one loads `default` after a miss; meanwhile another commits a scope
    change and the feed delivers it, before the first stores what it read.)
    """
    from authservers.models import Scope
    from authservers.selectors import _servers

    real_loader = _servers._loader

    def loader_racing_a_change(key):
        snapshot = real_loader(key)  # reads orders:read
        Scope.objects.filter(server_id="default", name="orders:read").update(name="orders:write")
        changefeed._deliver("server", "default")  # the change's notification arrives now
        return snapshot

    monkeypatch.setattr(_servers, "_loader", loader_racing_a_change)
    server_snapshot("default")
    monkeypatch.setattr(_servers, "_loader", real_loader)

    assert "orders:write" in server_snapshot("default").scopes


@pytest.mark.django_db(transaction=True)
def test_batched_events_of_a_rolled_back_transaction_are_not_written(settings):
    from django.db import transaction

    settings.CASTELLAN_SYSTEM_LOG_WRITER = "batched"
    with pytest.raises(RuntimeError), transaction.atomic():
        systemlog.emit("test.rolled_back", actor=systemlog.system_actor())
        raise RuntimeError("roll back")
    with transaction.atomic():
        systemlog.emit("test.committed", actor=systemlog.system_actor())
    systemlog.flush()

    assert LogEvent.objects.filter(event_type="test.committed").exists()
    assert not LogEvent.objects.filter(event_type="test.rolled_back").exists()
