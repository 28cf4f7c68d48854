"""Filters of the read-only System Log view in the admin console (`LogEventAdmin`)."""

from django.contrib import admin
from django.db.models import Q

# (value, label, event-type prefixes): what an operator watching a client looks for.
CATEGORIES = (
    ("tokens", "Token grants and revocations", ("app.oauth2.as.token", "app.oauth2.token")),
    ("authorize", "Authorize and consent", ("app.oauth2.as.authorize", "app.oauth2.as.consent")),
    ("clients", "Client lifecycle and credentials", ("app.oauth2.client", "app.oauth2.credentials")),
    ("servers", "Authorization servers, scopes, claims, keys", ("oauth2.", "app.oauth2.as.key")),
    ("policies", "Access policies and rules", ("policy.",)),
    ("security", "Security (failed client credentials, rate limits)",
     ("app.oauth2.invalid_client_credentials", "system.")),
    ("users", "Users, groups and sign-in", ("user.", "group.", "application.")),
)


class EventCategoryFilter(admin.SimpleListFilter):
    title = "category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _ in CATEGORIES]

    def queryset(self, request, queryset):
        for value, _, prefixes in CATEGORIES:
            if self.value() == value:
                condition = Q()
                for prefix in prefixes:
                    condition |= Q(event_type__startswith=prefix)
                return queryset.filter(condition)
        return queryset
