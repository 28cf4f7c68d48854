from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from config.ids import new_server_id

from .keys import SigningAlg


class IssuerMode(models.TextChoices):
    ORG_URL = "ORG_URL"
    CUSTOM_URL = "CUSTOM_URL"
    DYNAMIC = "DYNAMIC"


class ServerStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class RotationMode(models.TextChoices):
    AUTO = "AUTO"
    MANUAL = "MANUAL"


DEFAULT_SERVER_ID = "default"

ACCESS_TOKEN_ALG_CAVEAT = ("Okta's JWT verifier libraries accept only RS256: choose PS256 or ES256 only if every "
                           "resource server verifies them. ID tokens stay RS256.")


# Castellan-only cap on the signed JWTs a server issues (Okta documents none, REFERENCE §6.4).
DEFAULT_TOKEN_SIZE_LIMIT = 8192  # bytes: what common proxies and servers accept in one header line
MIN_TOKEN_SIZE_LIMIT = 1024
MAX_TOKEN_SIZE_LIMIT = 16 * 1024  # the longest token the endpoints accept back (oauth.access_tokens)
TOKEN_SIZE_LIMIT_HELP = ("Largest access or ID token this server issues, in bytes of the signed JWT "
                         f"({MIN_TOKEN_SIZE_LIMIT}–{MAX_TOKEN_SIZE_LIMIT}). A token that custom claims push past "
                         "it is refused with server_error naming the claim that overflowed; Token Preview "
                         "shows each token's size against it.")


class AuthorizationServer(models.Model):
    """A custom authorization server: its own issuer, audience, keys, scopes and policies."""

    id = models.CharField(primary_key=True, max_length=20, default=new_server_id, editable=False)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=1024, blank=True)
    audiences = ArrayField(models.CharField(max_length=1024), size=1,
                           help_text="Becomes the access token's `aud`; Okta supports one value.")
    issuer_mode = models.CharField(max_length=16, choices=IssuerMode.choices, default=IssuerMode.ORG_URL)
    custom_url = models.URLField(blank=True, help_text="Base URL of the issuer in CUSTOM_URL mode.")
    status = models.CharField(max_length=16, choices=ServerStatus.choices, default=ServerStatus.ACTIVE)
    rotation_mode = models.CharField(max_length=8, choices=RotationMode.choices, default=RotationMode.AUTO)
    last_rotated = models.DateTimeField(null=True, blank=True)
    # Castellan-only (Okta signs everything RS256). Change it with services.authserver_set_access_token_alg,
    # which keeps the key families in step; see docs/keys.md.
    access_token_signing_alg = models.CharField(
        "access-token signing algorithm", max_length=8, choices=SigningAlg.choices, default=SigningAlg.RS256,
        help_text=ACCESS_TOKEN_ALG_CAVEAT)
    token_size_limit = models.PositiveIntegerField(
        "token size limit (bytes)", default=DEFAULT_TOKEN_SIZE_LIMIT, help_text=TOKEN_SIZE_LIMIT_HELP,
        validators=[MinValueValidator(MIN_TOKEN_SIZE_LIMIT), MaxValueValidator(MAX_TOKEN_SIZE_LIMIT)])
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return f"{self.name} ({self.id})"

    @property
    def is_active(self):
        return self.status == ServerStatus.ACTIVE

    @property
    def is_default(self):
        return self.id == DEFAULT_SERVER_ID
