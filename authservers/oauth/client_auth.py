"""Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3).

https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
`client_secret_basic` and `client_secret_post`, and `none` for public clients; each client must use
the method it registered (Okta does the same). Errors carry Okta's descriptions.
"""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from ..runtime import ClientSnapshot
from . import errors

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class PresentedCredentials:
    client_id: str
    secret: str | None
    method: str  # client_secret_basic | client_secret_post | none


def parse_basic_authorization(header: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: Basic base64(urlencode(id):urlencode(secret))."""
    _, _, encoded = header.partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
    return unquote(client_id), unquote(secret)


def extract_credentials(authorization: str | None, form: dict[str, str]) -> PresentedCredentials:
    """Which client the request claims to be and how it proves it, from the header and the form."""
    has_basic = bool(authorization) and authorization.split(" ", 1)[0].lower() == "basic"
    in_body = "client_secret" in form
    has_assertion = "client_assertion" in form or "client_assertion_type" in form
    if sum((has_basic, in_body, has_assertion)) > 1:
        raise errors.InvalidRequest(errors.MULTIPLE_CLIENT_CREDENTIALS, status_code=401,
                                    www_authenticate='Basic realm="castellan"')
    if has_basic:
        client_id, secret = parse_basic_authorization(authorization)
        if form.get("client_id") and form["client_id"] != client_id:
            raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
        return PresentedCredentials(client_id, secret, "client_secret_basic")
    if has_assertion:
        # client_secret_jwt and private_key_jwt arrive with the client lifecycle work (issue 8).
        raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
    client_id = form.get("client_id")
    if not client_id:
        raise errors.InvalidClient(errors.NO_CLIENT_CREDENTIALS)
    if in_body:
        return PresentedCredentials(client_id, form["client_secret"], "client_secret_post")
    return PresentedCredentials(client_id, None, "none")


def authenticate(presented: PresentedCredentials, lookup: Callable[[str], ClientSnapshot | None]) -> ClientSnapshot:
    """The authenticated client, or InvalidClient with Okta's description."""
    client = lookup(presented.client_id)
    if client is None or not client.active:
        raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
    if presented.method == "none":
        if client.auth_method != "none":
            raise errors.InvalidClient(errors.NO_CLIENT_CREDENTIALS)
        return client
    if client.auth_method != presented.method:
        raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
    if not client.secret_matches(presented.secret or ""):
        raise errors.InvalidClient(errors.INVALID_CLIENT_SECRET)
    return client
