import uuid

from django.db import models
from django.utils import timezone


class LogEvent(models.Model):
    """A System Log event with Okta's `LogEvent` fields (written off the request path)."""

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    published = models.DateTimeField(default=timezone.now, db_index=True)
    event_type = models.CharField(max_length=128, db_index=True)
    version = models.CharField(max_length=8, default="0")
    severity = models.CharField(max_length=8, default="INFO")
    display_message = models.CharField(max_length=512, blank=True)
    actor = models.JSONField(default=dict)
    client = models.JSONField(default=dict)
    target = models.JSONField(default=list)
    outcome_result = models.CharField(max_length=16, default="SUCCESS")
    outcome_reason = models.CharField(max_length=255, blank=True)
    authentication_context = models.JSONField(default=dict)
    security_context = models.JSONField(default=dict)
    debug_context = models.JSONField(default=dict)
    transaction = models.JSONField(default=dict)
    request = models.JSONField(default=dict)

    class Meta:
        ordering = ["-published"]
        verbose_name = "System Log event"
        indexes = [models.Index(fields=["event_type", "published"])]

    def __str__(self):
        return f"{self.published:%Y-%m-%d %H:%M:%S} {self.event_type}"
