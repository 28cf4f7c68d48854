"""Client applications: django-oauth-toolkit's Application, swapped and extended with Okta's app fields."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AbstractApplication

from config.ids import new_client_id, new_secret_id, new_trusted_origin_id, okta_id


class ApplicationType(models.TextChoices):
    WEB = "web"
    NATIVE = "native"
    BROWSER = "browser"
    SERVICE = "service"


class GrantType(models.TextChoices):
    AUTHORIZATION_CODE = "authorization_code"
    CLIENT_CREDENTIALS = "client_credentials"
    REFRESH_TOKEN = "refresh_token"
    PASSWORD = "password"
    IMPLICIT = "implicit"
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


class ResponseType(models.TextChoices):
    CODE = "code"
    TOKEN = "token"
    ID_TOKEN = "id_token"


class AuthMethod(models.TextChoices):
    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_POST = "client_secret_post"
    CLIENT_SECRET_JWT = "client_secret_jwt"
    PRIVATE_KEY_JWT = "private_key_jwt"
    NONE = "none"


SECRET_AUTH_METHODS = {AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST, AuthMethod.CLIENT_SECRET_JWT}


class ConsentMethod(models.TextChoices):
    TRUSTED = "TRUSTED"
    REQUIRED = "REQUIRED"


class RefreshTokenRotation(models.TextChoices):
    STATIC = "STATIC"
    ROTATE = "ROTATE"


DEFAULT_REFRESH_TOKEN_LEEWAY = 30
MAX_REFRESH_TOKEN_LEEWAY = 60


class ClientStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


def _grant_list():
    return [GrantType.AUTHORIZATION_CODE.value]


class Client(AbstractApplication):
    """An OIDC app. Its Okta id (`0oa…`) is also its `client_id`.

    DOT's single `authorization_grant_type` and its hashed `client_secret` are replaced: Okta apps
    hold a list of grant types, and secrets live encrypted in `ClientSecret` (there may be two).
    """

    id = models.CharField(primary_key=True, max_length=20, default=new_client_id, editable=False)
    client_id = models.CharField(max_length=255, unique=True, db_index=True)
    authorization_grant_type = None
    client_secret = None
    hash_client_secret = None

    label = models.CharField(max_length=255)
    application_type = models.CharField(max_length=16, choices=ApplicationType.choices,
                                        default=ApplicationType.WEB)
    grant_types = ArrayField(models.CharField(max_length=64, choices=GrantType.choices),
                             default=_grant_list)
    response_types = ArrayField(models.CharField(max_length=16, choices=ResponseType.choices),
                                default=list, blank=True)
    token_endpoint_auth_method = models.CharField(max_length=32, choices=AuthMethod.choices,
                                                  default=AuthMethod.CLIENT_SECRET_BASIC)
    consent_method = models.CharField(max_length=16, choices=ConsentMethod.choices,
                                      default=ConsentMethod.TRUSTED)
    pkce_required = models.BooleanField(default=True)
    # Okta `settings.oauthClient.refresh_token`: ROTATE issues a new refresh token on every use; the
    # rotated-out one keeps working for `leeway` seconds (0-60), then its use revokes the family.
    refresh_token_rotation = models.CharField(
        max_length=8, choices=RefreshTokenRotation.choices, default=RefreshTokenRotation.STATIC,
        help_text="ROTATE: a new refresh token on every use (required for public clients). STATIC: the same one.")
    refresh_token_leeway = models.PositiveSmallIntegerField(
        default=DEFAULT_REFRESH_TOKEN_LEEWAY, validators=[MaxValueValidator(MAX_REFRESH_TOKEN_LEEWAY)],
        help_text="Seconds (0-60) a rotated-out refresh token still works, for retries and concurrent requests.")
    client_uri = models.URLField(blank=True)
    logo_uri = models.URLField(blank=True)
    policy_uri = models.URLField(blank=True)
    tos_uri = models.URLField(blank=True)
    initiate_login_uri = models.URLField(blank=True)
    jwks = models.JSONField(default=dict, blank=True)
    jwks_uri = models.URLField(blank=True)
    profile = models.JSONField(default=dict, blank=True, help_text="Free-form JSON, `app.profile` in claims.")
    status = models.CharField(max_length=16, choices=ClientStatus.choices, default=ClientStatus.ACTIVE)
    assigned_users = models.ManyToManyField("accounts.User", blank=True, related_name="assigned_clients")
    assigned_groups = models.ManyToManyField("accounts.Group", blank=True, related_name="assigned_clients")
    last_updated = models.DateTimeField(auto_now=True)
    # Tokens issued at or before this moment are dead for good: set on deactivation (docs/operations.md).
    tokens_valid_after = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering = ["label"]

    def __str__(self):
        return f"{self.label} ({self.client_id})"

    def save(self, *args, **kwargs):
        if not self.client_id:
            self.client_id = self.id
        self.name = self.label
        self.client_type = (self.CLIENT_PUBLIC if self.token_endpoint_auth_method == AuthMethod.NONE
                            else self.CLIENT_CONFIDENTIAL)
        super().save(*args, **kwargs)

    def clean(self):
        # DOT's clean() validates its single grant type; Okta-style validation lives in clients.validation.
        from .validation import validate_client_settings

        validate_client_settings(self)

    def allows_grant_type(self, *grant_types):
        return bool(set(self.grant_types) & set(grant_types))

    @property
    def is_active(self):
        return self.status == ClientStatus.ACTIVE

    @property
    def uses_secret(self):
        return self.token_endpoint_auth_method in SECRET_AUTH_METHODS


class SecretStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class ClientSecret(models.Model):
    """A client secret, encrypted with the key-encryption key (client_secret_jwt needs it back)."""

    id = models.CharField(primary_key=True, max_length=20, default=new_secret_id, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="secrets")
    encrypted_secret = models.TextField(editable=False)
    secret_hash = models.CharField(max_length=64, editable=False,
                                   help_text="Base64url SHA-256 prefix, to recognise a secret without showing it.")
    status = models.CharField(max_length=16, choices=SecretStatus.choices, default=SecretStatus.ACTIVE)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return f"{self.id} ({self.status})"


class TrustedOriginScope(models.TextChoices):
    CORS = "CORS"
    REDIRECT = "REDIRECT"


class TrustedOriginStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class TrustedOrigin(models.Model):
    """An origin (scheme://host[:port]) trusted for CORS and/or redirects (REFERENCE §12.1).

    Write through `clients.services.trusted_origin_create`, which validates with
    `clients.validation.validate_trusted_origin`.
    """

    id = models.CharField(primary_key=True, max_length=20, default=new_trusted_origin_id, editable=False)
    name = models.CharField(max_length=255, unique=True)
    origin = models.CharField(max_length=255, unique=True, help_text="scheme://host[:port], http or https.")
    scopes = ArrayField(models.CharField(max_length=16, choices=TrustedOriginScope.choices))
    status = models.CharField(max_length=16, choices=TrustedOriginStatus.choices,
                              default=TrustedOriginStatus.ACTIVE)
    created = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.CharField(max_length=255, blank=True, editable=False,
                                  help_text="Id of the actor that created it (Okta's createdBy).")
    last_updated = models.DateTimeField(auto_now=True)
    last_updated_by = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.origin})"


# Client credentials: public keys for private_key_jwt, and the replay store of client assertions ----

def new_client_jwk_id() -> str:
    return okta_id("pks")


class JsonWebKeyStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class ClientJsonWebKey(models.Model):
    """A public key (RSA or EC) a client signs its `private_key_jwt` assertions with (REFERENCE §8.2).

    Write through `clients.credentials_services`, which refuses private material and keeps at most 50.
    """

    id = models.CharField(primary_key=True, max_length=20, default=new_client_jwk_id, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="json_web_keys")
    kid = models.CharField(max_length=255)
    kty = models.CharField(max_length=8)
    alg = models.CharField(max_length=16, blank=True)
    use = models.CharField(max_length=8, default="sig")
    public_jwk = models.JSONField(help_text="The public JWK as registered (kty, kid, n/e or crv/x/y).")
    status = models.CharField(max_length=16, choices=JsonWebKeyStatus.choices, default=JsonWebKeyStatus.ACTIVE)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created"]
        verbose_name = "client JSON Web Key"
        constraints = [models.UniqueConstraint(fields=["client", "kid"], name="clients_jwk_unique_kid")]

    def __str__(self):
        return f"{self.kid} ({self.status})"


class UsedClientAssertion(models.Model):
    """`jti`s of client assertions already accepted, kept until the assertion expires (RFC 7523 §3).

    The replay store without Redis: a primary-key insert is atomic across processes.
    """

    key = models.CharField(primary_key=True, max_length=64, help_text="SHA-256 of client_id and jti.")
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.key
