"""Request bodies of `/api/v1/apps` in Okta's `OpenIdConnectApplication` shape.

`settings.oauthClient` and `credentials.oauthClient` keep Okta's snake_case names. Read-only and
unsupported fields (`id`, `status`, `_links`, `features`, `visibility`...) are ignored, as Okta's
SDKs send whole objects back on PUT; values Castellan cannot honour (another `signOnMode`, a
`CUSTOM_URL` issuer mode, wildcard redirects) are errors rather than silently dropped.
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.api.common import StrictBooleanField, StrictCharField, StrictDictField
from config.openapi import links_field

from ..models import ApplicationType, AuthMethod, ConsentMethod, GrantType, RefreshTokenRotation, ResponseType
from ..services import OPTIONAL_URIS

MAX_URIS = 100


def _uri_list():
    return serializers.ListField(child=StrictCharField(max_length=1024), max_length=MAX_URIS, required=False,
                                 allow_null=True)


@extend_schema_serializer(component_name="OpenIdConnectApplicationSettingsRefreshToken")
class _RefreshTokenInput(serializers.Serializer):
    rotation_type = serializers.ChoiceField(choices=RefreshTokenRotation.choices, required=False, allow_null=True)
    leeway = serializers.IntegerField(min_value=0, max_value=60, required=False, allow_null=True)


@extend_schema_serializer(component_name="OpenIdConnectApplicationSettingsClientKeys")
class _JwksInput(serializers.Serializer):
    keys = serializers.ListField(child=StrictDictField(max_bytes=8 * 1024), max_length=20)


@extend_schema_serializer(component_name="OpenIdConnectApplicationSettingsClient")
class OAuthSettingsInput(serializers.Serializer):
    grant_types = serializers.ListField(child=serializers.ChoiceField(choices=GrantType.choices), max_length=10,
                                        allow_empty=False)
    response_types = serializers.ListField(child=serializers.ChoiceField(choices=ResponseType.choices),
                                           max_length=3, required=False, allow_null=True)
    redirect_uris = _uri_list()
    post_logout_redirect_uris = _uri_list()
    application_type = serializers.ChoiceField(choices=ApplicationType.choices, required=False, allow_null=True)
    consent_method = serializers.ChoiceField(choices=ConsentMethod.choices, required=False, allow_null=True)
    refresh_token = _RefreshTokenInput(required=False, allow_null=True)
    jwks = _JwksInput(required=False, allow_null=True)
    # Castellan has no custom domains and no wildcard redirects (docs/compat.md).
    issuer_mode = serializers.ChoiceField(choices=["ORG_URL"], required=False, allow_null=True)
    wildcard_redirect = serializers.ChoiceField(choices=["DISABLED"], required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        for name in OPTIONAL_URIS:
            # The model's URLField holds 200 characters.
            fields[name] = serializers.URLField(max_length=200, required=False, allow_blank=True, allow_null=True)
        return fields


@extend_schema_serializer(component_name="ApplicationCredentialsOAuthClient")
class OAuthCredentialsInput(serializers.Serializer):
    client_id = StrictCharField(max_length=100, required=False, allow_null=True)
    client_secret = StrictCharField(max_length=255, required=False, allow_null=True, trim_whitespace=False)
    token_endpoint_auth_method = serializers.ChoiceField(choices=AuthMethod.choices, required=False,
                                                         allow_null=True)
    pkce_required = StrictBooleanField(required=False, allow_null=True)
    autoKeyRotation = StrictBooleanField(required=False, allow_null=True)


@extend_schema_serializer(component_name="OpenIdConnectApplicationSettings")
class _SettingsInput(serializers.Serializer):
    oauthClient = OAuthSettingsInput()


@extend_schema_serializer(component_name="OAuthApplicationCredentials")
class _CredentialsInput(serializers.Serializer):
    oauthClient = OAuthCredentialsInput(required=False, allow_null=True)


@extend_schema_serializer(component_name="OpenIdConnectApplication")
class ApplicationInput(serializers.Serializer):
    name = serializers.ChoiceField(choices=["oidc_client"], required=False, allow_null=True)
    label = StrictCharField(max_length=255)
    signOnMode = serializers.ChoiceField(choices=["OPENID_CONNECT"], required=False, allow_null=True,
                                         error_messages={"invalid_choice": "Castellan manages OPENID_CONNECT apps "
                                                                           "only; \"{input}\" is not supported."})
    settings = _SettingsInput()
    credentials = _CredentialsInput(required=False, allow_null=True)
    profile = StrictDictField(required=False, allow_null=True)

    @staticmethod
    def service_kwargs(data: dict) -> dict:
        """Keyword arguments shared by `client_create` and `client_replace`."""
        oauth = data["settings"]["oauthClient"]
        credentials = (data.get("credentials") or {}).get("oauthClient") or {}
        kwargs = {
            "label": data["label"],
            "grant_types": list(oauth["grant_types"]),
            "application_type": oauth.get("application_type"),
            "redirect_uris": list(oauth.get("redirect_uris") or []),
            "post_logout_redirect_uris": list(oauth.get("post_logout_redirect_uris") or []),
            "response_types": oauth.get("response_types"),
            "consent_method": oauth.get("consent_method"),
            "pkce_required": credentials.get("pkce_required"),
            "profile": data.get("profile"),
            "uris": {name: oauth.get(name) for name in OPTIONAL_URIS},
            "refresh_token": oauth.get("refresh_token"),
            "jwks": oauth.get("jwks"),
        }
        if credentials.get("token_endpoint_auth_method"):
            kwargs["token_endpoint_auth_method"] = credentials["token_endpoint_auth_method"]
        return kwargs


@extend_schema_serializer(component_name="AppUserAssignRequest")
class AppUserInput(serializers.Serializer):
    """assignUserToApplication: `{"id": userId, "scope": "USER", ...}`."""

    id = StrictCharField(max_length=20)
    scope = serializers.ChoiceField(choices=["USER"], required=False, allow_null=True)


@extend_schema_serializer(component_name="ApplicationGroupAssignment")
class AppGroupInput(serializers.Serializer):
    """assignGroupToApplication: an optional `{"priority", "profile"}`; Castellan keeps neither."""

    priority = serializers.IntegerField(min_value=0, max_value=10_000, required=False, allow_null=True)
    profile = StrictDictField(required=False, allow_null=True, max_bytes=4 * 1024)


# --- responses: what `clients.presenters` answers, described for the OpenAPI document -------------

def _timestamp(**kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(**kwargs)


@extend_schema_serializer(component_name="ApplicationCredentialsOAuthClient")
class _OAuthCredentialsOutput(serializers.Serializer):
    autoKeyRotation = serializers.BooleanField()
    client_id = serializers.CharField()
    client_secret = serializers.CharField(required=False, help_text="Only in the answer that created it")
    token_endpoint_auth_method = serializers.ChoiceField(choices=AuthMethod.choices)
    pkce_required = serializers.BooleanField()


@extend_schema_serializer(component_name="OAuthApplicationCredentials")
class _CredentialsOutput(serializers.Serializer):
    oauthClient = _OAuthCredentialsOutput()


@extend_schema_serializer(component_name="OpenIdConnectApplicationSettingsClient")
class _OAuthSettingsOutput(serializers.Serializer):
    client_uri = serializers.CharField(required=False)
    logo_uri = serializers.CharField(required=False)
    policy_uri = serializers.CharField(required=False)
    tos_uri = serializers.CharField(required=False)
    initiate_login_uri = serializers.CharField(required=False)
    jwks_uri = serializers.CharField(required=False)
    redirect_uris = serializers.ListField(child=serializers.CharField())
    post_logout_redirect_uris = serializers.ListField(child=serializers.CharField())
    response_types = serializers.ListField(child=serializers.ChoiceField(choices=ResponseType.choices))
    grant_types = serializers.ListField(child=serializers.ChoiceField(choices=GrantType.choices))
    application_type = serializers.ChoiceField(choices=ApplicationType.choices)
    consent_method = serializers.ChoiceField(choices=ConsentMethod.choices)
    issuer_mode = serializers.CharField()
    idp_initiated_login = serializers.JSONField()
    wildcard_redirect = serializers.CharField()
    jwks = serializers.JSONField(required=False)
    refresh_token = serializers.JSONField(required=False, help_text="With the refresh_token grant only")


@extend_schema_serializer(component_name="OpenIdConnectApplicationSettings")
class _SettingsOutput(serializers.Serializer):
    app = serializers.JSONField()
    oauthClient = _OAuthSettingsOutput()


@extend_schema_serializer(component_name="OpenIdConnectApplication")
class ApplicationOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=["ACTIVE", "INACTIVE"])
    created = _timestamp()
    lastUpdated = _timestamp()
    signOnMode = serializers.CharField()
    credentials = _CredentialsOutput()
    settings = _SettingsOutput()
    profile = serializers.JSONField(allow_null=True)
    _links = links_field()


@extend_schema_serializer(component_name="AppUserCredentials")
class _AppUserCredentialsOutput(serializers.Serializer):
    userName = serializers.CharField()


@extend_schema_serializer(component_name="AppUser")
class AppUserOutput(serializers.Serializer):
    id = serializers.CharField()
    externalId = serializers.CharField(allow_null=True)
    created = _timestamp()
    lastUpdated = _timestamp()
    scope = serializers.ChoiceField(choices=["USER", "GROUP"])
    status = serializers.CharField()
    statusChanged = _timestamp(allow_null=True)
    passwordChanged = _timestamp(allow_null=True)
    syncState = serializers.CharField()
    credentials = _AppUserCredentialsOutput()
    profile = serializers.JSONField()
    _links = links_field()


@extend_schema_serializer(component_name="ApplicationGroupAssignment")
class AppGroupOutput(serializers.Serializer):
    id = serializers.CharField()
    lastUpdated = _timestamp()
    priority = serializers.IntegerField()
    profile = serializers.JSONField()
    _links = links_field()


@extend_schema_serializer(component_name="EmptyObject")
class EmptyObject(serializers.Serializer):
    """`{}`: what a lifecycle operation answers."""
