"""Every write to a client's credentials: its secrets (at most two) and its public keys (at most 50).

Secret rotation without downtime (REFERENCE §8.2): add a second secret, move the client over,
deactivate the old one, delete it. Both ACTIVE secrets authenticate; the last ACTIVE one cannot be
deactivated, and only an INACTIVE one can be deleted. Keys follow the same lifecycle. Each change
refreshes the client snapshot in every process and is written to the System Log.
"""

from django.db import transaction

from authservers import changefeed, systemlog
from authservers.services import ServiceError

from . import credentials_keys
from .models import AuthMethod, Client, ClientJsonWebKey, ClientSecret, JsonWebKeyStatus, SecretStatus
from .services import MAX_SECRETS, client_secret_add

MIN_SECRET_LENGTH = 32
MAX_SECRET_LENGTH = 100  # Okta: "'client_secret' can't be more than '100' characters long."
SECRET_ENTITY = "OAuth2ClientSecretMediated"
KEY_ENTITY = "JsonWebKey"


def _credentials_event(event_type: str, client: Client, obj_id: str, kind: str, actor: dict | None,
                       message: str) -> None:
    systemlog.emit(event_type, actor=actor or systemlog.system_actor(),
                   targets=[systemlog.target(client.id, "AppInstance", client.label, client.client_id),
                            systemlog.target(obj_id, kind)],
                   message=message)


def _client_changed(client: Client) -> None:
    changefeed.publish("client", client.client_id)


def _locked(client: Client) -> Client:
    """The client row locked, so two concurrent adds cannot both pass the count checks."""
    return Client.objects.select_for_update().get(pk=client.pk)


# --- secrets -------------------------------------------------------------------------------------

def _check_supplied_secret(client: Client, secret: str) -> None:
    if not isinstance(secret, str):
        raise ServiceError("client_secret: 'client_secret' must be a string.", "client_secret")
    if client.token_endpoint_auth_method == AuthMethod.PRIVATE_KEY_JWT:
        raise ServiceError("'client_secret' can't be used when 'token_endpoint_auth_method' is 'private_key_jwt'.",
                           "client_secret")
    if any(ord(ch) < 0x20 or ord(ch) > 0x7E for ch in secret):
        raise ServiceError("client_secret: 'client_secret' must only contain printable ASCII: [x20-x7E]+",
                           "client_secret")
    if len(secret) > MAX_SECRET_LENGTH:
        raise ServiceError(f"client_secret: 'client_secret' can't be more than '{MAX_SECRET_LENGTH}' characters "
                           "long.", "client_secret")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ServiceError(f"client_secret: 'client_secret' must be at least '{MIN_SECRET_LENGTH}' characters long.",
                           "client_secret")
    if " " in secret:
        raise ServiceError("client_secret: 'client_secret' cannot contain spaces.", "client_secret")


@transaction.atomic
def client_secret_create(*, client: Client, secret: str | None = None, status: str = SecretStatus.ACTIVE,
                         actor: dict | None = None) -> tuple[ClientSecret, str]:
    """A new secret (generated unless supplied); returns it with its plaintext, shown this once."""
    client = _locked(client)
    if client.token_endpoint_auth_method == AuthMethod.NONE:
        raise ServiceError("client_secret: A public client (token_endpoint_auth_method 'none') has no secrets.",
                           "client_secret")
    if status not in SecretStatus.values:
        raise ServiceError("status: The status must be ACTIVE or INACTIVE.", "status")
    if secret is not None:
        _check_supplied_secret(client, secret)
    if client.secrets.count() >= MAX_SECRETS:
        raise ServiceError("You've reached the maximum number of client secrets per client.", SECRET_ENTITY)
    record, plaintext = client_secret_add(client=client, secret=secret)
    if status == SecretStatus.INACTIVE:
        record.status = SecretStatus.INACTIVE
        record.save(update_fields=["status", "last_updated"])
    _credentials_event("app.oauth2.credentials.lifecycle.create", client, record.id, "ClientSecret", actor,
                       "Create OAuth client secret")
    return record, plaintext


@transaction.atomic
def client_secret_activate(*, client: Client, secret: ClientSecret, actor: dict | None = None) -> ClientSecret:
    _locked(client)
    if secret.status != SecretStatus.ACTIVE:
        secret.status = SecretStatus.ACTIVE
        secret.save(update_fields=["status", "last_updated"])
        _credentials_event("app.oauth2.credentials.lifecycle.activate", client, secret.id, "ClientSecret", actor,
                           "Activate OAuth client secret")
    return secret


@transaction.atomic
def client_secret_deactivate(*, client: Client, secret: ClientSecret, actor: dict | None = None) -> ClientSecret:
    client = _locked(client)
    if secret.status == SecretStatus.INACTIVE:
        return secret
    if client.uses_secret and not client.secrets.filter(status=SecretStatus.ACTIVE).exclude(pk=secret.pk).exists():
        raise ServiceError("You can't deactivate the only active client secret. Add and activate another secret "
                           "first.", SECRET_ENTITY)
    secret.status = SecretStatus.INACTIVE
    secret.save(update_fields=["status", "last_updated"])
    _credentials_event("app.oauth2.credentials.lifecycle.deactivate", client, secret.id, "ClientSecret", actor,
                       "Deactivate OAuth client secret")
    return secret


