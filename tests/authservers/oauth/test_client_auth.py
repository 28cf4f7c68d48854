"""client_auth: which client a request claims to be, and whether it proves it (RFC 6749 §2.3). Pure."""

import base64
from urllib.parse import quote

import pytest

from authservers.oauth import errors
from authservers.oauth.client_auth import (
    PresentedCredentials,
    authenticate,
    extract_credentials,
    parse_basic_authorization,
)
from authservers.runtime import ClientSnapshot

SECRET = "s3cr3t-" + "x" * 40


def basic(raw: str | bytes) -> str:
    raw = raw.encode() if isinstance(raw, str) else raw
    return "Basic " + base64.b64encode(raw).decode()


def snapshot(**overrides) -> ClientSnapshot:
    values = {"id": "0oaservice", "client_id": "0oaservice", "label": "billing", "active": True,
              "application_type": "service", "grant_types": ("client_credentials",), "response_types": ("token",),
              "auth_method": "client_secret_basic", "secrets": (SECRET.encode(),)}
    values.update(overrides)
    return ClientSnapshot(**values)


def lookup_of(*clients):
    table = {client.client_id: client for client in clients}
    return table.get


def test_basic_header_is_decoded_and_url_decoded():
    header = basic(f"{quote('my client', safe='')}:{quote('a:b%c', safe='')}")
    assert parse_basic_authorization(header) == ("my client", "a:b%c")


def test_basic_scheme_is_case_insensitive():
    presented = extract_credentials(basic("id:pw").replace("Basic", "bAsIc"), {})
    assert presented == PresentedCredentials("id", "pw", "client_secret_basic")


@pytest.mark.parametrize("header", [
    "Basic !!!not-base64!!!",
    "Basic " + "QQ",  # bad padding
    basic("no-colon-here"),
    basic(":secret-without-id"),
    basic(b"\xff\xfe:secret"),  # not UTF-8
    "Basic",
    "Basic ",
])
def test_malformed_basic_header_is_invalid_client(header):
    with pytest.raises(errors.InvalidClient) as raised:
        extract_credentials(header, {})
    assert raised.value.status_code == 401
    assert raised.value.description == errors.CLIENT_AUTH_FAILED
    assert raised.value.headers()["WWW-Authenticate"].startswith("Basic")


def test_secret_in_body_is_client_secret_post():
    presented = extract_credentials(None, {"client_id": "id", "client_secret": "pw"})
    assert presented == PresentedCredentials("id", "pw", "client_secret_post")


def test_client_id_alone_is_method_none():
    assert extract_credentials(None, {"client_id": "id"}) == PresentedCredentials("id", None, "none")


@pytest.mark.parametrize("authorization", [None, "", "Bearer abc.def.ghi"])
def test_no_credentials_at_all(authorization):
    with pytest.raises(errors.InvalidClient) as raised:
        extract_credentials(authorization, {"grant_type": "client_credentials"})
    assert raised.value.description == errors.NO_CLIENT_CREDENTIALS


@pytest.mark.parametrize("authorization, form", [
    (basic("id:pw"), {"client_id": "id", "client_secret": "pw"}),
    (basic("id:pw"), {"client_assertion": "x", "client_assertion_type": "y"}),
    (None, {"client_id": "id", "client_secret": "pw", "client_assertion": "x"}),
])
def test_multiple_client_credentials_are_rejected(authorization, form):
    with pytest.raises(errors.InvalidRequest) as raised:
        extract_credentials(authorization, form)
    assert raised.value.error == "invalid_request"
    assert raised.value.status_code == 401
    assert raised.value.description == errors.MULTIPLE_CLIENT_CREDENTIALS
    assert raised.value.headers()["WWW-Authenticate"].startswith("Basic")


def test_client_id_in_body_must_match_basic_header():
    with pytest.raises(errors.InvalidClient):
        extract_credentials(basic("id:pw"), {"client_id": "someone-else"})
    assert extract_credentials(basic("id:pw"), {"client_id": "id"}).client_id == "id"


def test_client_assertion_is_not_accepted_yet():
    with pytest.raises(errors.InvalidClient):
        extract_credentials(None, {"client_assertion": "x", "client_assertion_type": "y"})


def test_correct_secret_authenticates():
    client = snapshot()
    assert authenticate(PresentedCredentials(client.client_id, SECRET, "client_secret_basic"),
                        lookup_of(client)) is client


def test_any_active_secret_authenticates_during_rotation():
    client = snapshot(secrets=(b"old-" + b"o" * 40, SECRET.encode()))
    assert authenticate(PresentedCredentials(client.client_id, SECRET, "client_secret_basic"), lookup_of(client))


@pytest.mark.parametrize("secret", ["wrong", "", SECRET[:-1], SECRET + "x", SECRET.upper()])
def test_wrong_secret_is_rejected_with_okta_text(secret):
    client = snapshot()
    with pytest.raises(errors.InvalidClient) as raised:
        authenticate(PresentedCredentials(client.client_id, secret, "client_secret_basic"), lookup_of(client))
    assert raised.value.description == errors.INVALID_CLIENT_SECRET


def test_unknown_client_is_rejected():
    with pytest.raises(errors.InvalidClient) as raised:
        authenticate(PresentedCredentials("0oanobody", SECRET, "client_secret_basic"), lookup_of(snapshot()))
    assert raised.value.description == errors.CLIENT_AUTH_FAILED


def test_inactive_client_is_rejected_even_with_the_right_secret():
    client = snapshot(active=False)
    with pytest.raises(errors.InvalidClient) as raised:
        authenticate(PresentedCredentials(client.client_id, SECRET, "client_secret_basic"), lookup_of(client))
    assert raised.value.description == errors.CLIENT_AUTH_FAILED


@pytest.mark.parametrize("registered, used", [("client_secret_basic", "client_secret_post"),
                                              ("client_secret_post", "client_secret_basic")])
def test_client_must_use_its_registered_method(registered, used):
    client = snapshot(auth_method=registered)
    with pytest.raises(errors.InvalidClient) as raised:
        authenticate(PresentedCredentials(client.client_id, SECRET, used), lookup_of(client))
    assert raised.value.description == errors.CLIENT_AUTH_FAILED


def test_confidential_client_without_secret_has_no_credentials():
    client = snapshot()
    with pytest.raises(errors.InvalidClient) as raised:
        authenticate(PresentedCredentials(client.client_id, None, "none"), lookup_of(client))
    assert raised.value.description == errors.NO_CLIENT_CREDENTIALS


def test_non_ascii_secret_does_not_crash_the_comparison():
    client = snapshot()
    with pytest.raises(errors.InvalidClient):
        authenticate(PresentedCredentials(client.client_id, "sécret\u2603", "client_secret_basic"), lookup_of(client))
