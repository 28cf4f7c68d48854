"""policies 0004: existing Default Policy Rules gain the device, password and implicit grants; other rules do not."""

import importlib

import pytest
from django.apps import apps

from policies.models import PolicyRule

pytestmark = pytest.mark.django_db
migration = importlib.import_module("policies.migrations.0004_default_rule_device_and_legacy_grants")
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def test_default_rule_gains_the_grants_and_admin_rules_do_not(authserver):
    default_rule = PolicyRule.objects.get(policy__server=authserver, name="Default Policy Rule")
    default_rule.grant_types = ["authorization_code", "client_credentials"]
    default_rule.save(update_fields=["grant_types"])
    other = PolicyRule.objects.create(policy=default_rule.policy, name="Services only", priority=2,
                                      grant_types=["client_credentials"], groups_include=["EVERYONE"], scopes=["*"])

    migration.add_grants(apps, None)
    migration.add_grants(apps, None)  # idempotent

    default_rule.refresh_from_db()
    other.refresh_from_db()
    assert default_rule.grant_types == ["authorization_code", "client_credentials", DEVICE, "password", "implicit"]
    assert other.grant_types == ["client_credentials"]

    migration.remove_grants(apps, None)
    default_rule.refresh_from_db()
    assert default_rule.grant_types == ["authorization_code", "client_credentials"]


def test_new_default_policy_rule_includes_the_grants(authserver):
    rule = PolicyRule.objects.get(policy__server=authserver, name="Default Policy Rule")
    assert {DEVICE, "password", "implicit"} <= set(rule.grant_types)
