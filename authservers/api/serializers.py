"""Request bodies of the authorization server API, in Okta's camelCase.

Unknown and read-only fields (`id`, `issuer`, `status`, `_links`...) are ignored, as Okta's SDKs send
whole objects back on PUT; they also send `null` for fields they do not set, which counts as absent.
Responses come from `authservers.presenters`, wrapped as output serializers.
"""

from rest_framework import serializers

from ..models import ConsentType, IssuerMode, MetadataPublish, RotationMode
from ..presenters import authserver_to_okta, scope_to_okta, signing_key_to_okta


def api_base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


class _PresenterSerializer(serializers.BaseSerializer):
    present = None

    def to_representation(self, instance):
        request = self.context.get("request")
        return type(self).present(instance, api_base_url(request) if request else None)


class AuthorizationServerOutput(_PresenterSerializer):
    present = staticmethod(authserver_to_okta)


class ScopeOutput(_PresenterSerializer):
    present = staticmethod(scope_to_okta)


class SigningKeyOutput(_PresenterSerializer):
    present = staticmethod(signing_key_to_okta)


class _SigningInput(serializers.Serializer):
    rotationMode = serializers.ChoiceField(choices=RotationMode.choices, required=False, allow_null=True)


class _CredentialsInput(serializers.Serializer):
    signing = _SigningInput(required=False, allow_null=True)


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
