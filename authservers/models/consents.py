from django.conf import settings
from django.db import models
from django.utils import timezone

from config.ids import okta_id


def new_consent_grant_id() -> str:
    return okta_id("oag")


class ConsentStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    # Castellan: the user left this optional scope unchecked; not asked again until prompt=consent
    # or a revocation (REFERENCE §12.2). Okta's API shows only ACTIVE and REVOKED grants.
    DECLINED = "DECLINED"


class ConsentSource(models.TextChoices):
    END_USER = "END_USER"
    ADMIN = "ADMIN"


class ConsentGrant(models.Model):
    """A user's consent to one scope for one client on one authorization server (Okta's `oag…` grant).

    At most one current (ACTIVE or DECLINED) row per user x client x scope; a revoked row stays as
    history and a later consent creates a new grant, as Okta does.
    """

    id = models.CharField(primary_key=True, max_length=20, default=new_consent_grant_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_grants")
    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE,
                               related_name="consent_grants")
    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="consent_grants")
    scope = models.ForeignKey("authservers.Scope", on_delete=models.CASCADE, related_name="consent_grants")
    status = models.CharField(max_length=16, choices=ConsentStatus.choices, default=ConsentStatus.ACTIVE)
    source = models.CharField(max_length=16, choices=ConsentSource.choices, default=ConsentSource.END_USER)
    issuer = models.CharField(max_length=1024, help_text="The authorization server's issuer when granted.")
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client", "scope"],
                                    condition=~models.Q(status=ConsentStatus.REVOKED),
                                    name="authservers_consent_grant_current_unique"),
        ]
        indexes = [models.Index(fields=["user", "client", "server"], name="authservers_consent_lookup")]

    def __str__(self):
        return f"{self.id} ({self.status})"
