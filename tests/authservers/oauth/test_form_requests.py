"""form_requests: the checks every OAuth POST passes before oauthlib sees it (RFC 6749 §3.2). Pure."""

import pytest

from authservers.oauth import errors
from authservers.oauth.form_requests import FORM_CONTENT_TYPE, check_grant_type, parse_form_body


def parse(body: bytes, *, method="POST", content_type=FORM_CONTENT_TYPE, query_keys=()):
    return parse_form_body(method=method, content_type=content_type, body=body, query_keys=list(query_keys))


def test_form_body_is_parsed_into_single_values():
    form = parse(b"grant_type=client_credentials&scope=orders%3Aread+orders%3Awrite")
    assert form == {"grant_type": "client_credentials", "scope": "orders:read orders:write"}


def test_content_type_parameters_and_case_are_accepted():
    form = parse(b"a=1", content_type="Application/X-WWW-Form-Urlencoded; charset=UTF-8")
    assert form == {"a": "1"}


def test_blank_values_are_kept():
    assert parse(b"scope=&grant_type=client_credentials") == {"scope": "", "grant_type": "client_credentials"}


def test_empty_body_is_an_empty_form_whatever_the_content_type():
    assert parse(b"", content_type="") == {}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD"])
def test_only_post_is_allowed(method):
    with pytest.raises(errors.MethodNotAllowed) as raised:
        parse(b"", method=method)
    assert raised.value.status_code == 405
    assert raised.value.description == errors.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("name", ["client_id", "client_secret", "client_assertion", "client_assertion_type"])
def test_client_credentials_in_query_string_are_rejected(name):
    with pytest.raises(errors.InvalidRequest) as raised:
        parse(b"grant_type=client_credentials", query_keys=[name])
    assert raised.value.description == errors.CREDENTIALS_IN_QUERY


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain", ""])
def test_body_that_is_not_a_form_is_rejected(content_type):
    with pytest.raises(errors.InvalidRequest) as raised:
        parse(b'{"grant_type": "client_credentials"}', content_type=content_type)
    assert raised.value.error == "invalid_request"
    assert raised.value.description == errors.FORM_CONTENT_TYPE


@pytest.mark.parametrize("body", [b"scope=\xff\xfe", b"scope=%FF", b"grant_type=client_%C3", b"\xc3\x28=x"])
def test_invalid_utf8_is_rejected(body):
    with pytest.raises(errors.InvalidRequest) as raised:
        parse(body)
    assert raised.value.description == errors.BAD_ENCODING


@pytest.mark.parametrize("body", [b"client_id=a%00b", b"sc%00ope=x", b"scope=\x00"])
def test_nul_bytes_are_rejected(body):
    with pytest.raises(errors.InvalidRequest) as raised:
        parse(body)
    assert raised.value.description == errors.BAD_ENCODING


@pytest.mark.parametrize("body", [b"grant_type=client_credentials&grant_type=client_credentials",
                                  b"scope=a&scope=b&grant_type=client_credentials",
                                  b"client_id=x&client_id=x"])
def test_repeated_parameters_are_rejected(body):
    with pytest.raises(errors.InvalidRequest) as raised:
        parse(body)
    assert raised.value.description == errors.DUPLICATE_PARAMETERS


def test_scope_longer_than_okta_limit_is_invalid_scope():
    with pytest.raises(errors.InvalidScope):
        parse(b"scope=" + b"a" * 1025)
    assert parse(b"scope=" + b"a" * 1024)["scope"] == "a" * 1024


def test_missing_grant_type_names_the_valid_values():
    with pytest.raises(errors.InvalidRequest) as raised:
        check_grant_type({}, ["client_credentials"])
    assert raised.value.description == (
        "The token request must specify a 'grant_type'. Valid values: [client_credentials]")


def test_empty_grant_type_counts_as_missing():
    with pytest.raises(errors.InvalidRequest):
        check_grant_type({"grant_type": ""}, ["client_credentials"])


@pytest.mark.parametrize("grant_type", ["password", "urn:foo", "authorization_code", "CLIENT_CREDENTIALS"])
def test_unknown_grant_type_is_unsupported(grant_type):
    with pytest.raises(errors.UnsupportedGrantType) as raised:
        check_grant_type({"grant_type": grant_type}, ["client_credentials"])
    assert raised.value.error == "unsupported_grant_type"
    assert raised.value.status_code == 400
    assert raised.value.description == errors.unsupported_grant_type(["client_credentials"])


def test_supported_grant_type_is_returned():
    assert check_grant_type({"grant_type": "client_credentials"}, ["client_credentials"]) == "client_credentials"
