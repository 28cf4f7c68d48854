"""Dynamic Client Registration metadata (Okta's RFC 7591/7592 variant, REFERENCE §8.3), as pure functions.

`metadata_to_client_kwargs` turns a registration request into the keyword arguments of
`services.client_create` / `api_services.client_replace`, or raises `RegistrationError` with the
RFC 7591 §3.2.2 error code (`invalid_redirect_uri` or `invalid_client_metadata`); the per-type
rules themselves stay in `validation.py` and run when the client is saved. `client_to_registration`
is the RFC 7591 §3.2.1 response. Unknown members are ignored (RFC 7591 §2), and so are the
read-only ones (`client_id`, `client_secret`, the `*_at` times): the Apps API sets those.
"""

import json

from .credentials_keys import MAX_KEYS, KeyProblem, public_jwk
from .models import Client, ConsentMethod

MAX_STRING = 1024
MAX_NAME = 255
MAX_LIST = 100
MAX_JWKS_BYTES = 64 * 1024

URI_FIELDS = ("client_uri", "logo_uri", "policy_uri", "tos_uri", "initiate_login_uri", "jwks_uri")
LIST_FIELDS = ("redirect_uris", "post_logout_redirect_uris", "grant_types", "response_types")
STRING_FIELDS = ("client_name", "application_type", "token_endpoint_auth_method", *URI_FIELDS)
DEFAULTS = {"application_type": "web", "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "client_secret_basic"}
# Field names of the client model (or of a validation rule) -> RFC 7591 metadata names, for errors.
MODEL_TO_METADATA = {"label": "client_name", "refresh_token_rotation": "grant_types",
                     "refresh_token_leeway": "grant_types", "pkce_required": "token_endpoint_auth_method"}


class RegistrationError(ValueError):
    """An RFC 7591 §3.2.2 error: `error` is invalid_client_metadata or invalid_redirect_uri."""

    def __init__(self, description: str, error: str = "invalid_client_metadata"):
        super().__init__(description)
        self.error = error
        self.description = description

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def field_error(field: str, problem: str) -> RegistrationError:
    field = MODEL_TO_METADATA.get(field, field)
    error = "invalid_redirect_uri" if field in ("redirect_uris", "post_logout_redirect_uris") else \
        "invalid_client_metadata"
    return RegistrationError(f"`{field}`: {problem}", error)


def _text(name: str, value, max_length: int) -> str:
    if not isinstance(value, str):
        raise field_error(name, "Must be a string.")
    if "\x00" in value or len(value) > max_length:
        raise field_error(name, f"Must be at most {max_length} characters, without NUL.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise field_error(name, "Must be valid Unicode text.") from None
    return value.strip()


def _string_list(name: str, value) -> list[str]:
    if not isinstance(value, list):
        raise field_error(name, "Must be an array of strings.")
    if len(value) > MAX_LIST:
        raise field_error(name, f"At most {MAX_LIST} values are allowed.")
    return [_text(name, item, MAX_STRING) for item in value]


def _jwks(value) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise field_error("jwks", "Must be a JSON Web Key Set: an object with a 'keys' array.")
    try:
        encoded = json.dumps(value, allow_nan=False)
    except ValueError:
        raise field_error("jwks", "Must hold only finite numbers.") from None
    if len(encoded) > MAX_JWKS_BYTES or "\\u0000" in encoded:
        raise field_error("jwks", f"Must be at most {MAX_JWKS_BYTES} bytes of JSON, without NUL.")
    if len(value["keys"]) > MAX_KEYS:
        raise field_error("jwks", f"At most {MAX_KEYS} keys are allowed.")
    keys = []
    for entry in value["keys"]:
        try:
            clean, _ = public_jwk(entry)
        except KeyProblem as exc:
            raise field_error("jwks", str(exc)) from None
        keys.append(clean)
    if len({key["kid"] for key in keys}) != len(keys):
        raise field_error("jwks", "All keys in the 'jwks' must have a unique `kid`.")
    return {"keys": keys}


def metadata_to_client_kwargs(data) -> dict:
    """Keyword arguments for client_create/client_replace from RFC 7591 metadata, defaults applied.

    `consent_method` is always REQUIRED: Okta gives registered clients no way to be trusted.
    """
    if not isinstance(data, dict):
        raise RegistrationError("The request body must be a JSON object of client metadata.")
    values = {}
    for name in STRING_FIELDS:
        if data.get(name) is not None:
            values[name] = _text(name, data[name], MAX_NAME if name == "client_name" else MAX_STRING)
    for name in LIST_FIELDS:
        if data.get(name) is not None:
            values[name] = _string_list(name, data[name])
    if not values.get("client_name"):
        raise RegistrationError("`client_name`: The field can't be left blank.")
    jwks = _jwks(data["jwks"]) if data.get("jwks") is not None else None
    if jwks and values.get("jwks_uri"):
        raise field_error("jwks", "Use either jwks or jwks_uri, not both (RFC 7591 §2).")
    for name in URI_FIELDS:
        if values.get(name) and not values[name].startswith(("https://", "http://")):
            raise field_error(name, f"'{values[name]}' is not an absolute http(s) URL.")
    values = {**DEFAULTS, **{name: value for name, value in values.items() if value not in ("", None)}}
    return {
        "label": values["client_name"],
        "application_type": values["application_type"],
        "grant_types": values["grant_types"],
        "response_types": values.get("response_types"),
        "token_endpoint_auth_method": values["token_endpoint_auth_method"],
        "redirect_uris": values.get("redirect_uris", []),
        "post_logout_redirect_uris": values.get("post_logout_redirect_uris", []),
        "uris": {name: values[name] for name in URI_FIELDS if values.get(name)},
        "jwks": jwks,
        "consent_method": ConsentMethod.REQUIRED,
    }


def client_to_registration(client: Client, plaintext_secret: str | None = None) -> dict:
    """The RFC 7591 §3.2.1 client information response, in Okta's member order."""
    body = {"client_id": client.client_id}
    if plaintext_secret is not None:
        body["client_secret"] = plaintext_secret
    body.update({
        "client_id_issued_at": int(client.created.timestamp()),
        "client_secret_expires_at": 0,
        "client_name": client.label,
    })
    for name in ("client_uri", "logo_uri"):
        if getattr(client, name):
            body[name] = getattr(client, name)
    body.update({
        "application_type": client.application_type,
        "redirect_uris": client.redirect_uris.split(),
        "post_logout_redirect_uris": client.post_logout_redirect_uris.split(),
        "response_types": list(client.response_types),
        "grant_types": list(client.grant_types),
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
    })
    for name in ("initiate_login_uri", "policy_uri", "tos_uri", "jwks_uri"):
        if getattr(client, name):
            body[name] = getattr(client, name)
    if client.jwks:
        body["jwks"] = client.jwks
    return body
