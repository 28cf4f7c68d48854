"""Writes the management API needs beyond `services.py`: replace, lifecycle and delete of servers and
scopes, each with its System Log event (REFERENCE §11.1)."""

from django.db import IntegrityError, transaction

from . import systemlog
from .models import AuthorizationServer, ConsentType, MetadataPublish, Scope, ServerStatus
from .scope_rules import scope_name_problem
from .services import ServiceError, validate_server_settings


def _server_target(server: AuthorizationServer) -> dict:
    return systemlog.target(server.id, "AuthorizationServer", server.name)


@transaction.atomic
def authserver_update(*, server: AuthorizationServer, name: str, audiences: list[str], description: str = "",
                      issuer_mode: str | None = None, rotation_mode: str | None = None,
                      actor: dict | None = None) -> AuthorizationServer:
    """Replace a server's settings (Okta's PUT). Switching the rotation mode leaves the active key alone."""
    issuer_mode = issuer_mode or server.issuer_mode
    rotation_mode = rotation_mode or server.rotation_mode
    name = validate_server_settings(name=name, audiences=audiences, issuer_mode=issuer_mode,
                                    custom_url=server.custom_url, rotation_mode=rotation_mode)
    locked = AuthorizationServer.objects.select_for_update().get(pk=server.pk)
    changes = {}
    for attr, wire, value in (("name", "name", name), ("audiences", "audiences", list(audiences)),
                              ("description", "description", description or ""),
                              ("issuer_mode", "issuerMode", issuer_mode),
                              ("rotation_mode", "rotationMode", rotation_mode)):
        if getattr(locked, attr) != value:
            changes[wire] = {"oldValue": getattr(locked, attr), "newValue": value}
            setattr(locked, attr, value)
    locked.save()
    if changes:
        systemlog.emit("oauth2.as.updated", actor=actor or systemlog.system_actor(), targets=[_server_target(locked)],
                       message="Update authorization server", debug={"changed": changes})
    return locked


@transaction.atomic
def authserver_set_status(*, server: AuthorizationServer, status: str, actor: dict | None = None) -> AuthorizationServer:
    """Activate or deactivate a server; doing it again changes nothing and logs nothing."""
    locked = AuthorizationServer.objects.select_for_update().get(pk=server.pk)
    if locked.status == status:
        return locked
    locked.status = status
    locked.save(update_fields=["status", "last_updated"])
    event, message = (("oauth2.as.activated", "Activate authorization server") if status == ServerStatus.ACTIVE
                      else ("oauth2.as.deactivated", "Deactivate authorization server"))
    systemlog.emit(event, actor=actor or systemlog.system_actor(), targets=[_server_target(locked)], message=message)
    return locked


@transaction.atomic
def authserver_delete(*, server: AuthorizationServer, actor: dict | None = None) -> None:
    """Delete a server with its keys, scopes, claims and policies. Never the `default` server."""
    if server.is_default:
        # Okta: the default server can be renamed or deactivated, never deleted (REFERENCE §0, §1.1).
        raise ServiceError("The default authorization server cannot be deleted.", "authorizationServer",
                           code="E0000006")
    target = _server_target(server)
    server.delete()
    systemlog.emit("oauth2.as.deleted", actor=actor or systemlog.system_actor(), targets=[target],
                   message="Delete authorization server")


def _scope_targets(scope: Scope) -> list[dict]:
    return [systemlog.target(scope.id, "OAuth2Scope", scope.name), _server_target(scope.server)]


@transaction.atomic
def scope_update(*, scope: Scope, name: str, display_name: str = "", description: str = "",
                 consent: str = ConsentType.IMPLICIT, optional: bool = False, default: bool = False,
                 metadata_publish: str = MetadataPublish.NO_CLIENTS, actor: dict | None = None) -> Scope:
    """Replace a scope (Okta's PUT). A system scope keeps its name."""
    if scope.system and name != scope.name:
        raise ServiceError("name: A system scope cannot be renamed.", "name")
    problem = None if scope.system else scope_name_problem(name)
    if problem:
        raise ServiceError(f"name: {problem}", "name")
    if consent not in ConsentType.values:
        raise ServiceError(f"consent: Must be one of {', '.join(ConsentType.values)}.", "consent")
    if metadata_publish not in MetadataPublish.values:
        raise ServiceError(f"metadataPublish: Must be one of {', '.join(MetadataPublish.values)}.", "metadataPublish")
    if optional and consent == ConsentType.IMPLICIT:
        raise ServiceError("optional: An optional scope needs consent REQUIRED or FLEXIBLE.", "optional")
    changes = {}
    for attr, wire, value in (("name", "name", name), ("display_name", "displayName", display_name or ""),
                              ("description", "description", description or ""), ("consent", "consent", consent),
                              ("optional", "optional", optional), ("default", "default", default),
                              ("metadata_publish", "metadataPublish", metadata_publish)):
        if getattr(scope, attr) != value:
            changes[wire] = {"oldValue": getattr(scope, attr), "newValue": value}
            setattr(scope, attr, value)
    try:
        with transaction.atomic():
            scope.save()
    except IntegrityError:
        raise ServiceError(f"name: A scope with name '{name}' already exists.", "name") from None
    if changes:
        systemlog.emit("oauth2.scope.updated", actor=actor or systemlog.system_actor(), targets=_scope_targets(scope),
                       message="Update OAuth2 scope", debug={"changed": changes})
    return scope


@transaction.atomic
def scope_delete(*, scope: Scope, actor: dict | None = None) -> None:
    """Delete a custom scope. System scopes (openid, profile, ...) cannot be deleted."""
    if scope.system:
        raise ServiceError("A system scope cannot be deleted.", "system", code="E0000006")
    targets = _scope_targets(scope)
    scope.delete()
    systemlog.emit("oauth2.scope.deleted", actor=actor or systemlog.system_actor(), targets=targets,
                   message="Delete OAuth2 scope")
