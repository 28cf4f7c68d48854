"""Issue 6's "Done means", end to end: an admin, in the console alone, adds a custom scope and three
claims, previews them in Token Preview, and a real client sees each one exactly where Okta puts it.

- `department` (Access Token, `user.department`): in the access token only.
- `groups` (ID Token "Always", GROUPS filter Starts with `Eng`): in the code flow's ID token and in
  /userinfo, never in the access token; only the groups whose name starts with Eng.
- `email_upper` (ID Token "Userinfo / id_token request", `String.toUpperCase(user.email)`, only with
  the custom scope `contact:read`): in /userinfo only (the code flow's ID token is thin), and
  nowhere when the scope is not granted.
"""

import json

import pytest
from django.test import Client as Browser
from django.urls import reverse

from accounts.services import user_create
from authservers.models import Claim
from tests.authservers.test_admin import add_inline_scope, server_form_data
from tests.helpers import endpoint

from .code_flow import exchange, get_code, verified

pytestmark = pytest.mark.django_db

CLAIM_ADD = "/admin/authservers/claim/add/"


@pytest.fixture
def grace(db):
    """A user with a department and groups, some starting with Eng (any case) and some not."""
    return user_create(login="grace@example.com", email="grace@example.com", password="pw-for-tests-only",
                       first_name="Grace", last_name="Hopper", profile={"department": "Compilers"},
                       groups=["Engineering", "eng-oncall", "Sales", "Backend Eng"])


def console_adds_claim(console, server, **fields):
    data = {"server": server.pk, "value_type": "EXPRESSION", "group_filter_type": "", "include_in": "ANY",
            "scopes": "", **fields}
    response = console.post(CLAIM_ADD, {key: value for key, value in data.items() if value is not None})
    assert response.status_code == 302, response.content.decode()[:3000]


def configure_in_the_console(console, server):
    server_page = reverse("admin:authservers_authorizationserver_change", args=[server.pk])
    response = console.post(server_page, add_inline_scope(server_form_data(server), name="contact:read",
                                                          display_name="Read your contact details"))
    assert response.status_code == 302, response.content.decode()[:3000]
    console_adds_claim(console, server, name="department", claim_type="RESOURCE", value="user.department",
                       always_include_in_token="on")
    console_adds_claim(console, server, name="groups", claim_type="IDENTITY", value_type="GROUPS",
                       group_filter_type="STARTS_WITH", value="Eng", always_include_in_token="on")
    # "Userinfo / id_token request": the Always box left unticked.
    console_adds_claim(console, server, name="email_upper", claim_type="IDENTITY",
                       value="String.toUpperCase(user.email)", include_in="SCOPES", scopes="contact:read")
    saved = {claim.name: claim for claim in Claim.objects.filter(server=server, system=False)}
    assert saved["groups"].group_filter_type == "STARTS_WITH" and saved["groups"].value_type == "GROUPS"
    assert saved["email_upper"].conditions_scopes == ["contact:read"]
    assert saved["email_upper"].always_include_in_token is False


