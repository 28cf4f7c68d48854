"""PS256 and ES256 signing, and the alg-confusion guards of verification (pure: no database)."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwcrypto import jwk, jws

from authservers.oauth.access_tokens import build_access_token_claims, sign_jwt, verify_jwt
from authservers.runtime import ServerSnapshot, SigningMaterial

ISSUER = "https://castellan.example/oauth2/default"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def material(kid: str, alg: str, private: jwk.JWK) -> SigningMaterial:
    return SigningMaterial(kid=kid, alg=alg, jwk=private, private_key=private.get_op_key("sign"))


def public(kid: str, alg: str, private: jwk.JWK) -> jwk.JWK:
    return jwk.JWK(**{**private.export_public(as_dict=True), "kid": kid, "alg": alg, "use": "sig"})


@pytest.fixture(scope="module")
def rsa_private():
    return jwk.JWK.generate(kty="RSA", size=2048)


@pytest.fixture(scope="module")
def other_rsa_private():
    return jwk.JWK.generate(kty="RSA", size=2048)


@pytest.fixture(scope="module")
def ec_private():
    return jwk.JWK.generate(kty="EC", crv="P-256")


@pytest.fixture(scope="module")
def signers(rsa_private, other_rsa_private, ec_private):
    return {"RS256": material("rs-kid", "RS256", rsa_private),
            "PS256": material("ps-kid", "PS256", other_rsa_private),
            "ES256": material("es-kid", "ES256", ec_private)}


@pytest.fixture(scope="module")
def published(rsa_private, other_rsa_private, ec_private):
    """A server's verification keys with both families: RS256 plus PS256 and ES256."""
    return {"rs-kid": public("rs-kid", "RS256", rsa_private),
            "ps-kid": public("ps-kid", "PS256", other_rsa_private),
            "es-kid": public("es-kid", "ES256", ec_private)}


def claims(lifetime=3600):
    return build_access_token_claims(issuer=ISSUER, audience="api://default", client_id="0oa1", scopes=["s"],
                                     subject="0oa1", now=int(time.time()), lifetime=lifetime, jti="AT.x")


def header_of(token: str) -> dict:
    return json.loads(unb64(token.split(".")[0]))


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256"])
def test_each_alg_signs_a_jws_a_standard_library_verifies(alg, signers, published):
    token = sign_jwt(claims(), signers[alg])

    assert header_of(token) == {"kid": signers[alg].kid, "alg": alg, "typ": "at+jwt"}
    parsed = jws.JWS()
    parsed.deserialize(token)
    parsed.verify(jwk.JWKSet.from_json(json.dumps({"keys": [json.loads(key.export_public())
                                                            for key in published.values()]}))
                  .get_key(signers[alg].kid), alg=alg)
    assert json.loads(parsed.payload)["iss"] == ISSUER
    assert verify_jwt(token, published, issuer=ISSUER)["jti"] == "AT.x"


def test_es256_signature_is_raw_r_and_s_of_32_bytes_each(signers, ec_private):
    token = sign_jwt(claims(), signers["ES256"])
    signing_input, signature = token.rsplit(".", 1)
    raw = unb64(signature)
    assert len(raw) == 64  # RFC 7518 §3.4, not DER
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    ec_private.get_op_key("verify").verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))


def test_ps256_uses_pss_with_a_32_byte_salt(signers, other_rsa_private):
    token = sign_jwt(claims(), signers["PS256"])
    signing_input, signature = token.rsplit(".", 1)
    key = other_rsa_private.get_op_key("verify")
    key.verify(unb64(signature), signing_input.encode(),
               padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    with pytest.raises(InvalidSignature):  # it is not PKCS#1 v1.5
        key.verify(unb64(signature), signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_ps256_and_es256_signatures_are_randomised_yet_all_verify(signers, published):
    body = claims()
    for alg in ("PS256", "ES256"):
        first, second = sign_jwt(body, signers[alg]), sign_jwt(body, signers[alg])
        assert first != second
        assert verify_jwt(first, published, issuer=ISSUER) == verify_jwt(second, published, issuer=ISSUER)


def test_an_unknown_alg_is_refused_when_signing(rsa_private):
    with pytest.raises(ValueError, match="HS256"):
        sign_jwt(claims(), material("rs-kid", "HS256", rsa_private))


def test_a_server_accepts_only_the_algs_its_keys_carry(signers, rsa_private, ec_private):
    rs256_only = {"rs-kid": public("rs-kid", "RS256", rsa_private)}
    es_token = sign_jwt(claims(), signers["ES256"])
    assert verify_jwt(es_token, rs256_only, issuer=ISSUER) is None
    assert verify_jwt(es_token, {"es-kid": public("es-kid", "ES256", ec_private)}, issuer=ISSUER) is not None


def forged(header: dict, signing_input_signer) -> str:
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims()).encode())
    return signing_input + "." + b64(signing_input_signer(signing_input.encode()))


