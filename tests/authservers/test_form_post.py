"""response_mode=form_post (OAuth 2.0 Form Post Response Mode) and an explicit response_mode=query."""

import re
from html.parser import HTMLParser

import pytest

from authservers.models import Grant
from authservers.oauth.authorize import CONSENT_DENIED
from clients.models import Client
from tests.factories import ScopeFactory

from .code_flow import AUTHORIZE, authorize_params, exchange, redirect_params
from .conftest import REDIRECT_URI

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oauth2/default"


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.inputs, self.scripts = [], {}, []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(attrs)
        elif tag == "input" and attrs.get("type") == "hidden":
            self.inputs[attrs["name"]] = attrs["value"]
        elif tag == "script":
            self._in_script = attrs

    def handle_data(self, data):
        if self._in_script is not None:
            self.scripts.append((self._in_script, data))
            self._in_script = None


def form_post(response) -> tuple[str, dict, _FormParser]:
    """(form action, posted fields, parsed page) of a form_post response."""
    assert response.status_code == 200, response.content
    assert "Location" not in response
    page = _FormParser()
    page.feed(response.content.decode())
    assert len(page.forms) == 1 and page.forms[0]["method"] == "post"
    return page.forms[0]["action"], page.inputs, page


def test_success_posts_code_state_and_iss(client, signed_in, authserver, web_app):
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post"))
    action, fields, _ = form_post(response)
    assert action == REDIRECT_URI
    assert set(fields) == {"code", "state", "iss"}
    assert fields["state"] == "st-1" and fields["iss"] == ISSUER
    assert Grant.objects.filter(code=fields["code"]).exists()
    assert exchange(client, web_app, fields["code"]).status_code == 200


def test_page_auto_submits_with_a_nonced_script_allowed_by_its_csp(signed_in, authserver, web_app):
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post"))
    _, _, page = form_post(response)
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([A-Za-z0-9_-]+)'", csp).group(1)
    [(attrs, code)] = page.scripts
    assert attrs["nonce"] == nonce and "submit()" in code
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert b"<noscript>" in response.content and b'type="submit"' in response.content  # works without JS
    # same-origin: nothing leaks to the client's origin, and the page's own POSTs keep their Origin (CSRF)
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "same-origin"
    other = signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post"))
    assert other["Content-Security-Policy"] != csp  # a fresh nonce every time


def test_error_after_client_verification_is_posted(signed_in, authserver, web_app):
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post", scope="openid nope"))
    action, fields, _ = form_post(response)
    assert action == REDIRECT_URI
    assert fields == {"error": "invalid_scope", "error_description": fields["error_description"], "state": "st-1",
                      "iss": ISSUER}


def test_error_before_the_state_check_is_posted_without_state(signed_in, authserver, web_app):
    _, fields, _ = form_post(signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post",
                                                                        state=None)))
    assert fields["error"] == "invalid_request" and "state" not in fields and fields["iss"] == ISSUER


def test_prompt_none_without_session_is_posted(client, authserver, web_app):
    _, fields, _ = form_post(client.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post",
                                                                     prompt="none")))
    assert fields["error"] == "login_required"


def test_unverified_redirect_uri_never_posts(signed_in, authserver, web_app):
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post",
                                                         redirect_uri="https://evil.example.com/cb"))
    assert response.status_code == 400 and b"<form" not in response.content


def test_hostile_state_is_escaped_in_the_page(signed_in, authserver, web_app):
    state = '"><script>alert(1)</script>'
    response = signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post", state=state))
    assert b"<script>alert" not in response.content
    _, fields, _ = form_post(response)
    assert fields["state"] == state


def test_redirect_uri_with_a_query_is_the_action_as_registered(signed_in, authserver, make_client):
    from accounts.services import everyone_group

    app = make_client(label="q", grant_types=["authorization_code"], redirect_uris=[REDIRECT_URI + "?tenant=a&b=1"])
    app.model.assigned_groups.add(everyone_group())
    response = signed_in.get(AUTHORIZE, authorize_params(app, response_mode="form_post",
                                                         redirect_uri=REDIRECT_URI + "?tenant=a&b=1"))
    action, fields, _ = form_post(response)
    assert action == REDIRECT_URI + "?tenant=a&b=1" and "code" in fields


def test_form_post_survives_the_sign_in_round_trip(client, authserver, web_app, ada):
    from urllib.parse import parse_qs, urlsplit

    from .conftest import PASSWORD

    login_url = client.get(AUTHORIZE, authorize_params(web_app, response_mode="form_post"))["Location"]
    back = client.post(login_url, {"login": ada.login, "password": PASSWORD})["Location"]
    assert parse_qs(urlsplit(back).query)["response_mode"] == ["form_post"]
    assert "code" in form_post(client.get(back))[1]


def test_consent_answer_in_form_post(signed_in, authserver, web_app):
    ScopeFactory(server=authserver, name="orders:read", consent="REQUIRED")
    Client.objects.filter(pk=web_app.model.pk).update(consent_method="REQUIRED")
    params = authorize_params(web_app, response_mode="form_post", scope="openid orders:read")
    url = signed_in.get(AUTHORIZE, params)["Location"]
    _, fields, _ = form_post(signed_in.post(url, {"decision": "deny"}))
    assert fields == {"error": "access_denied", "error_description": CONSENT_DENIED, "state": "st-1",
                      "iss": ISSUER}
    url = signed_in.get(AUTHORIZE, params)["Location"]
    assert "code" in form_post(signed_in.post(url, {"decision": "allow"}))[1]


def test_explicit_query_mode_redirects(signed_in, authserver, web_app):
    assert "code" in redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode="query")))


@pytest.mark.parametrize("mode", ["fragment", "okta_post_message", "FORM_POST", "x" * 3000])
def test_unsupported_modes_are_refused_in_the_query(signed_in, authserver, web_app, mode):
    params = redirect_params(signed_in.get(AUTHORIZE, authorize_params(web_app, response_mode=mode)))
    assert params["error"] == "invalid_request" and "form_post" in params["error_description"]


def test_discovery_lists_form_post(client, authserver):
    document = client.get("/oauth2/default/.well-known/openid-configuration").json()
    assert document["response_modes_supported"][:2] == ["query", "form_post"]
