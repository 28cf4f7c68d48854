"""Okta's per-type rules for OIDC apps (grant types, response types, redirect URIs), as pure checks."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from .models import (
    MAX_REFRESH_TOKEN_LEEWAY,
    ApplicationType,
    AuthMethod,
    ConsentMethod,
    GrantType,
    RefreshTokenRotation,
    ResponseType,
)

ALLOWED_GRANTS = {
    ApplicationType.BROWSER: {GrantType.AUTHORIZATION_CODE, GrantType.IMPLICIT, GrantType.REFRESH_TOKEN},
    ApplicationType.NATIVE: {GrantType.AUTHORIZATION_CODE, GrantType.IMPLICIT, GrantType.PASSWORD,
                             GrantType.REFRESH_TOKEN, GrantType.DEVICE_CODE},
    ApplicationType.WEB: {GrantType.AUTHORIZATION_CODE, GrantType.IMPLICIT, GrantType.REFRESH_TOKEN,
                          GrantType.CLIENT_CREDENTIALS},
    ApplicationType.SERVICE: {GrantType.CLIENT_CREDENTIALS},
}
EXTRA_GRANTS = {GrantType.TOKEN_EXCHANGE}
NON_REDIRECT_GRANTS = {GrantType.CLIENT_CREDENTIALS, GrantType.PASSWORD, GrantType.DEVICE_CODE,
                       GrantType.TOKEN_EXCHANGE}


class ClientValidationError(ValidationError):
    """A broken Okta app rule; a Django ValidationError so forms and full_clean() show it on the field."""

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]})
        self.field = field
        self.text = message

    def __str__(self):
        return f"{self.field}: {self.text}"


def default_application_type(grant_types: list[str]) -> str:
    return ApplicationType.SERVICE if set(grant_types) == {GrantType.CLIENT_CREDENTIALS} else ApplicationType.WEB


def default_response_types(application_type: str, grant_types: list[str]) -> list[str]:
    if application_type == ApplicationType.SERVICE:
        return ["token"]  # Okta: service apps carry ["token"], which is not the implicit flow
    response_types = ["code"] if GrantType.AUTHORIZATION_CODE in grant_types else []
    if GrantType.IMPLICIT in grant_types:
        response_types += ["token", "id_token"]
    return response_types


# Grants RFC 9700 says must not (password, §2.4) or should not (implicit, §2.1.2) be used: off by
# default, offered for Okta compatibility only (docs/legacy-grants.md).
LEGACY_GRANTS = (GrantType.PASSWORD, GrantType.IMPLICIT)
RFC9700_WARNING = ("This app enables {grants}. The OAuth 2.0 Security Best Current Practice (RFC 9700) says "
                   "the password grant must not be used and the implicit grant should not be used: prefer the "
                   "authorization code flow with PKCE (and the device flow for devices without a browser). "
                   "Castellan offers them only for compatibility with existing Okta apps.")


def legacy_grant_warning(grant_types) -> str | None:
    """The RFC 9700 warning the console shows for an app with legacy grants, or None."""
    enabled = [grant.value for grant in LEGACY_GRANTS if grant in (grant_types or ())]
    return RFC9700_WARNING.format(grants=" and ".join(f"the {grant} grant" for grant in enabled)) if enabled else None


def default_refresh_token_rotation(application_type: str, auth_method: str) -> str:
    """Okta: single-page apps rotate, web and native apps keep one token; public clients always rotate."""
    if application_type == ApplicationType.BROWSER or auth_method == AuthMethod.NONE:
        return RefreshTokenRotation.ROTATE
    return RefreshTokenRotation.STATIC


def redirect_uri_problem(uri: str) -> str | None:
    parts = urlsplit(uri)
    if not parts.scheme or (parts.scheme in ("http", "https") and not parts.netloc):
        return f"'{uri}' is not an absolute URI."
    if parts.fragment or "#" in uri:
        return f"'{uri}' must not contain a fragment."
    if any(ch.isspace() for ch in uri):
        return f"'{uri}' must not contain spaces."
    return None


def validate_client_settings(client) -> None:
    """Raise ClientValidationError for the first rule the client breaks."""
    if not client.label or not client.label.strip():
        raise ClientValidationError("label", "The field cannot be left blank.")
    grants = list(client.grant_types or [])
    if not grants:
        raise ClientValidationError("grant_types", "At least one grant type is required.")
    unknown = [grant for grant in grants if grant not in GrantType.values]
    if unknown:
        raise ClientValidationError("grant_types", f"Unknown grant type: {', '.join(unknown)}.")
    app_type = client.application_type
    if app_type not in ApplicationType.values:
        raise ClientValidationError("application_type", f"Must be one of {', '.join(ApplicationType.values)}.")
    not_allowed = [g for g in grants if g not in ALLOWED_GRANTS[app_type] | EXTRA_GRANTS]
    if not_allowed:
        raise ClientValidationError(
            "grant_types", f"Application type '{app_type}' cannot use {', '.join(not_allowed)}.")
    if app_type in (ApplicationType.WEB, ApplicationType.NATIVE) and GrantType.AUTHORIZATION_CODE not in grants:
        raise ClientValidationError("grant_types", f"A {app_type} app must include authorization_code.")
    if client.token_endpoint_auth_method not in AuthMethod.values:
        raise ClientValidationError("token_endpoint_auth_method",
                                    f"Must be one of {', '.join(AuthMethod.values)}.")
    if app_type == ApplicationType.SERVICE and client.token_endpoint_auth_method == AuthMethod.NONE:
        raise ClientValidationError("token_endpoint_auth_method", "A service app must authenticate.")
    if client.token_endpoint_auth_method == AuthMethod.NONE and not client.pkce_required:
        raise ClientValidationError("pkce_required", "PKCE is required when the auth method is none.")
    if client.consent_method not in ConsentMethod.values:
        raise ClientValidationError("consent_method", f"Must be one of {', '.join(ConsentMethod.values)}.")
    response_types = list(client.response_types or [])
    unknown = [value for value in response_types if value not in ResponseType.values]
    if unknown:
        raise ClientValidationError("response_types", f"Unknown response type: {', '.join(unknown)}.")
    if GrantType.AUTHORIZATION_CODE in grants and "code" not in response_types:
        raise ClientValidationError("response_types", "authorization_code requires the 'code' response type.")
    if GrantType.IMPLICIT in grants and not {"token", "id_token"} & set(response_types):
        raise ClientValidationError("response_types", "implicit requires the 'token' or 'id_token' response type.")
    redirect_uris = client.redirect_uris.split()
    needs_redirect = any(grant not in NON_REDIRECT_GRANTS | {GrantType.REFRESH_TOKEN} for grant in grants)
    if needs_redirect and not redirect_uris:
        raise ClientValidationError("redirect_uris", "At least one redirect URI is required.")
    for uri in redirect_uris + client.post_logout_redirect_uris.split():
        problem = redirect_uri_problem(uri)
        if problem:
            raise ClientValidationError("redirect_uris", problem)
    validate_refresh_token_settings(client)


def validate_refresh_token_settings(client) -> None:
    """Okta's `refresh_token` settings: ROTATE or STATIC, a 0-60 s leeway; public clients rotate."""
    if client.refresh_token_rotation not in RefreshTokenRotation.values:
        raise ClientValidationError("refresh_token_rotation",
                                    f"Must be one of {', '.join(RefreshTokenRotation.values)}.")
    leeway = client.refresh_token_leeway
    if not isinstance(leeway, int) or isinstance(leeway, bool) or not 0 <= leeway <= MAX_REFRESH_TOKEN_LEEWAY:
        raise ClientValidationError("refresh_token_leeway",
                                    f"The leeway must be between 0 and {MAX_REFRESH_TOKEN_LEEWAY} seconds.")
    # RFC 9700 §4.14.2: a public client's refresh tokens must rotate (they are not sender-constrained).
    if (GrantType.REFRESH_TOKEN in (client.grant_types or []) and client.token_endpoint_auth_method == AuthMethod.NONE
            and client.refresh_token_rotation != RefreshTokenRotation.ROTATE):
        raise ClientValidationError("refresh_token_rotation",
                                    "A public client (auth method none) must rotate its refresh tokens (ROTATE).")
