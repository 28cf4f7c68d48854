"""Request bodies of the authorization server API, in Okta's camelCase.

Unknown and read-only fields (`id`, `issuer`, `status`, `_links`...) are ignored, as Okta's SDKs send
whole objects back on PUT; they also send `null` for fields they do not set, which counts as absent.
Responses come from `authservers.presenters`, wrapped as output serializers.
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from config.openapi import links_field

from ..models import ConsentType, IssuerMode, MetadataPublish, RotationMode, ServerStatus
from ..presenters import authserver_to_okta, scope_to_okta, signing_key_to_okta


def api_base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


class StrictCharField(serializers.CharField):
    """A JSON string, never a number or boolean turned into one (DRF's CharField would take `12`)."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class PresenterSerializer(serializers.Serializer):
    """An output serializer: the body is the presenter's; the declared read-only fields only describe
    it in the OpenAPI document (schemathesis checks the two agree, tests/test_openapi.py)."""

    present = None

    def to_representation(self, instance):
        request = self.context.get("request")
        return type(self).present(instance, api_base_url(request) if request else None)


@extend_schema_serializer(component_name="AuthorizationServerCredentialsSigningConfig")
class _SigningOutput(serializers.Serializer):
    rotationMode = serializers.ChoiceField(choices=RotationMode.choices)
    lastRotated = serializers.DateTimeField(required=False)
    nextRotation = serializers.DateTimeField(required=False)
    kid = serializers.CharField(required=False)
    use = serializers.CharField()


@extend_schema_serializer(component_name="AuthorizationServerCredentials")
class _CredentialsOutput(serializers.Serializer):
    signing = _SigningOutput()


@extend_schema_serializer(component_name="AuthorizationServer")
class AuthorizationServerOutput(PresenterSerializer):
    present = staticmethod(authserver_to_okta)

    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    audiences = serializers.ListField(child=serializers.CharField())
    issuer = serializers.CharField()
    issuerMode = serializers.ChoiceField(choices=IssuerMode.choices)
    status = serializers.ChoiceField(choices=ServerStatus.choices)
    created = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    credentials = _CredentialsOutput()
    _links = serializers.JSONField(help_text="self, scopes, claims, policies, rotateKey, (de)activate, metadata")


@extend_schema_serializer(component_name="OAuth2Scope")
class ScopeOutput(PresenterSerializer):
    present = staticmethod(scope_to_okta)

    id = serializers.CharField()
    name = serializers.CharField()
    displayName = serializers.CharField()
    description = serializers.CharField()
    system = serializers.BooleanField()
    default = serializers.BooleanField()
    consent = serializers.ChoiceField(choices=ConsentType.choices)
    optional = serializers.BooleanField()
    metadataPublish = serializers.ChoiceField(choices=MetadataPublish.choices)
    _links = links_field()


@extend_schema_serializer(component_name="AuthorizationServerJsonWebKey")
class SigningKeyOutput(PresenterSerializer):
    present = staticmethod(signing_key_to_okta)

    status = serializers.ChoiceField(choices=["ACTIVE", "NEXT", "EXPIRED"])
    alg = serializers.CharField()
    e = serializers.CharField(required=False)
    n = serializers.CharField(required=False)
    crv = serializers.CharField(required=False)
    x = serializers.CharField(required=False)
    y = serializers.CharField(required=False)
    kid = serializers.CharField()
    kty = serializers.CharField()
    use = serializers.CharField()
    _links = links_field()


@extend_schema_serializer(component_name="AuthorizationServerCredentialsSigningConfig")
class _SigningInput(serializers.Serializer):
    rotationMode = serializers.ChoiceField(choices=RotationMode.choices, required=False, allow_null=True)


@extend_schema_serializer(component_name="AuthorizationServerCredentials")
class _CredentialsInput(serializers.Serializer):
    signing = _SigningInput(required=False, allow_null=True)


@extend_schema_serializer(component_name="AuthorizationServer")
class AuthorizationServerInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=1024, required=False, allow_blank=True, allow_null=True)
    audiences = serializers.ListField(child=serializers.CharField(max_length=1024), max_length=10)
    issuerMode = serializers.ChoiceField(choices=IssuerMode.choices, required=False, allow_null=True)
    credentials = _CredentialsInput(required=False, allow_null=True)

    def service_kwargs(self) -> dict:
        data = self.validated_data
        signing = (data.get("credentials") or {}).get("signing") or {}
        return {"name": data["name"], "audiences": data["audiences"], "description": data.get("description") or "",
                "issuer_mode": data.get("issuerMode"), "rotation_mode": signing.get("rotationMode")}


@extend_schema_serializer(component_name="OAuth2Scope")
class ScopeInput(serializers.Serializer):
    name = serializers.CharField(max_length=300, trim_whitespace=False)
    displayName = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    description = serializers.CharField(max_length=1024, required=False, allow_blank=True, allow_null=True)
    consent = serializers.ChoiceField(choices=ConsentType.choices, required=False, allow_null=True)
    optional = serializers.BooleanField(required=False, allow_null=True)
    default = serializers.BooleanField(required=False, allow_null=True)
    metadataPublish = serializers.ChoiceField(choices=MetadataPublish.choices, required=False, allow_null=True)

    def service_kwargs(self) -> dict:
        data = self.validated_data
        return {"name": data["name"], "display_name": data.get("displayName") or "",
                "description": data.get("description") or "", "consent": data.get("consent") or ConsentType.IMPLICIT,
                "optional": bool(data.get("optional")), "default": bool(data.get("default")),
                "metadata_publish": data.get("metadataPublish") or MetadataPublish.NO_CLIENTS}
