"""An API client authenticated with an SSWS API token of a staff user."""

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create, user_create


@pytest.fixture
def staff_user(db):
    return user_create(login="ops@example.com", email="ops@example.com", password=None, is_staff=True)


@pytest.fixture
def api_token(staff_user) -> str:
    _, secret = api_token_create(name="ci", user=staff_user)
    return secret


@pytest.fixture
def api(api_token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"SSWS {api_token}")
    return client


@pytest.fixture
def anonymous_api(db) -> APIClient:
    return APIClient()


@pytest.fixture
def non_staff_token(db) -> str:
    """A token whose user has lost staff rights since it was made."""
    user = user_create(login="former-ops@example.com", email="former-ops@example.com", password=None,
                       is_staff=True)
    _, secret = api_token_create(name="old", user=user)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    return secret
