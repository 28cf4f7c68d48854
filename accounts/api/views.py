"""`/api/v1/users` and `/api/v1/groups` as Okta's management API: parse, write through
`accounts.services`, answer with `accounts.presenters`; errors are rendered once, by `config.api`."""

from django.db import transaction
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api.serializers import EmptyObject
from config.api import OktaAPIError, not_found
from config.openapi import okta_responses

from .. import api_services, services
from ..models import Group, GroupType, User, UserStatus
from ..presenters import group_to_okta, user_to_okta
from . import serializers as s
from .common import (
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
from .filters import Attribute, filtered, search_term

USER_TAGS = ["User"]
GROUP_TAGS = ["Group"]
USER_SEARCH = OpenApiParameter("search", str, description="A filter expression (the same subset as `filter`)")
USER_FILTER = {
    "id": Attribute("pk"),
    "status": Attribute("status", "enum", tuple(UserStatus.values)),
    "profile.login": Attribute("login", case_insensitive=True),
    "profile.email": Attribute("email", case_insensitive=True),
    "profile.firstName": Attribute("first_name", case_insensitive=True),
    "profile.lastName": Attribute("last_name", case_insensitive=True),
    "created": Attribute("created", "datetime"),
    "lastUpdated": Attribute("last_updated", "datetime"),
    "statusChanged": Attribute("status_changed", "datetime"),
}
GROUP_FILTER = {
    "id": Attribute("pk"),
    "type": Attribute("type", "enum", tuple(GroupType.values)),
    "profile.name": Attribute("name", case_insensitive=True),
    "created": Attribute("created", "datetime"),
    "lastUpdated": Attribute("last_updated", "datetime"),
    "lastMembershipUpdated": Attribute("last_updated", "datetime"),
}


def user_or_404(key: str) -> User:
    """A user by id or by login (Okta accepts either in the path), without regard to case for logins."""
    user = None
    if usable_key(key, 100):
        user = User.objects.filter(pk=key).first() or User.objects.filter(login__iexact=key).first()
    if user is None:
        raise not_found(key, "User")
    return user


def _manageable(request, user: User) -> User:
    """`user`, if the acting admin may change it: only a superuser changes a superuser (password, status...)."""
    if user.is_superuser and not request.user.is_superuser:
        raise OktaAPIError("E0000006", "You do not have permission to perform the requested action", 403,
                           ["Only a superuser can change a superuser."])
    return user


def group_or_404(group_id: str) -> Group:
    return get_or_404(Group.objects.all(), group_id, "UserGroup")


def _user(request, user: User, **kwargs) -> Response:
    return Response(user_to_okta(user, base_url(request)), **kwargs)


def _group(request, group: Group, **kwargs) -> Response:
    return Response(group_to_okta(group, base_url(request)), **kwargs)


class UserListApi(APIView):
    """listUsers, createUser (200; `?activate=false` leaves the user STAGED)."""

    @extend_schema(operation_id="listUsers", tags=USER_TAGS,
                   parameters=[SEARCH, FILTER, USER_SEARCH, *paging_parameters()],
                   responses=okta_responses(200, s.UserOutput(many=True), 400))
    def get(self, request):
        queryset = User.objects.all()
        q = search_term(request)
        if q:
            # Okta: `q` matches the start of firstName, lastName or email (and login here).
            queryset = queryset.filter(Q(first_name__istartswith=q) | Q(last_name__istartswith=q)
                                       | Q(email__istartswith=q) | Q(login__istartswith=q))
        if request.query_params.get("filter") or request.query_params.get("search"):
            # Okta's `search` takes the same expressions (with more operators Castellan does not offer).
            queryset = filtered(request, queryset, USER_FILTER)
            queryset = filtered(request, queryset, USER_FILTER, parameter="search")
        elif not q:
            # Okta: a plain list leaves out DEPROVISIONED users; a filter can ask for them.
            queryset = queryset.exclude(status=UserStatus.DEPROVISIONED)
        return paged(request, queryset, user_to_okta)

    @extend_schema(operation_id="createUser", tags=USER_TAGS, parameters=[ACTIVATE], request=s.UserInput,
                   responses=okta_responses(200, s.UserOutput, 400, 404, 413))
    def post(self, request):
        activate = query_flag(request, "activate", True)
        data = validated(s.UserInput, request.data)
        groups = [group_or_404(group_id) for group_id in data.get("groupIds") or []]
        with transaction.atomic():
            user = services.user_create(**s.UserInput.service_kwargs(data), validate_password=True,
                                        actor=actor(request),
                                        status=UserStatus.ACTIVE if activate else UserStatus.STAGED)
            for group in groups:
                if not group.is_built_in:  # every user is in Everyone already
                    api_services.group_membership_set(group=group, user=user, member=True, actor=actor(request))
        return _user(request, user)


class UserDetailApi(APIView):
    """getUser, replaceUser, deleteUser (204; the first delete deactivates, the second deletes)."""

    @extend_schema(operation_id="getUser", tags=USER_TAGS, responses=okta_responses(200, s.UserOutput, 404))
    def get(self, request, user_id):
        return _user(request, user_or_404(user_id))

    @extend_schema(operation_id="replaceUser", tags=USER_TAGS, request=s.UserInput,
                   responses=okta_responses(200, s.UserOutput, 400, 404, 413))
    def put(self, request, user_id):
        user = _manageable(request, user_or_404(user_id))
        kwargs = s.UserInput.service_kwargs(validated(s.UserInput, request.data))
        user = api_services.user_replace(user=user, **kwargs, actor=actor(request))
        return _user(request, user)

    @extend_schema(operation_id="deleteUser", tags=USER_TAGS, responses=okta_responses(204, None, 404))
    def delete(self, request, user_id):
        user = _manageable(request, user_or_404(user_id))
        if user.pk == request.user.pk:
            raise OktaAPIError("E0000006", "You do not have permission to perform the requested action", 403,
                               ["An admin cannot delete or deactivate the user they act as."])
        api_services.user_delete(user=user, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserLifecycleApi(APIView):
    """activateUser, deactivateUser, suspendUser, unsuspendUser: 200; one subclass each (`lifecycle_api`)."""

    operation = None

    def post(self, request, user_id):
        user = _manageable(request, user_or_404(user_id))
        if self.operation in ("deactivate", "suspend") and user.pk == request.user.pk:
            raise OktaAPIError("E0000006", "You do not have permission to perform the requested action", 403,
                               [f"An admin cannot {self.operation} the user they act as."])
        try:
            api_services.user_lifecycle(user=user, operation=self.operation, actor=actor(request))
        except api_services.UserLifecycleError as exc:
            if exc.code == "E0000016":
                raise OktaAPIError(exc.code, exc.message, 403) from None
            raise OktaAPIError("E0000001", f"Api validation failed: {self.operation}", 400, [exc.message]) from None
        # Okta: activate answers a UserActivationToken, empty when no activation link is made.
        return Response({})


def lifecycle_api(operation: str) -> type[UserLifecycleApi]:
    """The view of `/users/{id}/lifecycle/<operation>`, documented as Okta's `<operation>User`."""

    class Api(UserLifecycleApi):
        @extend_schema(operation_id=f"{operation}User", tags=USER_TAGS, request=None,
                       responses=okta_responses(200, EmptyObject, 400, 404))
        def post(self, request, user_id):
            return super().post(request, user_id)

    Api.operation = operation
    Api.__name__ = Api.__qualname__ = f"User{operation.title()}Api"
    return Api


USER_LIFECYCLE_APIS = {operation: lifecycle_api(operation)
                       for operation in ("activate", "deactivate", "suspend", "unsuspend")}


class GroupListApi(APIView):
    """listGroups, addGroup (200)."""

    @extend_schema(operation_id="listGroups", tags=GROUP_TAGS, parameters=[SEARCH, FILTER, *paging_parameters()],
                   responses=okta_responses(200, s.GroupOutput(many=True), 400))
    def get(self, request):
        queryset = Group.objects.all()
        q = search_term(request)
        if q:
            queryset = queryset.filter(name__istartswith=q)  # Okta: startsWith on the group name
        queryset = filtered(request, queryset, GROUP_FILTER)
        return paged(request, queryset, group_to_okta)

    @extend_schema(operation_id="addGroup", tags=GROUP_TAGS, request=s.GroupInput,
                   responses=okta_responses(200, s.GroupOutput, 400, 413))
    def post(self, request):
        data = validated(s.GroupInput, request.data)
        group = api_services.group_create(**s.GroupInput.service_kwargs(data), actor=actor(request))
        return _group(request, group)


class GroupDetailApi(APIView):
    """getGroup, replaceGroup, deleteGroup (204). Everyone (BUILT_IN) is read-only."""

    @extend_schema(operation_id="getGroup", tags=GROUP_TAGS, responses=okta_responses(200, s.GroupOutput, 404))
    def get(self, request, group_id):
        return _group(request, group_or_404(group_id))

    @extend_schema(operation_id="replaceGroup", tags=GROUP_TAGS, request=s.GroupInput,
                   responses=okta_responses(200, s.GroupOutput, 400, 404, 413))
    def put(self, request, group_id):
        group = group_or_404(group_id)
        data = validated(s.GroupInput, request.data)
        group = api_services.group_replace(group=group, **s.GroupInput.service_kwargs(data), actor=actor(request))
        return _group(request, group)

    @extend_schema(operation_id="deleteGroup", tags=GROUP_TAGS, responses=okta_responses(204, None, 404))
    def delete(self, request, group_id):
        api_services.group_delete(group=group_or_404(group_id), actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupUserListApi(APIView):
    """listGroupUsers."""

    @extend_schema(operation_id="listGroupUsers", tags=GROUP_TAGS, parameters=paging_parameters(),
                   responses=okta_responses(200, s.UserOutput(many=True), 400, 404))
    def get(self, request, group_id):
        group = group_or_404(group_id)
        return paged(request, group.users.all(), user_to_okta)


class GroupUserApi(APIView):
    """assignUserToGroup (PUT 204), unassignUserFromGroup (DELETE 204)."""

    @extend_schema(operation_id="assignUserToGroup", tags=GROUP_TAGS, request=None,
                   responses=okta_responses(204, None, 404))
    def put(self, request, group_id, user_id):
        group = group_or_404(group_id)
        user = get_or_404(User.objects.all(), user_id, "User")
        api_services.group_membership_set(group=group, user=user, member=True, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(operation_id="unassignUserFromGroup", tags=GROUP_TAGS,
                   responses=okta_responses(204, None, 404))
    def delete(self, request, group_id, user_id):
        group = group_or_404(group_id)
        user = get_or_404(User.objects.all(), user_id, "User")
        api_services.group_membership_set(group=group, user=user, member=False, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
