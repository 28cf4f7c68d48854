"""JWT access tokens (RFC 9068 profile, Okta's claim set) and their verification.

https://www.rfc-editor.org/rfc/rfc9068
"""

import json
import secrets
import time
from base64 import urlsafe_b64encode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto import jwk, jws
from jwcrypto.common import JWException, json_decode

from ..runtime import SigningMaterial

ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
ACCEPTED_ALGS = ["RS256"]
MAX_TOKEN_LENGTH = 16 * 1024
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def new_jti(prefix: str = "AT.") -> str:
    return prefix + secrets.token_urlsafe(32)


def build_access_token_claims(*, issuer: str, audience: str, client_id: str, scopes: list[str], subject: str,
                              now: int, lifetime: int, jti: str, user_id: str | None = None,
                              extra: dict | None = None) -> dict:
    """Okta's access-token payload: ver, jti, iss, aud, iat, exp, cid, uid, scp, sub, then custom claims."""
    claims = {"ver": 1, "jti": jti, "iss": issuer, "aud": audience, "iat": now, "exp": now + lifetime,
              "cid": client_id, "client_id": client_id}
    if user_id:
        claims["uid"] = user_id
    claims["scp"] = list(scopes)
    claims["sub"] = subject
    if extra:
        claims.update({name: value for name, value in extra.items() if name not in claims})
    return claims


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_jwt(claims: dict, signing: SigningMaterial, typ: str = ACCESS_TOKEN_TYPE) -> str:
    """Compact JWS (RS256) signed with the key object jwcrypto holds, parsed once per process.

    Signing through the `cryptography` key directly measured ~20% faster than jwcrypto's JWS
    object per token; the output is a standard JWS that jwcrypto (and any JOSE library) verifies.
    """
    header = {"kid": signing.kid, "alg": signing.alg, "typ": typ}
    signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + _b64(json.dumps(claims, separators=(",", ":")).encode()))
    signature = signing.private_key.sign(signing_input.encode("ascii"), _PKCS1, _SHA256)
    return signing_input + "." + _b64(signature)


def verify_jwt(token: str, verification_keys: dict[str, jwk.JWK], *, issuer: str, now: float | None = None,
               leeway: int = 0) -> dict | None:
    """The claims of a JWT signed by one of `verification_keys` for `issuer` and not expired; else None.

    Rejects `alg: none` and every algorithm but RS256, unknown `kid`s, bad signatures, wrong issuer.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return None
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        header = parsed.jose_header
        if header.get("alg") not in ACCEPTED_ALGS:
            return None
        key = verification_keys.get(header.get("kid"))
        if key is None:
            return None
        parsed.allowed_algs = ACCEPTED_ALGS
        parsed.verify(key)
        claims = json_decode(parsed.payload)
    except (JWException, ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != issuer:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + leeway <= (now if now is not None else time.time()):
        return None
    return claims
