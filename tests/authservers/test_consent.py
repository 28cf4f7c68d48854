"""The consent page of /authorize: the matrix, the page, the answer, stored grants and their revocation."""

from urllib.parse import urlsplit

import pytest
from django.test import Client as BrowserClient

from authservers.models import ConsentGrant, Grant, Scope
from authservers.oauth import errors
from authservers.oauth.authorize import CONSENT_DENIED, CONSENT_REQUIRED
from clients.models import Client
from tests.factories import ScopeFactory

from .code_flow import AUTHORIZE, authorize_params, exchange, redirect_params, verified
from .conftest import REDIRECT_URI

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oauth2/default"


@pytest.fixture
def scopes(authserver):
    """orders:read (REQUIRED), orders:write (FLEXIBLE, optional), orders:list (IMPLICIT)."""
    return {
        "orders:read": ScopeFactory(server=authserver, name="orders:read", display_name="Read your orders",
                                    description="See the orders you placed.", consent="REQUIRED"),
        "orders:write": ScopeFactory(server=authserver, name="orders:write", display_name="Place orders",
                                     description="Order on your behalf.", consent="FLEXIBLE", optional=True),
        "orders:list": ScopeFactory(server=authserver, name="orders:list", consent="IMPLICIT"),
    }


@pytest.fixture
def shop(web_app):
    """The web app, asking for consent, with a logo and policy and terms links."""
    Client.objects.filter(pk=web_app.model.pk).update(
        consent_method="REQUIRED", logo_uri="https://cdn.example.com/shop.png",
        policy_uri="https://shop.example.com/privacy", tos_uri="https://shop.example.com/terms")
    return web_app


ALL = "openid orders:read orders:write orders:list"


def consent_url(response) -> str:
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith("/consent/"), location
    return location


def start(browser, app, **overrides) -> str:
    return consent_url(browser.get(AUTHORIZE, authorize_params(app, **overrides)))


def allow(browser, url, *optional):
    return browser.post(url, {"decision": "allow", "scope": list(optional)})


def active_grants(user) -> set[str]:
    return set(ConsentGrant.objects.filter(user=user, status="ACTIVE").values_list("scope__name", flat=True))


# --- the consent matrix (REFERENCE §3), every cell over HTTP ----------------------------------------

@pytest.mark.parametrize(("prompt", "method", "consent", "page"), [
    ("consent", "TRUSTED", "REQUIRED", True),
    ("consent", "REQUIRED", "REQUIRED", True),
    ("consent", "TRUSTED", "FLEXIBLE", True),
    ("consent", "REQUIRED", "FLEXIBLE", True),
    ("consent", "TRUSTED", "IMPLICIT", False),
    ("consent", "REQUIRED", "IMPLICIT", False),
    (None, "TRUSTED", "REQUIRED", False),
    (None, "TRUSTED", "FLEXIBLE", False),
    (None, "TRUSTED", "IMPLICIT", False),
    (None, "REQUIRED", "FLEXIBLE", True),
    (None, "REQUIRED", "REQUIRED", True),
    (None, "REQUIRED", "IMPLICIT", False),
    ("none", "TRUSTED", "REQUIRED", False),
    ("none", "TRUSTED", "FLEXIBLE", False),
    ("none", "REQUIRED", "IMPLICIT", False),
])
def test_consent_matrix_cell(signed_in, authserver, web_app, prompt, method, consent, page):
    ScopeFactory(server=authserver, name="orders:read", consent=consent)
    Client.objects.filter(pk=web_app.model.pk).update(consent_method=method)
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, scope="openid orders:read", prompt=prompt))
    if page:
        consent_url(response)
    else:
        assert redirect_params(response)["code"]


@pytest.mark.parametrize("consent", ["REQUIRED", "FLEXIBLE"])
def test_prompt_none_where_the_page_would_show_is_consent_required(signed_in, authserver, shop, consent):
    ScopeFactory(server=authserver, name="orders:read", consent=consent)
    response = signed_in.get(AUTHORIZE, authorize_params(shop, scope="openid orders:read", prompt="none"))
    params = redirect_params(response)
    assert (params["error"], params["error_description"]) == ("consent_required", CONSENT_REQUIRED)
    assert params["state"] == "st-1" and params["iss"] == ISSUER
    assert not Grant.objects.exists()


def test_prompt_none_after_consent_was_given_gets_a_code(signed_in, authserver, shop, scopes, ada):
    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL), "orders:write"))
    assert redirect_params(signed_in.get(AUTHORIZE, authorize_params(shop, scope=ALL, prompt="none")))["code"]


