"""Shared admin pieces: read-only admins, and the add page for objects a service creates."""

from django.contrib import admin
from django.contrib.admin import helpers


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services and protocol code: the console shows them, never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def render_service_add_form(model_admin, request, form, fieldsets, form_url="", extra_context=None):
    """Render `form` (a plain Form) on the standard add page, as `changeform_view` would for a ModelForm."""
    admin_form = helpers.AdminForm(form, list(fieldsets), {}, model_admin=model_admin)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Add {model_admin.opts.verbose_name}",
        "subtitle": None,
        "adminform": admin_form,
        "object_id": None,
        "original": None,
        "is_popup": False,
        "to_field": None,
        "media": model_admin.media + admin_form.media,
        "inline_admin_formsets": [],
        "errors": helpers.AdminErrorList(form, []),
        "preserved_filters": model_admin.get_preserved_filters(request),
        **(extra_context or {}),
    }
    return model_admin.render_change_form(request, context, add=True, form_url=form_url)
