"""The console for access policies and rules (Security > API > Access Policies in Okta's).

Django's admin has no nested inlines, so rules have their own admin, reached from their policy's
page and from the server's. Every write goes through `policies.services` (priorities renumbered in
one transaction, System Log, cache invalidation); the forms check input with the same pure checks
first, so a bad value shows as a plain-words message on its field.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters

from authservers.services import ServiceError

from . import admin_views
from .admin_views import (
    actor_of,
    clients_text,
    minutes_text,
    policy_move,
    policy_rows,
    rule_move,
    scopes_text,
    server_links,
)
from .forms import AccessPolicyForm, PolicyRuleForm, grant_type_label
from .models import AccessPolicy, PolicyRule, Status
from .services import (
    policy_create,
    policy_delete,
    policy_set_status,
    policy_update,
    rule_create,
    rule_delete,
    rule_set_status,
    rule_update,
)


def _adopt(obj, saved) -> None:
    """Make the admin's unsaved form instance the row the service wrote (for logging and redirects)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def _back_on_service_error(view):
    """Safety net: a ServiceError the form's checks did not foresee becomes a message, not a 500."""
    def wrapped(self, request, *args, **kwargs):
        try:
            return view(self, request, *args, **kwargs)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
    return wrapped


def _move_selected(model_admin, request, queryset, delta: int, move, plural: str) -> None:
    """The move up / move down actions: one step each, then a message naming how many moved."""
    # Moving up goes top-down and moving down bottom-up, so a block of selected rows keeps its order.
    ordered = sorted(queryset, key=lambda item: item.priority, reverse=delta > 0)
    actor = actor_of(request)
    for item in ordered:
        move(item, delta, actor)
    direction = "down" if delta > 0 else "up"
    model_admin.message_user(request, f"Moved {len(ordered)} {plural} {direction}.", messages.SUCCESS)


# Policies -----------------------------------------------------------------------------------------

