"""Purpose-built admin pages of a server: its access policies (reorder, activate) and Token Preview.

Reached through `AccessPolicyAdmin.get_urls`, which wraps them in `admin_site.admin_view`. They
read with the ORM and write only through `policies.services`; Token Preview issues nothing.
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse

from authservers import systemlog
from authservers.models import AuthorizationServer
from authservers.services import ServiceError
from clients.models import Client

from .forms import TokenPreviewForm, grant_type_label
from .models import ALL_CLIENTS, ANY_SCOPE, EVERYONE, AccessPolicy, PolicyRule
from .preview import preview_token
from .services import policy_set_status, policy_update, rule_set_status, rule_update

POLICY_REASONS = {
    "inactive": "Skipped: the policy is inactive.",
    "client_not_included": "Skipped: the policy is not assigned to this client.",
}
POLICY_OUTCOMES = {
    "matched": "A rule matched: evaluation stops here.",
    "no_matching_rule": "No rule matched: evaluation moves on to the next policy.",
}
RULE_FAILURES = {
    "inactive": "Skipped: the rule is inactive.",
    "grant_type": "No match: the grant type is not one the rule allows.",
    "people": "No match: the user is not one the rule allows (a Client Credentials request has no user, "
              "so only \"Any user assigned the app\" matches it).",
    "scopes": "No match: not every requested scope is allowed by the rule.",
}


NO_ACTIVE_POLICY_WARNING = (
    "This authorization server has no active access policy, so it denies every token request "
    "(access_denied) until an admin adds one. A new custom server starts with no policy.")


def actor_of(request) -> dict:
    return systemlog.actor_for_user(request.user)


# Moves and status changes, shared by the changelist actions and the server's policies page ------

def policy_move(policy: AccessPolicy, delta: int, actor: dict) -> AccessPolicy:
    policy = AccessPolicy.objects.get(pk=policy.pk)
    return policy_update(policy=policy, name=policy.name, description=policy.description,
                         clients=list(policy.clients), priority=max(1, policy.priority + delta), actor=actor)


def rule_move(rule: PolicyRule, delta: int, actor: dict) -> PolicyRule:
    rule = PolicyRule.objects.get(pk=rule.pk)
    return rule_update(rule=rule, priority=max(1, rule.priority + delta), actor=actor)


# What the panels show -----------------------------------------------------------------------------

def minutes_text(minutes: int) -> str:
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def clients_text(policy: AccessPolicy, labels: dict[str, str] | None = None) -> str:
    if ALL_CLIENTS in policy.clients:
        return "All clients"
    labels = labels if labels is not None else client_labels(policy.clients)
    return ", ".join(f"{labels[cid]} ({cid})" if cid in labels else cid for cid in policy.clients)


def client_labels(client_ids) -> dict[str, str]:
    return dict(Client.objects.filter(client_id__in=list(client_ids)).values_list("client_id", "label"))


def scopes_text(rule: PolicyRule) -> str:
    return "Any scopes" if ANY_SCOPE in rule.scopes else " ".join(rule.scopes)


def people_text(rule: PolicyRule) -> str:
    if EVERYONE in rule.groups_include:
        text = "Any user assigned the app"
    else:
        parts = []
        if rule.groups_include:
            parts.append(f"{len(rule.groups_include)} group(s)")
        if rule.users_include:
            parts.append(f"{len(rule.users_include)} user(s)")
        text = "Members of " + " and ".join(parts) if parts else "Nobody"
    excluded = len(rule.groups_exclude) + len(rule.users_exclude)
    return f"{text}, except {excluded} excluded" if excluded else text


def lifetimes_text(rule: PolicyRule) -> str:
    refresh = ("unlimited" if not rule.refresh_token_lifetime_minutes
               else minutes_text(rule.refresh_token_lifetime_minutes))
    return (f"access {minutes_text(rule.access_token_lifetime_minutes)}; refresh {refresh}, expiring if unused "
            f"for {minutes_text(rule.refresh_token_window_minutes)}")


def rule_row(rule: PolicyRule) -> dict:
    return {
        "rule": rule, "grant_types": ", ".join(grant_type_label(grant) for grant in rule.grant_types),
        "people": people_text(rule), "scopes": scopes_text(rule), "lifetimes": lifetimes_text(rule),
        "change_url": reverse("admin:policies_policyrule_change", args=[rule.pk]),
    }


def policy_rows(server_id: str) -> list[dict]:
    policies = list(AccessPolicy.objects.filter(server_id=server_id).prefetch_related("rules").order_by("priority"))
    labels = client_labels({cid for policy in policies for cid in policy.clients})
    return [{
        "policy": policy, "clients": clients_text(policy, labels),
        "change_url": reverse("admin:policies_accesspolicy_change", args=[policy.pk]),
        "add_rule_url": reverse("admin:policies_policyrule_add") + f"?policy={policy.pk}",
        "rules": [rule_row(rule) for rule in sorted(policy.rules.all(), key=lambda r: r.priority)],
    } for policy in policies]


def server_links(server_id: str) -> dict:
    return {
        "add_policy_url": reverse("admin:policies_accesspolicy_add") + f"?server={server_id}",
        "manage_url": reverse("admin:policies_server_policies", args=[server_id]),
        "preview_url": reverse("admin:policies_token_preview", args=[server_id]),
        "server_url": reverse("admin:authservers_authorizationserver_change", args=[server_id]),
    }


def server_policies_panel(server) -> str:
    """The read-only "Access policies" panel on a server's page: policies in order, with their rules."""
    rows = policy_rows(server.pk)
    return render_to_string("admin/policies/server_policies_panel.html", {
        "server": server, "policies": rows, "manage": False, **server_links(server.pk),
        "no_active_policy": not any(row["policy"].is_active for row in rows),
        "no_active_policy_warning": NO_ACTIVE_POLICY_WARNING,
    })


