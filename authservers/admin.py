from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from . import housekeeping, key_lifecycle, systemlog
from .admin_forms import ReadOnlyAdmin, render_service_add_form
from .claim_services import claim_create, claim_delete, claim_update
from .claims import SUB_CLAIM, claim_name_problem, value_problem
from .logs_admin import EventCategoryFilter
from .models import (
    AccessToken,
    AuthorizationServer,
    Claim,
    ClaimStatus,
    ClaimType,
    ClaimValueType,
    ConsentType,
    DeviceAuthorization,
    DeviceGrant,
    Grant,
    HousekeepingRun,
    IDToken,
    IssuerMode,
    LogEvent,
    MetadataPublish,
    Org,
    RefreshToken,
    RefreshTokenFamily,
    RevokedAccessToken,
    Scope,
    SigningAlg,
    SigningKey,
)
from .models.consents import ConsentGrant, ConsentStatus
from .models.servers import ACCESS_TOKEN_ALG_CAVEAT, DEFAULT_SERVER_ID
from .presenters import access_token_alg_summary, authserver_issuer
from .scope_rules import scope_name_problem
from .selectors import published_keys
from .services import ServiceError, authserver_create, authserver_set_access_token_alg, scope_create

SERVER_OWNED_MODELS = (SigningKey, Scope, Claim, AccessToken, RefreshToken, IDToken, Grant, DeviceGrant,
                       RevokedAccessToken, RefreshTokenFamily, DeviceAuthorization)


# Authorization servers ---------------------------------------------------------------------------

class AuthorizationServerCreateForm(forms.Form):
    """The add page: what `authserver_create` needs (keys and system scopes come with it)."""

    name = forms.CharField(max_length=100)
    audience = forms.CharField(max_length=1024, help_text="Becomes the access token's `aud`, e.g. api://orders.")
    description = forms.CharField(max_length=1024, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    issuer_mode = forms.ChoiceField(choices=IssuerMode.choices, initial=IssuerMode.ORG_URL,
                                    help_text="ORG_URL builds the issuer from CASTELLAN_BASE_URL.")
    custom_url = forms.URLField(required=False, assume_scheme="https",
                                help_text="Base URL of the issuer in CUSTOM_URL mode.")
    access_token_signing_alg = forms.ChoiceField(label="Access-token signing algorithm", choices=SigningAlg.choices,
                                                 initial=SigningAlg.RS256, required=False,
                                                 help_text=ACCESS_TOKEN_ALG_CAVEAT)

    def clean_access_token_signing_alg(self):
        return self.cleaned_data.get("access_token_signing_alg") or SigningAlg.RS256

    # ServiceError.field uses Okta's names; map them onto this form's fields.
    service_fields: ClassVar[dict] = {"name": "name", "audiences": "audience", "issuerMode": "issuer_mode",
                                      "accessTokenSigningAlg": "access_token_signing_alg"}


class AuthorizationServerChangeForm(forms.ModelForm):
    """The change page. The access-token alg is saved through `authserver_set_access_token_alg`
    (see `AuthorizationServerAdmin.save_model`); a post without it keeps the current one."""

    class Meta:
        model = AuthorizationServer
        fields = ("access_token_signing_alg",)  # the admin's fieldsets add the others

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("access_token_signing_alg", "token_size_limit"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_access_token_signing_alg(self):
        return self.cleaned_data.get("access_token_signing_alg") or self.instance.access_token_signing_alg

    def clean_token_size_limit(self):
        # A post without it (an older page, a script) keeps the current limit.
        value = self.cleaned_data.get("token_size_limit")
        return self.instance.token_size_limit if value is None else value


# Okta's Add Scope dialog (REFERENCE §9): "User consent" Implicit or Required, and with Required the
# box "Block services from requesting this scope" (ticked = REQUIRED, unticked = FLEXIBLE).
BLOCK_SERVICES = "Block services from requesting this scope"
SCOPE_CONSENT_CHOICES = (
    (ConsentType.IMPLICIT, "Implicit: users are not asked"),
    (ConsentType.REQUIRED, f"Required, and {BLOCK_SERVICES} (REQUIRED)"),
    (ConsentType.FLEXIBLE, "Required, but services may request this scope (FLEXIBLE)"),
)
SCOPE_METADATA_CHOICES = (
    (MetadataPublish.ALL_CLIENTS, "Include in public metadata (listed in the discovery documents)"),
    (MetadataPublish.NO_CLIENTS, "Not in public metadata"),
)


class ScopeInlineForm(forms.ModelForm):
    class Meta:
        model = Scope
        fields = ("name", "display_name", "description", "consent", "optional", "default", "metadata_publish")
        labels: ClassVar[dict] = {"display_name": "Display phrase", "consent": "User consent",
                                  "optional": "Optional", "default": "Set as a default scope",
                                  "metadata_publish": "Include in public metadata"}
        help_texts: ClassVar[dict] = {
            "consent": f"Required asks the user on the consent page. “{BLOCK_SERVICES}” (REQUIRED) also refuses "
                       "the scope to Client Credentials requests with consent_required; without it (FLEXIBLE) "
                       "services get the scope with no prompt.",
            "optional": "The user may leave this scope out on the consent page (needs Required consent).",
            "default": "Granted when a request names no scope.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].choices = SCOPE_CONSENT_CHOICES
        self.fields["metadata_publish"].choices = SCOPE_METADATA_CHOICES
        if self.instance.pk and self.instance.system:
            for field in self.fields.values():
                field.disabled = True

    def clean_name(self):
        name = self.cleaned_data["name"]
        problem = scope_name_problem(name)
        if problem:
            raise ValidationError(problem)
        return name

    def clean(self):
        cleaned = super().clean()
        # The same rule scope_create enforces (REFERENCE §3), checked here so it shows on the form.
        if cleaned.get("optional") and cleaned.get("consent") == ConsentType.IMPLICIT:
            self.add_error("optional", "An optional scope needs consent REQUIRED or FLEXIBLE: choose Required.")
        return cleaned


class ScopeInlineFormSet(BaseInlineFormSet):
    """System scopes cannot be deleted: their delete box is disabled and ignored."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if form.instance.pk and form.instance.system and forms.formsets.DELETION_FIELD_NAME in form.fields:
            form.fields[forms.formsets.DELETION_FIELD_NAME].disabled = True

    def _should_delete_form(self, form):
        if form.instance.pk and form.instance.system:
            return False
        return super()._should_delete_form(form)


class ScopeInline(admin.TabularInline):
    model = Scope
    form = ScopeInlineForm
    formset = ScopeInlineFormSet
    extra = 0
    fields = ("name", "display_name", "description", "consent", "optional", "default", "metadata_publish",
              "system")
    readonly_fields = ("system",)
    ordering = ("-system", "name")


@admin.register(AuthorizationServer)
class AuthorizationServerAdmin(admin.ModelAdmin):
    form = AuthorizationServerChangeForm
    formfield_overrides: ClassVar[dict] = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "id", "audience", "issuer", "status", "issuer_mode", "rotation_mode", "created")
    list_filter = ("status", "issuer_mode", "rotation_mode")
    search_fields = ("name", "id", "description", "audiences__0")
    ordering = ("created",)
    inlines = (ScopeInline,)
    actions = ("rotate_keys", "emergency_rotate_keys")
    fieldsets = (
        (None, {"fields": ("id", "name", "description", "audiences", "status")}),
        ("Issuer", {"fields": ("issuer_mode", "custom_url", "issuer", "metadata_url")}),
        ("Signing keys", {"fields": ("rotation_mode", "access_token_signing_alg", "access_token_signing",
                                     "last_rotated", "next_rotation", "signing_keys_panel")}),
        ("Tokens", {"fields": ("token_size_limit",)}),
        ("Dates", {"fields": ("created", "last_updated")}),
    )
    readonly_fields = ("id", "issuer", "metadata_url", "last_rotated", "next_rotation", "access_token_signing",
                       "signing_keys_panel", "created", "last_updated")
    add_fieldsets = ((None, {"fields": ("name", "audience", "description", "issuer_mode", "custom_url",
                                        "access_token_signing_alg")}),)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # Okta's "Access Policies" tab, as a read-only panel before the dates; its links lead to the edits.
        return (*fieldsets[:-1], ("Access policies", {"fields": ("access_policies_panel",)}),
                ("Claims", {"fields": ("claims_panel",)}), *fieldsets[-1:])

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "access_policies_panel", "claims_panel")

    @admin.display(description="Claims")
    def claims_panel(self, obj):
        return server_claims_panel(obj)

    @admin.display(description="Policies")
    def access_policies_panel(self, obj):
        from policies.admin_views import server_policies_panel

        return server_policies_panel(obj)

    @admin.display(description="Audience")
    def audience(self, obj):
        return obj.audiences[0] if obj.audiences else ""

    @admin.display(description="Issuer")
    def issuer(self, obj):
        return authserver_issuer(obj)

    @admin.display(description="Metadata URI")
    def metadata_url(self, obj):
        href = reverse("authservers:openid-configuration", args=[obj.id])
        return format_html('<a href="{}">{}/.well-known/openid-configuration</a>', href, authserver_issuer(obj))

    @admin.display(description="Keys")
    def signing_keys_panel(self, obj):
        # Key material is never shown here: only kid, alg, status and dates.
        rows = format_html_join(
            "", "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((key.kid, key.alg, key.status, _date(key.created), _date(key.activated), _date(key.expired))
             for key in published_keys(obj)),
        )
        return format_html(
            "<table><thead><tr><th>kid</th><th>alg</th><th>status</th><th>created</th><th>activated</th>"
            "<th>expired</th></tr></thead><tbody>{}</tbody></table>", rows)

    @admin.display(description="Access tokens now")
    def access_token_signing(self, obj):
        return format_html_join("", "<p>{}</p>", ((line,) for line in access_token_alg_summary(obj)))

    def save_model(self, request, obj, form, change):
        """A new access-token alg goes through `authserver_set_access_token_alg`, which keeps the key
        families in step and writes the System Log; the other fields save as usual."""
        if not change or "access_token_signing_alg" not in form.changed_data:
            return super().save_model(request, obj, form, change)
        alg = obj.access_token_signing_alg
        obj.access_token_signing_alg = form.initial["access_token_signing_alg"]
        super().save_model(request, obj, form, change)
        authserver_set_access_token_alg(server=obj, alg=alg, actor=systemlog.actor_for_user(request.user))
        for line in access_token_alg_summary(obj):
            level = messages.WARNING if line == ACCESS_TOKEN_ALG_CAVEAT else messages.INFO
            self.message_user(request, line, level)
        return None

    @admin.display(description="Next rotation")
    def next_rotation(self, obj):
        due = key_lifecycle.server_next_rotation(obj)
        return _date(due) if due else "Only when an admin rotates (MANUAL)"

    @admin.action(description="Rotate signing keys", permissions=["change"])
    def rotate_keys(self, request, queryset):
        actor = systemlog.actor_for_user(request.user)
        for server in queryset:
            result = key_lifecycle.signing_key_rotate_now(server=server, actor=actor)
            self.message_user(request, f"Rotated the signing keys of {server}; {_active_kids_text(result)}.",
                              messages.SUCCESS)
            if result.warning:
                self.message_user(request, result.warning, messages.WARNING)
            for note in result.notes:
                self.message_user(request, note, messages.INFO)

    @admin.action(description="Emergency key rotation (the active key may be compromised)", permissions=["change"])
    def emergency_rotate_keys(self, request, queryset):
        """Asks for confirmation first: withdrawing the active key rejects every token it signed."""
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Emergency key rotation", "opts": self.opts, "servers": list(queryset),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "admin/authservers/emergency_rotation_confirm.html", context)
        actor = systemlog.actor_for_user(request.user)
        for server in queryset:
            result = key_lifecycle.signing_key_emergency_rotate(server=server, actor=actor)
            self.message_user(request, f"Replaced the signing keys of {server}; {_active_kids_text(result)}.",
                              messages.SUCCESS)
            self.message_user(request, result.warning, messages.WARNING)
            for note in result.notes:
                self.message_user(request, note, messages.INFO)
        return None

    def has_delete_permission(self, request, obj=None):
        # Okta: the default server can be renamed or deactivated, never deleted.
        if obj is not None and obj.id == DEFAULT_SERVER_ID:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # Keys, scopes and tokens belong to their server and go with it, though their own admins are
        # read-only (or, for system scopes, undeletable) on their own.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        owned = {str(model._meta.verbose_name) for model in SERVER_OWNED_MODELS}
        return deleted, model_count, perms_needed - owned, protected

    def delete_queryset(self, request, queryset):
        if queryset.filter(pk=DEFAULT_SERVER_ID).exists():
            self.message_user(request, "The default authorization server cannot be deleted; it was kept.",
                              messages.WARNING)
        super().delete_queryset(request, queryset.exclude(pk=DEFAULT_SERVER_ID))

    def add_view(self, request, form_url="", extra_context=None):
        """Create through `authserver_create`, so the server gets its keys and system scopes."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AuthorizationServerCreateForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                server = authserver_create(
                    name=data["name"], audiences=[data["audience"]], description=data["description"],
                    issuer_mode=data["issuer_mode"], custom_url=data["custom_url"],
                    access_token_signing_alg=data["access_token_signing_alg"],
                    actor=systemlog.actor_for_user(request.user))
            except ServiceError as exc:
                form.add_error(form.service_fields.get(exc.field), exc.message)
            else:
                self.log_addition(request, server, [{"added": {}}])
                return self.response_add(request, server)
        return render_service_add_form(self, request, form, self.add_fieldsets, form_url, extra_context)

    def save_formset(self, request, form, formset, change):
        """New scopes go through `scope_create` (naming rules, System Log); edits and deletes save as usual."""
        if formset.model is not Scope:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for scope in formset.deleted_objects:
            if not scope.system:
                scope.delete()
        for scope, _fields in formset.changed_objects:
            scope.save()
        actor = systemlog.actor_for_user(request.user)
        for scope in formset.new_objects:
            scope_create(server=form.instance, name=scope.name, display_name=scope.display_name,
                         description=scope.description, consent=scope.consent, optional=scope.optional,
                         default=scope.default, metadata_publish=scope.metadata_publish, actor=actor)


def _active_kids_text(result) -> str:
    if len(result.active_kids) <= 1:
        return f"the active kid is now {result.active_kid}"
    return "the active kids are now " + ", ".join(f"{kid} ({alg})" for alg, kid in result.active_kids.items())


def _date(value):
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@admin.register(Scope)
class ScopeAdmin(admin.ModelAdmin):
    list_display = ("name", "server", "consent", "default", "optional", "metadata_publish", "system")
    list_filter = ("system", "consent", "default", "metadata_publish", "server")
    list_select_related = ("server",)
    search_fields = ("name", "id", "display_name", "description")
    ordering = ("server", "name")
    form = ScopeInlineForm
    readonly_fields = ("id", "server", "system", "created", "last_updated")
    fields = ("id", "server", "name", "display_name", "description", "consent", "optional", "default",
              "metadata_publish", "system", "created", "last_updated")

    def has_add_permission(self, request):
        # Scopes are added on their server's page, which creates them through scope_create.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.system:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Okta: system scopes cannot be deleted.
        if obj is not None and obj.system:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if queryset.filter(system=True).exists():
            self.message_user(request, "System scopes cannot be deleted; they were kept.", messages.WARNING)
        super().delete_queryset(request, queryset.exclude(system=True))


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "server", "alg", "status", "created", "activated", "expired")
    list_filter = ("status", "server")
    list_select_related = ("server",)
    search_fields = ("kid", "server__id", "server__name")
    ordering = ("server", "-created")
    # Public JWK and encrypted private key are left out on purpose: kid, alg, status and dates only.
    fields = ("kid", "server", "alg", "status", "created", "activated", "expired", "last_updated")


# System Log and org ------------------------------------------------------------------------------

@admin.register(LogEvent)
class LogEventAdmin(ReadOnlyAdmin):
    list_display = ("published", "event_type", "outcome_result", "severity", "display_message", "actor_name")
    list_filter = (EventCategoryFilter, "outcome_result", "severity", "event_type")
    search_fields = ("event_type", "display_message", "outcome_reason", "actor__id", "actor__alternateId",
                     "actor__displayName", "target")
    ordering = ("-published",)
    date_hierarchy = "published"
    fields = ("uuid", "published", "event_type", "version", "severity", "display_message", "actor", "client",
              "target", "outcome_result", "outcome_reason", "authentication_context", "security_context",
              "debug_context", "transaction", "request")

    @admin.display(description="Actor")
    def actor_name(self, obj):
        return obj.actor.get("alternateId") or obj.actor.get("displayName") or obj.actor.get("id", "")


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ("name", "subdomain")

    def has_add_permission(self, request):
        return not Org.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# Tokens ------------------------------------------------------------------------------------------
# Token values are credentials: the console shows who holds what, never the token itself.

@admin.register(RevokedAccessToken)
class RevokedAccessTokenAdmin(ReadOnlyAdmin):
    list_display = ("jti", "server", "client_id", "revoked", "expires")
    list_filter = ("server",)
    search_fields = ("jti", "client_id")
    ordering = ("-revoked",)


class TokenAdmin(ReadOnlyAdmin):
    list_select_related = ("server", "application", "user")
    list_filter = ("server",)
    raw_id_fields = ("user", "application", "server")
    ordering = ("-created",)


@admin.register(AccessToken)
class AccessTokenAdmin(TokenAdmin):
    list_display = ("id", "jti", "server", "application", "user", "scope", "expires", "created")
    search_fields = ("jti", "application__client_id", "user__login")
    raw_id_fields = (*TokenAdmin.raw_id_fields, "source_refresh_token", "id_token")
    fields = ("jti", "server", "application", "user", "scope", "expires", "source_refresh_token", "id_token",
              "created", "updated")


@admin.register(RefreshToken)
class RefreshTokenAdmin(TokenAdmin):
    list_display = ("public_id", "server", "application", "user", "revoked", "created")
    search_fields = ("public_id", "application__client_id", "user__login")
    raw_id_fields = (*TokenAdmin.raw_id_fields, "access_token")
    fields = ("public_id", "server", "application", "user", "access_token", "token_family", "revoked",
              "created", "updated")


@admin.register(RefreshTokenFamily)
class RefreshTokenFamilyAdmin(ReadOnlyAdmin):
    """One sign-in's chain of refresh tokens (docs/refresh-tokens.md); no token values are stored."""

    list_display = ("id", "server", "client", "user", "grant_type", "created", "last_used", "expires", "revoked",
                    "revoked_reason")
    list_select_related = ("server", "client", "user")
    list_filter = ("server", "revoked_reason")
    search_fields = ("client__client_id", "user__login")
    raw_id_fields = ("server", "client", "user")
    ordering = ("-created",)


@admin.register(IDToken)
class IDTokenAdmin(TokenAdmin):
    list_display = ("jti", "server", "application", "user", "expires", "created")
    search_fields = ("jti", "application__client_id", "user__login")
    fields = ("jti", "server", "application", "user", "scope", "expires", "created", "updated")


@admin.register(Grant)
class GrantAdmin(TokenAdmin):
    list_display = ("id", "server", "application", "user", "expires", "created")
    search_fields = ("application__client_id", "user__login")
    fields = ("server", "application", "user", "redirect_uri", "scope", "expires", "code_challenge_method",
              "created", "updated")


@admin.register(DeviceGrant)
class DeviceGrantAdmin(TokenAdmin):
    list_select_related = ("server", "user")
    raw_id_fields = ("user", "server")
    ordering = ("-expires",)
    list_display = ("id", "server", "client_id", "user", "status", "expires")
    search_fields = ("client_id", "user__login")
    fields = ("server", "client_id", "user", "status", "scope", "interval", "expires", "last_checked")


# Consent grants ----------------------------------------------------------------------------------

@admin.register(ConsentGrant)
class ConsentGrantAdmin(ReadOnlyAdmin):
    """Users' consents (REFERENCE §8.4): listed here, revoked with the action (or `manage.py revokeconsent`)."""

    list_display = ("id", "user", "client", "scope", "server", "status", "source", "created", "last_updated")
    list_filter = ("status", "server")
    list_select_related = ("user", "client", "scope", "server")
    search_fields = ("id", "user__login", "client__client_id", "client__label", "scope__name")
    raw_id_fields = ("user", "client", "scope", "server")
    ordering = ("-created",)
    fields = ("id", "user", "client", "scope", "server", "status", "source", "issuer", "created", "last_updated")
    actions = ("revoke_consent",)

    def has_revoke_permission(self, request):
        return request.user.has_perm("authservers.change_consentgrant")

    @admin.action(description="Revoke selected consent grants", permissions=("revoke",))
    def revoke_consent(self, request, queryset):
        from .monitoring.services import grants_revoke

        revoked = grants_revoke(queryset.exclude(status=ConsentStatus.REVOKED),
                                actor=systemlog.actor_for_user(request.user))
        self.message_user(request, f"Revoked {len(revoked)} consent grant(s) and the refresh tokens issued with "
                                   "them; the consent page will ask again.",
                          messages.SUCCESS)


@admin.register(DeviceAuthorization)
class DeviceAuthorizationAdmin(ReadOnlyAdmin):
    """RFC 8628 device authorizations (issue 5): who confirmed what; never the codes."""

    list_display = ("id", "server", "client", "user", "status", "expires", "created")
    list_filter = ("status", "server")
    list_select_related = ("server", "client", "user")
    search_fields = ("client__client_id", "client__label", "user__login")
    raw_id_fields = ("server", "client", "user")
    ordering = ("-created",)
    fields = ("server", "client", "user", "status", "scope", "interval", "last_polled", "expires", "created",
              "confirmed")


# Housekeeping ------------------------------------------------------------------------------------

@admin.register(HousekeepingRun)
class HousekeepingRunAdmin(ReadOnlyAdmin):
    """When the periodic jobs last ran, and how big the tables they keep bounded are."""

    list_display = ("job", "started", "finished", "summary", "error")
    ordering = ("job",)
    change_list_template = "admin/authservers/housekeepingrun/change_list.html"

    @admin.display(description="Result")
    def summary(self, obj):
        if not obj.deleted:
            return "nothing to do"
        return ", ".join(f"{name}: {value}" for name, value in obj.deleted.items())

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "table_sizes": housekeeping.table_sizes()}
        return super().changelist_view(request, extra_context)


