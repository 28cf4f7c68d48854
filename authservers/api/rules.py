"""`/api/v1/authorizationServers/{id}/policies/{policyId}/rules`: Okta's AuthorizationServerPolicyRule
operations.

Writes go through `policies.services` (Okta's bounds on lifetimes, contiguous priorities, the System
Log). The users, groups and scopes a rule names must exist (`EVERYONE` and `*` stand for all), as
in the admin's rule editor. A PUT replaces the fields it carries and keeps the others.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Group, User
from config.openapi import links_field, okta_responses
from policies import services as policy_services
from policies.models import ANY_SCOPE, EVERYONE, Status
from policies.presenters import RULE_TYPE, rule_to_okta

from .common import MAX_INT, actor, child_or_404, forbidden, invalid, paged_by_priority, wire_names
from .policies import policy_or_404
from .serializers import PresenterSerializer, StrictCharField
from .servers import PAGING

TAGS = ["AuthorizationServerRules"]
RULE_FIELDS = {
    "grant_types": "conditions.grantTypes", "scopes": "conditions.scopes", "people": "conditions.people",
    "access_token_lifetime_minutes": "actions.token.accessTokenLifetimeMinutes",
    "refresh_token_lifetime_minutes": "actions.token.refreshTokenLifetimeMinutes",
    "refresh_token_window_minutes": "actions.token.refreshTokenWindowMinutes",
}
MINUTES = {"min_value": 0, "max_value": MAX_INT, "required": False, "allow_null": True}


def _ids(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=StrictCharField(max_length=20), max_length=500, required=False,
                                 allow_null=True, help_text=help_text)


@extend_schema_serializer(component_name="AuthorizationServerPolicyRuleUserCondition")
class _UsersInput(serializers.Serializer):
    include = _ids("User ids")
    exclude = _ids("User ids")


@extend_schema_serializer(component_name="AuthorizationServerPolicyRuleGroupCondition")
class _GroupsInput(serializers.Serializer):
    include = _ids('Group ids, or "EVERYONE"')
    exclude = _ids("Group ids")


@extend_schema_serializer(component_name="AuthorizationServerPolicyPeopleCondition")
class _PeopleInput(serializers.Serializer):
    users = _UsersInput(required=False, allow_null=True)
    groups = _GroupsInput(required=False, allow_null=True)


@extend_schema_serializer(component_name="IncludeCondition")
class _IncludeInput(serializers.Serializer):
    include = serializers.ListField(child=StrictCharField(max_length=300), max_length=200)


@extend_schema_serializer(component_name="AuthorizationServerPolicyRuleConditions")
class _RuleConditionsInput(serializers.Serializer):
    people = _PeopleInput()
    grantTypes = _IncludeInput()
    scopes = _IncludeInput(help_text='Scope names, or ["*"] for any scope')


@extend_schema_serializer(component_name="TokenAuthorizationServerPolicyRuleActionInlineHook")
class _InlineHookInput(serializers.Serializer):
    id = StrictCharField(max_length=100, required=False, allow_null=True)


@extend_schema_serializer(component_name="TokenAuthorizationServerPolicyRuleAction")
class _TokenActionInput(serializers.Serializer):
    accessTokenLifetimeMinutes = serializers.IntegerField(**MINUTES, help_text="5 to 1440 (default 60)")
    refreshTokenLifetimeMinutes = serializers.IntegerField(**MINUTES, help_text="0 = unlimited (default)")
    refreshTokenWindowMinutes = serializers.IntegerField(**MINUTES, help_text="10 to 2628000 (default 10080)")
    inlineHook = _InlineHookInput(required=False, allow_null=True, help_text="Not supported: leave out")


@extend_schema_serializer(component_name="AuthorizationServerPolicyRuleActions")
class _RuleActionsInput(serializers.Serializer):
    token = _TokenActionInput(required=False, allow_null=True)


@extend_schema_serializer(component_name="AuthorizationServerPolicyRule")
class RuleInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=[RULE_TYPE])
    name = StrictCharField(max_length=100)
    priority = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_null=True)
    conditions = _RuleConditionsInput()
    actions = _RuleActionsInput(required=False, allow_null=True)

    def fields_given(self, server) -> dict:
        """The rule's settings the caller set, in `policies.services` keyword names, with the users,
        groups and scopes it names checked against this installation and `server`."""
        data = self.validated_data
        conditions = data["conditions"]
        people = conditions["people"]
        users, groups = people.get("users") or {}, people.get("groups") or {}
        out = {"name": data["name"], "grant_types": conditions["grantTypes"]["include"],
               "scopes": conditions["scopes"]["include"]}
        # `people` is required and says it all: a list it leaves out is empty.
        for key, source, part in (("users_include", users, "include"), ("users_exclude", users, "exclude"),
                                  ("groups_include", groups, "include"), ("groups_exclude", groups, "exclude")):
            out[key] = list(source.get(part) or [])
        token = (data.get("actions") or {}).get("token") or {}
        if (token.get("inlineHook") or {}).get("id"):
            raise invalid("actions.token.inlineHook", "Token inline hooks are not supported by Castellan.")
        for key, wire in (("access_token_lifetime_minutes", "accessTokenLifetimeMinutes"),
                          ("refresh_token_lifetime_minutes", "refreshTokenLifetimeMinutes"),
                          ("refresh_token_window_minutes", "refreshTokenWindowMinutes")):
            if token.get(wire) is not None:
                out[key] = token[wire]
        _check_references(out, server)
        return out


def _missing(model, ids: list[str]) -> list[str]:
    return sorted(set(ids) - set(model.objects.filter(pk__in=ids).values_list("pk", flat=True)))


def _check_references(fields: dict, server) -> None:
    users = fields["users_include"] + fields["users_exclude"]
    groups = [group for group in fields["groups_include"] + fields["groups_exclude"] if group != EVERYONE]
    if missing := _missing(User, users):
        raise invalid("conditions.people.users", f"No such user: {', '.join(missing)}.")
    if missing := _missing(Group, groups):
        raise invalid("conditions.people.groups", f"No such group: {', '.join(missing)}.")
    scopes = set(fields["scopes"]) - {ANY_SCOPE}
    unknown = sorted(scopes - set(server.scopes.filter(name__in=scopes).values_list("name", flat=True)))
    if unknown:
        raise invalid("conditions.scopes", f"No such scope on this authorization server: {', '.join(unknown)}.")


@extend_schema_serializer(component_name="PeopleCondition")
class _PeopleListOutput(serializers.Serializer):
    include = serializers.ListField(child=StrictCharField())
    exclude = serializers.ListField(child=StrictCharField(), required=False,
                                    help_text="Only when it lists someone")


@extend_schema_serializer(component_name="AuthorizationServerPolicyPeopleCondition")
class _PeopleOutput(serializers.Serializer):
    users = _PeopleListOutput()
    groups = _PeopleListOutput()


@extend_schema_serializer(component_name="IncludeCondition")
class _IncludeOutput(serializers.Serializer):
    include = serializers.ListField(child=StrictCharField())


@extend_schema_serializer(component_name="AuthorizationServerPolicyRuleConditions")
class _RuleConditionsOutput(serializers.Serializer):
    people = _PeopleOutput()
    grantTypes = _IncludeOutput()
    scopes = _IncludeOutput()


@extend_schema_serializer(component_name="TokenAuthorizationServerPolicyRuleAction")
class _TokenActionOutput(serializers.Serializer):
    accessTokenLifetimeMinutes = serializers.IntegerField()
    refreshTokenLifetimeMinutes = serializers.IntegerField()
    refreshTokenWindowMinutes = serializers.IntegerField()


@extend_schema_serializer(component_name="AuthorizationServerPolicyRuleActions")
class _RuleActionsOutput(serializers.Serializer):
    token = _TokenActionOutput()


@extend_schema_serializer(component_name="AuthorizationServerPolicyRule")
class RuleOutput(PresenterSerializer):
    present = staticmethod(rule_to_okta)

    type = serializers.ChoiceField(choices=[RULE_TYPE])
    id = StrictCharField()
    status = serializers.ChoiceField(choices=Status.choices)
    name = StrictCharField()
    priority = serializers.IntegerField()
    system = serializers.BooleanField()
    created = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    conditions = _RuleConditionsOutput()
    actions = _RuleActionsOutput()
    _links = links_field()


def _rule_or_404(server_id: str, policy_id: str, rule_id: str):
    policy = policy_or_404(server_id, policy_id)
    return child_or_404(policy.rules.select_related("policy"), rule_id, "AuthorizationServerPolicyRule")


class RuleListApi(APIView):
    """listAuthorizationServerPolicyRules, createAuthorizationServerPolicyRule (201)."""

    InputSerializer = RuleInput
    OutputSerializer = RuleOutput

    @extend_schema(operation_id="listAuthorizationServerPolicyRules", tags=TAGS, parameters=PAGING,
                   responses=okta_responses(200, OutputSerializer(many=True), 400, 404))
    def get(self, request, server_id, policy_id):
        policy = policy_or_404(server_id, policy_id)
        return paged_by_priority(request, policy.rules.select_related("policy"), self.OutputSerializer)

    @extend_schema(operation_id="createAuthorizationServerPolicyRule", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(201, OutputSerializer, 400, 404, 413))
    def post(self, request, server_id, policy_id):
        policy = policy_or_404(server_id, policy_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.fields_given(policy.server)
        with wire_names(RULE_FIELDS):
            rule = policy_services.rule_create(
                policy=policy, **fields, priority=body.validated_data.get("priority"),
                status=body.validated_data.get("status") or Status.ACTIVE, actor=actor(request))
        return Response(self.OutputSerializer(rule, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class RuleDetailApi(APIView):
    """getAuthorizationServerPolicyRule, replaceAuthorizationServerPolicyRule, deleteAuthorizationServerPolicyRule
    (204; never a system rule)."""

    InputSerializer = RuleInput
    OutputSerializer = RuleOutput

    @extend_schema(operation_id="getAuthorizationServerPolicyRule", tags=TAGS,
                   responses=okta_responses(200, OutputSerializer, 404))
    def get(self, request, server_id, policy_id, rule_id):
        rule = _rule_or_404(server_id, policy_id, rule_id)
        return Response(self.OutputSerializer(rule, context={"request": request}).data)

    @extend_schema(operation_id="replaceAuthorizationServerPolicyRule", tags=TAGS, request=InputSerializer,
                   responses=okta_responses(200, OutputSerializer, 400, 404, 413))
    def put(self, request, server_id, policy_id, rule_id):
        rule = _rule_or_404(server_id, policy_id, rule_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.fields_given(rule.policy.server)
        priority = body.validated_data.get("priority")
        with transaction.atomic(), wire_names(RULE_FIELDS):
            if priority is not None:
                fields["priority"] = priority
            rule = policy_services.rule_update(rule=rule, **fields, actor=actor(request))
            wanted = body.validated_data.get("status")
            if wanted and wanted != rule.status:
                rule = policy_services.rule_set_status(rule=rule, active=wanted == Status.ACTIVE,
                                                       actor=actor(request))
        return Response(self.OutputSerializer(rule, context={"request": request}).data)

    @extend_schema(operation_id="deleteAuthorizationServerPolicyRule", tags=TAGS,
                   responses=okta_responses(204, None, 404))
    def delete(self, request, server_id, policy_id, rule_id):
        rule = _rule_or_404(server_id, policy_id, rule_id)
        if rule.system:
            raise forbidden("System rules cannot be deleted.")
        policy_services.rule_delete(rule=rule, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _RuleLifecycleApi(APIView):
    active = None

    def post(self, request, server_id, policy_id, rule_id):
        rule = _rule_or_404(server_id, policy_id, rule_id)
        if rule.is_active != self.active:  # doing it again changes nothing and logs nothing
            policy_services.rule_set_status(rule=rule, active=self.active, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleActivateApi(_RuleLifecycleApi):
    """activateAuthorizationServerPolicyRule (204)."""

    active = True

    @extend_schema(operation_id="activateAuthorizationServerPolicyRule", tags=TAGS, request=None,
                   responses=okta_responses(204, None, 404))
    def post(self, request, server_id, policy_id, rule_id):
        return super().post(request, server_id, policy_id, rule_id)


class RuleDeactivateApi(_RuleLifecycleApi):
    """deactivateAuthorizationServerPolicyRule (204)."""

    active = False

    @extend_schema(operation_id="deactivateAuthorizationServerPolicyRule", tags=TAGS, request=None,
                   responses=okta_responses(204, None, 404))
    def post(self, request, server_id, policy_id, rule_id):
        return super().post(request, server_id, policy_id, rule_id)
