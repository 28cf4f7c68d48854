"""Signing keys (RFC 7517/7518): generation, JWKS export, and the parsed key kept per process."""

from dataclasses import dataclass

from jwcrypto import jwk

from . import crypto

RSA_KEY_BITS = 2048
EC_CURVE = "P-256"  # ES256 (RFC 7518 §3.4)
# RSA keys publish e and n; EC keys crv, x and y (RFC 7518 §6.2, §6.3).
PUBLIC_JWK_FIELDS = ("kty", "alg", "kid", "use", "e", "n", "crv", "x", "y")


@dataclass(frozen=True)
class GeneratedKey:
    kid: str
    public_jwk: dict
    encrypted_private_key: str


def generate_rsa_key(alg: str = "RS256") -> GeneratedKey:
    """A fresh RSA key (RS256 or PS256); `kid` is its RFC 7638 thumbprint (base64url, as Okta's look)."""
    return _generated(jwk.JWK.generate(kty="RSA", size=RSA_KEY_BITS), alg)


def generate_ec_key(alg: str = "ES256") -> GeneratedKey:
    """A fresh EC P-256 key for ES256; `kid` is its RFC 7638 thumbprint, as for RSA keys."""
    return _generated(jwk.JWK.generate(kty="EC", crv=EC_CURVE), alg)


def generate_signing_key(alg: str) -> GeneratedKey:
    """A fresh key of the family `alg`: EC P-256 for ES256, RSA-2048 for RS256 and PS256."""
    if alg == "ES256":
        return generate_ec_key(alg)
    if alg in ("RS256", "PS256"):
        return generate_rsa_key(alg)  # looked up at call time, so the test suite's key pool applies
    raise ValueError(f"Unsupported signing algorithm {alg!r}")


def _generated(key: jwk.JWK, alg: str) -> GeneratedKey:
    kid = key.thumbprint()
    public = key.export_public(as_dict=True)
    public.update({"kid": kid, "alg": alg, "use": "sig"})
    return GeneratedKey(
        kid=kid,
        public_jwk={name: public[name] for name in PUBLIC_JWK_FIELDS if name in public},
        encrypted_private_key=crypto.encrypt(key.export_to_pem(private_key=True, password=None).decode()),
    )


def load_private_key(encrypted_private_key: str) -> jwk.JWK:
    """Decrypt and parse a stored private key (costly: do it once per process and cache the result)."""
    return jwk.JWK.from_pem(crypto.decrypt(encrypted_private_key).encode())


def jwks_document(public_jwks: list[dict]) -> dict:
    """The public JWKS as served by `v1/keys`: public parameters only, no status."""
    return {"keys": [{name: key[name] for name in PUBLIC_JWK_FIELDS if name in key} for key in public_jwks]}
