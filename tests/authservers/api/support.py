"""Helpers for the management API tests (imported, not fixtures): events, Link headers, nested
Okta shapes, and the permission checks every resource repeats."""

import re

from rest_framework.test import APIClient

from authservers.models import LogEvent
from tests.helpers import assert_okta_error
from tests.okta_schema import assert_shape


def events(event_type: str) -> list:
    from authservers import systemlog

    systemlog.flush()
    return list(LogEvent.objects.filter(event_type=event_type).order_by("published"))


def links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.get("Link", ""))}


def assert_shapes(body: dict, schema: str, nested: dict[str, str]) -> None:
    """`body` has only `schema`'s properties, and each dotted path in `nested` only its schema's."""
    assert_shape(body, schema)
    for path, nested_schema in nested.items():
        value = body
        for part in path.split("."):
            value = value[part]
        assert_shape(value, nested_schema)


def walk_pages(api, url: str) -> tuple[list[dict], int]:
    """Every item of a paged list, following `Link: rel="next"`; and how many pages it took."""
    items, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        items += response.json()
        url, pages = links(response).get("next"), pages + 1
    return items, pages


def assert_guarded(method: str, url: str, non_staff_secret: str, body=None) -> None:
    """No token and a bad token are 401 E0000011; a non-staff user's token is 403 E0000006."""
    kwargs = {"format": "json"} if body is not None else {}
    for header in (None, "SSWS not-a-real-token", "Bearer abc"):
        client = APIClient()
        if header:
            client.credentials(HTTP_AUTHORIZATION=header)
        assert_okta_error(getattr(client, method)(url, body, **kwargs), 401, "E0000011")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"SSWS {non_staff_secret}")
    assert_okta_error(getattr(client, method)(url, body, **kwargs), 403, "E0000006")
