"""Device authorizations (RFC 8628): a device's pending request, until a user confirms it at /activate."""

from django.db import models
from django.utils import timezone


class DeviceAuthorizationStatus(models.TextChoices):
    PENDING = "PENDING"  # waiting for a user at /activate
    APPROVED = "APPROVED"  # a user confirmed; the next poll gets the tokens
    DENIED = "DENIED"  # the user refused, or the policy or app assignment refused the user
    REDEEMED = "REDEEMED"  # the tokens were issued; the device code is spent


class DeviceAuthorization(models.Model):
    """One device authorization request. The device code is kept only as its SHA-256 (hex), as a
    password would be; the user code is short-lived, single use and typed by people, so it is kept
    as typed (normalized) to be found, and unique so that a typed code names one request."""

    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    device_code_hash = models.CharField(max_length=64, unique=True, editable=False)
    user_code = models.CharField(max_length=16, unique=True, editable=False)
    scope = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=DeviceAuthorizationStatus.choices,
                              default=DeviceAuthorizationStatus.PENDING)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             help_text="The user who confirmed (or refused) at /activate.")
    decision = models.JSONField(default=dict, blank=True,
                                help_text="The policy decision made with the confirming user.")
    interval = models.PositiveSmallIntegerField(default=5, help_text="Seconds the device must wait between polls.")
    last_polled = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(db_index=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    confirmed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"Device authorization {self.pk} ({self.status})"  # never the codes: the console shows this

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires
