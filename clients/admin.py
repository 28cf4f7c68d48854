from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from authservers import systemlog
from authservers.admin_forms import ReadOnlyAdmin, render_service_add_form
from authservers.models import DeviceAuthorization, RefreshTokenFamily
from authservers.services import ServiceError

from . import credentials_admin  # noqa: F401 (registers the key and replay-store views)
from .models import (
    MAX_REFRESH_TOKEN_LEEWAY,
    ApplicationType,
    AuthMethod,
    Client,
    ClientSecret,
    ClientStatus,
    ConsentMethod,
    GrantType,
    RefreshTokenRotation,
    ResponseType,
    TrustedOrigin,
    TrustedOriginScope,
)
from .services import client_create, client_secret_add, validate_trusted_origin
from .validation import legacy_grant_warning

# django-oauth-toolkit registers admins built for its own model fields; Castellan's replace them.
for model in (get_application_model(), get_access_token_model(), get_grant_model(), get_id_token_model(),
              get_refresh_token_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

SECRET_ONCE_TEMPLATE = "admin/clients/client/secret_once.html"


def _uri_list(text: str) -> list[str]:
    return text.split()


class ClientCreateForm(forms.Form):
    """The add page: what `client_create` takes. Blank choices fall back to Okta's defaults."""

    label = forms.CharField(max_length=255, help_text="Display name; need not be unique.")
    application_type = forms.ChoiceField(
        choices=[("", "Default (service for client_credentials only, else web)"), *ApplicationType.choices],
        required=False)
    grant_types = forms.MultipleChoiceField(choices=GrantType.choices, widget=forms.CheckboxSelectMultiple)
    token_endpoint_auth_method = forms.ChoiceField(choices=AuthMethod.choices,
                                                   initial=AuthMethod.CLIENT_SECRET_BASIC)
    redirect_uris = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text="Sign-in redirect URIs, one per line.")
    post_logout_redirect_uris = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                                help_text="Sign-out redirect URIs, one per line.")
    response_types = forms.MultipleChoiceField(
        choices=ResponseType.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="None ticked: code with authorization_code, token for service apps.")
    consent_method = forms.ChoiceField(choices=ConsentMethod.choices, initial=ConsentMethod.TRUSTED)
    pkce_required = forms.NullBooleanField(
        required=False, label="PKCE required",
        help_text="Unknown: required for browser and native apps and public clients.")
    refresh_token_rotation = forms.ChoiceField(
        choices=[("", "Default (ROTATE for browser apps and public clients, else STATIC)"),
                 *RefreshTokenRotation.choices],
        required=False, label="Refresh token rotation",
        help_text="ROTATE: a new refresh token on every use (required for public clients). STATIC: the same one.")
    refresh_token_leeway = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_REFRESH_TOKEN_LEEWAY, label="Refresh token grace period",
        help_text="Seconds (0-60) a rotated-out refresh token still works. Blank: 30.")
    profile = forms.JSONField(required=False, help_text="Free-form JSON object, app.profile in claims.")
    client_secret = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to generate one (recommended). At least 32 printable characters.")

    def clean_profile(self):
        profile = self.cleaned_data.get("profile")
        if profile is not None and not isinstance(profile, dict):
            raise forms.ValidationError("Must be a JSON object.")
        return profile


def _formfield(db_field, **kwargs):
    # Okta's URIs are https in practice; also Django 6's default for URL fields without a scheme.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ClientChangeForm(forms.ModelForm):
    grant_types = forms.MultipleChoiceField(choices=GrantType.choices, widget=forms.CheckboxSelectMultiple)
    response_types = forms.MultipleChoiceField(choices=ResponseType.choices, widget=forms.CheckboxSelectMultiple,
                                               required=False)

    class Meta:
        model = Client
        fields = "__all__"
        formfield_callback = _formfield
        widgets: ClassVar[dict] = {
            "redirect_uris": forms.Textarea(attrs={"rows": 3}),
            "post_logout_redirect_uris": forms.Textarea(attrs={"rows": 2}),
        }


