"""OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6), Okta's claim set (REFERENCE §6.2).

https://openid.net/specs/openid-connect-core-1_0.html#IDToken
Pure: the caller passes the time, the signing key and the values; nothing here reads the database.
"""

import base64
import hashlib

from ..runtime import SigningMaterial
from .access_tokens import new_jti, sign_jwt

ID_TOKEN_LIFETIME = 3600  # Okta: 60 minutes, fixed
ID_TOKEN_TYPE = "JWT"


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the access token (RS256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def build_id_token_claims(*, issuer: str, client_id: str, user_id: str, idp: str, auth_time: int, now: int,
                          nonce: str | None = None, access_token: str | None = None, extra: dict | None = None,
                          jti: str | None = None) -> dict:
    """ver, sub, iss, aud, iat, exp, jti, amr, idp, auth_time, then nonce, at_hash and scope claims."""
    claims = {"ver": 1, "sub": user_id, "iss": issuer, "aud": client_id, "iat": now, "exp": now + ID_TOKEN_LIFETIME,
              "jti": jti or new_jti("ID."), "amr": ["pwd"], "idp": idp, "auth_time": auth_time}
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["at_hash"] = at_hash(access_token)
    if extra:
        claims.update({name: value for name, value in extra.items() if name not in claims})
    return claims


def sign_id_token(claims: dict, signing: SigningMaterial) -> str:
    """OIDC requires RS256 support; Castellan signs ID tokens with the server's RS256 ACTIVE key only."""
    if signing.alg != "RS256":
        raise ValueError("ID tokens are signed with the RS256 key")
    return sign_jwt(claims, signing, typ=ID_TOKEN_TYPE)
