"""The upgrade path: a `default` server made before policies existed gets the Default Policy once."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from authservers.models import AuthorizationServer
from authservers.services import authserver_create
from policies.models import AccessPolicy

MIGRATION = ("policies", "0002_default_policy_for_existing_default_server")


def _run_data_migration():
    executor = MigrationExecutor(connection)
    migration = executor.loader.get_migration(*MIGRATION)
    state = executor.loader.project_state(MIGRATION)
    migration.operations[0].code(state.apps, connection.schema_editor())


@pytest.mark.django_db
def test_existing_default_server_without_policy_gets_the_default_policy():
    authserver_create(name="default", audiences=["api://default"], server_id="default")
    assert not AccessPolicy.objects.exists()

    _run_data_migration()

    policy = AccessPolicy.objects.get(server_id="default")
    assert policy.name == "Default Policy" and policy.clients == ["ALL_CLIENTS"]
    rule = policy.rules.get()
    assert (rule.grant_types, rule.scopes, rule.groups_include) == (["client_credentials"], ["*"], ["EVERYONE"])
    assert rule.access_token_lifetime_minutes == 60


@pytest.mark.django_db
def test_default_server_with_policies_and_other_servers_are_left_alone():
    authserver_create(name="default", audiences=["api://default"], server_id="default", default_policy=True)
    other = authserver_create(name="Orders", audiences=["api://orders"])

    _run_data_migration()

    assert AccessPolicy.objects.filter(server_id="default").count() == 1
    assert not AccessPolicy.objects.filter(server=other).exists()
    assert AuthorizationServer.objects.count() == 2
