"""policies 0003: existing Default Policy Rules gain `authorization_code`; other rules are left alone."""

import importlib

import pytest
from django.apps import apps

from policies.models import PolicyRule

pytestmark = pytest.mark.django_db
migration = importlib.import_module("policies.migrations.0003_default_rule_authorization_code")


def test_default_rule_gains_the_grant_and_admin_rules_do_not(authserver):
    default_rule = PolicyRule.objects.get(policy__server=authserver, name="Default Policy Rule")
    default_rule.grant_types = ["client_credentials"]
    default_rule.save(update_fields=["grant_types"])
    other = PolicyRule.objects.create(policy=default_rule.policy, name="Services only", priority=2,
                                      grant_types=["client_credentials"], groups_include=["EVERYONE"], scopes=["*"])

    migration.add_grant(apps, None)
    migration.add_grant(apps, None)  # idempotent

    default_rule.refresh_from_db()
    other.refresh_from_db()
    assert default_rule.grant_types == ["authorization_code", "client_credentials"]
    assert other.grant_types == ["client_credentials"]

    migration.remove_grant(apps, None)
    default_rule.refresh_from_db()
    assert default_rule.grant_types == ["client_credentials"]


def test_new_default_policy_rule_includes_the_grant(authserver):
    rule = PolicyRule.objects.get(policy__server=authserver, name="Default Policy Rule")
    assert "authorization_code" in rule.grant_types
