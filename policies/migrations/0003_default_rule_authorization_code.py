"""Add `authorization_code` to existing Default Policy Rules, now that Castellan supports the grant.

Issue 3's rule: when a later issue adds a grant, a data migration adds it to existing Default
Policy Rules. Only rules still named "Default Policy Rule" in a policy named "Default Policy" are
touched; rules an admin wrote are left as they are.
"""

from django.db import migrations

GRANT = "authorization_code"


def add_grant(apps, schema_editor):
    PolicyRule = apps.get_model("policies", "PolicyRule")
    for rule in PolicyRule.objects.filter(name="Default Policy Rule", policy__name="Default Policy"):
        if GRANT not in rule.grant_types:
            rule.grant_types = [GRANT, *rule.grant_types]
            rule.save(update_fields=["grant_types"])


def remove_grant(apps, schema_editor):
    PolicyRule = apps.get_model("policies", "PolicyRule")
    for rule in PolicyRule.objects.filter(name="Default Policy Rule", policy__name="Default Policy"):
        if GRANT in rule.grant_types:
            rule.grant_types = [grant for grant in rule.grant_types if grant != GRANT]
            rule.save(update_fields=["grant_types"])


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0002_default_policy_for_existing_default_server"),
    ]

    operations = [migrations.RunPython(add_grant, remove_grant)]
