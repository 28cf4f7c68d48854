"""Every write to client applications and their secrets."""

import base64
import hashlib
import secrets

from django.db import IntegrityError, transaction

from authservers import crypto, systemlog
from authservers.services import ServiceError

from .models import ApplicationType, Client, ClientSecret, RefreshTokenRotation, SecretStatus
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
                  client_id: str | None = None, uris: dict | None = None, refresh_token: dict | None = None,
                  jwks: dict | None = None, actor: dict | None = None) -> tuple[Client, str | None]:
    """Create an app; returns it with its plaintext secret (shown once), or None for public clients.

    `uris` sets the optional URIs (client_uri, logo_uri, policy_uri, tos_uri, initiate_login_uri,
    jwks_uri); `refresh_token` is Okta's `{rotation_type, leeway}`; `client_id` defaults to the app id.
    """
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
        jwks=jwks or {}, **uri_fields(uris), **refresh_token_fields(refresh_token, None),
    )
    try:
        client.clean()
    except ClientValidationError as exc:
        raise ServiceError(str(exc), exc.field) from exc
    client.client_id = _checked_client_id(client_id) if client_id else client.id
    try:
        with transaction.atomic():
            client.save(force_insert=True)
    except IntegrityError:  # the same client_id created concurrently
        raise ServiceError("client_id: An object with this field already exists in the current organization",
                           "client_id") from None
    plaintext = None
    if client.uses_secret:
        _, plaintext = client_secret_add(client=client, secret=client_secret)
    systemlog.emit("app.oauth2.client.lifecycle.create", actor=actor or systemlog.system_actor(),
                   targets=[systemlog.target(client.id, "AppInstance", client.label, client.client_id)],
                   message="Create OAuth client")
    return client, plaintext


OPTIONAL_URIS = ("client_uri", "logo_uri", "policy_uri", "tos_uri", "initiate_login_uri", "jwks_uri")
# Okta: a client_id is alphanumerics and $-_.+!*'(), (REFERENCE §8.1).
_CLIENT_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$-_.+!*'(),")


def uri_fields(uris: dict | None) -> dict:
    return {name: (uris or {}).get(name) or "" for name in OPTIONAL_URIS}


def refresh_token_fields(refresh_token: dict | None, client: Client | None) -> dict:
    """Model fields for Okta's `refresh_token {rotation_type, leeway}`; missing parts keep their value."""
    refresh_token = refresh_token or {}
    rotation = refresh_token.get("rotation_type") or (client.refresh_token_rotation if client
                                                      else RefreshTokenRotation.STATIC)
    leeway = refresh_token.get("leeway")
    if leeway is None:
        leeway = client.refresh_token_leeway if client else 30
    if rotation not in RefreshTokenRotation.values:
        raise ServiceError(f"refresh_token.rotation_type: Must be one of {', '.join(RefreshTokenRotation.values)}.",
                           "refresh_token")
    if not isinstance(leeway, int) or not 0 <= leeway <= 60:
        raise ServiceError("refresh_token.leeway: Must be a number of seconds from 0 to 60.", "refresh_token")
    return {"refresh_token_rotation": rotation, "refresh_token_leeway": leeway}


def _checked_client_id(client_id: str) -> str:
    if len(client_id) > 100 or not set(client_id) <= _CLIENT_ID_CHARS:
        raise ServiceError("client_id: Use at most 100 letters, digits and $-_.+!*'(),", "client_id")
    if Client.objects.filter(client_id=client_id).exists():
        raise ServiceError("client_id: An object with this field already exists in the current organization",
                           "client_id")
    return client_id


def app_log_target(client: Client) -> dict:
    return systemlog.target(client.id, "AppInstance", client.label, client.client_id)


def _not_found(key: str, kind: str) -> ServiceError:
    # Okta: an unknown referenced object is E0000007 "Not found: Resource not found: <key> (<Type>)".
    return ServiceError(f"Not found: Resource not found: {key} ({kind})", None, code="E0000007")


