"""Okta's rules for token requests from a browser, as a plain function (REFERENCE §2.4)."""

import pytest

from authservers.oauth import browser_requests
from authservers.oauth.browser_requests import (
    GRANT_NOT_ALLOWED,
    ORIGIN_NOT_ALLOWED,
    PKCE_REQUIRED,
    BrowserRequestRefused,
    check,
    claimed_client_id,
)
from tests.helpers import basic_auth_header, raw_basic_header

SPA = "https://spa.example.com"
ALLOWED = frozenset({SPA, "https://trusted.example.org"})
CODE = {"grant_type": "authorization_code", "code": "c", "redirect_uri": f"{SPA}/cb", "code_verifier": "v" * 43}


def refused(**kwargs) -> str:
    with pytest.raises(BrowserRequestRefused) as caught:
        check(**kwargs)
    assert caught.value.error == "invalid_client"
    assert caught.value.status_code == 400
    assert caught.value.headers() == {}, "no WWW-Authenticate: a browser must not prompt for a password"
    return caught.value.description


def test_code_with_pkce_from_an_allowed_origin_passes():
    check(origin=SPA, form=CODE, client_origins=ALLOWED)


def test_refresh_token_from_an_allowed_origin_passes():
    check(origin=SPA, form={"grant_type": "refresh_token", "refresh_token": "r"}, client_origins=ALLOWED)


def test_origin_outside_the_clients_redirect_uris_and_trusted_origins_is_refused():
    assert refused(origin="https://evil.example", form=CODE, client_origins=ALLOWED) == ORIGIN_NOT_ALLOWED


@pytest.mark.parametrize("origin", [None, ""])
def test_malformed_or_opaque_origin_is_refused_for_a_known_client(origin):
    assert refused(origin=origin, form=CODE, client_origins=ALLOWED) == ORIGIN_NOT_ALLOWED


def test_unknown_client_leaves_the_origin_to_client_authentication():
    check(origin="https://evil.example", form=CODE, client_origins=None)


@pytest.mark.parametrize("verifier", [None, ""])
def test_code_without_pkce_is_refused(verifier):
    form = {**CODE, "code_verifier": verifier} if verifier is not None else \
        {name: value for name, value in CODE.items() if name != "code_verifier"}
    assert refused(origin=SPA, form=form, client_origins=ALLOWED) == PKCE_REQUIRED


@pytest.mark.parametrize("grant_type", ["client_credentials", "password",
                                        "urn:ietf:params:oauth:grant-type:device_code"])
def test_other_grants_without_a_verifier_get_the_pkce_text_as_okta_answers(grant_type):
    assert refused(origin=SPA, form={"grant_type": grant_type}, client_origins=ALLOWED) == PKCE_REQUIRED


def test_other_grants_with_a_verifier_are_refused_by_grant_type():
    form = {"grant_type": "client_credentials", "code_verifier": "v" * 43}
    assert refused(origin=SPA, form=form, client_origins=ALLOWED) == GRANT_NOT_ALLOWED


def test_origin_is_checked_before_the_grant():
    form = {"grant_type": "client_credentials"}
    assert refused(origin="https://evil.example", form=form, client_origins=ALLOWED) == ORIGIN_NOT_ALLOWED


def test_the_rule_list_names_the_browser_grants():
    assert browser_requests.BROWSER_GRANT_TYPES == ("authorization_code", "refresh_token")


def test_claimed_client_id_prefers_the_form_then_basic():
    assert claimed_client_id(None, {"client_id": "0oa1"}) == "0oa1"
    assert claimed_client_id(basic_auth_header("0oa2", "s3cret"), {}) == "0oa2"
    assert claimed_client_id("Bearer abc", {}) == ""
    assert claimed_client_id(None, {}) == ""


@pytest.mark.parametrize("header", ["Basic !!!not-base64", raw_basic_header(b"no-colon"),
                                    raw_basic_header(b"\xff\xfe:x"), "Basic"])
def test_claimed_client_id_never_raises_on_hostile_basic_headers(header):
    assert claimed_client_id(header, {}) == ""
