"""Glue the apps, users and groups APIs share: the acting admin, id checks, paging, strict input.

Okta's SDKs send whole objects back on PUT and `null` for fields they do not set, so input
serializers ignore unknown and read-only fields and treat `null` as absent; but a value of the
wrong JSON type (a number where a string belongs) is an error, not something to coerce.
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.response import Response

from authservers import systemlog
from config.api import OktaAPIError, not_found
from config.pagination import paginate

MAX_ID_LENGTH = 20


def actor(request) -> dict:
    return systemlog.actor_for_user(request.user)


def usable_key(value: str, max_length: int = MAX_ID_LENGTH) -> bool:
    """Whether `value` can name a row: short enough, and free of NUL (PostgreSQL text cannot hold one)."""
    return 0 < len(value) <= max_length and "\x00" not in value


def get_or_404(queryset, object_id: str, okta_type: str):
    found = queryset.filter(pk=object_id).first() if usable_key(object_id) else None
    if found is None:
        raise not_found(object_id, okta_type)
    return found


def paged(request, queryset, present, *, default_limit: int = 200, max_limit: int = 200) -> Response:
    """One page of `queryset`, each item through `present(item, base_url)`, with Okta's Link header."""
    page, link = paginate(request, queryset, default_limit=default_limit, max_limit=max_limit)
    base = base_url(request)
    response = Response([present(item, base) for item in page])
    response["Link"] = link
    return response


def paging_parameters(default_limit: int = 200, max_limit: int = 200) -> list[OpenApiParameter]:
    """`limit` and `after`, as the OpenAPI document describes them for a list operation."""
    return [OpenApiParameter("limit", int, description=f"Page size (default {default_limit}, at most {max_limit})"),
            OpenApiParameter("after", str, description="Cursor from the previous page's `Link: rel=\"next\"`")]


SEARCH = OpenApiParameter("q", str, description="Case-insensitive prefix of the name (see docs/api.md)")
FILTER = OpenApiParameter("filter", str, description="Okta's filter expression, e.g. `status eq \"ACTIVE\"`")
ACTIVATE = OpenApiParameter("activate", bool, description="Create it active (default true)")


def base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def query_flag(request, name: str, default: bool) -> bool:
    """A boolean query parameter such as `?activate=false`."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise OktaAPIError("E0000001", f"Api validation failed: {name}", 400,
                           [f"{name}: Must be true or false."])
    return value == "true"


def validated(serializer_class, data, **kwargs) -> dict:
    """The serializer's validated data, or Okta's E0000001 naming the fields at fault in dotted form."""
    if not isinstance(data, dict):
        raise OktaAPIError("E0000003", "The request body was not well-formed.", 400,
                           ["The request body must be a JSON object."])
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        causes = _dotted(serializer.errors)
        first = causes[0].split(":", 1)[0] if causes else ""
        raise OktaAPIError("E0000001", f"Api validation failed: {first}", 400, causes)
    return serializer.validated_data


def _dotted(errors, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        out = []
        for key, value in errors.items():
            if key == "non_field_errors":
                name = prefix
            elif isinstance(key, int):  # a list item: DRF keys its errors by index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out += _dotted(value, name)
        return out
    if isinstance(errors, list):
        out = []
        for index, item in enumerate(errors):
            out += _dotted(item, f"{prefix}[{index}]" if isinstance(item, dict | list) else prefix)
        return out
    return [f"{prefix}: {errors}" if prefix else str(errors)]


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of turning them into text, and NUL."""

    default_error_messages = {"not_string": "Must be a string.",
                              "bad_text": "Must be valid Unicode text without NUL characters."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_string")
        if "\x00" in data or not storable_text(data):
            self.fail("bad_text")
        return super().to_internal_value(data)


def storable_text(text: str) -> bool:
    """Whether PostgreSQL can store `text`: valid UTF-8 (JSON's \\ud800 escapes decode to lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"not_boolean": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_boolean")
        return data


class StrictDictField(serializers.DictField):
    """A JSON object of at most `max_bytes` when serialized."""

    default_error_messages = {"too_big": "Must be at most {max_bytes} bytes of JSON.",
                              "nul": "Must not contain NUL characters.",
                              "unstorable": "Must hold only finite numbers and valid Unicode text."}

    def __init__(self, *args, max_bytes: int = 16 * 1024, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        self.check_storable(value)
        return value

    def check_storable(self, value) -> None:
        """Small enough, and free of what PostgreSQL's jsonb cannot hold (NUL, NaN, lone surrogates)."""
        import json

        try:
            # jsonb holds neither NaN nor Infinity nor lone surrogates.
            encoded = json.dumps(value, allow_nan=False)
        except ValueError:
            self.fail("unstorable")
        if not storable_text(json.dumps(value, ensure_ascii=False)):
            self.fail("unstorable")
        if len(encoded) > self.max_bytes:
            self.fail("too_big", max_bytes=self.max_bytes)
        if "\\u0000" in encoded:
            self.fail("nul")
