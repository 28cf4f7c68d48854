"""Publish configuration changes to every process's caches (see changefeed), whoever made them."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clients.models import Client, ClientSecret, TrustedOrigin

from . import changefeed
from .models import AuthorizationServer, Claim, Org, Scope, SigningKey


@receiver([post_save, post_delete], sender=AuthorizationServer, dispatch_uid="authservers.server_changed")
def server_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changefeed.publish("server", instance.pk)


@receiver([post_save, post_delete], sender=SigningKey, dispatch_uid="authservers.key_changed")
@receiver([post_save, post_delete], sender=Scope, dispatch_uid="authservers.scope_changed")
@receiver([post_save, post_delete], sender=Claim, dispatch_uid="authservers.claim_changed")
def server_part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changefeed.publish("server", instance.server_id)


@receiver([post_save, post_delete], sender=Org, dispatch_uid="authservers.org_changed")
def org_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changefeed.publish("server", "*")  # `org` is in every server's claim context


@receiver([post_save, post_delete], sender=Client, dispatch_uid="authservers.client_changed")
def client_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changefeed.publish("client", instance.client_id)


@receiver([post_save, post_delete], sender=ClientSecret, dispatch_uid="authservers.client_secret_changed")
def client_secret_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        client_id = Client.objects.filter(pk=instance.client_id).values_list("client_id", flat=True).first()
        changefeed.publish("client", client_id or "*")


@receiver([post_save, post_delete], sender=TrustedOrigin, dispatch_uid="authservers.trusted_origin_changed")
def trusted_origin_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changefeed.publish("trusted_origin", instance.pk)  # the CORS origin set (clients.selectors)


@receiver([post_save, post_delete], sender="policies.AccessPolicy", dispatch_uid="authservers.policy_changed")
def policy_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changefeed.publish("server", instance.server_id)


@receiver([post_save, post_delete], sender="policies.PolicyRule", dispatch_uid="authservers.rule_changed")
def rule_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        from policies.models import AccessPolicy

        server_id = AccessPolicy.objects.filter(pk=instance.policy_id).values_list("server_id", flat=True).first()
        changefeed.publish("server", server_id or "*")
