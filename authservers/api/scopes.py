"""`/api/v1/authorizationServers/{id}/scopes`: Okta's OAuth2Scope operations."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import okta_responses

from .. import api_services, services
from . import serializers as s
from .common import actor, child_or_404, paged, search_term, server_or_404
from .servers import PAGING, SEARCH

TAGS = ["AuthorizationServerScopes"]


def _scope_or_404(server_id: str, scope_id: str):
    return child_or_404(server_or_404(server_id).scopes.all(), scope_id, "OAuth2Scope")


class ScopeListApi(APIView):
    """listOAuth2Scopes, createOAuth2Scope (201)."""

    InputSerializer = s.ScopeInput
    OutputSerializer = s.ScopeOutput

    @extend_schema(operation_id="listOAuth2Scopes", tags=TAGS, parameters=[SEARCH, *PAGING],
                   responses=okta_responses(200, OutputSerializer(many=True), 400, 404))
    def get(self, request, server_id):
        queryset = server_or_404(server_id).scopes.all()
        q = search_term(request)
        if q:
            queryset = queryset.filter(name__icontains=q)
        return paged(request, queryset, self.OutputSerializer, default_limit=200, max_limit=200)

    @extend_schema(operation_id="createOAuth2Scope", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(201, OutputSerializer, 400, 404, 413))
    def post(self, request, server_id):
        server = server_or_404(server_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scope = services.scope_create(server=server, **body.service_kwargs(), actor=actor(request))
        return Response(self.OutputSerializer(scope, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ScopeDetailApi(APIView):
    """getOAuth2Scope, replaceOAuth2Scope, deleteOAuth2Scope (204)."""

    InputSerializer = s.ScopeInput
    OutputSerializer = s.ScopeOutput

    @extend_schema(operation_id="getOAuth2Scope", tags=TAGS, responses=okta_responses(200, OutputSerializer, 404))
    def get(self, request, server_id, scope_id):
        scope = _scope_or_404(server_id, scope_id)
        return Response(self.OutputSerializer(scope, context={"request": request}).data)

    @extend_schema(operation_id="replaceOAuth2Scope", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(200, OutputSerializer, 400, 404, 413))
    def put(self, request, server_id, scope_id):
        scope = _scope_or_404(server_id, scope_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scope = api_services.scope_update(scope=scope, **body.service_kwargs(), actor=actor(request))
        return Response(self.OutputSerializer(scope, context={"request": request}).data)

    @extend_schema(operation_id="deleteOAuth2Scope", tags=TAGS, responses=okta_responses(204, None, 404))
    def delete(self, request, server_id, scope_id):
        api_services.scope_delete(scope=_scope_or_404(server_id, scope_id), actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
