"""Give an existing `default` server (created before policies existed) Okta's Default Policy.

Runs once, at upgrade: a fresh installation has no `default` server yet at this point, and
`bootstrap` creates it with its Default Policy. A server whose policies an admin later removed on
purpose is never touched again, because this runs only once.
"""

from django.db import migrations

from config.ids import new_policy_id, new_rule_id


def add_default_policy(apps, schema_editor):
    AuthorizationServer = apps.get_model("authservers", "AuthorizationServer")
    AccessPolicy = apps.get_model("policies", "AccessPolicy")
    PolicyRule = apps.get_model("policies", "PolicyRule")
    server = AuthorizationServer.objects.filter(pk="default").first()
    if server is None or AccessPolicy.objects.filter(server=server).exists():
        return
    policy = AccessPolicy.objects.create(id=new_policy_id(), server=server, name="Default Policy",
                                         description="Default policy description", priority=1,
                                         clients=["ALL_CLIENTS"])
    PolicyRule.objects.create(id=new_rule_id(), policy=policy, name="Default Policy Rule", priority=1,
                              grant_types=["client_credentials"], groups_include=["EVERYONE"], scopes=["*"],
                              access_token_lifetime_minutes=60, refresh_token_lifetime_minutes=0,
                              refresh_token_window_minutes=10080)


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
        ("authservers", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_default_policy, migrations.RunPython.noop)]
