from django.db import models
from django.utils import timezone


class KeyStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    NEXT = "NEXT"
    EXPIRED = "EXPIRED"


class SigningKey(models.Model):
    """One RSA signing key of a server. The private half is encrypted with the key-encryption key."""

    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="signing_keys")
    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=8, default="RS256")
    status = models.CharField(max_length=8, choices=KeyStatus.choices)
    public_jwk = models.JSONField(editable=False)
    encrypted_private_key = models.TextField(editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    activated = models.DateTimeField(null=True, blank=True)
    expired = models.DateTimeField(null=True, blank=True)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["server", "created"]
        constraints = [
            models.UniqueConstraint(fields=["server"], condition=models.Q(status="ACTIVE"),
                                    name="authservers_one_active_key_per_server"),
            models.UniqueConstraint(fields=["server"], condition=models.Q(status="NEXT"),
                                    name="authservers_one_next_key_per_server"),
        ]

    def __str__(self):
        return f"{self.kid} ({self.status})"
