"""`/api/v1/authorizationServers/{id}/policies`: Okta's AuthorizationServerPolicy operations.

Writes go through `policies.services`, which keep priorities contiguous (1..n) and write the System
Log. A PUT replaces the fields it carries and keeps the others. Policies list in evaluation order.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from config.openapi import links_field, okta_responses
from policies import services as policy_services
from policies.models import ALL_CLIENTS, Status
from policies.presenters import POLICY_TYPE, policy_to_okta

from .common import MAX_INT, actor, child_or_404, forbidden, invalid, paged_by_priority, server_or_404, wire_names
from .serializers import PresenterSerializer, StrictCharField
from .servers import PAGING

TAGS = ["AuthorizationServerPolicies"]
# The services' field names, as the API caller spells them.
POLICY_FIELDS = {"clients": "conditions.clients"}


@extend_schema_serializer(component_name="ClientPolicyCondition")
class _ClientsInput(serializers.Serializer):
    include = serializers.ListField(child=StrictCharField(max_length=255), max_length=500,
                                    help_text='"ALL_CLIENTS", or client ids')


@extend_schema_serializer(component_name="AuthorizationServerPolicyConditions")
class _PolicyConditionsInput(serializers.Serializer):
    clients = _ClientsInput(required=False, allow_null=True)


@extend_schema_serializer(component_name="AuthorizationServerPolicy")
class PolicyInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=[POLICY_TYPE])
    name = StrictCharField(max_length=100)
    description = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    priority = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False, allow_null=True,
                                        help_text="1 is evaluated first; others move to keep 1..n")
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_null=True)
    conditions = _PolicyConditionsInput(required=False, allow_null=True)

    def clients(self) -> list[str] | None:
        clients = ((self.validated_data.get("conditions") or {}).get("clients") or {}).get("include")
        if clients is None:
            return None
        unknown = sorted(set(clients) - {ALL_CLIENTS}
                         - set(Client.objects.filter(client_id__in=clients).values_list("client_id", flat=True)))
        if unknown:
            raise invalid("conditions.clients", f"No such client: {', '.join(unknown)}.")
        return list(clients)


@extend_schema_serializer(component_name="ClientPolicyCondition")
class _ClientsOutput(serializers.Serializer):
    include = serializers.ListField(child=StrictCharField())


@extend_schema_serializer(component_name="AuthorizationServerPolicyConditions")
class _PolicyConditionsOutput(serializers.Serializer):
    clients = _ClientsOutput()


@extend_schema_serializer(component_name="AuthorizationServerPolicy")
class PolicyOutput(PresenterSerializer):
    present = staticmethod(policy_to_okta)

    type = serializers.ChoiceField(choices=[POLICY_TYPE])
    id = StrictCharField()
    status = serializers.ChoiceField(choices=Status.choices)
    name = StrictCharField()
    description = StrictCharField()
    priority = serializers.IntegerField()
    system = serializers.BooleanField()
    conditions = _PolicyConditionsOutput()
    created = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    _links = links_field()


def policy_or_404(server_id: str, policy_id: str):
    return child_or_404(server_or_404(server_id).policies.all(), policy_id, "AuthorizationServerPolicy")


class PolicyListApi(APIView):
    """listAuthorizationServerPolicies, createAuthorizationServerPolicy (201)."""

    InputSerializer = PolicyInput
    OutputSerializer = PolicyOutput

    @extend_schema(operation_id="listAuthorizationServerPolicies", tags=TAGS, parameters=PAGING,
                   responses=okta_responses(200, OutputSerializer(many=True), 400, 404))
    def get(self, request, server_id):
        return paged_by_priority(request, server_or_404(server_id).policies.all(), self.OutputSerializer)

    @extend_schema(operation_id="createAuthorizationServerPolicy", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(201, OutputSerializer, 400, 404, 413))
    def post(self, request, server_id):
        server = server_or_404(server_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with wire_names(POLICY_FIELDS):
            policy = policy_services.policy_create(
                server=server, name=data["name"], description=data.get("description") or "",
                clients=body.clients(), priority=data.get("priority"), status=data.get("status") or Status.ACTIVE,
                actor=actor(request))
        return Response(self.OutputSerializer(policy, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class PolicyDetailApi(APIView):
    """getAuthorizationServerPolicy, replaceAuthorizationServerPolicy, deleteAuthorizationServerPolicy (204)."""

    InputSerializer = PolicyInput
    OutputSerializer = PolicyOutput

    @extend_schema(operation_id="getAuthorizationServerPolicy", tags=TAGS,
                   responses=okta_responses(200, OutputSerializer, 404))
    def get(self, request, server_id, policy_id):
        policy = policy_or_404(server_id, policy_id)
        return Response(self.OutputSerializer(policy, context={"request": request}).data)

    @extend_schema(operation_id="replaceAuthorizationServerPolicy", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(200, OutputSerializer, 400, 404, 413))
    def put(self, request, server_id, policy_id):
        policy = policy_or_404(server_id, policy_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        clients = body.clients()
        description = data.get("description")
        with transaction.atomic(), wire_names(POLICY_FIELDS):
            policy = policy_services.policy_update(
                policy=policy, name=data["name"],
                description=policy.description if description is None else description,
                clients=policy.clients if clients is None else clients, priority=data.get("priority"),
                actor=actor(request))
            wanted = data.get("status")
            if wanted and wanted != policy.status:
                policy = policy_services.policy_set_status(policy=policy, active=wanted == Status.ACTIVE,
                                                           actor=actor(request))
        return Response(self.OutputSerializer(policy, context={"request": request}).data)

    @extend_schema(operation_id="deleteAuthorizationServerPolicy", tags=TAGS,
                   responses=okta_responses(204, None, 404))
    def delete(self, request, server_id, policy_id):
        policy = policy_or_404(server_id, policy_id)
        if policy.system:
            raise forbidden("System policies cannot be deleted.")
        policy_services.policy_delete(policy=policy, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _PolicyLifecycleApi(APIView):
    active = None

    def post(self, request, server_id, policy_id):
        policy = policy_or_404(server_id, policy_id)
        if policy.is_active != self.active:  # doing it again changes nothing and logs nothing
            policy_services.policy_set_status(policy=policy, active=self.active, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyActivateApi(_PolicyLifecycleApi):
    """activateAuthorizationServerPolicy (204)."""

    active = True

    @extend_schema(operation_id="activateAuthorizationServerPolicy", tags=TAGS, request=None,
                   responses=okta_responses(204, None, 404))
    def post(self, request, server_id, policy_id):
        return super().post(request, server_id, policy_id)


class PolicyDeactivateApi(_PolicyLifecycleApi):
    """deactivateAuthorizationServerPolicy (204)."""

    active = False

    @extend_schema(operation_id="deactivateAuthorizationServerPolicy", tags=TAGS, request=None,
                   responses=okta_responses(204, None, 404))
    def post(self, request, server_id, policy_id):
        return super().post(request, server_id, policy_id)
