"""Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3, RFC 7523 §2.2).

https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 · https://www.rfc-editor.org/rfc/rfc7523#section-3
`client_secret_basic`, `client_secret_post`, `client_secret_jwt` (HS256/384/512 signed with a
secret), `private_key_jwt` (RS/PS/ES signed with a key of the client's JWKS) and `none` for public
clients; each client must use the method it registered (Okta does the same). Errors carry Okta's
descriptions. Pure: the caller passes the client lookup, the clock, the audience and the replay store.
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from ..runtime import ClientSnapshot
from . import errors

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LENGTH = 16 * 1024
MAX_ASSERTION_LIFETIME = 3600  # Okta: exp at most one hour ahead
CLOCK_SKEW = 60  # seconds tolerated on iat and nbf
MIN_HMAC_SECRET_LENGTH = 32
HMAC_ALGS = {"HS256", "HS384", "HS512"}
KEY_ALGS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}

# Okta's wording for assertion failures (their support articles and the Okta docs quote these).
ASSERTION_TYPE_INVALID = "The client_assertion_type is invalid."
ASSERTION_MISSING = "The client_assertion is missing."
ASSERTION_MALFORMED = "The client_assertion is not a valid JWT."
ASSERTION_SIGNATURE_INVALID = "The client_assertion signature is invalid."
ASSERTION_KID_INVALID = "The client_assertion JWT kid is invalid."
ASSERTION_ISS_SUB = "The issuer and subject claims of the client_assertion must be the client_id."
ASSERTION_AUDIENCE = "The audience claim for client_assertion must be the endpoint invoked for the request."
ASSERTION_EXPIRED = "The client_assertion token is expired."
ASSERTION_EXP_MISSING = "The client_assertion token must have an expiration (exp) claim."
ASSERTION_EXP_TOO_FAR = "The client_assertion token has an expiration too far into the future."
ASSERTION_IAT_FUTURE = "The client_assertion token has an issued-at (iat) time in the future."
ASSERTION_NOT_YET_VALID = "The client_assertion token is not valid yet (nbf)."
ASSERTION_JTI_MISSING = "The client_assertion token must have a 'jti' claim."
ASSERTION_REPLAYED = "The client_assertion token has already been used."
SECRET_TOO_SHORT = "The client secret is too short to verify a JWT HMAC."


@dataclass(frozen=True)
class PresentedCredentials:
    client_id: str
    secret: str | None
    method: str  # client_secret_basic | client_secret_post | client_assertion | none
    assertion: str | None = None


@dataclass(frozen=True)
class AssertionContext:
    """What an assertion is checked against: accepted audiences, the clock, the replay store, the keys."""

    audiences: tuple[str, ...]  # the endpoint URL invoked (Okta) and the server's issuer
    now: float
    use_jti: Callable[[str, str, float], bool]  # (client_id, jti, exp) -> False when already used
    client_key: Callable[[ClientSnapshot, str], object]  # (client, kid) -> public jwcrypto JWK or None


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


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unverified_parts(assertion: str) -> tuple[dict, dict]:
    """The JOSE header and claims of a compact JWS, before any check: only to find the client and key."""
    if not assertion or len(assertion) > MAX_ASSERTION_LENGTH or assertion.count(".") != 2:
        raise errors.InvalidClient(ASSERTION_MALFORMED)
    header_b64, payload_b64, _ = assertion.split(".")
    try:
        header = json.loads(_b64decode(header_b64))
        claims = json.loads(_b64decode(payload_b64))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise errors.InvalidClient(ASSERTION_MALFORMED) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise errors.InvalidClient(ASSERTION_MALFORMED)
    return header, claims


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
        return _assertion_credentials(form)
    client_id = form.get("client_id")
    if not client_id:
        raise errors.InvalidClient(errors.NO_CLIENT_CREDENTIALS)
    if in_body:
        return PresentedCredentials(client_id, form["client_secret"], "client_secret_post")
    return PresentedCredentials(client_id, None, "none")


def _assertion_credentials(form: dict[str, str]) -> PresentedCredentials:
    # RFC 7521 §4.2: client_assertion_type and client_assertion come together.
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise errors.InvalidClient(ASSERTION_TYPE_INVALID)
    assertion = form.get("client_assertion") or ""
    if not assertion:
        raise errors.InvalidClient(ASSERTION_MISSING)
    _, claims = unverified_parts(assertion)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise errors.InvalidClient(ASSERTION_ISS_SUB)
    # RFC 7523 §3: client_id, when also sent, must name the same client as the assertion.
    if form.get("client_id") and form["client_id"] != subject:
        raise errors.InvalidClient(ASSERTION_ISS_SUB)
    return PresentedCredentials(subject, None, "client_assertion", assertion)


def authenticate(presented: PresentedCredentials, lookup: Callable[[str], ClientSnapshot | None],
                 context: AssertionContext | None = None) -> ClientSnapshot:
    """The authenticated client, or InvalidClient with Okta's description."""
    client = lookup(presented.client_id)
    if client is None or not client.active:
        raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
    if presented.method == "none":
        if client.auth_method != "none":
            raise errors.InvalidClient(errors.NO_CLIENT_CREDENTIALS)
        return client
    if presented.method == "client_assertion":
        if context is None or client.auth_method not in ("client_secret_jwt", "private_key_jwt"):
            raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
        verify_client_assertion(presented.assertion, client, context)
        return client
    if client.auth_method != presented.method:
        raise errors.InvalidClient(errors.CLIENT_AUTH_FAILED)
    if not client.secret_matches(presented.secret or ""):
        raise errors.InvalidClient(errors.INVALID_CLIENT_SECRET)
    return client