@transaction.atomic
def client_secret_delete(*, client: Client, secret: ClientSecret, actor: dict | None = None) -> None:
    _locked(client)
    if secret.status == SecretStatus.ACTIVE:
        raise ServiceError("You can't delete an active client secret. Deactivate the secret before deleting it.",
                           SECRET_ENTITY)
    secret_id = secret.id
    secret.delete()
    _credentials_event("app.oauth2.credentials.lifecycle.delete", client, secret_id, "ClientSecret", actor,
                       "Delete OAuth client secret")


@transaction.atomic
def client_secret_rotate(*, client: Client, actor: dict | None = None) -> tuple[ClientSecret, str, list[str]]:
    """Replace every secret with a new generated one at once (the emergency path: a leaked secret).

    Returns the new secret, its plaintext and the ids of the secrets removed. For a rotation
    without downtime use create, then deactivate and delete, instead.
    """
    client = _locked(client)
    if not client.uses_secret:
        raise ServiceError("client_secret: Only a client that authenticates with a secret has one to rotate.",
                           "client_secret")
    old = list(client.secrets.all())
    for secret in old:
        secret.delete()
    record, plaintext = client_secret_add(client=client)
    for secret in old:
        _credentials_event("app.oauth2.credentials.lifecycle.delete", client, secret.id, "ClientSecret", actor,
                           "Delete OAuth client secret")
    _credentials_event("app.oauth2.credentials.lifecycle.create", client, record.id, "ClientSecret", actor,
                       "Create OAuth client secret")
    return record, plaintext, [secret.id for secret in old]


# --- JSON Web Keys ---------------------------------------------------------------------------------

@transaction.atomic
def client_jwk_create(*, client: Client, data: dict, actor: dict | None = None) -> ClientJsonWebKey:
    """Register a public RSA or EC key; `data` is the JWK plus an optional `status`."""
    client = _locked(client)
    if not isinstance(data, dict):
        raise ServiceError("A JSON Web Key must be a JSON object.", KEY_ENTITY)
    status = data.get("status", JsonWebKeyStatus.ACTIVE)
    if status not in JsonWebKeyStatus.values:
        raise ServiceError("status: The status must be ACTIVE or INACTIVE.", "status")
    try:
        clean, _ = credentials_keys.public_jwk({name: value for name, value in data.items() if name != "status"})
    except credentials_keys.KeyProblem as exc:
        raise ServiceError(str(exc), KEY_ENTITY) from None
    existing = client.json_web_keys.all()
    if existing.count() >= credentials_keys.MAX_KEYS:
        raise ServiceError("You can't create a new key. You have reached the maximum number of keys allowed (50). "
                           "To add another key, you must first delete an existing one.", KEY_ENTITY)
    if existing.filter(kid=clean["kid"]).exists():
        raise ServiceError("All keys in the 'jwks' must have a unique `kid`.", KEY_ENTITY)
    key = ClientJsonWebKey.objects.create(client=client, kid=clean["kid"], kty=clean["kty"],
                                          alg=clean.get("alg", ""), use="sig", public_jwk=clean, status=status)
    _client_changed(client)
    _credentials_event("app.oauth2.credentials.lifecycle.create", client, key.id, "JsonWebKey", actor,
                       "Create OAuth client JSON Web Key")
    return key


def _active_key_required(client: Client) -> bool:
    # Okta: a private_key_jwt client keeps at least one ACTIVE key (unless it reads them from a jwks_uri).
    return client.token_endpoint_auth_method == AuthMethod.PRIVATE_KEY_JWT and not client.jwks_uri


@transaction.atomic
def client_jwk_activate(*, client: Client, key: ClientJsonWebKey, actor: dict | None = None) -> ClientJsonWebKey:
    _locked(client)
    if key.status != JsonWebKeyStatus.ACTIVE:
        key.status = JsonWebKeyStatus.ACTIVE
        key.save(update_fields=["status", "last_updated"])
        _client_changed(client)
        _credentials_event("app.oauth2.credentials.lifecycle.activate", client, key.id, "JsonWebKey", actor,
                           "Activate OAuth client JSON Web Key")
    return key


@transaction.atomic
def client_jwk_deactivate(*, client: Client, key: ClientJsonWebKey, actor: dict | None = None) -> ClientJsonWebKey:
    client = _locked(client)
    if key.status == JsonWebKeyStatus.INACTIVE:
        return key
    others = client.json_web_keys.filter(status=JsonWebKeyStatus.ACTIVE).exclude(pk=key.pk)
    if _active_key_required(client) and not others.exists():
        raise ServiceError("Can't deactivate the only active JSON Web Key when the value for "
                           "`token_endpoint_auth_method` is `private_key_jwt`.", KEY_ENTITY)
    key.status = JsonWebKeyStatus.INACTIVE
    key.save(update_fields=["status", "last_updated"])
    _client_changed(client)
    _credentials_event("app.oauth2.credentials.lifecycle.deactivate", client, key.id, "JsonWebKey", actor,
                       "Deactivate OAuth client JSON Web Key")
    return key


@transaction.atomic
def client_jwk_delete(*, client: Client, key: ClientJsonWebKey, actor: dict | None = None) -> None:
    _locked(client)
    if key.status == JsonWebKeyStatus.ACTIVE:
        raise ServiceError("You can't delete an active JSON Web Key. Deactivate the key before deleting it.",
                           KEY_ENTITY)
    key_id = key.id
    key.delete()
    _client_changed(client)
    _credentials_event("app.oauth2.credentials.lifecycle.delete", client, key_id, "JsonWebKey", actor,
                       "Delete OAuth client JSON Web Key")