def test_admin_adds_claims_in_the_console_previews_them_and_a_client_sees_them_where_okta_puts_them(
        console, authserver, web_app, grace):
    configure_in_the_console(console, authserver)

    # Token Preview, in the console: every claim, where it goes, and the token sizes.
    response = console.post(reverse("admin:policies_token_preview", args=[authserver.pk]),
                            {"client": web_app.client_id, "grant_type": "authorization_code",
                             "user": "grace@example.com", "scopes": ["openid", "email", "contact:read"]})
    assert response.status_code == 200
    page = response.content.decode()
    result = response.context["result"]
    assert result["error"] is None, result["error"]
    access_payload = json.loads(result["access_token"]["payload_json"])
    id_payload = json.loads(result["id_token"]["payload_json"])
    assert access_payload["department"] == "Compilers" and "groups" not in access_payload
    assert id_payload["groups"] == ["Engineering", "eng-oncall"] and "email_upper" not in id_payload
    id_rows = {row["name"]: row for row in result["id_token"]["claims"]}
    assert id_rows["email_upper"]["value_json"] == '"GRACE@EXAMPLE.COM"'
    assert id_rows["email_upper"]["placement"] == "/userinfo"
    assert id_rows["groups"]["placement"] == "ID token, /userinfo"
    assert "Size when signed" in page and "of the 8192 this server allows" in page
    assert "GRACE@EXAMPLE.COM" in page and "Compilers" in page

    # A real client: the authorization code flow, then /userinfo.
    browser = Browser()
    browser.force_login(grace)
    body = exchange(browser, web_app, get_code(browser, web_app, scope="openid email contact:read")).json()
    access = verified(browser, body["access_token"])[1]
    id_token = verified(browser, body["id_token"])[1]
    userinfo = browser.get(endpoint("userinfo"), HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").json()

    assert access["department"] == "Compilers"
    assert "groups" not in access and "email_upper" not in access
    assert id_token["groups"] == ["Engineering", "eng-oncall"]
    assert "department" not in id_token and "email_upper" not in id_token
    assert userinfo["groups"] == ["Engineering", "eng-oncall"]
    assert userinfo["email_upper"] == "GRACE@EXAMPLE.COM"
    assert "department" not in userinfo
    # The preview showed what the client got.
    assert {name: access[name] for name in ("department", "sub", "scp")} == {
        name: access_payload[name] for name in ("department", "sub", "scp")}
    assert id_token["groups"] == id_payload["groups"]

    # Without the custom scope, the uppercase email is nowhere.
    body = exchange(browser, web_app, get_code(browser, web_app, scope="openid email")).json()
    userinfo = browser.get(endpoint("userinfo"), HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").json()
    assert "email_upper" not in userinfo and userinfo["groups"] == ["Engineering", "eng-oncall"]
    assert "email_upper" not in verified(browser, body["id_token"])[1]


def test_token_preview_in_the_console_shows_a_failing_claim_and_an_oversized_token(console, authserver, web_app,
                                                                                     grace):
    console_adds_claim(console, authserver, name="level", claim_type="RESOURCE",
                       value="Convert.toInt(user.department)", always_include_in_token="on")
    console_adds_claim(console, authserver, name="padding", claim_type="IDENTITY",
                       value="String.join('', {" + ", ".join(["'" + "x" * 90 + "'"] * 20) + "})",
                       always_include_in_token="on")
    authserver.token_size_limit = 2048
    authserver.save()

    response = console.post(reverse("admin:policies_token_preview", args=[authserver.pk]),
                            {"client": web_app.client_id, "grant_type": "authorization_code",
                             "user": "grace@example.com", "scopes": ["openid"]})

    page = response.content.decode()
    assert "server_error: The &#x27;level&#x27; user claim could not be evaluated." in page
    assert "Convert.toInt" in page  # the reason, in plain words
    id_token = response.context["result"]["id_token"]
    assert id_token["size"] > 2048
    assert id_token["size_error"] == (f"The ID token would be {id_token['size']} bytes, more than the 2048 this "
                                      "server allows; the 'padding' claim took it over the limit.")
    assert 'id="id-token-size-error"' in page


def test_token_size_limit_is_set_on_the_servers_console_page(console, authserver):
    page = reverse("admin:authservers_authorizationserver_change", args=[authserver.pk])
    assert "Token size limit (bytes)" in console.get(page).content.decode()

    refused = console.post(page, server_form_data(authserver, token_size_limit="100000"))
    assert refused.status_code == 200
    assert "Ensure this value is less than or equal to 16384." in refused.content.decode()

    assert console.post(page, server_form_data(authserver, token_size_limit="4096")).status_code == 302
    authserver.refresh_from_db()
    assert authserver.token_size_limit == 4096
    # A post without the field (an older page) keeps the limit.
    assert console.post(page, server_form_data(authserver)).status_code == 302
    authserver.refresh_from_db()
    assert authserver.token_size_limit == 4096