@admin.register(AccessPolicy)
class AccessPolicyAdmin(admin.ModelAdmin):
    form = AccessPolicyForm
    list_display = ("name", "server", "priority", "status", "assigned_clients", "rule_count")
    list_filter = ("server", "status")
    list_select_related = ("server",)
    search_fields = ("name", "id", "description", "server__id", "server__name")
    ordering = ("server", "priority")
    actions = ("activate", "deactivate", "move_up", "move_down")

    def get_fieldsets(self, request, obj=None):
        main = ("server", "name", "description", "assign_to", "client_ids", "priority", "status")
        if obj is None:
            return ((None, {"fields": main}),)
        return (
            (None, {"fields": ("id", *main)}),
            ("Rules", {"fields": ("rules_panel",)}),
            ("Dates", {"fields": ("created", "last_updated")}),
        )

    def get_readonly_fields(self, request, obj=None):
        # A policy stays on the server it was made for.
        return ("id", "server", "rules_panel", "created", "last_updated") if obj is not None else ()

    @admin.display(description="Assigned to")
    def assigned_clients(self, obj):
        return clients_text(obj)

    @admin.display(description="Rules")
    def rule_count(self, obj):
        return obj.rules.count()

    @admin.display(description="Rules, in priority order")
    def rules_panel(self, obj):
        rows = policy_rows(obj.server_id)
        row = next(item for item in rows if item["policy"].pk == obj.pk)
        return render_to_string("admin/policies/policy_rules_panel.html", {
            "row": row, **server_links(obj.server_id)})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("server/<str:server_id>/", wrap(self.server_policies_view), name="policies_server_policies"),
            path("server/<str:server_id>/token-preview/", wrap(self.token_preview_view),
                 name="policies_token_preview"),
            *super().get_urls(),
        ]

    def server_policies_view(self, request, server_id):
        return admin_views.server_policies(self, request, server_id)

    @method_decorator(sensitive_post_parameters())
    def token_preview_view(self, request, server_id):
        return admin_views.token_preview(self, request, server_id)

    @_back_on_service_error
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Create or replace through the services (the form has already run their checks)."""
        data = form.cleaned_data
        if change:
            policy = policy_update(policy=obj, name=data["name"], description=data["description"],
                                   clients=data["clients"], priority=data.get("priority"), actor=actor_of(request))
            if "status" in form.changed_data:
                policy = policy_set_status(policy=policy, active=data["status"] == Status.ACTIVE,
                                           actor=actor_of(request))
        else:
            policy = policy_create(server=data["server"], name=data["name"], description=data["description"],
                                   clients=data["clients"], priority=data.get("priority"), status=data["status"],
                                   actor=actor_of(request))
        _adopt(obj, policy)

    def delete_model(self, request, obj):
        policy_delete(policy=obj, actor=actor_of(request))

    def delete_queryset(self, request, queryset):
        for policy in list(queryset):
            policy_delete(policy=policy, actor=actor_of(request))

    @admin.action(description="Activate selected policies", permissions=["change"])
    def activate(self, request, queryset):
        for policy in queryset:
            policy_set_status(policy=policy, active=True, actor=actor_of(request))
        self.message_user(request, f"Activated {queryset.count()} policies.", messages.SUCCESS)

    @admin.action(description="Deactivate selected policies", permissions=["change"])
    def deactivate(self, request, queryset):
        for policy in queryset:
            policy_set_status(policy=policy, active=False, actor=actor_of(request))
        self.message_user(request, f"Deactivated {queryset.count()} policies.", messages.SUCCESS)

    @admin.action(description="Move selected policies up (evaluated earlier)", permissions=["change"])
    def move_up(self, request, queryset):
        _move_selected(self, request, queryset, -1, policy_move, "policies")

    @admin.action(description="Move selected policies down (evaluated later)", permissions=["change"])
    def move_down(self, request, queryset):
        _move_selected(self, request, queryset, 1, policy_move, "policies")


# Rules --------------------------------------------------------------------------------------------

@admin.register(PolicyRule)
class PolicyRuleAdmin(admin.ModelAdmin):
    form = PolicyRuleForm
    list_display = ("name", "policy", "server", "priority", "status", "grant_type_list", "scope_list",
                    "access_lifetime")
    list_filter = ("policy__server", "policy", "status")
    list_select_related = ("policy", "policy__server")
    search_fields = ("name", "id", "policy__name", "policy__id")
    ordering = ("policy__server", "policy__priority", "priority")
    actions = ("activate", "deactivate", "move_up", "move_down")

    def get_fieldsets(self, request, obj=None):
        head = ("policy", "name", "priority", "status") if obj is None else ("id", "policy", "name", "priority",
                                                                             "status")
        fieldsets = [
            (None, {"fields": head}),
            ("IF Grant type is", {"fields": ("grant_types",)}),
            ("AND User is", {"fields": ("people", "include_groups", "include_users", "exclude_groups",
                                        "exclude_users")}),
            ("AND Scopes requested", {"fields": ("scope_mode", "scope_names")}),
            ("THEN", {"fields": ("access_token_lifetime_minutes", "refresh_token_lifetime_minutes",
                                 "refresh_token_window_minutes")}),
        ]
        if obj is not None:
            fieldsets.append(("Dates", {"fields": ("created", "last_updated")}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # A rule stays in the policy it was made for.
        return ("id", "policy", "created", "last_updated") if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        policy = obj.policy if obj is not None else self._policy_from_request(request)

        class BoundPolicyRuleForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, policy=policy, **inner)

        return BoundPolicyRuleForm

    @staticmethod
    def _policy_from_request(request):
        policy_id = request.POST.get("policy") or request.GET.get("policy")
        return AccessPolicy.objects.filter(pk=policy_id).first() if policy_id else None

    @admin.display(description="Server", ordering="policy__server__name")
    def server(self, obj):
        return obj.policy.server

    @admin.display(description="Grant types")
    def grant_type_list(self, obj):
        return ", ".join(grant_type_label(grant) for grant in obj.grant_types)

    @admin.display(description="Scopes")
    def scope_list(self, obj):
        return scopes_text(obj)

    @admin.display(description="Access token")
    def access_lifetime(self, obj):
        return minutes_text(obj.access_token_lifetime_minutes)

    @_back_on_service_error
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Create or replace through the services (the form has already run their checks)."""
        data = form.cleaned_data
        fields = data["rule_fields"]
        if change:
            rule = rule_update(rule=obj, name=data["name"], priority=data.get("priority"), actor=actor_of(request),
                               **fields)
            if "status" in form.changed_data:
                rule = rule_set_status(rule=rule, active=data["status"] == Status.ACTIVE, actor=actor_of(request))
        else:
            rule = rule_create(policy=data["policy"], name=data["name"], priority=data.get("priority"),
                               status=data["status"], actor=actor_of(request), **fields)
        _adopt(obj, rule)

    def response_add(self, request, obj, post_url_continue=None):
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            return HttpResponseRedirect(reverse("admin:policies_accesspolicy_change", args=[obj.policy_id]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_continue" not in request.POST and "_addanother" not in request.POST and "_saveasnew" not in request.POST:
            self.message_user(request, format_html("The rule “{}” was changed.", obj.name), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:policies_accesspolicy_change", args=[obj.policy_id]))
        return super().response_change(request, obj)

    def delete_model(self, request, obj):
        rule_delete(rule=obj, actor=actor_of(request))

    def delete_queryset(self, request, queryset):
        for rule in list(queryset):
            rule_delete(rule=rule, actor=actor_of(request))

    @admin.action(description="Activate selected rules", permissions=["change"])
    def activate(self, request, queryset):
        for rule in queryset.select_related("policy"):
            rule_set_status(rule=rule, active=True, actor=actor_of(request))
        self.message_user(request, f"Activated {queryset.count()} rules.", messages.SUCCESS)

    @admin.action(description="Deactivate selected rules", permissions=["change"])
    def deactivate(self, request, queryset):
        for rule in queryset.select_related("policy"):
            rule_set_status(rule=rule, active=False, actor=actor_of(request))
        self.message_user(request, f"Deactivated {queryset.count()} rules.", messages.SUCCESS)

    @admin.action(description="Move selected rules up (evaluated earlier)", permissions=["change"])
    def move_up(self, request, queryset):
        _move_selected(self, request, queryset, -1, rule_move, "rules")

    @admin.action(description="Move selected rules down (evaluated later)", permissions=["change"])
    def move_down(self, request, queryset):
        _move_selected(self, request, queryset, 1, rule_move, "rules")