def verify_client_assertion(assertion: str, client: ClientSnapshot, context: AssertionContext) -> dict:
    """RFC 7523 §3 checks on a client's JWT, in Okta's order; returns its claims or raises InvalidClient.

    The `jti` is recorded last, so an assertion that fails any other check can be corrected and sent
    again, and one that passes cannot be used twice.
    """
    header, _ = unverified_parts(assertion)
    alg = header.get("alg")
    if client.auth_method == "client_secret_jwt":
        if alg not in HMAC_ALGS:
            raise errors.InvalidClient(ASSERTION_SIGNATURE_INVALID)
        claims = _verify_hmac(assertion, alg, client)
    else:
        if alg not in KEY_ALGS:
            raise errors.InvalidClient(ASSERTION_SIGNATURE_INVALID)
        claims = _verify_with_client_key(assertion, header, alg, client, context)
    _check_claims(claims, client.client_id, context)
    # RFC 7523 §3 item 7: the jti may be used once (kept until exp, when the assertion dies anyway).
    if not context.use_jti(client.client_id, claims["jti"], float(claims["exp"])):
        raise errors.InvalidClient(ASSERTION_REPLAYED)
    return claims


def _verify(assertion: str, key, alg: str) -> dict | None:
    try:
        parsed = jws.JWS()
        parsed.deserialize(assertion)
        parsed.allowed_algs = [alg]
        parsed.verify(key, alg=alg)
        claims = json.loads(parsed.payload)
    except (JWException, ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _verify_hmac(assertion: str, alg: str, client: ClientSnapshot) -> dict:
    """Any ACTIVE secret long enough for `alg` may have signed it (both count during a rotation)."""
    # RFC 7518 §3.2: the key must be at least as long as the hash output (32, 48, 64 bytes).
    minimum = max(MIN_HMAC_SECRET_LENGTH, int(alg[2:]) // 8)
    usable = [secret for secret in client.secrets if len(secret) >= minimum]
    if not usable:
        raise errors.InvalidClient(SECRET_TOO_SHORT)
    for secret in usable:
        key = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(secret).rstrip(b"=").decode())
        claims = _verify(assertion, key, alg)
        if claims is not None:
            return claims
    raise errors.InvalidClient(ASSERTION_SIGNATURE_INVALID)


def _verify_with_client_key(assertion: str, header: dict, alg: str, client: ClientSnapshot,
                            context: AssertionContext) -> dict:
    kid = header.get("kid")
    # Okta: the kid is mandatory and must name one of the client's ACTIVE keys.
    key = context.client_key(client, kid) if isinstance(kid, str) and kid else None
    if key is None:
        raise errors.InvalidClient(ASSERTION_KID_INVALID)
    if not key_fits_alg(key, alg):
        raise errors.InvalidClient(ASSERTION_SIGNATURE_INVALID)
    claims = _verify(assertion, key, alg)
    if claims is None:
        raise errors.InvalidClient(ASSERTION_SIGNATURE_INVALID)
    return claims


def key_fits_alg(key, alg: str) -> bool:
    """RFC 7518 §3.1: RS*/PS* need an RSA key, ES* the matching curve; a key's own `alg` must agree."""
    if key.get("alg") and key.get("alg") != alg:
        return False
    if alg.startswith(("RS", "PS")):
        return key.get("kty") == "RSA"
    return key.get("kty") == "EC" and key.get("crv") == _EC_CURVES.get(alg)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_claims(claims: dict, client_id: str, context: AssertionContext) -> None:
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise errors.InvalidClient(ASSERTION_ISS_SUB)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(value, str) and value in context.audiences for value in audiences):
        raise errors.InvalidClient(ASSERTION_AUDIENCE)
    exp = claims.get("exp")
    if not _number(exp):
        raise errors.InvalidClient(ASSERTION_EXP_MISSING)
    if exp <= context.now:
        raise errors.InvalidClient(ASSERTION_EXPIRED)
    if exp > context.now + MAX_ASSERTION_LIFETIME + CLOCK_SKEW:
        raise errors.InvalidClient(ASSERTION_EXP_TOO_FAR)
    iat = claims.get("iat")
    if iat is not None and (not _number(iat) or iat > context.now + CLOCK_SKEW):
        raise errors.InvalidClient(ASSERTION_IAT_FUTURE)
    nbf = claims.get("nbf")
    if nbf is not None and (not _number(nbf) or nbf > context.now + CLOCK_SKEW):
        raise errors.InvalidClient(ASSERTION_NOT_YET_VALID)
    jti = claims.get("jti")
    # Safer than Okta, which checks jti only when present: without one, replay could not be refused.
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise errors.InvalidClient(ASSERTION_JTI_MISSING)
