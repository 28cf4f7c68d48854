"""Every write to client applications and their secrets."""

import base64
import hashlib
import secrets

from django.db import transaction

from authservers import crypto, systemlog
from authservers.services import ServiceError

from .models import ApplicationType, Client, ClientSecret, SecretStatus
from .validation import ClientValidationError, default_application_type, default_response_types

MIN_SECRET_LENGTH = 32
MAX_SECRETS = 2


def client_secret_generate() -> str:
    """384 random bits, url-safe (64 characters)."""
    return secrets.token_urlsafe(48)


def secret_hash(secret: str) -> str:
    digest = hashlib.sha256(secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:22]


def client_secret_add(*, client: Client, secret: str | None = None) -> tuple[ClientSecret, str]:
    if client.secrets.count() >= MAX_SECRETS:
        raise ServiceError("client_secret: An app can have at most two secrets.", "client_secret")
    plaintext = secret if secret is not None else client_secret_generate()
    if len(plaintext) < MIN_SECRET_LENGTH:
        raise ServiceError(f"client_secret: A client secret must have at least {MIN_SECRET_LENGTH} characters.",
                           "client_secret")
    if len(plaintext) > 255 or any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in plaintext):
        raise ServiceError("client_secret: A client secret must be at most 255 printable ASCII characters.",
                           "client_secret")
    record = ClientSecret.objects.create(client=client, encrypted_secret=crypto.encrypt(plaintext),
                                         secret_hash=secret_hash(plaintext), status=SecretStatus.ACTIVE)
    return record, plaintext


@transaction.atomic
def client_create(*, label: str, grant_types: list[str], application_type: str | None = None,
                  token_endpoint_auth_method: str = "client_secret_basic", redirect_uris: list[str] = (),
                  post_logout_redirect_uris: list[str] = (), response_types: list[str] | None = None,
                  consent_method: str = "TRUSTED", pkce_required: bool | None = None,
                  profile: dict | None = None, client_secret: str | None = None, status: str = "ACTIVE",
                  actor: dict | None = None) -> tuple[Client, str | None]:
    """Create an app; returns it with its plaintext secret (shown once), or None for public clients."""
    application_type = application_type or default_application_type(grant_types)
    if pkce_required is None:
        pkce_required = application_type in (ApplicationType.BROWSER, ApplicationType.NATIVE) or \
            token_endpoint_auth_method == "none"
    client = Client(
        label=(label or "").strip(), grant_types=list(grant_types), application_type=application_type,
        token_endpoint_auth_method=token_endpoint_auth_method, redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris),
        response_types=list(response_types) if response_types is not None
        else default_response_types(application_type, grant_types),
        consent_method=consent_method, pkce_required=pkce_required, profile=profile or {}, status=status,
    )
    try:
        client.clean()
    except ClientValidationError as exc:
        raise ServiceError(str(exc), exc.field) from exc
    client.client_id = client.id
    client.save(force_insert=True)
    plaintext = None
    if client.uses_secret:
        _, plaintext = client_secret_add(client=client, secret=client_secret)
    systemlog.emit("app.oauth2.client.lifecycle.create", actor=actor or systemlog.system_actor(),
                   targets=[systemlog.target(client.id, "AppInstance", client.label, client.client_id)],
                   message="Create OAuth client")
    return client, plaintext
