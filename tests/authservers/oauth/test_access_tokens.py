"""access_tokens: Okta's claim set, RS256 signing, and verification that refuses anything else. Pure."""

import base64
import json
import time

import pytest
from jwcrypto import jwk, jws, jwt

from authservers.oauth.access_tokens import build_access_token_claims, new_jti, sign_jwt, verify_jwt
from authservers.runtime import SigningMaterial

ISSUER = "https://id.example.com/oauth2/default"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def private_jwk():
    key = jwk.JWK.generate(kty="RSA", size=2048)
    return key


@pytest.fixture(scope="module")
def signing(private_jwk):
    return SigningMaterial(kid="kid-1", alg="RS256", jwk=private_jwk, private_key=private_jwk.get_op_key("sign"))


@pytest.fixture(scope="module")
def public_keys(private_jwk):
    public = jwk.JWK(**{**private_jwk.export_public(as_dict=True), "kid": "kid-1", "alg": "RS256"})
    return {"kid-1": public}


def claims(**overrides):
    now = int(time.time())
    values = {"issuer": ISSUER, "audience": "api://default", "client_id": "0oaclient", "scopes": ["orders:read"],
              "subject": "0oaclient", "now": now, "lifetime": 3600, "jti": new_jti()}
    values.update(overrides)
    return build_access_token_claims(**values)


def test_claims_follow_okta_order_and_shape():
    built = claims(now=1_700_000_000, jti="AT.abc")
    assert list(built) == ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "client_id", "scp", "sub"]
    assert built == {"ver": 1, "jti": "AT.abc", "iss": ISSUER, "aud": "api://default", "iat": 1_700_000_000,
                     "exp": 1_700_003_600, "cid": "0oaclient", "client_id": "0oaclient",
                     "scp": ["orders:read"], "sub": "0oaclient"}


def test_user_tokens_carry_uid_and_extra_claims_cannot_override_registered_ones():
    built = claims(user_id="00uuser", extra={"iss": "https://evil", "tenant": "acme"})
    assert built["uid"] == "00uuser"
    assert built["iss"] == ISSUER
    assert built["tenant"] == "acme"


def test_jti_is_unique_and_prefixed():
    ids = {new_jti() for _ in range(100)}
    assert len(ids) == 100
    assert all(value.startswith("AT.") and len(value) > 40 for value in ids)


def test_signed_token_verifies_with_a_standard_jose_library(signing, public_keys):
    token = sign_jwt(claims(), signing)
    header = json.loads(unb64(token.split(".")[0]))
    assert header == {"kid": "kid-1", "alg": "RS256", "typ": "at+jwt"}
    verified = jwt.JWT(jwt=token, key=public_keys["kid-1"], algs=["RS256"],
                       check_claims={"iss": ISSUER, "aud": "api://default"})
    assert json.loads(verified.claims)["scp"] == ["orders:read"]


def test_verify_returns_the_claims_of_a_good_token(signing, public_keys):
    issued = claims()
    assert verify_jwt(sign_jwt(issued, signing), public_keys, issuer=ISSUER) == issued


def test_expired_token_is_rejected(signing, public_keys):
    token = sign_jwt(claims(now=int(time.time()) - 7200), signing)
    assert verify_jwt(token, public_keys, issuer=ISSUER) is None


def test_verify_exp_false_accepts_an_expired_but_otherwise_valid_token(signing, public_keys):
    token = sign_jwt(claims(now=int(time.time()) - 7200), signing)
    assert verify_jwt(token, public_keys, issuer=ISSUER, verify_exp=False)["iss"] == ISSUER
    assert verify_jwt(token, public_keys, issuer="https://other.example", verify_exp=False) is None
    assert verify_jwt(token[:-4] + "AAAA", public_keys, issuer=ISSUER, verify_exp=False) is None


def test_token_expiring_exactly_now_is_rejected(signing, public_keys):
    issued = claims(now=1_000, lifetime=60)
    token = sign_jwt(issued, signing)
    assert verify_jwt(token, public_keys, issuer=ISSUER, now=1_059) is not None
    assert verify_jwt(token, public_keys, issuer=ISSUER, now=1_060) is None


def test_wrong_issuer_is_rejected(signing, public_keys):
    token = sign_jwt(claims(issuer="https://id.example.com/oauth2/aus123"), signing)
    assert verify_jwt(token, public_keys, issuer=ISSUER) is None


def test_unknown_kid_is_rejected(signing, public_keys):
    token = sign_jwt(claims(), SigningMaterial("other-kid", "RS256", signing.jwk, signing.private_key))
    assert verify_jwt(token, public_keys, issuer=ISSUER) is None


def test_tampered_payload_is_rejected(signing, public_keys):
    header, payload, signature = sign_jwt(claims(), signing).split(".")
    forged = dict(json.loads(unb64(payload)), scp=["orders:admin"])
    assert verify_jwt(f"{header}.{b64(json.dumps(forged).encode())}.{signature}", public_keys,
                      issuer=ISSUER) is None


def test_alg_none_is_rejected(signing, public_keys):
    header = b64(json.dumps({"kid": "kid-1", "alg": "none", "typ": "at+jwt"}).encode())
    payload = b64(json.dumps(claims()).encode())
    assert verify_jwt(f"{header}.{payload}.", public_keys, issuer=ISSUER) is None


def test_hs256_signed_with_the_public_key_is_rejected(public_keys):
    """Algorithm confusion: an attacker MACs with the public key's bytes as an HMAC secret."""
    public = public_keys["kid-1"]
    hmac_key = jwk.JWK(kty="oct", k=b64(public.export_to_pem()))
    forged = jws.JWS(json.dumps(claims()).encode())
    forged.add_signature(hmac_key, alg="HS256", protected=json.dumps({"kid": "kid-1", "alg": "HS256"}))
    assert verify_jwt(forged.serialize(compact=True), public_keys, issuer=ISSUER) is None


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "....", "x" * 20_000 + ".a.b", "é.é.é",
                                   "e30.e30.", "bm90IGpzb24.bm90IGpzb24.c2ln"])
def test_garbage_is_rejected_without_raising(token, public_keys):
    assert verify_jwt(token, public_keys, issuer=ISSUER) is None


def test_payload_that_is_not_an_object_is_rejected(signing, public_keys):
    header = {"kid": "kid-1", "alg": "RS256", "typ": "at+jwt"}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(b"[1, 2, 3]")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signature = signing.private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    assert verify_jwt(signing_input + "." + b64(signature), public_keys, issuer=ISSUER) is None


@pytest.mark.parametrize("exp", [None, "9999999999", [1]])
def test_missing_or_non_numeric_exp_is_rejected(signing, public_keys, exp):
    issued = claims()
    if exp is None:
        del issued["exp"]
    else:
        issued["exp"] = exp
    assert verify_jwt(sign_jwt(issued, signing), public_keys, issuer=ISSUER) is None