def _context(model_admin, request, server, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "server": server,
        "title": title,
        "subtitle": None,
        **extra,
    }


def server_policies(model_admin, request, server_id: str):
    """A server's policies and rules in priority order, with move up/down and activate/deactivate."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    server = get_object_or_404(AuthorizationServer, pk=server_id)
    if request.method == "POST":
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        _apply(request, server, request.POST.get("op", ""), request.POST.get("target", ""), actor_of(request))
        return HttpResponseRedirect(request.get_full_path())
    rows = policy_rows(server.pk)
    context = _context(
        model_admin, request, server, f"Access policies of {server.name}", policies=rows, manage=True,
        can_change=model_admin.has_change_permission(request),
        no_active_policy=not any(row["policy"].is_active for row in rows),
        no_active_policy_warning=NO_ACTIVE_POLICY_WARNING, **server_links(server.pk))
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/policies/server_policies.html", context)


def _apply(request, server, op: str, target: str, actor: dict) -> None:
    kind, _, verb = op.partition("-")
    if kind == "policy":
        item = AccessPolicy.objects.filter(pk=target, server_id=server.pk).first()
    elif kind == "rule":
        item = PolicyRule.objects.select_related("policy").filter(pk=target, policy__server_id=server.pk).first()
    else:
        item = None
    if item is None or verb not in ("up", "down", "activate", "deactivate"):
        messages.error(request, "Nothing was changed: that policy or rule is not on this server (any more).")
        return
    noun = "policy" if kind == "policy" else "rule"
    try:
        if verb in ("up", "down"):
            if verb == "up" and item.priority == 1:
                messages.info(request, f"The {noun} “{item.name}” is already first.")
                return
            moved = (policy_move if kind == "policy" else rule_move)(item, -1 if verb == "up" else 1, actor)
            messages.success(request, f"The {noun} “{moved.name}” now has priority {moved.priority}.")
        else:
            active = verb == "activate"
            if kind == "policy":
                policy_set_status(policy=item, active=active, actor=actor)
            else:
                rule_set_status(rule=item, active=active, actor=actor)
            messages.success(request, f"The {noun} “{item.name}” was {verb}d.")
    except ServiceError as exc:
        messages.error(request, exc.message)


def token_preview(model_admin, request, server_id: str):
    """Okta's Token Preview: what a token request would get and why. Nothing is issued or stored."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    server = get_object_or_404(AuthorizationServer, pk=server_id)
    form = TokenPreviewForm(request.POST if request.method == "POST" else None, server=server)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            raw = preview_token(server_id=server.pk, client_id=data["client"], grant_type=data["grant_type"],
                                scopes=list(data["scopes"]), user_login=data["user"] or None)
        except ServiceError as exc:
            form.add_error(form.service_fields.get(exc.field), exc.message)
        else:
            result = present(raw, data["grant_type"])
    context = _context(model_admin, request, server, f"Token Preview: {server.name}", form=form, result=result,
                       **server_links(server.pk))
    request.current_app = model_admin.admin_site.name
    response = TemplateResponse(request, "admin/policies/token_preview.html", context)
    response["Cache-Control"] = "no-store"
    return response


