"""`/api/v1/authorizationServers`: the servers themselves and their lifecycle, as Okta's management API.

Each view parses with an input serializer, reads through selectors, writes through services and
answers with the presenters' Okta shapes; errors are rendered once, by `config.api`.
"""

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import okta_responses

from .. import api_services, services
from ..models import AuthorizationServer, ServerStatus
from . import serializers as s
from .common import actor, paged, search_term, server_or_404

TAGS = ["AuthorizationServer"]
PAGING = [
    OpenApiParameter("limit", int, description="Page size (default 200, at most 200)"),
    OpenApiParameter("after", str, description="Cursor from the previous page's `Link: rel=\"next\"`"),
]
SEARCH = OpenApiParameter("q", str, description="Case-insensitive substring of the name or audience")


class AuthorizationServerListApi(APIView):
    """listAuthorizationServers, createAuthorizationServer (201)."""

    InputSerializer = s.AuthorizationServerInput
    OutputSerializer = s.AuthorizationServerOutput

    @extend_schema(operation_id="listAuthorizationServers", tags=TAGS, parameters=[SEARCH, *PAGING],
                   responses=okta_responses(200, OutputSerializer(many=True), 400))
    def get(self, request):
        queryset = AuthorizationServer.objects.prefetch_related("signing_keys")
        q = search_term(request)
        if q:
            # Okta: `q` searches name and audiences.
            queryset = queryset.filter(Q(name__icontains=q) | Q(audiences__0__icontains=q))
        return paged(request, queryset, self.OutputSerializer, default_limit=200, max_limit=200)

    @extend_schema(operation_id="createAuthorizationServer", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(201, OutputSerializer, 400, 413))
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs = {key: value for key, value in body.service_kwargs().items() if value is not None}
        server = services.authserver_create(**kwargs, actor=actor(request))
        return Response(self.OutputSerializer(server, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class AuthorizationServerDetailApi(APIView):
    """getAuthorizationServer, replaceAuthorizationServer, deleteAuthorizationServer (204)."""

    InputSerializer = s.AuthorizationServerInput
    OutputSerializer = s.AuthorizationServerOutput

    @extend_schema(operation_id="getAuthorizationServer", tags=TAGS,
                   responses=okta_responses(200, OutputSerializer, 404))
    def get(self, request, server_id):
        return Response(self.OutputSerializer(server_or_404(server_id), context={"request": request}).data)

    @extend_schema(operation_id="replaceAuthorizationServer", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(200, OutputSerializer, 400, 404, 413))
    def put(self, request, server_id):
        server = server_or_404(server_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        server = api_services.authserver_update(server=server, **body.service_kwargs(), actor=actor(request))
        return Response(self.OutputSerializer(server, context={"request": request}).data)

    @extend_schema(operation_id="deleteAuthorizationServer", tags=TAGS, responses=okta_responses(204, None, 404))
    def delete(self, request, server_id):
        api_services.authserver_delete(server=server_or_404(server_id), actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _AuthorizationServerLifecycleApi(APIView):
    target_status = None

    def post(self, request, server_id):
        api_services.authserver_set_status(server=server_or_404(server_id), status=self.target_status,
                                           actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthorizationServerActivateApi(_AuthorizationServerLifecycleApi):
    """activateAuthorizationServer (204)."""

    target_status = ServerStatus.ACTIVE

    @extend_schema(operation_id="activateAuthorizationServer", tags=TAGS, request=None,
                   responses=okta_responses(204, None, 404))
    def post(self, request, server_id):
        return super().post(request, server_id)


class AuthorizationServerDeactivateApi(_AuthorizationServerLifecycleApi):
    """deactivateAuthorizationServer (204)."""

    target_status = ServerStatus.INACTIVE

    @extend_schema(operation_id="deactivateAuthorizationServer", tags=TAGS, request=None,
                   responses=okta_responses(204, None, 404))
    def post(self, request, server_id):
        return super().post(request, server_id)