@transaction.atomic
def client_assign(*, client: Client, users=(), groups=(), actor: dict | None = None) -> None:
    """Assign users (by login, case-insensitive, or User objects) and groups (by name or Group objects).

    `Everyone` is created if missing. All or nothing: an unknown user or group raises ServiceError
    (code E0000007) before anything is assigned.
    """
    from accounts.models import EVERYONE, Group, User
    from accounts.services import everyone_group

    user_objs, group_objs = [], []
    for user in users:
        if not isinstance(user, User):
            found = User.objects.filter(login__iexact=str(user).strip()).first()
            if found is None:
                raise _not_found(str(user), "User")
            user = found
        user_objs.append(user)
    for group in groups:
        if not isinstance(group, Group):
            name = str(group).strip()
            found = everyone_group() if name == EVERYONE else Group.objects.filter(name=name).first()
            if found is None:
                raise _not_found(name, "UserGroup")
            group = found
        group_objs.append(group)
    if user_objs:
        client.assigned_users.add(*user_objs)
    if group_objs:
        client.assigned_groups.add(*group_objs)
    actor = actor or systemlog.system_actor()
    app = systemlog.target(client.id, "AppInstance", client.label, client.client_id)
    for user in user_objs:
        systemlog.emit("application.user_membership.add", actor=actor,
                       targets=[app, systemlog.target(user.pk, "User", str(user), user.login)],
                       message="Add user to application membership")
    for group in group_objs:
        systemlog.emit("group.application_assignment.add", actor=actor,
                       targets=[app, systemlog.target(group.pk, "UserGroup", group.name, group.name)],
                       message="Add assigned application to group")


TRUSTED_ORIGIN_SCHEMES = ("http", "https")


def validate_trusted_origin(*, name: str, origin: str, scopes, instance_id: str | None = None
                            ) -> tuple[str, str, list[str]]:
    """Okta's rules for a trusted origin; returns (name, origin, scopes) normalized or raises ServiceError.

    The origin is scheme://host[:port] with scheme http or https and nothing after the authority;
    scheme and host are lowercased. Scopes are CORS and/or REDIRECT, at least one.
    """
    from urllib.parse import urlsplit

    from .models import TrustedOrigin, TrustedOriginScope

    name = (name or "").strip()
    if not name:
        raise ServiceError("name: The field cannot be left blank.", "name")
    if len(name) > 255:
        raise ServiceError("name: The name must be at most 255 characters.", "name")
    origin = (origin or "").strip()
    if not origin:
        raise ServiceError("origin: The field cannot be left blank.", "origin")
    if len(origin) > 255:
        raise ServiceError("origin: The origin must be at most 255 characters.", "origin")
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        raise ServiceError(f"origin: '{origin}' is not a valid origin: the port is not a number from 0 to 65535.",
                           "origin") from None
    scheme = parts.scheme.lower()
    if scheme not in TRUSTED_ORIGIN_SCHEMES:
        raise ServiceError(f"origin: '{origin}' must start with http:// or https://.", "origin")
    if not parts.hostname or "@" in parts.netloc or any(ch.isspace() for ch in origin):
        raise ServiceError(f"origin: '{origin}' must name a host, like https://app.example.com.", "origin")
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        raise ServiceError(f"origin: '{origin}' must be only scheme://host[:port], with no path, query or "
                           "fragment (not even a trailing slash).", "origin")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    origin = f"{scheme}://{host}" + (f":{port}" if port is not None else "")

    scopes = [str(scope).strip().upper() for scope in (scopes or [])]
    if not scopes:
        raise ServiceError("scopes: Choose at least one scope: CORS, REDIRECT or both.", "scopes")
    unknown = [scope for scope in scopes if scope not in TrustedOriginScope.values]
    if unknown:
        raise ServiceError(f"scopes: Unknown scope {unknown[0]}; the scopes are CORS and REDIRECT.", "scopes")
    scopes = [scope for scope in TrustedOriginScope.values if scope in scopes]

    others = TrustedOrigin.objects.exclude(pk=instance_id) if instance_id else TrustedOrigin.objects.all()
    if others.filter(name=name).exists():
        raise ServiceError("name: An object with this field already exists in the current organization", "name")
    if others.filter(origin=origin).exists():
        raise ServiceError("origin: An object with this field already exists in the current organization",
                           "origin")
    return name, origin, scopes


@transaction.atomic
def trusted_origin_create(*, name: str, origin: str, scopes, status: str = "ACTIVE", actor: dict | None = None):
    from .models import TrustedOrigin, TrustedOriginStatus

    if status not in TrustedOriginStatus.values:
        raise ServiceError("status: The status must be ACTIVE or INACTIVE.", "status")
    name, origin, scopes = validate_trusted_origin(name=name, origin=origin, scopes=scopes)
    actor = actor or systemlog.system_actor()
    trusted = TrustedOrigin.objects.create(name=name, origin=origin, scopes=scopes, status=status,
                                           created_by=actor["id"], last_updated_by=actor["id"])
    systemlog.emit("trustedorigins.lifecycle.create", actor=actor,
                   targets=[systemlog.target(trusted.id, "TrustedOrigin", trusted.name, trusted.origin)],
                   message="Create trusted origin")
    return trusted