PLACEMENT_TEXT = {"id_token": "ID token", "userinfo": "/userinfo"}


def present_token(token: dict) -> dict:
    """One previewed token for the template: pretty JSON, its size against the limit, and one row per
    claim with its value, or its error and the reason."""
    payload = token["payload"]
    claims = []
    for entry in token["claims"]:
        row = {"name": entry["name"], "error": entry.get("error")}
        if row["error"] is None:
            row["value_json"] = json.dumps(entry["value"])
            row["omitted"] = entry["value"] is None
        if "placement" in entry:
            row["placement"] = ", ".join(PLACEMENT_TEXT.get(place, place) for place in entry["placement"]) or "-"
        claims.append(row)
    return {
        "header_json": json.dumps(token["header"], indent=2) if token["header"] else None,
        "payload_json": json.dumps(payload, indent=2),
        "size": token["size"],
        "max_size": token["maxSize"],
        "size_error": token.get("sizeError"),
        "lifetime": payload["exp"] - payload["iat"],
        "claims": claims,
        "failed": [row for row in claims if row["error"]],
    }


def present(raw: dict, grant_type: str) -> dict:
    """`preview_token`'s result, shaped for the template (plain words, pretty JSON)."""
    trace = []
    for step in raw["trace"]:
        outcome = POLICY_REASONS.get(step.get("reason")) or POLICY_OUTCOMES.get(step["outcome"], step["outcome"])
        trace.append({
            "name": step["name"], "id": step["policy"], "outcome": step["outcome"], "text": outcome,
            "rules": [{"name": rule["name"], "id": rule["rule"], "outcome": rule["outcome"],
                       "text": "Matched: this rule decides the request." if rule["outcome"] == "matched"
                       else RULE_FAILURES.get(rule.get("failed"), rule.get("failed", ""))}
                      for rule in step.get("rules", [])],
        })
    result = {"trace": trace, "error": raw["error"], "decision": raw["decision"], "grant_type": grant_type,
              "grant_type_label": grant_type_label(grant_type), "access_token": None,
              "raw_json": json.dumps(raw, indent=2)}
    if raw["error"]:
        return result
    access = raw["tokens"]["access_token"]
    result["access_token"] = present_token(access)
    result["id_token"] = present_token(raw["tokens"]["id_token"]) if raw["tokens"]["id_token"] else None
    result["refresh_token"] = raw["tokens"]["refresh_token"]
    decision = raw["decision"]
    result["access_lifetime_text"] = minutes_text(decision["accessTokenLifetimeSeconds"] // 60)
    refresh = decision["refreshTokenLifetimeSeconds"]
    result["refresh_lifetime_text"] = f"{refresh} s ({minutes_text(refresh // 60)})" if refresh else "Unlimited"
    window = decision["refreshTokenIdleWindowSeconds"]
    result["refresh_window_text"] = f"{window} s ({minutes_text(window // 60)})"
    return result
