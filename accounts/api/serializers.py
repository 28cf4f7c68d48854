"""Request bodies of the users and groups API, in Okta's shapes (`CreateUserRequest`, `UpdateUserRequest`,
`Group`). Responses come from `accounts.presenters`."""

import re

from django.core.validators import EmailValidator
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from config.openapi import links_field

from ..models import GroupType, UserStatus
from .common import StrictCharField, StrictDictField

# Okta's base profile attributes held in model fields; every other key is a custom attribute.
BASE_PROFILE = {"login": 100, "email": 254, "firstName": 100, "lastName": 100}
CUSTOM_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
MAX_CUSTOM_ATTRIBUTES = 100
MAX_STRING_VALUE = 1024


def _attribute_problem(name: str, value) -> str | None:
    if not CUSTOM_ATTRIBUTE_NAME.fullmatch(name):
        return "Attribute names are a letter then up to 99 letters, digits or underscores."
    scalars = (str, int, float, bool, type(None))
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) > 100:
        return "At most 100 values."
    for item in items:
        if not isinstance(item, scalars):
            return "Must be a string, number, boolean, null or an array of those."
        if isinstance(item, str) and (len(item) > MAX_STRING_VALUE or "\x00" in item):
            return f"Strings are at most {MAX_STRING_VALUE} characters, without NUL."
    return None


class ProfileInput(StrictDictField):
    """Okta's user profile: login and email required, firstName and lastName optional, custom attributes."""

    def to_internal_value(self, data):
        profile = serializers.DictField.to_internal_value(self, data)
        errors = {}
        for name, limit in BASE_PROFILE.items():
            value = profile.get(name)
            if value is None:
                if name in ("login", "email"):
                    errors[name] = "The field cannot be left blank."
                continue
            if not isinstance(value, str) or "\x00" in value:
                errors[name] = "Must be a string."
            elif name in ("login", "email") and not value.strip():
                errors[name] = "The field cannot be left blank."
            elif len(value) > limit:
                errors[name] = f"Must be at most {limit} characters."
            elif any(ch.isspace() for ch in value) and name in ("login", "email"):
                errors[name] = "Must not contain spaces."
        if "email" not in errors:
            try:
                EmailValidator()(profile["email"])
            except Exception:  # noqa: BLE001 - Django's ValidationError: reported as Okta's cause
                errors["email"] = "Does not match required pattern"
        custom = {key: value for key, value in profile.items() if key not in BASE_PROFILE}
        if len(custom) > MAX_CUSTOM_ATTRIBUTES:
            errors["profile"] = f"At most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        for name, value in custom.items():
            problem = _attribute_problem(name, value)
            if problem:
                errors[name[:100]] = problem
        if errors:
            raise serializers.ValidationError(errors)
        self.check_storable(profile)
        return profile


@extend_schema_serializer(component_name="PasswordCredential")
class _PasswordInput(serializers.Serializer):
    value = StrictCharField(max_length=256, trim_whitespace=False)


@extend_schema_serializer(component_name="UserCredentials")
class _CredentialsInput(serializers.Serializer):
    password = _PasswordInput(required=False, allow_null=True)


@extend_schema_serializer(component_name="CreateUserRequest")
class UserInput(serializers.Serializer):
    profile = ProfileInput()
    credentials = _CredentialsInput(required=False, allow_null=True)
    groupIds = serializers.ListField(child=StrictCharField(max_length=20), required=False, allow_null=True,
                                     max_length=100)

    @staticmethod
    def service_kwargs(data: dict) -> dict:
        profile = dict(data["profile"])
        fields = {"login": profile.pop("login").strip(), "email": profile.pop("email").strip(),
                  "first_name": (profile.pop("firstName", None) or "").strip(),
                  "last_name": (profile.pop("lastName", None) or "").strip()}
        password = ((data.get("credentials") or {}).get("password") or {}).get("value")
        return {**fields, "profile": profile, "password": password}


@extend_schema_serializer(component_name="OktaUserGroupProfile")
class _GroupProfileInput(serializers.Serializer):
    name = StrictCharField(max_length=255)
    description = StrictCharField(max_length=1024, required=False, allow_blank=True, allow_null=True)


@extend_schema_serializer(component_name="Group")
class GroupInput(serializers.Serializer):
    profile = _GroupProfileInput()

    @staticmethod
    def service_kwargs(data: dict) -> dict:
        profile = data["profile"]
        return {"name": profile["name"], "description": profile.get("description") or ""}


# --- responses: what `accounts.presenters` answers, described for the OpenAPI document ------------

@extend_schema_serializer(component_name="UserType")
class _UserTypeOutput(serializers.Serializer):
    id = serializers.CharField()


@extend_schema_serializer(component_name="User")
class UserOutput(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=UserStatus.choices)
    created = serializers.DateTimeField()
    activated = serializers.DateTimeField(allow_null=True)
    statusChanged = serializers.DateTimeField(allow_null=True)
    lastLogin = serializers.DateTimeField(allow_null=True)
    lastUpdated = serializers.DateTimeField()
    passwordChanged = serializers.DateTimeField(allow_null=True)
    type = _UserTypeOutput()
    profile = serializers.JSONField(help_text="login, email, firstName, lastName and custom attributes")
    credentials = serializers.JSONField(help_text="`password: {}` when one is set, and the provider")
    _links = links_field()


@extend_schema_serializer(component_name="OktaUserGroupProfile")
class _GroupProfileOutput(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="Group")
class GroupOutput(serializers.Serializer):
    id = serializers.CharField()
    created = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    lastMembershipUpdated = serializers.DateTimeField()
    objectClass = serializers.ListField(child=serializers.CharField())
    type = serializers.ChoiceField(choices=GroupType.choices)
    profile = _GroupProfileOutput()
    _links = serializers.JSONField(help_text="logo (a list), users, apps")
