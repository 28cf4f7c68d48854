"""Reads of client applications: the cached snapshots used to authenticate clients and to answer CORS."""

from dataclasses import dataclass

from authservers import crypto
from authservers.runtime import ClientSnapshot, SnapshotCache

from .models import Client, ClientStatus, SecretStatus, TrustedOrigin, TrustedOriginScope, TrustedOriginStatus


def _load_client_snapshot(client_id: str) -> ClientSnapshot | None:
    client = Client.objects.filter(client_id=client_id).prefetch_related("secrets").first()
    if client is None:
        return None
    return ClientSnapshot(
        id=client.id, client_id=client.client_id, label=client.label, active=client.is_active,
        application_type=client.application_type, grant_types=tuple(client.grant_types),
        response_types=tuple(client.response_types), auth_method=client.token_endpoint_auth_method,
        secrets=tuple(crypto.decrypt(secret.encrypted_secret).encode()
                      for secret in client.secrets.all() if secret.status == SecretStatus.ACTIVE),
        pkce_required=client.pkce_required, redirect_uris=tuple(client.redirect_uris.split()),
        consent_method=client.consent_method,
        profile=client.profile if isinstance(client.profile, dict) else {},
    )


_clients = SnapshotCache("client", _load_client_snapshot)


def client_snapshot(client_id: str) -> ClientSnapshot | None:
    if not client_id or len(client_id) > 255 or "\x00" in client_id:
        return None
    return _clients.get(client_id)


@dataclass(frozen=True)
class CorsOrigins:
    """The origins browser apps may call the OAuth endpoints from (REFERENCE §2.4, §12.1)."""

    trusted: frozenset[str]  # ACTIVE trusted origins with the CORS scope
    by_client: dict[str, frozenset[str]]  # client_id of each ACTIVE client -> origins of its redirect URIs
    allowed: frozenset[str]  # the union: what gets Access-Control-Allow-Origin

    def for_client(self, client_id: str) -> frozenset[str] | None:
        """Origins a browser may send this client's token requests from; None for no active client."""
        own = self.by_client.get(client_id)
        return None if own is None else self.trusted | own


def _load_cors_origins(_key: str) -> CorsOrigins:
    from authservers.cors import origin_of

    trusted = frozenset(
        origin for origin in (origin_of(value) for value in TrustedOrigin.objects.filter(
            status=TrustedOriginStatus.ACTIVE, scopes__contains=[TrustedOriginScope.CORS]).values_list(
            "origin", flat=True))
        if origin is not None)
    by_client = {}
    for client_id, redirect_uris in Client.objects.filter(status=ClientStatus.ACTIVE).values_list(
            "client_id", "redirect_uris"):
        by_client[client_id] = frozenset(
            origin for origin in (origin_of(uri) for uri in redirect_uris.split()) if origin is not None)
    return CorsOrigins(trusted=trusted, by_client=by_client,
                       allowed=trusted.union(*by_client.values()))


class _CorsOriginsCache(SnapshotCache):
    """One snapshot for the whole org, rebuilt after any change to a client or a trusted origin."""

    def _on_change(self, kind: str, key: str) -> None:
        if kind in ("*", "client", "trusted_origin") or key == "*":
            self.clear()


_cors_origins = _CorsOriginsCache("cors_origins", _load_cors_origins)


def cors_origins() -> CorsOrigins:
    return _cors_origins.get("org")
