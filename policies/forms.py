"""Admin forms for access policies, rules and Token Preview, in the words of Okta's console.

They check input with the same pure functions the services run (`policies.validation`), so a bad
value shows as a message on its own field; the admin then writes through the services.
"""

from typing import ClassVar

from django import forms

from accounts.models import Group, User
from authservers.models import AuthorizationServer, Scope
from clients.models import Client

from .models import ALL_CLIENTS, ANY_SCOPE, EVERYONE, AccessPolicy, PolicyRule
from .services import RULE_GRANT_TYPES
from .validation import ACCESS_MINUTES, WINDOW_MINUTES, policy_problems, rule_problems

# Okta's console labels for grant types ("IF Grant type is").
GRANT_TYPE_LABELS = {
    "client_credentials": "Client Credentials",
    "authorization_code": "Authorization Code",
    "implicit": "Implicit",
    "password": "Resource Owner Password",
    "urn:ietf:params:oauth:grant-type:device_code": "Device Authorization",
    "urn:ietf:params:oauth:grant-type:token-exchange": "Token Exchange",
    "refresh_token": "Refresh Token",
}


def grant_type_label(grant: str) -> str:
    return GRANT_TYPE_LABELS.get(grant, grant)


def rule_grant_choices() -> list[tuple[str, str]]:
    return [(grant, grant_type_label(grant)) for grant in RULE_GRANT_TYPES]


def client_choices() -> list[tuple[str, str]]:
    return [(client_id, f"{label} ({client_id})")
            for client_id, label in Client.objects.order_by("label").values_list("client_id", "label")]


def scope_choices(server_id: str | None) -> list[tuple[str, str]]:
    scopes = Scope.objects.order_by("-system", "name")
    if server_id:
        names = scopes.filter(server_id=server_id).values_list("name", flat=True)
    else:
        names = sorted(set(scopes.values_list("name", flat=True)))
    return [(name, name) for name in names]


def _add_problems(form: forms.Form, problems: dict[str, str], field_map: dict[str, str] | None = None) -> None:
    for field, message in problems.items():
        target = (field_map or {}).get(field, field)
        form.add_error(target if target in form.fields else None, message)


class AccessPolicyForm(forms.ModelForm):
    """Okta's "Add New Access Policy": name, description, and "Assign to" all clients or some."""

    ASSIGN_ALL = "all"
    ASSIGN_SOME = "some"

    assign_to = forms.ChoiceField(
        label="Assign to", widget=forms.RadioSelect, initial=ASSIGN_ALL,
        choices=[(ASSIGN_ALL, "All clients"), (ASSIGN_SOME, "The following clients")])
    client_ids = forms.MultipleChoiceField(label="Clients", required=False, widget=forms.SelectMultiple(
        attrs={"size": 8}), help_text="Used when the policy is assigned to the following clients.")
    priority = forms.IntegerField(required=False, min_value=1,
                                  help_text="1 is evaluated first. Leave blank to put a new policy last.")

    class Meta:
        model = AccessPolicy
        fields = ("server", "name", "description", "priority", "status")
        widgets: ClassVar[dict] = {"description": forms.Textarea(attrs={"rows": 2})}

    def _get_validation_exclusions(self):
        # The service renumbers priorities, so (parent, priority) uniqueness is not the form's to check.
        exclude = super()._get_validation_exclusions()
        exclude.add("priority")
        return exclude

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_ids"].choices = client_choices()
        if "server" in self.fields:
            self.fields["server"].queryset = AuthorizationServer.objects.order_by("name")
        if not self.instance._state.adding:
            clients = list(self.instance.clients)
            if clients and ALL_CLIENTS not in clients:
                self.initial["assign_to"] = self.ASSIGN_SOME
                self.initial["client_ids"] = clients
                # Keep ids of clients deleted since, so saving the form does not drop them silently.
                known = {value for value, _label in self.fields["client_ids"].choices}
                self.fields["client_ids"].choices += [(cid, f"{cid} (no such client)") for cid in clients
                                                      if cid not in known]
            else:
                self.initial["assign_to"] = self.ASSIGN_ALL

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("assign_to") == self.ASSIGN_SOME:
            if not cleaned.get("client_ids"):
                self.add_error("client_ids", "Choose at least one client, or assign the policy to all clients.")
            cleaned["clients"] = list(cleaned.get("client_ids") or [])
        else:
            cleaned["clients"] = [ALL_CLIENTS]
        if not self.errors:
            _add_problems(self, policy_problems(
                name=cleaned.get("name") or "", description=cleaned.get("description") or "",
                priority=cleaned.get("priority"), clients=cleaned["clients"]),
                {"clients": "client_ids"})
        return cleaned


