"""Access policies and their rules, per authorization server (Okta's OAUTH_AUTHORIZATION_POLICY)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from config.ids import new_policy_id, new_rule_id

ALL_CLIENTS = "ALL_CLIENTS"
EVERYONE = "EVERYONE"
ANY_SCOPE = "*"


class Status(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class AccessPolicy(models.Model):
    id = models.CharField(primary_key=True, max_length=20, default=new_policy_id, editable=False)
    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="policies")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    priority = models.PositiveIntegerField(help_text="1 is evaluated first.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    system = models.BooleanField(default=False, editable=False)
    clients = ArrayField(models.CharField(max_length=255), default=list,
                         help_text='"ALL_CLIENTS", or the client ids this policy applies to.')
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["server", "priority"]
        verbose_name_plural = "access policies"
        constraints = [
            models.UniqueConstraint(fields=["server", "priority"], name="policies_policy_priority_unique",
                                    deferrable=models.Deferrable.DEFERRED),
        ]

    def __str__(self):
        return f"{self.name} (priority {self.priority})"

    @property
    def is_active(self):
        return self.status == Status.ACTIVE


class PolicyRule(models.Model):
    id = models.CharField(primary_key=True, max_length=20, default=new_rule_id, editable=False)
    policy = models.ForeignKey(AccessPolicy, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=100)
    priority = models.PositiveIntegerField(help_text="1 is evaluated first within the policy.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    system = models.BooleanField(default=False, editable=False)
    grant_types = ArrayField(models.CharField(max_length=64), default=list)
    users_include = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    users_exclude = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    groups_include = ArrayField(models.CharField(max_length=20), default=list, blank=True,
                                help_text='Group ids, or "EVERYONE".')
    groups_exclude = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    scopes = ArrayField(models.CharField(max_length=300), default=list,
                        help_text='Scope names, or "*" for any scope.')
    access_token_lifetime_minutes = models.PositiveIntegerField(default=60)
    refresh_token_lifetime_minutes = models.PositiveIntegerField(default=0, help_text="0 = unlimited.")
    refresh_token_window_minutes = models.PositiveIntegerField(default=10080)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["policy", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="policies_rule_priority_unique",
                                    deferrable=models.Deferrable.DEFERRED),
        ]

    def __str__(self):
        return f"{self.name} (priority {self.priority})"

    @property
    def is_active(self):
        return self.status == Status.ACTIVE
