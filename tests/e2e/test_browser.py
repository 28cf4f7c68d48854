"""A real browser (headless Chromium) against a live Castellan.

A single-page app on its own origin signs a user in through the sign-in page, receives the code at
its redirect URI and, from JavaScript, redeems it with PKCE at v1/token and calls v1/userinfo across
origins. A probe page on a trusted origin may read the OAuth endpoints' answers; the same page on
an untrusted origin may not (the browser blocks it for want of CORS headers).

Skips where no Chromium and chromedriver exist (install Debian's `chromium` and `chromium-driver`);
fails instead when `CI` is set, so CI cannot pass without running it.
"""

import functools
import json
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from accounts.services import everyone_group
from clients.services import client_create, trusted_origin_create

from .conftest import LOGIN, PASSWORD

pytestmark = pytest.mark.live

SPA_FILES = Path(__file__).parent / "spa"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def _find_chromium() -> tuple[str, str] | None:
    browser = next((path for path in map(shutil.which, CHROMIUM_CANDIDATES) if path), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def chromium():
    found = _find_chromium()
    if found is None:
        message = ("headless Chromium test needs `chromium` and `chromedriver` on PATH "
                   "(Debian: apt-get install chromium chromium-driver)")
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but Chromium is missing: {message}")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--disable-extensions", "--window-size=1024,768"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def static_origin():
    """Start a static file server for tests/e2e/spa on its own port: each call is another origin."""
    servers = []

    def start() -> str:
        handler = functools.partial(_QuietFiles, directory=str(SPA_FILES))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def page_result(driver, timeout=30) -> dict:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def result_text(d):
        found = d.find_elements(By.ID, "result")
        return found[0].text if found and found[0].text else False

    try:
        text = WebDriverWait(driver, timeout).until(result_text)
    except TimeoutException:
        raise AssertionError(f"no result at {driver.current_url}: {driver.page_source[:2000]}") from None
    return json.loads(text)


def sign_in(driver, timeout=30) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.NAME, "password")))
    driver.find_element(By.NAME, "login").send_keys(LOGIN)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def test_spa_signs_in_and_calls_the_oauth_endpoints_across_origins(chromium, live_castellan, static_origin):
    live = live_castellan
    spa, trusted, untrusted = static_origin(), static_origin(), static_origin()
    app, _ = client_create(label="Browser SPA", grant_types=["authorization_code"], application_type="browser",
                           token_endpoint_auth_method="none", redirect_uris=[f"{spa}/app.html"])
    app.assigned_groups.add(everyone_group())
    trusted_origin_create(name="dashboard", origin=trusted, scopes=["CORS"])

    chromium.get(f"{spa}/app.html?{urlencode({'issuer': live.issuer, 'client_id': app.client_id})}")
    sign_in(chromium)  # the SPA sent the browser to v1/authorize, which sent it to the sign-in page
    result = page_result(chromium)

    landed = urlsplit(chromium.current_url)
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == f"{spa}/app.html"
    assert "code" in parse_qs(landed.query), "ends at the redirect URI with a code (no consent for TRUSTED apps)"
    assert result.get("token_status") == 200, result
    assert result["token_type"] == "Bearer" and result["has_id_token"]
    assert result["iss"] == live.issuer
    assert result["userinfo_status"] == 200
    assert result["userinfo"]["sub"] == live.user_id and result["userinfo"]["email"] == LOGIN

    def probe(origin: str) -> dict:
        query = urlencode({"issuer": live.issuer, "client_id": app.client_id,
                           "access_token": result["access_token"]})
        chromium.get(f"{origin}/probe.html?{query}")
        return page_result(chromium)

    readable = probe(trusted)
    assert readable["discovery"]["status"] == 200 and readable["keys"]["status"] == 200, readable
    assert readable["userinfo"]["status"] == 200, readable
    assert readable["token"]["status"] == 400, readable  # a trusted origin reads the error itself
    assert json.loads(readable["token"]["body"])["error"] == "invalid_grant"

    blocked = probe(untrusted)
    assert blocked == {name: {"blocked": "TypeError"} for name in ("discovery", "keys", "token", "userinfo")}, blocked


def test_consent_page_in_a_real_browser(chromium, live_castellan, static_origin):
    """A REQUIRED-consent app: sign-in, then the consent page (Allow), then the code at the SPA."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from authservers.models import ConsentGrant, Scope

    live = live_castellan
    spa = static_origin()
    for scope in Scope.objects.filter(server_id="default", name__in=["profile", "email"]):
        scope.consent = "REQUIRED"
        scope.save()  # through save(): the change feed refreshes the live server's snapshot
    app, _ = client_create(label="Consenting SPA", grant_types=["authorization_code"], application_type="browser",
                           token_endpoint_auth_method="none", redirect_uris=[f"{spa}/app.html"],
                           consent_method="REQUIRED")
    app.assigned_groups.add(everyone_group())

    chromium.delete_all_cookies()
    chromium.get(f"{spa}/app.html?{urlencode({'issuer': live.issuer, 'client_id': app.client_id})}")
    sign_in(chromium)
    allow = WebDriverWait(chromium, 30).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "button[name=decision][value=allow]")))
    page = chromium.page_source
    assert "Consenting SPA" in page, "the consent page names the app"
    assert "profile" in page and "email" in page, "the consent page lists the scopes it asks for"
    allow.click()
    result = page_result(chromium)

    assert result.get("token_status") == 200, result
    assert result["userinfo_status"] == 200 and result["userinfo"]["email"] == LOGIN
    granted = set(ConsentGrant.objects.filter(user_id=live.user_id, client=app, status="ACTIVE")
                  .values_list("scope__name", flat=True))
    assert {"profile", "email"} <= granted, granted
