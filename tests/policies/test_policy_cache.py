"""A server's compiled policies are cached per process, and a change in any process reaches it within a second."""

import pytest

from authservers import changefeed
from authservers.selectors import server_snapshot
from clients.selectors import client_snapshot
from policies.evaluation import POLICY_EVALUATION_FAILED
from policies.services import rule_create, rule_update
from tests.authservers.test_runtime_cache import _separate_connection, poll, served_from_memory
from tests.helpers import basic_auth_header, endpoint, post_form

GRANT = {"grant_type": "client_credentials", "scope": "orders:read"}
DEFAULT_RULES = ("SELECT r.id FROM policies_policyrule r JOIN policies_accesspolicy p ON p.id = r.policy_id "
                 "WHERE p.server_id = 'default'")


def request_token(client, registered):
    return post_form(client, endpoint("token"), GRANT,
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


def expires_in(client, registered):
    response = request_token(client, registered)
    return response.json().get("expires_in") if response.status_code == 200 else response.status_code


def commit_elsewhere(*statements):
    """Run `statements` and NOTIFY from another connection (as another process would), then commit."""
    with _separate_connection() as other:
        for statement in statements:
            other.execute(statement)
        other.execute("NOTIFY castellan_config, 'server:default'")
        other.commit()


@pytest.mark.django_db(transaction=True)
def test_rule_lifetime_changed_by_another_process_applies_within_a_second(client, authserver, scope,
                                                                          service_client):
    assert changefeed.feed_is_live()
    assert expires_in(client, service_client) == 3600
    assert served_from_memory(lambda: server_snapshot("default"))

    commit_elsewhere(f"UPDATE policies_policyrule SET access_token_lifetime_minutes = 15 WHERE id IN ({DEFAULT_RULES})")

    assert poll(lambda: expires_in(client, service_client) == 900, timeout=1.0)


@pytest.mark.django_db(transaction=True)
def test_policy_deactivated_by_another_process_denies_within_a_second(client, authserver, scope, service_client):
    assert changefeed.feed_is_live()
    assert request_token(client, service_client).status_code == 200
    assert served_from_memory(lambda: server_snapshot("default"))

    commit_elsewhere("UPDATE policies_accesspolicy SET status = 'INACTIVE' WHERE server_id = 'default'")

    assert poll(lambda: request_token(client, service_client).status_code == 401, timeout=1.0)
    response = request_token(client, service_client)
    assert response.json() == {"error": "access_denied", "error_description": POLICY_EVALUATION_FAILED}


@pytest.mark.django_db(transaction=True)
def test_rule_reactivated_by_another_process_grants_again_within_a_second(client, authserver, scope, service_client):
    commit_elsewhere(f"UPDATE policies_policyrule SET status = 'INACTIVE' WHERE id IN ({DEFAULT_RULES})")
    assert poll(lambda: request_token(client, service_client).status_code == 401, timeout=1.0)
    assert served_from_memory(lambda: server_snapshot("default"))

    commit_elsewhere(f"UPDATE policies_policyrule SET status = 'ACTIVE' WHERE id IN ({DEFAULT_RULES})")

    assert poll(lambda: expires_in(client, service_client) == 3600, timeout=1.0)


@pytest.mark.django_db(transaction=True)
def test_rule_changed_through_the_services_reaches_the_cache_at_once(client, authserver, scope, service_client):
    """The writing process itself never serves a stale decision (its own change is delivered at once)."""
    rule = authserver.policies.get().rules.get()
    assert expires_in(client, service_client) == 3600
    rule_update(rule=rule, access_token_lifetime_minutes=15)
    assert expires_in(client, service_client) == 900
    rule_create(policy=rule.policy, name="Faster", grant_types=["client_credentials"], priority=1,
                access_token_lifetime_minutes=5)
    assert expires_in(client, service_client) == 300


@pytest.mark.django_db(transaction=True)
def test_warm_decision_runs_no_sql(client, authserver, scope, service_client, django_assert_num_queries):
    for n in range(20):  # a server with many rules, the matching one last
        rule_create(policy=authserver.policies.get(), name=f"Not this {n}", grant_types=["authorization_code"],
                    priority=1)
    assert request_token(client, service_client).status_code == 200
    assert served_from_memory(lambda: (server_snapshot("default"), client_snapshot(service_client.client_id)))

    with django_assert_num_queries(0):
        response = request_token(client, service_client)
    assert response.status_code == 200
