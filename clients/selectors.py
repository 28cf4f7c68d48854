"""Reads of client applications, including the cached snapshot used to authenticate clients."""

from authservers import crypto
from authservers.runtime import ClientSnapshot, SnapshotCache

from .models import Client, SecretStatus


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
        refresh_token_rotation=client.refresh_token_rotation, refresh_token_leeway=client.refresh_token_leeway,
    )


_clients = SnapshotCache("client", _load_client_snapshot)


def client_snapshot(client_id: str) -> ClientSnapshot | None:
    if not client_id or len(client_id) > 255 or "\x00" in client_id:
        return None
    return _clients.get(client_id)
