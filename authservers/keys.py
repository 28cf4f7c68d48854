"""Signing keys (RFC 7517/7518): generation, JWKS export, and the parsed key kept per process."""

from dataclasses import dataclass

from jwcrypto import jwk

from . import crypto

RSA_KEY_BITS = 2048
PUBLIC_JWK_FIELDS = ("kty", "alg", "kid", "use", "e", "n")


@dataclass(frozen=True)
class GeneratedKey:
    kid: str
    public_jwk: dict
    encrypted_private_key: str


def generate_rsa_key(alg: str = "RS256") -> GeneratedKey:
    """A fresh RSA key; `kid` is its RFC 7638 thumbprint (base64url, as Okta's look)."""
    key = jwk.JWK.generate(kty="RSA", size=RSA_KEY_BITS)
    kid = key.thumbprint()
    public = key.export_public(as_dict=True)
    public.update({"kid": kid, "alg": alg, "use": "sig"})
    return GeneratedKey(
        kid=kid,
        public_jwk={name: public[name] for name in PUBLIC_JWK_FIELDS},
        encrypted_private_key=crypto.encrypt(key.export_to_pem(private_key=True, password=None).decode()),
    )


def load_private_key(encrypted_private_key: str) -> jwk.JWK:
    """Decrypt and parse a stored private key (costly: do it once per process and cache the result)."""
    return jwk.JWK.from_pem(crypto.decrypt(encrypted_private_key).encode())


def jwks_document(public_jwks: list[dict]) -> dict:
    """The public JWKS as served by `v1/keys`: public parameters only, no status."""
    return {"keys": [{name: key[name] for name in PUBLIC_JWK_FIELDS if name in key} for key in public_jwks]}