def test_rs256_header_naming_the_ec_key_is_rejected(published, rsa_private):
    """Alg confusion: the header's alg must be the alg of the key its kid names."""
    key = rsa_private.get_op_key("sign")
    token = forged({"alg": "RS256", "kid": "es-kid", "typ": "at+jwt"},
                   lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    assert verify_jwt(token, published, issuer=ISSUER) is None


def test_ps256_header_naming_an_rs256_key_is_rejected(published, rsa_private):
    """The RSA key published for RS256 does not verify PS256, though the signature itself is valid."""
    key = rsa_private.get_op_key("sign")
    token = forged({"alg": "PS256", "kid": "rs-kid"},
                   lambda data: key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                                         hashes.SHA256()))
    assert verify_jwt(token, published, issuer=ISSUER) is None
    assert verify_jwt(token, {"rs-kid": public("rs-kid", "PS256", rsa_private)}, issuer=ISSUER) is not None


def test_es256_header_naming_an_rsa_key_is_rejected(published, ec_private):
    key = ec_private.get_op_key("sign")
    token = forged({"alg": "ES256", "kid": "rs-kid"}, lambda data: key.sign(data, ec.ECDSA(hashes.SHA256())))
    assert verify_jwt(token, published, issuer=ISSUER) is None


@pytest.mark.parametrize("kid", ["rs-kid", "ps-kid", "es-kid"])
def test_hs256_keyed_with_a_published_public_key_is_rejected(published, kid):
    for secret in (published[kid].export_to_pem(), published[kid].export_public().encode()):
        token = forged({"alg": "HS256", "kid": kid}, lambda data, s=secret: hmac.new(s, data, hashlib.sha256).digest())
        assert verify_jwt(token, published, issuer=ISSUER) is None


@pytest.mark.parametrize("kid", ["rs-kid", "es-kid", None])
def test_alg_none_is_rejected(published, kid):
    header = {"alg": "none", **({"kid": kid} if kid else {})}
    token = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims()).encode()) + "."
    assert verify_jwt(token, published, issuer=ISSUER) is None


def test_a_kid_that_is_not_a_string_is_rejected_without_raising(published, signers):
    token = sign_jwt(claims(), signers["ES256"])
    header = b64(json.dumps({"alg": "ES256", "kid": ["es-kid"]}).encode())
    assert verify_jwt(header + token[token.index("."):], published, issuer=ISSUER) is None


# Which key signs access tokens (the snapshot's chooser, `now` passed in) -------------------------

def snapshot(signing, alt=None, alt_from=0.0) -> ServerSnapshot:
    return ServerSnapshot(id="default", name="default", active=True, audiences=("api://default",),
                          issuer_mode="ORG_URL", custom_url="", scopes={}, default_scopes=(), signing=signing,
                          jwks={"keys": []}, verification_keys={}, access_token_signing_alt=alt,
                          access_token_signing_alt_from=alt_from)


def test_an_rs256_server_signs_access_tokens_with_its_rs256_key(signers):
    assert snapshot(signers["RS256"]).access_token_signing(now=10**12) is signers["RS256"]
    assert snapshot(signers["RS256"]).access_token_signing() is signers["RS256"]


def test_a_new_family_signs_only_from_the_moment_it_has_been_published_long_enough(signers):
    server = snapshot(signers["RS256"], signers["ES256"], alt_from=1_000_000.0)
    assert server.access_token_signing(now=999_999.9) is signers["RS256"]
    assert server.access_token_signing(now=1_000_000.0) is signers["ES256"]
    assert server.access_token_signing(now=2_000_000) is signers["ES256"]
    assert server.signing is signers["RS256"]  # ID tokens stay RS256
