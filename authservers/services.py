"""Every write to authorization servers, their signing keys and scopes."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import everyone_group, user_create

from . import systemlog
from .models import (
    AuthorizationServer,
    ConsentType,
    IssuerMode,
    KeyStatus,
    MetadataPublish,
    Org,
    RotationMode,
    Scope,
    SigningAlg,
    SigningKey,
)
from .models.servers import DEFAULT_SERVER_ID
from .scope_rules import SYSTEM_SCOPE_DESCRIPTIONS, SYSTEM_SCOPES, scope_name_problem


class ServiceError(Exception):
    """An operator or API caller asked for something invalid; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None, code: str = "E0000001"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def validate_server_settings(*, name: str, audiences: list[str], issuer_mode: str, custom_url: str,
                             rotation_mode: str) -> str:
    """Okta's rules for a server's settings; returns the trimmed name or raises ServiceError."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("name: The field cannot be left blank.", "name")
    if len(name) > 100:
        raise ServiceError("name: The name must be at most 100 characters.", "name")
    if len(audiences) != 1:
        raise ServiceError("audiences: Exactly one audience is supported.", "audiences")
    _validate_audience(audiences[0])
    if issuer_mode not in IssuerMode.values:
        raise ServiceError(f"issuerMode: Must be one of {', '.join(IssuerMode.values)}.", "issuerMode")
    if issuer_mode == IssuerMode.CUSTOM_URL and not custom_url:
        raise ServiceError("issuerMode: CUSTOM_URL needs a custom URL.", "issuerMode")
    if rotation_mode not in RotationMode.values:
        raise ServiceError(f"rotationMode: Must be one of {', '.join(RotationMode.values)}.", "rotationMode")
    return name


def _validate_audience(audience: str) -> None:
    if not audience or not audience.strip():
        raise ServiceError("audiences: The field cannot be left blank.", "audiences")
    if len(audience) > 1024:
        raise ServiceError("audiences: The audience must be at most 1024 characters.", "audiences")
    if ":" in audience:
        from urllib.parse import urlsplit

        parts = urlsplit(audience)
        if not parts.scheme or any(ch.isspace() for ch in audience):
            raise ServiceError("audiences: An audience containing ':' must be a valid URI.", "audiences")


def _new_signing_key(server: AuthorizationServer, status: str, alg: str = SigningAlg.RS256) -> SigningKey:
    from .key_lifecycle import signing_key_create

    return signing_key_create(server, status, alg=alg)


def _validate_access_token_alg(alg: str) -> None:
    if alg not in SigningAlg.values:
        raise ServiceError(f"accessTokenSigningAlg: Must be one of {', '.join(SigningAlg.values)}.",
                           "accessTokenSigningAlg")


@transaction.atomic
def authserver_create(*, name: str, audiences: list[str], description: str = "",
                      issuer_mode: str = IssuerMode.ORG_URL, custom_url: str = "",
                      server_id: str | None = None, default_policy: bool = False,
                      access_token_signing_alg: str = SigningAlg.RS256,
                      rotation_mode: str = RotationMode.AUTO,
                      actor: dict | None = None) -> AuthorizationServer:
    """Create an ACTIVE server with its system scopes and claims and an ACTIVE and a NEXT signing key.

    A new server has no access policy, so it refuses every token until one is added; with
    `default_policy` it gets Okta's Default Policy and Default Policy Rule. With
    `access_token_signing_alg` PS256 or ES256 it also gets an ACTIVE and a NEXT key of that alg,
    which signs access tokens once published for the JWKS cache lifetime (RS256 until then).
    """
    name = validate_server_settings(name=name, audiences=audiences, issuer_mode=issuer_mode,
                                    custom_url=custom_url, rotation_mode=rotation_mode)
    _validate_access_token_alg(access_token_signing_alg)
    server = AuthorizationServer(name=name, description=description, audiences=audiences,
                                 issuer_mode=issuer_mode, custom_url=custom_url,
                                 access_token_signing_alg=access_token_signing_alg, rotation_mode=rotation_mode)
    if server_id:
        server.id = server_id
    server.last_rotated = timezone.now()
    server.save(force_insert=True)
    for scope_name in SYSTEM_SCOPES:
        display, text = SYSTEM_SCOPE_DESCRIPTIONS[scope_name]
        Scope.objects.create(server=server, name=scope_name, display_name=display, description=text,
                             system=True, consent=ConsentType.IMPLICIT,
                             metadata_publish=MetadataPublish.ALL_CLIENTS)
    from .claim_services import system_claims_create

    system_claims_create(server)
    from .key_lifecycle import key_families

    for alg in key_families(access_token_signing_alg):
        _new_signing_key(server, KeyStatus.ACTIVE, alg)
        _new_signing_key(server, KeyStatus.NEXT, alg)
    systemlog.emit("oauth2.as.created", actor=actor or systemlog.system_actor(),
                   targets=[systemlog.target(server.id, "AuthorizationServer", server.name)],
                   message="Create authorization server",
                   debug={"accessTokenSigningAlg": access_token_signing_alg})
    if default_policy:
        from policies.services import default_policy_create

        default_policy_create(server=server, actor=actor)
    return server


@transaction.atomic
def authserver_set_access_token_alg(*, server: AuthorizationServer, alg: str, actor: dict | None = None,
                                    now=None) -> AuthorizationServer:
    """Choose the alg of a server's access tokens: RS256 (Okta's, the default), PS256 or ES256.

    Castellan-only (docs/keys.md): Okta's JWT verifier libraries accept only RS256, and ID tokens stay
    RS256. Switching to PS256/ES256 publishes a new key family at once and signs with it only once
    it has been published for the JWKS cache lifetime (RS256 until then); switching back to RS256
    takes effect at once. The family left behind stays published until its tokens have expired.
    Saving the server and its keys publishes the change to every process.
    """
    from .key_lifecycle import _locked, access_token_family_switch, access_tokens_wait_note

    _validate_access_token_alg(alg)
    now = now or timezone.now()
    locked = _locked(server.pk)
    old = locked.access_token_signing_alg
    if old == alg:
        return locked
    locked.access_token_signing_alg = alg
    locked.save(update_fields=["access_token_signing_alg", "last_updated"])
    active = access_token_family_switch(locked, old, alg, now)
    note = access_tokens_wait_note(locked, active, now) if active is not None else None
    systemlog.emit("oauth2.as.updated", actor=actor or systemlog.system_actor(),
                   targets=[systemlog.target(locked.id, "AuthorizationServer", locked.name)],
                   message="Update authorization server",
                   debug={"changed": "accessTokenSigningAlg", "oldValue": old, "newValue": alg,
                          **({"activeKid": active.kid} if active else {}), **({"note": note} if note else {})})
    server.access_token_signing_alg = alg
    return locked


def signing_key_rotate(*, server: AuthorizationServer, actor: dict | None = None) -> list[SigningKey]:
    """Manual rotation, as Okta's keyRotate: NEXT signs from now on, ACTIVE expires, a new NEXT appears.

    Returns the published keys. `key_lifecycle.signing_key_rotate_now` also says whether resource
    servers may briefly miss the new kid (see docs/keys.md).
    """
    from .key_lifecycle import signing_key_rotate_now

    return signing_key_rotate_now(server=server, actor=actor).keys


@transaction.atomic
def scope_create(*, server: AuthorizationServer, name: str, display_name: str = "", description: str = "",
                 consent: str = ConsentType.IMPLICIT, optional: bool = False, default: bool = False,
                 metadata_publish: str = MetadataPublish.NO_CLIENTS, actor: dict | None = None) -> Scope:
    problem = scope_name_problem(name)
    if problem:
        raise ServiceError(f"name: {problem}", "name")
    if consent not in ConsentType.values:
        raise ServiceError(f"consent: Must be one of {', '.join(ConsentType.values)}.", "consent")
    if metadata_publish not in MetadataPublish.values:
        raise ServiceError(f"metadataPublish: Must be one of {', '.join(MetadataPublish.values)}.",
                           "metadataPublish")
    if optional and consent == ConsentType.IMPLICIT:
        raise ServiceError("optional: An optional scope needs consent REQUIRED or FLEXIBLE.", "optional")
    try:
        with transaction.atomic():
            scope = Scope.objects.create(server=server, name=name, display_name=display_name,
                                         description=description, consent=consent, optional=optional,
                                         default=default, metadata_publish=metadata_publish)
    except IntegrityError:
        raise ServiceError(f"name: A scope with name '{name}' already exists.", "name") from None
    systemlog.emit("oauth2.scope.created", actor=actor or systemlog.system_actor(),
                   targets=[systemlog.target(scope.id, "OAuth2Scope", scope.name),
                            systemlog.target(server.id, "AuthorizationServer", server.name)],
                   message="Create OAuth2 scope")
    return scope


def _new_admin_password() -> str:
    return secrets.token_urlsafe(18)


@transaction.atomic
def bootstrap(*, admin_login: str = "admin", admin_email: str = "admin@example.com") -> dict:
    """Converge on a usable installation: org, Everyone, the `default` server, a first admin.

    Returns {"adminLogin", "adminPassword"} only when it created the admin, else {}.
    """
    Org.get()
    everyone_group()
    if not AuthorizationServer.objects.filter(pk=DEFAULT_SERVER_ID).exists():
        authserver_create(name="default", audiences=["api://default"], server_id=DEFAULT_SERVER_ID,
                          description="Default Authorization Server", default_policy=True)
    if User.objects.filter(is_superuser=True).exists():
        return {}
    password = _new_admin_password()
    user_create(login=admin_login, email=admin_email, password=password, first_name="Castellan",
                last_name="Admin", is_staff=True, is_superuser=True)
    return {"adminLogin": admin_login, "adminPassword": password}


def access_token_revoke(*, server_id: str, client_id: str, jti: str, expires) -> None:
    """Deny a JWT access token until it would have expired anyway (the denylist stays bounded)."""
    from .models import RevokedAccessToken

    _, created = RevokedAccessToken.objects.get_or_create(
        jti=jti, defaults={"server_id": server_id, "client_id": client_id, "expires": expires})
    if created:
        systemlog.emit("app.oauth2.as.token.revoke", actor=systemlog.actor_for_client(client_id),
                       targets=[systemlog.target(server_id, "AuthorizationServer")],
                       message="OAuth2 token revocation request", debug={"accessTokenJti": jti})


def revoked_access_tokens_purge(*, now=None) -> int:
    """Forget denylisted tokens that have expired anyway; returns how many rows went."""
    from .models import RevokedAccessToken

    deleted, _ = RevokedAccessToken.objects.filter(expires__lte=now or timezone.now()).delete()
    return deleted
