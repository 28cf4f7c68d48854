"""django-oauth-toolkit's token models, swapped so each is bound to the server that issued it."""

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


class AccessToken(_IssuedByServer, AbstractAccessToken):
    """Stored only when a user grant needs it (refresh families); JWTs are verified by signature."""

    jti = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"


class RefreshToken(_IssuedByServer, AbstractRefreshToken):
    public_id = models.CharField(max_length=20, unique=True, default=new_refresh_token_id, editable=False)

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
