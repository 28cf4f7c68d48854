"""Add the device grant and the legacy password and implicit grants to existing Default Policy Rules.

Issue 3's rule: when a later issue adds a grant, a data migration adds it to existing Default
Policy Rules (only rules still named "Default Policy Rule" in a policy named "Default Policy").
The legacy grants stay off where it matters: a client must enable them (docs/legacy-grants.md).
"""

from django.db import migrations

GRANTS = ("urn:ietf:params:oauth:grant-type:device_code", "password", "implicit")


def _default_rules(apps):
    PolicyRule = apps.get_model("policies", "PolicyRule")
    return PolicyRule.objects.filter(name="Default Policy Rule", policy__name="Default Policy")


def add_grants(apps, schema_editor):
    for rule in _default_rules(apps):
        missing = [grant for grant in GRANTS if grant not in rule.grant_types]
        if missing:
            rule.grant_types = [*rule.grant_types, *missing]
            rule.save(update_fields=["grant_types"])


def remove_grants(apps, schema_editor):
    for rule in _default_rules(apps):
        kept = [grant for grant in rule.grant_types if grant not in GRANTS]
        if kept != rule.grant_types:
            rule.grant_types = kept
            rule.save(update_fields=["grant_types"])


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0003_default_rule_authorization_code"),
    ]

    operations = [migrations.RunPython(add_grants, remove_grants)]
