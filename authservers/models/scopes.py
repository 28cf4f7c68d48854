from django.db import models
from django.utils import timezone

from config.ids import new_scope_id


class ConsentType(models.TextChoices):
    IMPLICIT = "IMPLICIT"
    REQUIRED = "REQUIRED"
    FLEXIBLE = "FLEXIBLE"


class MetadataPublish(models.TextChoices):
    ALL_CLIENTS = "ALL_CLIENTS"
    NO_CLIENTS = "NO_CLIENTS"


class Scope(models.Model):
    """A scope of one server, with Okta's fields. System scopes are seeded and cannot be deleted."""

    id = models.CharField(primary_key=True, max_length=20, default=new_scope_id, editable=False)
    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="scopes")
    name = models.CharField(max_length=300)
    display_name = models.CharField(max_length=255, blank=True, help_text="Phrase shown on the consent page.")
    description = models.CharField(max_length=1024, blank=True)
    consent = models.CharField(max_length=16, choices=ConsentType.choices, default=ConsentType.IMPLICIT)
    optional = models.BooleanField(default=False)
    default = models.BooleanField(default=False, help_text="Granted when a request names no scope.")
    metadata_publish = models.CharField(max_length=16, choices=MetadataPublish.choices,
                                        default=MetadataPublish.NO_CLIENTS)
    system = models.BooleanField(default=False, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["server", "name"]
        constraints = [
            models.UniqueConstraint(fields=["server", "name"], name="authservers_scope_name_unique"),
        ]

    def __str__(self):
        return self.name
