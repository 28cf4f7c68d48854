from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count

from .models import ApiToken, Group, User


class UserCreationForm(AdminUserCreationForm):
    """Django's admin creation form, for a user whose username field is `login`."""

    class Meta:
        model = User
        fields = ("login", "email")

    def clean_login(self):
        # Logins are unique without regard to case (accounts_user_login_ci_unique).
        login = self.cleaned_data.get("login")
        if login and User.objects.filter(login__iexact=login).exists():
            raise ValidationError("A user with that login already exists.", code="unique")
        return login


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("id", "login", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "email", "profile", "member_of")}),
        ("Status", {"fields": ("status", "status_changed")}),
        ("Admin console access", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created", "last_updated")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("login", "email", "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("id", "member_of", "created", "last_updated", "last_login")
    list_display = ("login", "email", "first_name", "last_name", "status", "is_staff", "is_superuser")
    list_filter = ("status", "is_staff", "is_superuser", "groups")
    search_fields = ("login", "email", "first_name", "last_name", "id")
    ordering = ("login",)

    @admin.display(description="Directory groups")
    def member_of(self, obj):
        return ", ".join(group.name for group in obj.directory_groups.all()) or "-"


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "type", "member_count", "created")
    list_filter = ("type",)
    search_fields = ("name", "id", "description")
    ordering = ("name",)
    autocomplete_fields = ("users",)
    readonly_fields = ("id", "type", "created", "last_updated")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("users"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def get_readonly_fields(self, request, obj=None):
        # Everyone holds every user automatically; its name and members are not edited by hand.
        if obj is not None and obj.is_built_in:
            return (*self.readonly_fields, "name")
        return self.readonly_fields

    def get_exclude(self, request, obj=None):
        if obj is not None and obj.is_built_in:
            return ("users",)
        return super().get_exclude(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_built_in:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are made with `createapitoken`, which shows the secret once. The hash is never
    shown; deleting a token revokes it."""

    list_display = ("name", "id", "prefix", "user", "status", "created", "last_used", "expires_at")
    list_filter = ("status",)
    search_fields = ("name", "id", "prefix", "user__login")
    ordering = ("-created",)
    list_select_related = ("user",)
    fields = ("id", "name", "prefix", "user", "status", "created", "last_used", "expires_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
