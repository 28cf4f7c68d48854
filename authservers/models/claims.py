from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from config.ids import new_claim_id


class ClaimStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class ClaimType(models.TextChoices):
    RESOURCE = "RESOURCE", "Access Token"
    IDENTITY = "IDENTITY", "ID Token"


class ClaimValueType(models.TextChoices):
    EXPRESSION = "EXPRESSION", "Expression"
    GROUPS = "GROUPS", "Groups"
    SYSTEM = "SYSTEM", "System"


class GroupFilterType(models.TextChoices):
    STARTS_WITH = "STARTS_WITH", "Starts with"
    EQUALS = "EQUALS", "Equals"
    CONTAINS = "CONTAINS", "Contains"
    REGEX = "REGEX", "Matches regex"


class Claim(models.Model):
    """A claim of one server (Okta's OAuth2Claim). System claims are seeded and cannot be deleted.

    Write through `authservers.claims_services` (`claim_create`, `claim_update`, `claim_delete`),
    which validate the name and value (see `authservers.claims`).
    """

    id = models.CharField(primary_key=True, max_length=20, default=new_claim_id, editable=False)
    server = models.ForeignKey("authservers.AuthorizationServer", on_delete=models.CASCADE,
                               related_name="claims")
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE)
    claim_type = models.CharField("include in token type", max_length=16, choices=ClaimType.choices)
    value_type = models.CharField(max_length=16, choices=ClaimValueType.choices,
                                  default=ClaimValueType.EXPRESSION)
    value = models.CharField(max_length=2000, blank=True)
    group_filter_type = models.CharField(max_length=16, choices=GroupFilterType.choices, null=True, blank=True)
    always_include_in_token = models.BooleanField(default=True)
    conditions_scopes = ArrayField(models.CharField(max_length=300), default=list, blank=True,
                                   help_text="Scope names; empty means any scope.")
    system = models.BooleanField(default=False, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["server", "claim_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["server", "name", "claim_type"], name="authservers_claim_name_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == ClaimStatus.ACTIVE