class ClientSecretInline(admin.TabularInline):
    """Secrets by id, status and hash only: the plaintext is shown once, when it is made."""

    model = ClientSecret
    fields = ("id", "status", "secret_hash", "created", "last_updated")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientChangeForm
    formfield_overrides: ClassVar[dict] = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("label", "client_id", "application_type", "grant_type_list", "token_endpoint_auth_method",
                    "status", "created")
    list_filter = ("status", "application_type", "token_endpoint_auth_method")
    search_fields = ("label", "client_id", "id")
    ordering = ("label",)
    autocomplete_fields = ("assigned_users", "assigned_groups")
    inlines = (ClientSecretInline,)
    actions = ("add_secret",)
    fieldsets = (
        (None, {"fields": ("id", "client_id", "label", "status", "application_type")}),
        ("OAuth", {"fields": ("grant_types", "response_types", "token_endpoint_auth_method", "pkce_required",
                              "consent_method", "redirect_uris", "post_logout_redirect_uris")}),
        ("Refresh tokens", {"fields": ("refresh_token_rotation", "refresh_token_leeway")}),
        ("Links", {"fields": ("client_uri", "logo_uri", "policy_uri", "tos_uri", "initiate_login_uri")}),
        ("Client keys", {"fields": ("jwks_uri", "jwks")}),
        ("Profile and assignments", {"fields": ("profile", "assigned_users", "assigned_groups")}),
        ("Dates", {"fields": ("created", "last_updated")}),
    )
    # Okta: application_type and client_id are immutable after creation.
    readonly_fields = ("id", "client_id", "application_type", "created", "last_updated")
    add_fieldsets = (
        (None, {"fields": ("label", "application_type", "grant_types", "token_endpoint_auth_method")}),
        ("Redirects", {"fields": ("redirect_uris", "post_logout_redirect_uris", "response_types")}),
        ("Refresh tokens", {"fields": ("refresh_token_rotation", "refresh_token_leeway")}),
        ("More", {"fields": ("consent_method", "pkce_required", "profile", "client_secret")}),
    )

    @admin.display(description="Grant types")
    def grant_type_list(self, obj):
        return ", ".join(obj.grant_types)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Issue 5: RFC 9700's warning whenever an app with the password or implicit grant is shown.
        warning = legacy_grant_warning(obj.grant_types) if obj is not None else None
        if warning and request.method == "GET":
            messages.warning(request, warning)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def response_change(self, request, obj):
        warning = legacy_grant_warning(obj.grant_types)
        if warning:
            messages.warning(request, warning)
        return super().response_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Okta: an app must be deactivated before it can be deleted.
        if obj is not None and obj.status != ClientStatus.INACTIVE:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # Secrets and tokens belong to their app and go with it, though their own admins are read-only.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        owned = {str(model._meta.verbose_name) for model in (
            ClientSecret, get_access_token_model(), get_refresh_token_model(), get_id_token_model(),
            get_grant_model(), RefreshTokenFamily, DeviceAuthorization)}
        return deleted, model_count, perms_needed - owned, protected

    def save_model(self, request, obj, form, change):
        """A status changed here goes through the lifecycle: deactivating ends every token for good."""
        from .lifecycle_services import client_tokens_end

        super().save_model(request, obj, form, change)
        if change and "status" in form.changed_data and obj.status == ClientStatus.INACTIVE:
            client_tokens_end(client=obj, actor=systemlog.actor_for_user(request.user), reason="deactivated")

    def delete_queryset(self, request, queryset):
        if queryset.exclude(status=ClientStatus.INACTIVE).exists():
            self.message_user(request, "Only inactive apps can be deleted; active ones were kept.",
                              messages.WARNING)
        super().delete_queryset(request, queryset.filter(status=ClientStatus.INACTIVE))

    @method_decorator(sensitive_post_parameters("client_secret"))
    def add_view(self, request, form_url="", extra_context=None):
        """Create through `client_create`; the response page is the only place the secret appears."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ClientCreateForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                client, secret = client_create(
                    label=data["label"], grant_types=data["grant_types"],
                    application_type=data["application_type"] or None,
                    token_endpoint_auth_method=data["token_endpoint_auth_method"],
                    redirect_uris=_uri_list(data["redirect_uris"]),
                    post_logout_redirect_uris=_uri_list(data["post_logout_redirect_uris"]),
                    response_types=data["response_types"] or None, consent_method=data["consent_method"],
                    pkce_required=data["pkce_required"], profile=data["profile"],
                    client_secret=data["client_secret"] or None, actor=systemlog.actor_for_user(request.user),
                    refresh_token_rotation=data["refresh_token_rotation"] or None,
                    refresh_token_leeway=data["refresh_token_leeway"])
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.log_addition(request, client, [{"added": {}}])
                if legacy_grant_warning(client.grant_types):  # issue 5: RFC 9700
                    messages.warning(request, legacy_grant_warning(client.grant_types))
                return self.secret_response(request, client, secret, created=True)
        # The next page shows the secret, so there is only one way to submit.
        context = {"show_save_and_continue": False, "show_save_and_add_another": False, **(extra_context or {})}
        return render_service_add_form(self, request, form, self.add_fieldsets, form_url, context)

    @admin.action(description="Add a client secret (shown once)", permissions=["change"])
    def add_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one app to add a secret to.", messages.WARNING)
            return None
        client = queryset.get()
        try:
            _record, secret = client_secret_add(client=client)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        return self.secret_response(request, client, secret, created=False)

    def secret_response(self, request, client, secret, *, created):
        """The one page that shows a plaintext secret: rendered as the POST's own response, never stored."""
        context = {
            **self.admin_site.each_context(request),
            "title": "App created" if created else "New client secret",
            "opts": self.opts,
            "client": client,
            "client_secret": secret,
            "created": created,
            "change_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[client.pk]),
            "changelist_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
            "add_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_add"),
        }
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, SECRET_ONCE_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response


