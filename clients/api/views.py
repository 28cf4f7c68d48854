"""`/api/v1/apps` for OIDC clients as Okta's management API: apps, their lifecycle, and their user
and group assignments. Parse with `serializers`, write through `clients.services`, answer with
`clients.presenters`; errors are rendered once, by `config.api`."""

from django.db.models import Q, Value
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.common import (
    ACTIVATE,
    FILTER,
    SEARCH,
    actor,
    base_url,
    get_or_404,
    paged,
    paging_parameters,
    query_flag,
    usable_key,
    validated,
)
from accounts.api.filters import Attribute, filtered, search_term
from accounts.models import Group, User
from authservers.services import ServiceError
from config.api import OktaAPIError, not_found
from config.openapi import okta_responses

from .. import api_services, lifecycle_services, services
from ..models import Client, ClientStatus
from ..presenters import app_group_to_okta, app_user_to_okta, client_to_okta
from . import serializers as s

APP_TAGS = ["Application"]
USER_TAGS = ["ApplicationUsers"]
GROUP_TAGS = ["ApplicationGroups"]
APP_NAME = "oidc_client"
APP_FILTER = {
    "id": Attribute("pk"),
    "status": Attribute("status", "enum", tuple(ClientStatus.values)),
    "name": Attribute("oidc_name", "enum", ("oidc_client",)),
    "credentials.oauthClient.client_id": Attribute("client_id"),
}


def _app_or_404(app_id: str) -> Client:
    return get_or_404(Client.objects.all(), app_id, "Application")


def _app(request, client: Client, secret: str | None = None) -> Response:
    return Response(client_to_okta(client, secret, base_url(request)))


class AppListApi(APIView):
    """listApplications, createApplication (200; `?activate=false` creates it INACTIVE)."""

    @extend_schema(operation_id="listApplications", tags=APP_TAGS,
                   parameters=[SEARCH, FILTER, *paging_parameters(20, 200)],
                   responses=okta_responses(200, s.ApplicationOutput(many=True), 400))
    def get(self, request):
        queryset = Client.objects.all()
        q = search_term(request)
        if q and not APP_NAME.startswith(q.lower()):
            # Okta: `q` is startsWith on name or label; every app here is named oidc_client.
            queryset = queryset.filter(label__istartswith=q)
        if request.query_params.get("filter"):
            queryset = filtered(request, queryset.annotate(oidc_name=Value(APP_NAME)), APP_FILTER)
        return paged(request, queryset, lambda client, base: client_to_okta(client, None, base),
                     default_limit=20, max_limit=200)

    @extend_schema(operation_id="createApplication", tags=APP_TAGS, parameters=[ACTIVATE],
                   request=s.ApplicationInput, responses=okta_responses(200, s.ApplicationOutput, 400, 413))
    def post(self, request):
        activate = query_flag(request, "activate", True)
        data = validated(s.ApplicationInput, request.data)
        kwargs = {key: value for key, value in s.ApplicationInput.service_kwargs(data).items() if value is not None}
        credentials = (data.get("credentials") or {}).get("oauthClient") or {}
        client, secret = services.client_create(
            **kwargs, client_id=credentials.get("client_id"), client_secret=credentials.get("client_secret"),
            status=ClientStatus.ACTIVE if activate else ClientStatus.INACTIVE, actor=actor(request),
        )
        return _app(request, client, secret)


class AppDetailApi(APIView):
    """getApplication, replaceApplication, deleteApplication (204, only once deactivated)."""

    @extend_schema(operation_id="getApplication", tags=APP_TAGS,
                   responses=okta_responses(200, s.ApplicationOutput, 404))
    def get(self, request, app_id):
        return _app(request, _app_or_404(app_id))

    @extend_schema(operation_id="replaceApplication", tags=APP_TAGS, request=s.ApplicationInput,
                   responses=okta_responses(200, s.ApplicationOutput, 400, 404, 413))
    def put(self, request, app_id):
        client = _app_or_404(app_id)
        data = validated(s.ApplicationInput, request.data)
        credentials = (data.get("credentials") or {}).get("oauthClient") or {}
        if credentials.get("client_id") not in (None, client.client_id):
            raise OktaAPIError("E0000001", "Api validation failed: credentials.oauthClient.client_id", 400,
                               ["credentials.oauthClient.client_id: The client_id cannot be changed."])
        client, secret = api_services.client_replace(client=client, **s.ApplicationInput.service_kwargs(data),
                                                 actor=actor(request))
        return _app(request, client, secret)

    @extend_schema(operation_id="deleteApplication", tags=APP_TAGS, responses=okta_responses(204, None, 403, 404))
    def delete(self, request, app_id):
        client = _app_or_404(app_id)
        try:
            lifecycle_services.client_delete(client=client, actor=actor(request))
        except ServiceError as exc:
            if exc.code != lifecycle_services.APP_DELETE_FORBIDDEN:
                raise
            # Okta: E0000056 "Delete application forbidden." (403) for an app that is still active.
            raise OktaAPIError(exc.code, "Delete application forbidden.", 403, [exc.message]) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class _AppLifecycleApi(APIView):
    target_status = None

    def post(self, request, app_id):
        api_services.client_set_status(client=_app_or_404(app_id), status=self.target_status, actor=actor(request))
        return Response({})


