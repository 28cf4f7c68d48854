from django.db import models
from django.utils import timezone


class KeyStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    NEXT = "NEXT"
    EXPIRED = "EXPIRED"


class SigningAlg(models.TextChoices):
    """JWS algorithms a server's keys sign with (RFC 7518 §3). Each is a key *family* of the server."""

    RS256 = "RS256", "RS256"  # RSASSA-PKCS1-v1_5 with SHA-256: ID tokens always, access tokens by default
    PS256 = "PS256", "PS256"  # RSASSA-PSS with SHA-256 (RSA-2048 keys)
    ES256 = "ES256", "ES256"  # ECDSA with P-256 and SHA-256


class SigningKey(models.Model):
    """One signing key of a server (RSA for RS256/PS256, EC P-256 for ES256). The private half is
    encrypted with the key-encryption key. Keys of one `alg` form a family with its own lifecycle:
    at most one ACTIVE and one NEXT key per server and alg."""

    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="signing_keys")
    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=8, choices=SigningAlg.choices, default=SigningAlg.RS256)
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
            models.UniqueConstraint(fields=["server", "alg"], condition=models.Q(status="ACTIVE"),
                                    name="authservers_one_active_key_per_server_alg"),
            models.UniqueConstraint(fields=["server", "alg"], condition=models.Q(status="NEXT"),
                                    name="authservers_one_next_key_per_server_alg"),
        ]

    def __str__(self):
        return f"{self.kid} ({self.status})"