class PolicyRuleForm(forms.ModelForm):
    """Okta's rule editor: IF grant type, AND user, AND scopes, THEN token lifetimes."""

    PEOPLE_EVERYONE = "everyone"
    PEOPLE_SOME = "some"
    SCOPES_ANY = "any"
    SCOPES_SOME = "some"

    priority = forms.IntegerField(required=False, min_value=1,
                                  help_text="1 is evaluated first within the policy. Leave blank to put a new "
                                            "rule last.")
    grant_types = forms.MultipleChoiceField(label="IF Grant type is", widget=forms.CheckboxSelectMultiple,
                                            choices=rule_grant_choices)
    people = forms.ChoiceField(
        label="AND User is", widget=forms.RadioSelect, initial=PEOPLE_EVERYONE,
        choices=[(PEOPLE_EVERYONE, "Any user assigned the app"),
                 (PEOPLE_SOME, "Assigned the app and a member of the following groups or users")],
        help_text="A Client Credentials request has no user: only \"Any user assigned the app\" matches it.")
    include_groups = forms.ModelMultipleChoiceField(queryset=Group.objects.order_by("name"), required=False,
                                                    label="Groups", widget=forms.SelectMultiple(attrs={"size": 6}))
    include_users = forms.ModelMultipleChoiceField(queryset=User.objects.order_by("login"), required=False,
                                                   label="Users", widget=forms.SelectMultiple(attrs={"size": 6}))
    exclude_groups = forms.ModelMultipleChoiceField(queryset=Group.objects.order_by("name"), required=False,
                                                    label="Except groups",
                                                    widget=forms.SelectMultiple(attrs={"size": 4}))
    exclude_users = forms.ModelMultipleChoiceField(queryset=User.objects.order_by("login"), required=False,
                                                   label="Except users", widget=forms.SelectMultiple(attrs={"size": 4}))
    scope_mode = forms.ChoiceField(
        label="AND Scopes requested", widget=forms.RadioSelect, initial=SCOPES_ANY,
        choices=[(SCOPES_ANY, "Any scopes"), (SCOPES_SOME, "The following scopes")],
        help_text="A request matches only if every scope it asks for is allowed here.")
    scope_names = forms.MultipleChoiceField(label="Scopes", required=False, widget=forms.CheckboxSelectMultiple)
    access_token_lifetime_minutes = forms.IntegerField(
        label="Access token lifetime (minutes)", initial=60,
        help_text=f"Between {ACCESS_MINUTES[0]} and {ACCESS_MINUTES[1]} minutes (1 day).")
    refresh_token_lifetime_minutes = forms.IntegerField(
        label="Refresh token lifetime (minutes)", initial=0, min_value=0,
        help_text="0 = unlimited; otherwise at least the access token lifetime.")
    refresh_token_window_minutes = forms.IntegerField(
        label="…but will expire if not used every (minutes)", initial=10080,
        help_text=f"The idle window: {WINDOW_MINUTES[0]} minutes to {WINDOW_MINUTES[1]:,} minutes (5 years), "
                  "lying between the access and refresh token lifetimes. 10080 = 7 days.")

    class Meta:
        model = PolicyRule
        fields = ("policy", "name", "priority", "status")

    def _get_validation_exclusions(self):
        # The service renumbers priorities, so (parent, priority) uniqueness is not the form's to check.
        exclude = super()._get_validation_exclusions()
        exclude.add("priority")
        return exclude

    def __init__(self, *args, policy: AccessPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        policy = policy or (self.instance.policy if self.instance.policy_id else None)
        if "policy" in self.fields:
            self.fields["policy"].queryset = AccessPolicy.objects.select_related("server").order_by(
                "server__name", "priority")
            self.fields["policy"].label_from_instance = lambda p: f"{p.server.name} › {p.name}"
            if policy is not None:
                self.initial.setdefault("policy", policy.pk)
        self.fields["scope_names"].choices = scope_choices(policy.server_id if policy else None)
        if self.instance._state.adding:
            return
        rule = self.instance
        self.initial["grant_types"] = list(rule.grant_types)
        if EVERYONE in rule.groups_include:
            self.initial["people"] = self.PEOPLE_EVERYONE
        else:
            self.initial["people"] = self.PEOPLE_SOME
            self.initial["include_groups"] = list(rule.groups_include)
            self.initial["include_users"] = list(rule.users_include)
        self.initial["exclude_groups"] = list(rule.groups_exclude)
        self.initial["exclude_users"] = list(rule.users_exclude)
        if ANY_SCOPE in rule.scopes:
            self.initial["scope_mode"] = self.SCOPES_ANY
        else:
            self.initial["scope_mode"] = self.SCOPES_SOME
            self.initial["scope_names"] = list(rule.scopes)
            known = {value for value, _label in self.fields["scope_names"].choices}
            self.fields["scope_names"].choices += [(name, f"{name} (no such scope)") for name in rule.scopes
                                                   if name not in known]
        for name in ("access_token_lifetime_minutes", "refresh_token_lifetime_minutes",
                     "refresh_token_window_minutes"):
            self.initial[name] = getattr(rule, name)

    def clean(self):
        cleaned = super().clean()
        values = {}
        if cleaned.get("people") == self.PEOPLE_SOME:
            values["groups_include"] = [group.pk for group in cleaned.get("include_groups") or []]
            values["users_include"] = [user.pk for user in cleaned.get("include_users") or []]
            if not values["groups_include"] and not values["users_include"]:
                self.add_error("people", "Choose at least one group or user, or \"Any user assigned the app\".")
        else:
            values["groups_include"] = [EVERYONE]
            values["users_include"] = []
        values["groups_exclude"] = [group.pk for group in cleaned.get("exclude_groups") or []]
        values["users_exclude"] = [user.pk for user in cleaned.get("exclude_users") or []]
        if cleaned.get("scope_mode") == self.SCOPES_SOME:
            values["scopes"] = list(cleaned.get("scope_names") or [])
            if not values["scopes"]:
                self.add_error("scope_names", "Choose at least one scope, or \"Any scopes\".")
        else:
            values["scopes"] = [ANY_SCOPE]
        policy = cleaned.get("policy") or (self.instance.policy if self.instance.policy_id else None)
        if policy is not None and ANY_SCOPE not in values["scopes"]:
            known = set(Scope.objects.filter(server_id=policy.server_id).values_list("name", flat=True))
            unknown = [name for name in values["scopes"] if name not in known]
            if unknown:
                self.add_error("scope_names", f"Not a scope of this policy's server: {', '.join(unknown)}.")
        values["grant_types"] = list(cleaned.get("grant_types") or [])
        for name in ("access_token_lifetime_minutes", "refresh_token_lifetime_minutes",
                     "refresh_token_window_minutes"):
            values[name] = cleaned.get(name)
        cleaned["rule_fields"] = values
        lifetimes = [values[name] for name in ("access_token_lifetime_minutes", "refresh_token_lifetime_minutes",
                                               "refresh_token_window_minutes")]
        if not self.errors and None not in lifetimes:
            _add_problems(self, rule_problems(
                name=cleaned.get("name") or "", priority=cleaned.get("priority"),
                grant_types=values["grant_types"], scopes=values["scopes"],
                groups_include=values["groups_include"], users_include=values["users_include"],
                access_minutes=lifetimes[0], refresh_minutes=lifetimes[1], window_minutes=lifetimes[2],
                known_grant_types=RULE_GRANT_TYPES), {"scopes": "scope_names"})
        return cleaned


class TokenPreviewForm(forms.Form):
    """Okta's "Request Properties": the request to preview against one server."""

    client = forms.ChoiceField(label="OAuth/OIDC client")
    grant_type = forms.ChoiceField(label="Grant type", choices=rule_grant_choices,
                                   initial="client_credentials",
                                   help_text="The client must allow it, as it must for a real request.")
    user = forms.CharField(label="User", required=False, max_length=100,
                           help_text="The user's login. Leave blank for Client Credentials, which has no user.")
    scopes = forms.MultipleChoiceField(label="Scopes", required=False, widget=forms.CheckboxSelectMultiple,
                                       help_text="None ticked: the server's default scopes, as for a real request.")

    # ServiceError.field from preview_token, onto this form's fields.
    service_fields: ClassVar[dict] = {"client": "client", "user": "user"}

    def __init__(self, *args, server: AuthorizationServer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = client_choices()
        self.fields["scopes"].choices = scope_choices(server.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("grant_type") == "client_credentials" and cleaned.get("user"):
            self.add_error("user", "A Client Credentials request has no user; leave the user out.")
        return cleaned

