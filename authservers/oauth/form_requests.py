"""Checks every OAuth POST endpoint applies before oauthlib sees the request (RFC 6749 §3.2, §4.4).

https://www.rfc-editor.org/rfc/rfc6749#section-3.2
Parameters are form-encoded UTF-8, sent at most once each; client credentials never travel in the
query string. These run on plain values, so they are tested without HTTP.
"""

from urllib.parse import parse_qsl

from . import errors

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
CREDENTIAL_PARAMETERS = ("client_id", "client_secret", "client_assertion", "client_assertion_type")
MAX_SCOPE_LENGTH = 1024  # Okta: the scope parameter is limited to 1024 characters


def parse_form_body(*, method: str, content_type: str, body: bytes, query_keys: list[str]) -> dict[str, str]:
    """The form parameters of an OAuth POST, or the OAuthError that answers the request."""
    if method != "POST":
        raise errors.MethodNotAllowed(errors.METHOD_NOT_ALLOWED)
    if any(name in CREDENTIAL_PARAMETERS for name in query_keys):
        raise errors.InvalidRequest(errors.CREDENTIALS_IN_QUERY)
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body and media_type != FORM_CONTENT_TYPE:
        raise errors.InvalidRequest(errors.FORM_CONTENT_TYPE)
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise errors.InvalidRequest(errors.BAD_ENCODING) from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise errors.InvalidRequest(errors.DUPLICATE_PARAMETERS)
        if "\x00" in name or "\x00" in value:
            raise errors.InvalidRequest(errors.BAD_ENCODING)
        form[name] = value
    if len(form.get("scope", "")) > MAX_SCOPE_LENGTH:
        raise errors.InvalidScope(f"The 'scope' parameter must be at most {MAX_SCOPE_LENGTH} characters.")
    return form


def check_grant_type(form: dict[str, str], supported: list[str]) -> str:
    """RFC 6749 §4: grant_type is required; unknown ones are unsupported (Okta's texts)."""
    grant_type = form.get("grant_type")
    if not grant_type:
        raise errors.InvalidRequest(errors.grant_type_required(supported))
    if grant_type not in supported:
        raise errors.UnsupportedGrantType(errors.unsupported_grant_type(supported))
    return grant_type
