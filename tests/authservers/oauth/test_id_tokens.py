"""ID token claims and signature (oauth/id_tokens.py), pure."""

import json

import pytest
from jwcrypto import jwk, jwt

from authservers.oauth.id_tokens import at_hash, build_id_token_claims, sign_id_token
from authservers.runtime import SigningMaterial


def material() -> tuple[SigningMaterial, jwk.JWK]:
    key = jwk.JWK.generate(kty="RSA", size=2048, kid="k1", alg="RS256")
    return SigningMaterial(kid="k1", alg="RS256", jwk=key, private_key=key.get_op_key("sign")), key


def test_at_hash_is_left_half_of_sha256():
    # OIDC Core §3.1.3.6, checked against an independent computation.
    import base64
    import hashlib
    digest = hashlib.sha256(b"token").digest()[:16]
    assert at_hash("token") == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_claims_in_okta_order_with_optional_ones():
    claims = build_id_token_claims(issuer="https://i/oauth2/default", client_id="0oa1", user_id="00u1", idp="00o1",
                                   auth_time=100, now=200, nonce="n", access_token="at", jti="ID.x")
    assert list(claims) == ["ver", "sub", "iss", "aud", "iat", "exp", "jti", "amr", "idp", "auth_time", "nonce",
                            "at_hash"]
    assert claims["exp"] == 3800 and claims["amr"] == ["pwd"] and claims["at_hash"] == at_hash("at")


def test_optional_claims_left_out():
    claims = build_id_token_claims(issuer="i", client_id="c", user_id="u", idp="o", auth_time=1, now=2)
    assert "nonce" not in claims and "at_hash" not in claims and claims["jti"].startswith("ID.")


def test_extra_claims_never_override_the_standard_ones():
    claims = build_id_token_claims(issuer="i", client_id="c", user_id="u", idp="o", auth_time=1, now=2,
                                   extra={"sub": "evil", "department": "R&D"})
    assert claims["sub"] == "u" and claims["department"] == "R&D"


def test_signed_with_rs256_and_verifiable():
    signing, key = material()
    claims = build_id_token_claims(issuer="i", client_id="c", user_id="u", idp="o", auth_time=1, now=2)
    token = sign_id_token(claims, signing)
    public = jwk.JWK(**key.export_public(as_dict=True))
    parsed = jwt.JWT(jwt=token, key=public, algs=["RS256"], check_claims=False)
    assert json.loads(parsed.claims) == claims
    assert parsed.token.jose_header == {"kid": "k1", "alg": "RS256", "typ": "JWT"}


def test_refuses_a_non_rs256_key():
    with pytest.raises(ValueError):
        sign_id_token({}, SigningMaterial(kid="k", alg="ES256", jwk=None, private_key=None))
