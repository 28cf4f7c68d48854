"""`/api/v1/authorizationServers`: servers, their scopes and signing keys, as Okta's management API.

Each view parses with an input serializer, reads through selectors, writes through services and
answers with the presenters' Okta shapes; errors are rendered once, by `config.api`.
"""

from django.db.models import Q
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from authservers import systemlog
from config.api import OktaAPIError, not_found
from config.pagination import paginate

from .. import api_services, services
from ..models import AuthorizationServer, ServerStatus
from ..selectors import authserver_get, published_keys
from . import serializers as s


def _actor(request) -> dict:
    return systemlog.actor_for_user(request.user)


def _usable_id(value: str) -> bool:
    # Ids are at most 20 characters; PostgreSQL text cannot hold NUL, so such a lookup cannot match.
    return len(value) <= 20 and "\x00" not in value


def _search_term(request) -> str | None:
    q = request.query_params.get("q")
    if q and ("\x00" in q or len(q) > 1024):
        raise OktaAPIError("E0000031", "Invalid search criteria.", 400, ["q: Not a valid search term."])
    return q


def _server_or_404(server_id: str) -> AuthorizationServer:
    server = authserver_get(server_id) if _usable_id(server_id) else None
    if server is None:
        raise not_found(server_id, "AuthorizationServer")
    return server


def _scope_or_404(server: AuthorizationServer, scope_id: str):
    scope = server.scopes.filter(pk=scope_id).first() if _usable_id(scope_id) else None
    if scope is None:
        raise not_found(scope_id, "OAuth2Scope")
    return scope


def _paged(request, queryset, output, **limits) -> Response:
    page, link = paginate(request, queryset, **limits)
    response = Response(output(page, many=True, context={"request": request}).data)
    response["Link"] = link
    return response


class AuthorizationServerListApi(APIView):
    """listAuthorizationServers, createAuthorizationServer (201)."""

    InputSerializer = s.AuthorizationServerInput
    OutputSerializer = s.AuthorizationServerOutput

    def get(self, request):
        queryset = AuthorizationServer.objects.prefetch_related("signing_keys")
        q = _search_term(request)
        if q:
            # Okta: `q` searches name and audiences.
            queryset = queryset.filter(Q(name__icontains=q) | Q(audiences__0__icontains=q))
        return _paged(request, queryset, self.OutputSerializer, default_limit=200, max_limit=200)

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs = {key: value for key, value in body.service_kwargs().items() if value is not None}
        server = services.authserver_create(**kwargs, actor=_actor(request))
        return Response(self.OutputSerializer(server, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class AuthorizationServerDetailApi(APIView):
    """getAuthorizationServer, replaceAuthorizationServer, deleteAuthorizationServer (204)."""

    InputSerializer = s.AuthorizationServerInput
    OutputSerializer = s.AuthorizationServerOutput

    def get(self, request, server_id):
        return Response(self.OutputSerializer(_server_or_404(server_id), context={"request": request}).data)

    def put(self, request, server_id):
        server = _server_or_404(server_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        server = api_services.authserver_update(server=server, **body.service_kwargs(), actor=_actor(request))
        return Response(self.OutputSerializer(server, context={"request": request}).data)

    def delete(self, request, server_id):
        api_services.authserver_delete(server=_server_or_404(server_id), actor=_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _AuthorizationServerLifecycleApi(APIView):
    target_status = None

    def post(self, request, server_id):
        api_services.authserver_set_status(server=_server_or_404(server_id), status=self.target_status,
                                           actor=_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthorizationServerActivateApi(_AuthorizationServerLifecycleApi):
    """activateAuthorizationServer (204)."""

    target_status = ServerStatus.ACTIVE


class AuthorizationServerDeactivateApi(_AuthorizationServerLifecycleApi):
    """deactivateAuthorizationServer (204)."""

    target_status = ServerStatus.INACTIVE


class ScopeListApi(APIView):
    """listOAuth2Scopes, createOAuth2Scope (201)."""

    InputSerializer = s.ScopeInput
    OutputSerializer = s.ScopeOutput

    def get(self, request, server_id):
        queryset = _server_or_404(server_id).scopes.all()
        q = _search_term(request)
        if q:
            queryset = queryset.filter(name__icontains=q)
        return _paged(request, queryset, self.OutputSerializer, default_limit=200, max_limit=200)

    def post(self, request, server_id):
        server = _server_or_404(server_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scope = services.scope_create(server=server, **body.service_kwargs(), actor=_actor(request))
        return Response(self.OutputSerializer(scope, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ScopeDetailApi(APIView):
    """getOAuth2Scope, replaceOAuth2Scope, deleteOAuth2Scope (204)."""

    InputSerializer = s.ScopeInput
    OutputSerializer = s.ScopeOutput

    def get(self, request, server_id, scope_id):
        scope = _scope_or_404(_server_or_404(server_id), scope_id)
        return Response(self.OutputSerializer(scope, context={"request": request}).data)

    def put(self, request, server_id, scope_id):
        scope = _scope_or_404(_server_or_404(server_id), scope_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scope = api_services.scope_update(scope=scope, **body.service_kwargs(), actor=_actor(request))
        return Response(self.OutputSerializer(scope, context={"request": request}).data)

    def delete(self, request, server_id, scope_id):
        scope = _scope_or_404(_server_or_404(server_id), scope_id)
        api_services.scope_delete(scope=scope, actor=_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class KeyListApi(APIView):
    """listAuthorizationServerKeys: ACTIVE, NEXT and EXPIRED keys."""

    OutputSerializer = s.SigningKeyOutput

    def get(self, request, server_id):
        keys = published_keys(_server_or_404(server_id))
        return Response(self.OutputSerializer(keys, many=True, context={"request": request}).data)


class KeyDetailApi(APIView):
    """getAuthorizationServerKey."""

    OutputSerializer = s.SigningKeyOutput

    def get(self, request, server_id, kid):
        server = _server_or_404(server_id)
        key = next((key for key in published_keys(server) if key.kid == kid), None)
        if key is None:
            raise not_found(kid, "AuthorizationServerJsonWebKey")
        return Response(self.OutputSerializer(key, context={"request": request}).data)


class KeyRotateApi(APIView):
    """rotateAuthorizationServerKeys: manual rotation at once, answered with the key list (200)."""

    OutputSerializer = s.SigningKeyOutput

    def post(self, request, server_id):
        server = _server_or_404(server_id)
        data = request.data
        if not isinstance(data, dict) or data.get("use") != "sig":
            # Okta: any `use` but "sig" is E0000001 with this summary and cause (REFERENCE §7).
            raise OktaAPIError("E0000001", "Api validation failed: rotateKeys", 400,
                               ["Invalid value specified for key 'use' parameter."])
        keys = services.signing_key_rotate(server=server, actor=_actor(request))
        return Response(self.OutputSerializer(keys, many=True, context={"request": request}).data)