class AppActivateApi(_AppLifecycleApi):
    """activateApplication: 200 with an empty object."""

    target_status = ClientStatus.ACTIVE

    @extend_schema(operation_id="activateApplication", tags=APP_TAGS, request=None,
                   responses=okta_responses(200, s.EmptyObject, 404))
    def post(self, request, app_id):
        return super().post(request, app_id)


class AppDeactivateApi(_AppLifecycleApi):
    """deactivateApplication: 200 with an empty object."""

    target_status = ClientStatus.INACTIVE

    @extend_schema(operation_id="deactivateApplication", tags=APP_TAGS, request=None,
                   responses=okta_responses(200, s.EmptyObject, 404))
    def post(self, request, app_id):
        return super().post(request, app_id)


def _app_users(client: Client):
    """Users assigned directly or through a group (Everyone means every user)."""
    return User.objects.filter(Q(assigned_clients=client) | Q(directory_groups__assigned_clients=client)).distinct()


class AppUserListApi(APIView):
    """listApplicationUsers, assignUserToApplication (200)."""

    @extend_schema(operation_id="listApplicationUsers", tags=USER_TAGS, parameters=paging_parameters(50, 500),
                   responses=okta_responses(200, s.AppUserOutput(many=True), 400, 404))
    def get(self, request, app_id):
        client = _app_or_404(app_id)
        direct = set(client.assigned_users.values_list("pk", flat=True))
        return paged(request, _app_users(client),
                     lambda user, base: app_user_to_okta(client, user, "USER" if user.pk in direct else "GROUP", base),
                     default_limit=50, max_limit=500)

    @extend_schema(operation_id="assignUserToApplication", tags=USER_TAGS, request=s.AppUserInput,
                   responses=okta_responses(200, s.AppUserOutput, 400, 404, 413))
    def post(self, request, app_id):
        client = _app_or_404(app_id)
        data = validated(s.AppUserInput, request.data)
        user = get_or_404(User.objects.all(), data["id"], "User")
        if not client.assigned_users.filter(pk=user.pk).exists():
            services.client_assign(client=client, users=[user], actor=actor(request))
        return Response(app_user_to_okta(client, user, "USER", base_url(request)))


class AppUserApi(APIView):
    """getApplicationUser, unassignUserFromApplication (204)."""

    @extend_schema(operation_id="getApplicationUser", tags=USER_TAGS,
                   responses=okta_responses(200, s.AppUserOutput, 404))
    def get(self, request, app_id, user_id):
        client = _app_or_404(app_id)
        user = _app_users(client).filter(pk=user_id).first() if usable_key(user_id) else None
        if user is None:
            raise not_found(user_id, "AppUser")
        scope = "USER" if client.assigned_users.filter(pk=user.pk).exists() else "GROUP"
        return Response(app_user_to_okta(client, user, scope, base_url(request)))

    @extend_schema(operation_id="unassignUserFromApplication", tags=USER_TAGS,
                   responses=okta_responses(204, None, 404))
    def delete(self, request, app_id, user_id):
        client = _app_or_404(app_id)
        user = get_or_404(client.assigned_users.all(), user_id, "AppUser")
        api_services.client_unassign(client=client, users=[user], actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AppGroupListApi(APIView):
    """listApplicationGroupAssignments."""

    @extend_schema(operation_id="listApplicationGroupAssignments", tags=GROUP_TAGS,
                   parameters=paging_parameters(20, 200),
                   responses=okta_responses(200, s.AppGroupOutput(many=True), 400, 404))
    def get(self, request, app_id):
        client = _app_or_404(app_id)
        return paged(request, client.assigned_groups.all(),
                     lambda group, base: app_group_to_okta(client, group, base), default_limit=20, max_limit=200)


class AppGroupApi(APIView):
    """getApplicationGroupAssignment, assignGroupToApplication (PUT 200), unassignApplicationFromGroup (204)."""

    @extend_schema(operation_id="getApplicationGroupAssignment", tags=GROUP_TAGS,
                   responses=okta_responses(200, s.AppGroupOutput, 404))
    def get(self, request, app_id, group_id):
        client = _app_or_404(app_id)
        group = get_or_404(client.assigned_groups.all(), group_id, "ApplicationGroupAssignment")
        return Response(app_group_to_okta(client, group, base_url(request)))

    @extend_schema(operation_id="assignGroupToApplication", tags=GROUP_TAGS, request=s.AppGroupInput,
                   responses=okta_responses(200, s.AppGroupOutput, 400, 404, 413))
    def put(self, request, app_id, group_id):
        client = _app_or_404(app_id)
        group = get_or_404(Group.objects.all(), group_id, "UserGroup")
        validated(s.AppGroupInput, request.data if request.data else {})
        if not client.assigned_groups.filter(pk=group.pk).exists():
            services.client_assign(client=client, groups=[group], actor=actor(request))
        return Response(app_group_to_okta(client, group, base_url(request)))

    @extend_schema(operation_id="unassignApplicationFromGroup", tags=GROUP_TAGS,
                   responses=okta_responses(204, None, 404))
    def delete(self, request, app_id, group_id):
        client = _app_or_404(app_id)
        group = get_or_404(client.assigned_groups.all(), group_id, "ApplicationGroupAssignment")
        api_services.client_unassign(client=client, groups=[group], actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
