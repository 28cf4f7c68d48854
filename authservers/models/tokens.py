"""django-oauth-toolkit's token models, swapped so each is bound to the server that issued it."""

import uuid

from django.conf import settings
from django.db import models
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractDeviceGrant,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)

from config.ids import new_refresh_token_id


class _IssuedByServer(models.Model):
    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="+")

    class Meta:
        abstract = True


class RefreshTokenFamily(_IssuedByServer):
    """One grant's chain of refresh tokens: what every token of it shares (RFC 9700 §4.14.2).

    Started by the grant that first issued a refresh token; rotation adds tokens, never families.
    Refreshes lock this row (SELECT … FOR UPDATE), so one family rotates one request at a time.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE,
                               related_name="refresh_token_families")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="refresh_token_families")
    scope = models.TextField(help_text="The scopes of the original grant; a refresh may ask for fewer.")
    grant_type = models.CharField(max_length=64, help_text="The original grant: refreshes are evaluated as it.")
    auth_time = models.BigIntegerField(help_text="When the user signed in (epoch seconds).")
    created = models.DateTimeField(help_text="When the first refresh token of the family was issued.")
    expires = models.DateTimeField(null=True, blank=True,
                                   help_text="The first token's issue time plus the rule's lifetime; empty: unlimited.")
    idle_window = models.PositiveIntegerField(help_text="Seconds the family may go unused before it expires.")
    last_used = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires"]), models.Index(fields=["last_used"])]

    def __str__(self):
        return f"RefreshTokenFamily {self.id}"


class AccessToken(_IssuedByServer, AbstractAccessToken):
    """Stored only when a user grant needs it (refresh families); JWTs are verified by signature."""

    jti = models.CharField(max_length=64, blank=True, db_index=True)
    # The family whose grant issued this token: revoking the family denylists it.
    family = models.ForeignKey(RefreshTokenFamily, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="access_tokens")

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"


class RefreshToken(_IssuedByServer, AbstractRefreshToken):
    """Stored hashed only: `token` stays empty, `token_checksum` holds the SHA-256 of the value."""

    public_id = models.CharField(max_length=20, unique=True, default=new_refresh_token_id, editable=False)
    family = models.ForeignKey(RefreshTokenFamily, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="tokens")
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="successor", help_text="The token this one replaced (ROTATE).")
    rotated = models.DateTimeField(null=True, blank=True, help_text="When a successor replaced it (ROTATE).")

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"


class IDToken(_IssuedByServer, AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class Grant(_IssuedByServer, AbstractGrant):
    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"


class DeviceGrant(_IssuedByServer, AbstractDeviceGrant):
    class Meta(AbstractDeviceGrant.Meta):
        swappable = "OAUTH2_PROVIDER_DEVICE_GRANT_MODEL"


class RevokedAccessToken(models.Model):
    """Denylist of revoked JWT access tokens, kept only until the token would have expired."""

    jti = models.CharField(primary_key=True, max_length=64)
    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="revoked_access_tokens")
    client_id = models.CharField(max_length=255)
    expires = models.DateTimeField(db_index=True)
    revoked = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.jti
