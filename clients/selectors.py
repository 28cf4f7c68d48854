"""Reads of client applications, including the cached snapshot used to authenticate clients."""

from authservers import crypto
from authservers.runtime import ClientSnapshot, SnapshotCache

from .models import Client, JsonWebKeyStatus, SecretStatus


def _load_client_snapshot(client_id: str) -> ClientSnapshot | None:
    client = Client.objects.filter(client_id=client_id).prefetch_related("secrets", "json_web_keys").first()
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
        jwks=_verification_keys(client), jwks_uri=client.jwks_uri or "",
        tokens_valid_after=int(client.tokens_valid_after.timestamp()) if client.tokens_valid_after else 0,
    )


def _verification_keys(client: Client) -> dict:
    """kid -> parsed public key of the client's ACTIVE JSON Web Keys (and of an inline `jwks` document)."""
    from .credentials_keys import parse_jwks_document

    keys = parse_jwks_document(client.jwks) if client.jwks else {}
    for row in client.json_web_keys.all():
        if row.status == JsonWebKeyStatus.ACTIVE:
            keys.update(parse_jwks_document({"keys": [row.public_jwk]}))
        else:
            keys.pop(row.kid, None)
    return keys


_clients = SnapshotCache("client", _load_client_snapshot)


def client_snapshot(client_id: str) -> ClientSnapshot | None:
    if not client_id or len(client_id) > 255 or "\x00" in client_id:
        return None
    return _clients.get(client_id)