# --- the page ---------------------------------------------------------------------------------------

def test_page_lists_the_prompted_scopes_and_the_client(signed_in, authserver, shop, scopes):
    response = signed_in.get(start(signed_in, shop, scope=ALL))
    assert response.status_code == 200
    html = response.content.decode()
    assert "portal" in html
    assert 'src="https://cdn.example.com/shop.png"' in html
    assert 'href="https://shop.example.com/privacy"' in html and 'href="https://shop.example.com/terms"' in html
    assert "Read your orders" in html and "See the orders you placed." in html
    assert "Place orders" in html and "Order on your behalf." in html
    assert 'type="checkbox"' in html and 'value="orders:write" checked' in html
    assert 'value="orders:read"' not in html  # a required scope is listed, not a choice
    assert "orders:list" not in html  # implicit: never asked
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'value="allow"' in html and 'value="deny"' in html


def test_page_is_protected_against_framing_and_caching(signed_in, authserver, shop, scopes):
    response = signed_in.get(start(signed_in, shop, scope=ALL))
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp.replace("default-src 'none'", "")
    assert "img-src 'self' https://cdn.example.com;" in csp
    assert "form-action" not in csp  # the answer's redirect chain goes to the client and beyond
    assert "no-store" in response["Cache-Control"]


def test_page_without_logo_or_links_still_renders(signed_in, authserver, web_app, scopes):
    Client.objects.filter(pk=web_app.model.pk).update(consent_method="REQUIRED")
    html = signed_in.get(start(signed_in, web_app, scope=ALL)).content.decode()
    assert "<img" not in html and "privacy policy" not in html


def test_hostile_display_names_are_escaped(signed_in, authserver, shop):
    ScopeFactory(server=authserver, name="orders:read", consent="REQUIRED",
                 display_name='<script>alert(1)</script>', description='"><img src=x onerror=alert(1)>')
    Client.objects.filter(pk=shop.model.pk).update(label="<b>Evil</b>")
    html = signed_in.get(start(signed_in, shop, scope="openid orders:read")).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Evil</b>" not in html
    assert "&lt;script&gt;" in html


def test_plain_http_logo_is_not_shown(signed_in, authserver, shop, scopes):
    Client.objects.filter(pk=shop.model.pk).update(logo_uri="http://cdn.example.com/shop.png")
    html = signed_in.get(start(signed_in, shop, scope=ALL)).content.decode()
    assert "<img" not in html


# --- the answer --------------------------------------------------------------------------------------

def test_allow_grants_every_scope_and_issues_a_code_with_them(client, signed_in, authserver, shop, scopes, ada):
    params = redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL), "orders:write"))
    assert set(params) == {"code", "state", "iss"} and params["iss"] == ISSUER
    assert Grant.objects.get(code=params["code"]).scope == ALL
    assert active_grants(ada) == {"orders:read", "orders:write"}
    grant = ConsentGrant.objects.get(user=ada, scope__name="orders:read")
    assert grant.id.startswith("oag") and len(grant.id) == 20
    assert (grant.source, grant.issuer, grant.server_id, grant.client_id) == (
        "END_USER", ISSUER, "default", shop.model.pk)
    token = exchange(client, shop, params["code"]).json()
    _, claims = verified(client, token["access_token"])
    assert set(claims["scp"]) == set(ALL.split())


def test_unchecked_optional_scope_is_not_granted(signed_in, authserver, shop, scopes, ada):
    params = redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL)))
    assert Grant.objects.get(code=params["code"]).scope == "openid orders:read orders:list"
    assert active_grants(ada) == {"orders:read"}
    assert ConsentGrant.objects.get(user=ada, scope__name="orders:write").status == "DECLINED"


def test_unchecked_optional_scope_is_not_asked_again_until_prompt_consent(signed_in, authserver, shop, scopes):
    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL)))
    params = redirect_params(signed_in.get(AUTHORIZE, authorize_params(shop, scope=ALL)))
    assert Grant.objects.get(code=params["code"]).scope == "openid orders:read orders:list"
    html = signed_in.get(start(signed_in, shop, scope=ALL, prompt="consent")).content.decode()
    assert 'value="orders:write"' in html and 'value="orders:write" checked' not in html  # unchecked, as left


def test_a_required_scope_cannot_be_refused_by_leaving_it_out_of_the_form(signed_in, authserver, shop, scopes):
    params = redirect_params(signed_in.post(start(signed_in, shop, scope=ALL), {"decision": "allow"}))
    assert "orders:read" in Grant.objects.get(code=params["code"]).scope.split()


