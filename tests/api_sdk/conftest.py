"""The official Okta Python SDK (`okta`, a dev dependency) pointed at a live Castellan server.

`sdk` runs coroutines on one event loop per test: `sdk.run(client.list_users())`. The SDK refuses
plain http unless its `okta.testing.testingDisableHttpsCheck` setting is on (okta.yaml, or the
environment variable `OKTA_TESTING_TESTINGDISABLEHTTPSCHECK`; the constructor's dict only reaches
`okta.client.*`). The live server speaks http, so the fixture sets the variable for the test.
Caching is off so every call reaches the server.
"""

import asyncio

import pytest

from accounts.services import api_token_create, user_create
from authservers.services import bootstrap
from tests.conftest import clear_snapshot_caches

okta_client = pytest.importorskip("okta.client", reason="the Okta SDK (`pip install -e '.[dev]'`) is missing")


class SdkSession:
    """An `okta.client.Client` and the loop its coroutines run on."""

    def __init__(self, base_url: str, token: str):
        self.loop = asyncio.new_event_loop()
        self.client = okta_client.Client({
            "orgUrl": base_url,
            "authorizationMode": "SSWS",
            "token": token,
            "cache": {"enabled": False},
            "rateLimit": {"maxRetries": 0},
        })

    def run(self, coroutine):
        """Await one SDK call; returns its tuple, e.g. (result, response, error)."""
        return self.loop.run_until_complete(coroutine)

    def ok(self, coroutine):
        """Await one SDK call that must succeed; returns its result (None for a 204)."""
        result = self.run(coroutine)
        error = result[-1]
        assert error is None, error
        return result[0] if len(result) == 3 else None

    def close(self):
        self.loop.close()


@pytest.fixture
def live_castellan(live_server, settings, transactional_db) -> str:
    settings.CASTELLAN_BASE_URL = live_server.url
    clear_snapshot_caches()
    bootstrap()
    return live_server.url


@pytest.fixture
def sdk(live_castellan, monkeypatch):
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
    admin = user_create(login="automation@example.com", email="automation@example.com", password=None,
                        is_staff=True)
    _, token = api_token_create(name="okta-sdk", user=admin)
    session = SdkSession(live_castellan, token)
    yield session
    session.close()
