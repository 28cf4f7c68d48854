"""Console views of client credentials other than secrets: registered public keys and used assertions.

Read-only: keys are added, activated, deactivated and deleted through the credentials API
(`clients.credentials_api`), which enforces Okta's rules and refreshes the client snapshots.
"""

from django.contrib import admin

from authservers.admin_forms import ReadOnlyAdmin

from .models import ClientJsonWebKey, UsedClientAssertion


@admin.register(ClientJsonWebKey)
class ClientJsonWebKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "client", "kty", "alg", "status", "created", "last_updated")
    list_filter = ("status", "kty")
    list_select_related = ("client",)
    search_fields = ("kid", "id", "client__client_id", "client__label")
    raw_id_fields = ("client",)
    ordering = ("client", "created")
    fields = ("id", "client", "kid", "kty", "alg", "use", "status", "public_jwk", "created", "last_updated")


@admin.register(UsedClientAssertion)
class UsedClientAssertionAdmin(ReadOnlyAdmin):
    """The replay store of client assertions without Redis: hashes of used jtis until they expire."""

    list_display = ("key", "expires")
    ordering = ("-expires",)