def test_posted_scopes_beyond_the_optional_ones_are_ignored(signed_in, authserver, shop, scopes, ada):
    ScopeFactory(server=authserver, name="orders:admin", consent="REQUIRED")
    url = start(signed_in, shop, scope="openid orders:read")
    params = redirect_params(allow(signed_in, url, "orders:admin", "orders:write", "x" * 5000))
    assert Grant.objects.get(code=params["code"]).scope == "openid orders:read"
    assert active_grants(ada) == {"orders:read"}


def test_deny_redirects_access_denied_and_grants_nothing(signed_in, authserver, shop, scopes, ada):
    response = signed_in.post(start(signed_in, shop, scope=ALL), {"decision": "deny", "scope": "orders:write"})
    params = redirect_params(response)
    assert params == {"error": "access_denied", "error_description": CONSENT_DENIED, "state": "st-1",
                      "iss": ISSUER}
    assert not ConsentGrant.objects.exists() and not Grant.objects.exists()


def test_granted_scopes_skip_the_page(signed_in, authserver, shop, scopes):
    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL), "orders:write"))
    assert redirect_params(signed_in.get(AUTHORIZE, authorize_params(shop, scope=ALL)))["code"]


def test_a_newly_requested_scope_asks_only_for_it(signed_in, authserver, shop, scopes):
    redirect_params(allow(signed_in, start(signed_in, shop, scope="openid orders:read")))
    html = signed_in.get(start(signed_in, shop, scope=ALL)).content.decode()
    assert "Place orders" in html and "Read your orders" not in html


def test_prompt_consent_asks_again_for_granted_scopes(signed_in, authserver, shop, scopes):
    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL), "orders:write"))
    html = signed_in.get(start(signed_in, shop, scope=ALL, prompt="consent")).content.decode()
    assert "Read your orders" in html and "Place orders" in html


def test_prompt_consent_on_a_trusted_client(signed_in, authserver, web_app, scopes, ada):
    url = start(signed_in, web_app, scope=ALL, prompt="consent")
    html = signed_in.get(url).content.decode()
    assert "Read your orders" in html and "Place orders" in html and "orders:list" not in html
    redirect_params(allow(signed_in, url, "orders:write"))
    assert active_grants(ada) == {"orders:read", "orders:write"}


def test_grants_are_per_client(signed_in, authserver, shop, make_client, scopes):
    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL), "orders:write"))
    other = make_client(label="other", grant_types=["authorization_code"], redirect_uris=[REDIRECT_URI],
                        consent_method="REQUIRED")
    other.model.assigned_groups.add(*shop.model.assigned_groups.all())
    start(signed_in, other, scope=ALL)


# --- revocation ----------------------------------------------------------------------------------------

def test_revoked_grant_brings_the_page_back(signed_in, authserver, shop, scopes, ada):
    from authservers.consents import consent_grants_for, consent_revoke

    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL), "orders:write"))
    consent_revoke(consent_grants_for(user=ada, scope_name="orders:read"))
    html = signed_in.get(start(signed_in, shop, scope=ALL)).content.decode()
    assert "Read your orders" in html and "Place orders" not in html
    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL)))
    assert ConsentGrant.objects.filter(user=ada, scope__name="orders:read").count() == 2  # history kept


def test_deleted_scope_takes_its_grants_along(signed_in, authserver, shop, scopes, ada):
    redirect_params(allow(signed_in, start(signed_in, shop, scope=ALL), "orders:write"))
    Scope.objects.filter(name="orders:write").delete()
    assert active_grants(ada) == {"orders:read"}


# --- the pending request: single use, bound to the user, hostile input --------------------------------

def test_a_consent_answer_cannot_be_replayed(signed_in, authserver, shop, scopes):
    url = start(signed_in, shop, scope=ALL)
    redirect_params(allow(signed_in, url))
    response = allow(signed_in, url)
    assert response.status_code == 400 and b"no longer valid" in response.content
    assert Grant.objects.count() == 1


def test_a_tampered_request_id_fails_cleanly(signed_in, authserver, shop, scopes):
    url = start(signed_in, shop, scope=ALL)
    for bad in (url[:-1] + ("A" if url[-1] != "A" else "B"), url + "x", "/consent/" + "a" * 5000,
                "/consent/%00%01", "/consent/..%2f..%2fadmin"):
        response = allow(signed_in, bad)
        assert response.status_code in (400, 404), bad
        assert "Location" not in response
    assert not Grant.objects.exists()
    assert redirect_params(allow(signed_in, url))["code"]  # the real one still works


