"""A live Castellan (pytest-django's live_server) with a user, a server-side web app and a browser app."""

from dataclasses import dataclass

import pytest

from accounts.services import everyone_group, user_create
from authservers.services import bootstrap
from clients.services import client_create
from tests.conftest import clear_snapshot_caches

LOGIN = "grace@example.com"
PASSWORD = "a long and correct passphrase"
WEB_REDIRECT_URI = "https://rp.example.test/callback"
WEB_LOGOUT_URI = "https://rp.example.test/signed-out"


@dataclass(frozen=True)
class LiveCastellan:
    base_url: str
    issuer: str
    user_id: str
    web_client_id: str
    web_client_secret: str


@pytest.fixture
def live_castellan(live_server, settings, transactional_db) -> LiveCastellan:
    settings.CASTELLAN_BASE_URL = live_server.url
    clear_snapshot_caches()
    bootstrap()
    user = user_create(login=LOGIN, email=LOGIN, password=PASSWORD, first_name="Grace", last_name="Hopper")
    web, secret = client_create(label="Server-side portal", grant_types=["authorization_code"],
                                application_type="web", redirect_uris=[WEB_REDIRECT_URI],
                                post_logout_redirect_uris=[WEB_LOGOUT_URI])
    web.assigned_groups.add(everyone_group())
    return LiveCastellan(base_url=live_server.url, issuer=f"{live_server.url}/oauth2/default", user_id=str(user.pk),
                         web_client_id=web.client_id, web_client_secret=secret)
