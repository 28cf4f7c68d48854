"""Management API clients for the apps, users and groups tests: staff token, non-staff token, none."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create, user_create
from authservers import systemlog
from authservers.models import LogEvent


def links(response) -> dict[str, str]:
    """The `Link` header's relations: {"self": url, "next": url}."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.get("Link", ""))}


def events(event_type: str) -> list[LogEvent]:
    systemlog.flush()
    return list(LogEvent.objects.filter(event_type=event_type))


def walk_pages(api, url: str) -> tuple[list[dict], int]:
    """Every item across the pages `Link: rel="next"` leads to, and how many pages there were."""
    items, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        items += response.json()
        pages += 1
        url = links(response).get("next")
    return items, pages


def _client_for(user) -> APIClient:
    _, secret = api_token_create(name="ci", user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"SSWS {secret}")
    return client


@pytest.fixture
def staff_user(db):
    return user_create(login="ops@example.com", email="ops@example.com", password=None, is_staff=True)


@pytest.fixture
def api(staff_user) -> APIClient:
    return _client_for(staff_user)


@pytest.fixture
def non_staff_api(db) -> APIClient:
    """A token whose user has since lost staff rights: the API refuses it (403)."""
    user = user_create(login="former-admin@example.com", email="former-admin@example.com", password=None,
                       is_staff=True)
    client = _client_for(user)
    user.is_staff = False
    user.save()
    return client


@pytest.fixture
def anonymous_api(db) -> APIClient:
    return APIClient()


@pytest.fixture
def bad_token_api(db) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="SSWS 00notarealtoken0000000000000000000000000")
    return client
