"""The management API's OpenAPI document (drf-spectacular): Okta's error object, HAL links, the
`SSWS` API-token scheme, and the per-operation responses helper the views annotate themselves with.

The document is generated from the code at `/api/v1/openapi.json`; `/api/v1/docs` renders it with
Swagger UI served from this installation's static files (drf-spectacular-sidecar, no CDN).
"""

from django.urls import path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework import serializers

API_PREFIX = "/api/v1/"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: SSWS <token>`, Okta's `apiToken` security scheme."""

    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "An API token, sent as `SSWS {token}` (`manage.py createapitoken`)."}


@extend_schema_serializer(component_name="ErrorCause")
class _ErrorCause(serializers.Serializer):
    errorSummary = serializers.CharField()


@extend_schema_serializer(component_name="Error")
class OktaErrorSerializer(serializers.Serializer):
    """Okta's error object; only `errorCode` is meant for program logic."""

    errorCode = serializers.CharField(help_text="E0000001 validation, E0000007 not found, ... (docs/api.md)")
    errorSummary = serializers.CharField()
    errorLink = serializers.CharField()
    errorId = serializers.CharField()
    errorCauses = _ErrorCause(many=True)


@extend_schema_serializer(component_name="HrefHints")
class _Hints(serializers.Serializer):
    allow = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="HrefObject")
class HrefObjectSerializer(serializers.Serializer):
    href = serializers.CharField()
    hints = _Hints(required=False)


def links_field() -> serializers.DictField:
    """`_links`: relation name to an Okta HAL link."""
    return serializers.DictField(child=HrefObjectSerializer(), read_only=True)


_ERRORS = {
    400: "Api validation failed (E0000001), malformed body (E0000003) or bad paging (E0000054)",
    401: "Missing or invalid API token (E0000011)",
    403: "Not staff, or a protected object (E0000006)",
    404: "Not found (E0000007)",
    413: "Request body too large (E0000003)",
    429: "Rate limited (E0000047)",
}


def okta_responses(success: int, body=None, *errors: int) -> dict:
    """The `responses` of an operation: its success status (with `body`, or none for 204) and the
    Okta error object under every error status it may answer (401 and 403 always)."""
    responses = {success: body if body is not None else OpenApiResponse(description="No Content")}
    for code in sorted({401, 403, 429, *errors}):
        responses[code] = OpenApiResponse(response=OktaErrorSerializer, description=_ERRORS[code])
    return responses


def only_management_api(endpoints, **kwargs):
    """Preprocessing hook: the document describes `/api/v1/` and nothing else."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]


# Okta's names for the path parameters (its `{authServerId}`, `{claimId}`...): the URL patterns keep
# Python's names, the document shows Okta's, so its paths read exactly as in Okta's spec.
PATH_PARAMETER_NAMES = {"server_id": "authServerId", "scope_id": "scopeId", "claim_id": "claimId",
                        "policy_id": "policyId", "rule_id": "ruleId", "kid": "keyId", "app_id": "appId",
                        "user_id": "userId", "group_id": "groupId", "secret_id": "secretId", "key_id": "keyId",
                        "client_id": "clientId", "token_id": "tokenId", "grant_id": "grantId"}
# Okta names the user of `/api/v1/users/{id}` plainly `id` (but `userId` under apps and groups).
# Under its clients and grants (the monitoring API) it is `userId` again; the first matching prefix wins.
PATH_PARAMETER_NAMES_UNDER = {"/api/v1/users/{user_id}/clients": {}, "/api/v1/users/{user_id}/grants": {},
                              "/api/v1/users/": {"user_id": "id"}}


def _okta_names(template: str) -> dict[str, str]:
    overrides = next((names for prefix, names in PATH_PARAMETER_NAMES_UNDER.items() if template.startswith(prefix)), {})
    return {**PATH_PARAMETER_NAMES, **overrides}


def okta_path_parameter_names(result, generator, request, public):
    """Postprocessing hook: rename path parameters to Okta's spelling, in paths and parameter lists."""
    paths = {}
    for template, item in result.get("paths", {}).items():
        names = _okta_names(template)
        for ours, okta in names.items():
            template = template.replace(f"{{{ours}}}", f"{{{okta}}}")
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "path":
                    parameter["name"] = names.get(parameter["name"], parameter["name"])
        paths[template] = item
    result["paths"] = paths
    return result


def okta_auth_errors_everywhere(result, generator, request, public):
    """Postprocessing hook: every `/api/v1` operation needs a staff token, so each may answer 401 and
    403 (and 429) with Okta's error object, annotated or not."""
    if "Error" not in result.get("components", {}).get("schemas", {}):
        return result
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for code in (401, 403, 429):
                    operation["responses"].setdefault(str(code), {**error, "description": _ERRORS[code]})
    return result


urlpatterns = [
    path("api/v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("api/v1/docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="openapi-docs"),
]
