"""`/api/v1/authorizationServers/{id}/credentials`: the signing keys and their manual rotation."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import OktaAPIError, not_found
from config.openapi import okta_responses

from .. import services
from ..selectors import published_keys
from . import serializers as s
from .common import actor, server_or_404

TAGS = ["AuthorizationServerKeys"]
ROTATE_REQUEST = inline_serializer("JwkUse", {"use": serializers.ChoiceField(choices=["sig"])})


class KeyListApi(APIView):
    """listAuthorizationServerKeys: ACTIVE, NEXT and EXPIRED keys."""

    OutputSerializer = s.SigningKeyOutput

    @extend_schema(operation_id="listAuthorizationServerKeys", tags=TAGS,
                   responses=okta_responses(200, OutputSerializer(many=True), 404))
    def get(self, request, server_id):
        keys = published_keys(server_or_404(server_id))
        return Response(self.OutputSerializer(keys, many=True, context={"request": request}).data)


class KeyDetailApi(APIView):
    """getAuthorizationServerKey."""

    OutputSerializer = s.SigningKeyOutput

    @extend_schema(operation_id="getAuthorizationServerKey", tags=TAGS,
                   responses=okta_responses(200, OutputSerializer, 404))
    def get(self, request, server_id, kid):
        server = server_or_404(server_id)
        key = next((key for key in published_keys(server) if key.kid == kid), None)
        if key is None:
            raise not_found(kid, "AuthorizationServerJsonWebKey")
        return Response(self.OutputSerializer(key, context={"request": request}).data)


class KeyRotateApi(APIView):
    """rotateAuthorizationServerKeys: manual rotation at once, answered with the key list (200)."""

    OutputSerializer = s.SigningKeyOutput

    @extend_schema(operation_id="rotateAuthorizationServerKeys", tags=TAGS, request=ROTATE_REQUEST,
                   responses=okta_responses(200, OutputSerializer(many=True), 400, 404))
    def post(self, request, server_id):
        server = server_or_404(server_id)
        data = request.data
        if not isinstance(data, dict) or data.get("use") != "sig":
            # Okta: any `use` but "sig" is E0000001 with this summary and cause (REFERENCE §7).
            raise OktaAPIError("E0000001", "Api validation failed: rotateKeys", 400,
                               ["Invalid value specified for key 'use' parameter."])
        keys = services.signing_key_rotate(server=server, actor=actor(request))
        return Response(self.OutputSerializer(keys, many=True, context={"request": request}).data)