@admin.register(ClientSecret)
class ClientSecretAdmin(ReadOnlyAdmin):
    list_display = ("id", "client", "status", "secret_hash", "created", "last_updated")
    list_filter = ("status",)
    list_select_related = ("client",)
    search_fields = ("id", "client__client_id", "client__label", "secret_hash")
    ordering = ("client", "created")
    # The encrypted secret is left out on purpose.
    fields = ("id", "client", "status", "secret_hash", "created", "last_updated")


class TrustedOriginForm(forms.ModelForm):
    """Validated by the same rules as `trusted_origin_create` (`validate_trusted_origin`)."""

    scopes = forms.MultipleChoiceField(choices=TrustedOriginScope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = TrustedOrigin
        fields = ("name", "origin", "scopes", "status")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            name, origin, scopes = validate_trusted_origin(
                name=cleaned.get("name"), origin=cleaned.get("origin"), scopes=cleaned.get("scopes"),
                instance_id=self.instance.pk if not self.instance._state.adding else None)
        except ServiceError as exc:
            message = exc.message.split(": ", 1)[1] if exc.field and exc.message.startswith(f"{exc.field}: ") \
                else exc.message
            self.add_error(exc.field if exc.field in self.fields else None, message)
            return cleaned
        cleaned.update(name=name, origin=origin, scopes=scopes)
        return cleaned


@admin.register(TrustedOrigin)
class TrustedOriginAdmin(admin.ModelAdmin):
    form = TrustedOriginForm
    list_display = ("name", "origin", "scope_list", "status", "created")
    list_filter = ("status",)
    search_fields = ("name", "origin", "id")
    ordering = ("name",)
    readonly_fields = ("id", "created", "created_by", "last_updated", "last_updated_by")
    fields = ("id", "name", "origin", "scopes", "status", "created", "created_by", "last_updated",
              "last_updated_by")

    @admin.display(description="Scopes")
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        actor = systemlog.actor_for_user(request.user)
        if not change:
            obj.created_by = actor["id"]
        obj.last_updated_by = actor["id"]
        super().save_model(request, obj, form, change)
        systemlog.emit("trustedorigins.lifecycle.update" if change else "trustedorigins.lifecycle.create",
                       actor=actor, targets=[systemlog.target(obj.id, "TrustedOrigin", obj.name, obj.origin)],
                       message=("Update" if change else "Create") + " trusted origin")
