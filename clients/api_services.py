"""Writes the management API needs beyond `services.py`: replace, lifecycle, delete and unassignment of
apps, each with its System Log event (REFERENCE §8.1, §11.1)."""

from django.db import transaction

from authservers import systemlog
from authservers.services import ServiceError

from .models import Client
from .services import OPTIONAL_URIS, app_log_target, client_secret_add, refresh_token_fields, uri_fields
from .validation import ClientValidationError, default_response_types


@transaction.atomic
def client_replace(*, client: Client, label: str, grant_types: list[str], application_type: str | None = None,
                   token_endpoint_auth_method: str | None = None, redirect_uris: list[str] = (),
                   post_logout_redirect_uris: list[str] = (), response_types: list[str] | None = None,
                   consent_method: str | None = None, pkce_required: bool | None = None,
                   profile: dict | None = None, uris: dict | None = None, refresh_token: dict | None = None,
                   jwks: dict | None = None, actor: dict | None = None) -> tuple[Client, str | None]:
    """Replace an app's settings (Okta's PUT); returns it with a new plaintext secret when one was needed.

    The id, client_id, status and application_type do not change (Okta: application_type is
    immutable). Switching to a secret-based auth method from `none` generates the first secret.
    """
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if application_type and application_type != locked.application_type:
        raise ServiceError("application_type: The application type cannot be changed after creation.",
                           "application_type")
    auth_method = token_endpoint_auth_method or locked.token_endpoint_auth_method
    if pkce_required is None:
        pkce_required = locked.pkce_required or auth_method == "none"
    before = {name: getattr(locked, name) for name in _REPLACED_FIELDS}
    locked.label = (label or "").strip()
    locked.grant_types = list(grant_types)
    locked.token_endpoint_auth_method = auth_method
    locked.redirect_uris = " ".join(redirect_uris)
    locked.post_logout_redirect_uris = " ".join(post_logout_redirect_uris)
    locked.response_types = (list(response_types) if response_types is not None
                             else default_response_types(locked.application_type, grant_types))
    locked.consent_method = consent_method or locked.consent_method
    locked.pkce_required = pkce_required
    locked.profile = profile if profile is not None else locked.profile
    locked.jwks = jwks or {}
    for name, value in {**uri_fields(uris), **refresh_token_fields(refresh_token, locked)}.items():
        setattr(locked, name, value)
    try:
        locked.clean()
    except ClientValidationError as exc:
        raise ServiceError(str(exc), exc.field) from exc
    locked.save()
    plaintext = None
    if locked.uses_secret and not locked.secrets.exists():
        _, plaintext = client_secret_add(client=locked)
    changes = {name: {"oldValue": before[name], "newValue": getattr(locked, name)}
               for name in _REPLACED_FIELDS if before[name] != getattr(locked, name)}
    if changes:
        systemlog.emit("app.oauth2.client.lifecycle.update", actor=actor or systemlog.system_actor(),
                       targets=[app_log_target(locked)], message="Update OAuth client", debug={"changed": changes})
    return locked, plaintext


_REPLACED_FIELDS = ("label", "grant_types", "token_endpoint_auth_method", "redirect_uris",
                    "post_logout_redirect_uris", "response_types", "consent_method", "pkce_required", "profile",
                    *OPTIONAL_URIS, "jwks", "refresh_token_rotation", "refresh_token_leeway")


def client_set_status(*, client: Client, status: str, actor: dict | None = None) -> Client:
    """Activate or deactivate an app (deactivation ends its tokens for good); again changes nothing."""
    from .lifecycle_services import client_activate, client_deactivate
    from .models import ClientStatus

    change = client_activate if status == ClientStatus.ACTIVE else client_deactivate
    return change(client=client, actor=actor)


@transaction.atomic
def client_unassign(*, client: Client, users=(), groups=(), actor: dict | None = None) -> None:
    """Remove user and group assignments (User and Group objects); removing a missing one logs nothing."""
    actor = actor or systemlog.system_actor()
    app = app_log_target(client)
    for user in users:
        if client.assigned_users.filter(pk=user.pk).exists():
            client.assigned_users.remove(user)
            systemlog.emit("application.user_membership.remove", actor=actor,
                           targets=[app, systemlog.target(user.pk, "User", str(user), user.login)],
                           message="Remove user from application membership")
    for group in groups:
        if client.assigned_groups.filter(pk=group.pk).exists():
            client.assigned_groups.remove(group)
            systemlog.emit("group.application_assignment.remove", actor=actor,
                           targets=[app, systemlog.target(group.pk, "UserGroup", group.name, group.name)],
                           message="Remove assigned application from group")