def test_a_forged_answer_without_a_pending_request_fails(signed_in, authserver, shop, scopes):
    response = allow(signed_in, "/consent/" + "A" * 32)
    assert response.status_code == 400 and "Location" not in response
    assert not Grant.objects.exists() and not ConsentGrant.objects.exists()


def test_another_user_cannot_answer(client, signed_in, authserver, shop, scopes, ada):
    from accounts.services import user_create

    url = start(signed_in, shop, scope=ALL)
    mallory = user_create(login="mallory@example.com", email="mallory@example.com", password="pw-for-tests")
    client.force_login(mallory)  # a different user in the same browser: Django starts a new session
    assert allow(client, url).status_code == 400
    assert not ConsentGrant.objects.exists()


def test_signed_out_user_cannot_answer(signed_in, authserver, shop, scopes):
    url = start(signed_in, shop, scope=ALL)
    signed_in.logout()
    assert allow(signed_in, url).status_code == 400


def test_a_different_browser_cannot_answer(authserver, shop, scopes, ada, signed_in):
    url = start(signed_in, shop, scope=ALL)
    other = BrowserClient()
    other.force_login(ada)
    assert allow(other, url).status_code == 400
    assert redirect_params(allow(signed_in, url))["code"]


def test_missing_csrf_token_is_refused(authserver, shop, scopes, ada):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(ada)
    url = start(browser, shop, scope=ALL)
    response = browser.post(url, {"decision": "allow"})
    assert response.status_code == 403
    assert not Grant.objects.exists()
    page = browser.get(url)
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert redirect_params(browser.post(url, {"decision": "allow", "csrfmiddlewaretoken": token}))["code"]


@pytest.mark.parametrize("data", [{}, {"decision": "maybe"}, {"decision": "allow" * 1000}])
def test_a_malformed_answer_fails_cleanly(signed_in, authserver, shop, scopes, data):
    response = signed_in.post(start(signed_in, shop, scope=ALL), data)
    assert response.status_code == 400 and "Location" not in response
    assert not Grant.objects.exists()


def test_an_expired_request_fails(signed_in, authserver, shop, scopes):
    from authservers.consent_views import PENDING_KEY

    url = start(signed_in, shop, scope=ALL)
    session = signed_in.session
    pending = session[PENDING_KEY]
    for entry in pending.values():
        entry["expires"] = 0
    session[PENDING_KEY] = pending
    session.save()
    assert allow(signed_in, url).status_code == 400


def test_pending_requests_per_session_are_bounded(signed_in, authserver, shop, scopes):
    from authservers.consent_views import MAX_PENDING, PENDING_KEY

    urls = [start(signed_in, shop, scope=ALL, state=f"s{n}") for n in range(MAX_PENDING + 3)]
    assert len(signed_in.session[PENDING_KEY]) == MAX_PENDING
    assert allow(signed_in, urls[0]).status_code == 400  # the oldest was dropped
    assert redirect_params(allow(signed_in, urls[-1]))["state"] == f"s{MAX_PENDING + 2}"


def test_a_client_deactivated_meanwhile_gets_an_error_page(signed_in, authserver, shop, scopes):
    from tests.conftest import clear_snapshot_caches

    url = start(signed_in, shop, scope=ALL)
    Client.objects.filter(pk=shop.model.pk).update(status="INACTIVE")
    clear_snapshot_caches()
    response = allow(signed_in, url)
    assert response.status_code == 400 and "Location" not in response
    assert b"invalid_client" in response.content


def test_a_user_unassigned_meanwhile_is_denied(signed_in, authserver, shop, scopes):
    url = start(signed_in, shop, scope=ALL)
    shop.model.assigned_groups.clear()
    params = redirect_params(allow(signed_in, url))
    assert (params["error"], params["error_description"]) == ("access_denied", errors.USER_NOT_ASSIGNED)


def test_consent_page_answers_other_methods_with_405(signed_in, authserver, shop, scopes):
    assert signed_in.put(start(signed_in, shop, scope=ALL)).status_code == 405


def test_consent_round_trip_from_signed_out(client, authserver, shop, scopes, ada):
    from .conftest import PASSWORD

    response = client.get(AUTHORIZE, authorize_params(shop, scope=ALL))
    login_url = response["Location"]
    back = client.post(login_url, {"login": ada.login, "password": PASSWORD})["Location"]
    url = consent_url(client.get(back))
    assert urlsplit(url).path.startswith("/consent/")
    assert redirect_params(allow(client, url, "orders:write"))["code"]