# Claims ------------------------------------------------------------------------------------------

INCLUDE_ANY_SCOPE, INCLUDE_SCOPES = "ANY", "SCOPES"


class ClaimForm(forms.ModelForm):
    """Okta's Add Claim dialog. System claims are read-only except the value of `sub`."""

    disabled_claim = forms.BooleanField(label="Disable claim", required=False)
    include_in = forms.ChoiceField(label="Include in", widget=forms.RadioSelect, initial=INCLUDE_ANY_SCOPE,
                                   choices=((INCLUDE_ANY_SCOPE, "Any scope"), (INCLUDE_SCOPES, "The following scopes")))
    scopes = forms.CharField(label="The following scopes", required=False,
                             help_text="Scope names separated by spaces; the claim is included when one is granted.")

    class Meta:
        model = Claim
        fields = ("server", "name", "claim_type", "value_type", "group_filter_type", "value",
                  "always_include_in_token")
        labels: ClassVar[dict] = {"claim_type": "Include in token type", "value_type": "Value type",
                                  "group_filter_type": "Filter", "always_include_in_token": "Include in ID token: Always"}
        help_texts: ClassVar[dict] = {
            "value": "An expression, e.g. app.profile.team, or for a groups claim the text the filter matches.",
            "always_include_in_token": "Unticked (\"Userinfo / id_token request\"): served by /userinfo, and in the "
                                       "ID token only when no access token comes with it (response_type=id_token). "
                                       "Access-token claims are always included.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.existing = not instance._state.adding  # ids have a default, so pk is set on add too
        self.fields["value_type"].choices = [(v, label) for v, label in ClaimValueType.choices
                                             if v != ClaimValueType.SYSTEM or (self.existing and instance.system)]
        self.fields["value"].required = False
        if self.existing:
            self.fields["server"].disabled = True
            self.fields["disabled_claim"].initial = instance.status == ClaimStatus.INACTIVE
            self.fields["include_in"].initial = INCLUDE_SCOPES if instance.conditions_scopes else INCLUDE_ANY_SCOPE
            self.fields["scopes"].initial = " ".join(instance.conditions_scopes)
            if instance.system:
                for name, field in self.fields.items():
                    field.disabled = not (name == "value" and instance.name == SUB_CLAIM)

    def _server(self):
        return self.instance.server if self.existing else self.cleaned_data.get("server")

    def clean(self):
        cleaned = super().clean()
        if self.existing and self.instance.system:
            if self.instance.name == SUB_CLAIM:
                problem = value_problem(ClaimValueType.EXPRESSION, cleaned.get("value") or "", None)
                if problem:
                    self.add_error("value", problem)
            return cleaned
        problem = claim_name_problem(cleaned.get("name") or "")
        if problem and "name" not in self.errors:
            self.add_error("name", problem)
        value_type = cleaned.get("value_type")
        filter_type = cleaned.get("group_filter_type") or None if value_type == ClaimValueType.GROUPS else None
        cleaned["group_filter_type"] = filter_type
        if value_type:
            problem = value_problem(value_type, cleaned.get("value") or "", filter_type)
            if problem:
                self.add_error("group_filter_type" if value_type == ClaimValueType.GROUPS and not filter_type
                               else "value", problem)
        scopes = (cleaned.get("scopes") or "").split() if cleaned.get("include_in") == INCLUDE_SCOPES else []
        if cleaned.get("include_in") == INCLUDE_SCOPES and not scopes:
            self.add_error("scopes", "Name at least one scope, or choose Any scope.")
        server = self._server()
        if server is not None and scopes:
            unknown = sorted(set(scopes) - set(server.scopes.values_list("name", flat=True)))
            if unknown:
                self.add_error("scopes", f"Unknown scopes: {', '.join(unknown)}.")
        cleaned["conditions_scopes"] = scopes
        cleaned["status"] = ClaimStatus.INACTIVE if cleaned.get("disabled_claim") else ClaimStatus.ACTIVE
        return cleaned


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Claims of every server; a server's page lists its own and links here (Okta's Claims tab)."""

    form = ClaimForm
    list_display = ("name", "server", "claim_type", "value_type", "value", "status", "conditions", "system")
    list_filter = ("server", "claim_type", "status", "system")
    list_select_related = ("server",)
    search_fields = ("name", "id", "value")
    ordering = ("server", "claim_type", "name")
    readonly_fields = ("id", "system", "created", "last_updated")
    fieldsets = (
        (None, {"fields": ("id", "server", "name", "claim_type", "value_type", "group_filter_type", "value",
                           "disabled_claim", "include_in", "scopes", "always_include_in_token", "system")}),
        ("Dates", {"fields": ("created", "last_updated")}),
    )

    @admin.display(description="Include in")
    def conditions(self, obj):
        return " ".join(obj.conditions_scopes) if obj.conditions_scopes else "Any scope"

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("claim_type", ClaimType.RESOURCE)
        return initial

    def has_delete_permission(self, request, obj=None):
        # Okta: system claims cannot be deleted.
        if obj is not None and obj.system:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Writes go through claim_create / claim_update (checks, System Log); the form checked them first."""
        actor = systemlog.actor_for_user(request.user)
        data = form.cleaned_data
        if change and obj.system:
            claim_update(claim=obj, value=data["value"], actor=actor)
            return
        fields = {"name": data["name"], "claim_type": data["claim_type"], "value_type": data["value_type"],
                  "value": data["value"], "group_filter_type": data["group_filter_type"], "status": data["status"],
                  "always_include_in_token": data["always_include_in_token"],
                  "conditions_scopes": data["conditions_scopes"]}
        if change:
            claim_update(claim=obj, actor=actor, **fields)
        else:
            obj.pk = claim_create(server=data["server"], actor=actor, **fields).pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        claim_delete(claim=obj, actor=systemlog.actor_for_user(request.user))

    def delete_queryset(self, request, queryset):
        if queryset.filter(system=True).exists():
            self.message_user(request, "System claims cannot be deleted; they were kept.", messages.WARNING)
        actor = systemlog.actor_for_user(request.user)
        for claim in queryset.exclude(system=True):
            claim_delete(claim=claim, actor=actor)


def server_claims_panel(server) -> str:
    """The Claims tab of a server's page: its claims, each linking to its edit page, and an add link."""
    rows = format_html_join(
        "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>',
        ((reverse("admin:authservers_claim_change", args=[claim.pk]), claim.name, claim.get_claim_type_display(),
          claim.get_value_type_display(), claim.value or "-", claim.status,
          " ".join(claim.conditions_scopes) or "Any scope")
         for claim in server.claims.order_by("claim_type", "name")),
    )
    add = reverse("admin:authservers_claim_add") + f"?server={server.pk}"
    listing = reverse("admin:authservers_claim_changelist") + f"?server__id__exact={server.pk}"
    return format_html(
        '<p><a class="addlink" href="{}">Add Claim</a> · <a href="{}">All claims of this server</a></p>'
        "<table><thead><tr><th>Name</th><th>Token type</th><th>Value type</th><th>Value</th><th>Status</th>"
        "<th>Include in</th></tr></thead><tbody>{}</tbody></table>", add, listing, rows)
