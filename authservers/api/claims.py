"""`/api/v1/authorizationServers/{id}/claims`: Okta's OAuth2Claim operations.

Writes go through `claim_services`, which check names, scopes and compile EL expressions; their
problems come back as E0000001 with the detail (an expression's syntax error and position) as the
cause. A PUT replaces the fields it carries and keeps the others, so a system claim sent back
whole, as the SDKs do, is accepted unchanged.
"""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import links_field, okta_responses

from .. import claim_services
from ..models import ClaimStatus, ClaimType, ClaimValueType, GroupFilterType
from ..presenters import claim_to_okta
from .common import actor, child_or_404, forbidden, paged, server_or_404
from .serializers import PresenterSerializer, StrictCharField
from .servers import PAGING

TAGS = ["AuthorizationServerClaims"]


@extend_schema_serializer(component_name="OAuth2ClaimConditions")
class _ConditionsInput(serializers.Serializer):
    scopes = serializers.ListField(child=StrictCharField(max_length=300), max_length=200, required=False,
                                   allow_null=True, help_text="Scope names; empty means any scope")


@extend_schema_serializer(component_name="OAuth2Claim")
class ClaimInput(serializers.Serializer):
    name = StrictCharField(max_length=100, trim_whitespace=False)
    claimType = serializers.ChoiceField(choices=ClaimType.choices)
    valueType = serializers.ChoiceField(choices=ClaimValueType.choices, required=False, allow_null=True,
                                        help_text="EXPRESSION (default) or GROUPS; SYSTEM only on system claims")
    value = StrictCharField(max_length=2000, allow_blank=True, trim_whitespace=False,
                                  help_text="An Okta EL expression, or for GROUPS the group filter")
    group_filter_type = serializers.ChoiceField(choices=GroupFilterType.choices, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False, allow_null=True)
    alwaysIncludeInToken = serializers.BooleanField(required=False, allow_null=True)
    conditions = _ConditionsInput(required=False, allow_null=True)

    _MODEL_NAMES = {"name": "name", "claimType": "claim_type", "valueType": "value_type", "value": "value",
                    "group_filter_type": "group_filter_type", "status": "status",
                    "alwaysIncludeInToken": "always_include_in_token"}

    def given(self) -> dict:
        """The fields the caller set (not null), in the services' keyword names."""
        data = self.validated_data
        out = {model: data[wire] for wire, model in self._MODEL_NAMES.items() if data.get(wire) is not None}
        scopes = (data.get("conditions") or {}).get("scopes")
        if scopes is not None:
            out["conditions_scopes"] = list(scopes)
        return out


@extend_schema_serializer(component_name="OAuth2ClaimConditions")
class _ConditionsOutput(serializers.Serializer):
    scopes = serializers.ListField(child=StrictCharField())


@extend_schema_serializer(component_name="OAuth2Claim")
class ClaimOutput(PresenterSerializer):
    present = staticmethod(claim_to_okta)

    id = StrictCharField()
    name = StrictCharField()
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    claimType = serializers.ChoiceField(choices=ClaimType.choices)
    valueType = serializers.ChoiceField(choices=ClaimValueType.choices)
    value = StrictCharField()
    group_filter_type = serializers.ChoiceField(choices=GroupFilterType.choices, required=False,
                                                help_text="Only on GROUPS claims")
    alwaysIncludeInToken = serializers.BooleanField()
    conditions = _ConditionsOutput()
    system = serializers.BooleanField()
    apiResourceId = StrictCharField(allow_null=True)
    _links = links_field()


def _claim_or_404(server_id: str, claim_id: str):
    return child_or_404(server_or_404(server_id).claims.all(), claim_id, "OAuth2Claim")


class ClaimListApi(APIView):
    """listOAuth2Claims, createOAuth2Claim (201)."""

    InputSerializer = ClaimInput
    OutputSerializer = ClaimOutput

    @extend_schema(operation_id="listOAuth2Claims", tags=TAGS, parameters=PAGING,
                   responses=okta_responses(200, OutputSerializer(many=True), 400, 404))
    def get(self, request, server_id):
        queryset = server_or_404(server_id).claims.all()
        return paged(request, queryset, self.OutputSerializer, default_limit=200, max_limit=200)

    @extend_schema(operation_id="createOAuth2Claim", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(201, OutputSerializer, 400, 404, 413))
    def post(self, request, server_id):
        server = server_or_404(server_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim = claim_services.claim_create(server=server, **body.given(), actor=actor(request))
        return Response(self.OutputSerializer(claim, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ClaimDetailApi(APIView):
    """getOAuth2Claim, replaceOAuth2Claim, deleteOAuth2Claim (204; never a system claim)."""

    InputSerializer = ClaimInput
    OutputSerializer = ClaimOutput

    @extend_schema(operation_id="getOAuth2Claim", tags=TAGS, responses=okta_responses(200, OutputSerializer, 404))
    def get(self, request, server_id, claim_id):
        claim = _claim_or_404(server_id, claim_id)
        return Response(self.OutputSerializer(claim, context={"request": request}).data)

    @extend_schema(operation_id="replaceOAuth2Claim", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(200, OutputSerializer, 400, 404, 413))
    def put(self, request, server_id, claim_id):
        claim = _claim_or_404(server_id, claim_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim = claim_services.claim_update(claim=claim, **body.given(), actor=actor(request))
        return Response(self.OutputSerializer(claim, context={"request": request}).data)

    @extend_schema(operation_id="deleteOAuth2Claim", tags=TAGS, responses=okta_responses(204, None, 404))
    def delete(self, request, server_id, claim_id):
        claim = _claim_or_404(server_id, claim_id)
        if claim.system:
            # Okta's spec declares 403, not 400, for deleteOAuth2Claim: system claims are undeletable.
            raise forbidden("System claims cannot be deleted.")
        claim_services.claim_delete(claim=claim, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
