"""Public keys of clients that authenticate with `private_key_jwt` (RFC 7517, RFC 7523): what is accepted.

Pure: parses and checks a JWK as registered through the API, or as served by a client's
`jwks_uri`. Only RSA (2048 bits or more) and EC (P-256, P-384, P-521) public keys; anything
holding private material is refused outright, so a private key never reaches the database.
"""

from jwcrypto import jwk
from jwcrypto.common import JWException

MAX_KEYS = 50  # Okta: up to 50 JWKs per app (REFERENCE §6.4)
MIN_RSA_BITS = 2048
EC_CURVES = ("P-256", "P-384", "P-521")
KEY_TYPES = ("RSA", "EC")
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
SIGNING_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
MAX_KID_LENGTH = 255


class KeyProblem(ValueError):
    """Why a JWK is refused, in words for the errorCauses of the management API."""


def public_jwk(data) -> tuple[dict, jwk.JWK]:
    """The registered public JWK (only the members that describe it) and its parsed form, or KeyProblem."""
    if not isinstance(data, dict):
        raise KeyProblem("A JSON Web Key must be a JSON object.")
    if any(member in data for member in PRIVATE_MEMBERS):
        raise KeyProblem("The JSON Web Key holds private key material; register only the public key.")
    kty = data.get("kty")
    if kty not in KEY_TYPES:
        raise KeyProblem("The 'kty' of a JSON Web Key must be RSA or EC.")
    kid = data.get("kid")
    if not isinstance(kid, str) or not kid.strip() or len(kid) > MAX_KID_LENGTH or \
            any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in kid):
        raise KeyProblem(f"Each key needs a 'kid' of 1 to {MAX_KID_LENGTH} printable ASCII characters.")
    use = data.get("use", "sig")
    if use != "sig":
        raise KeyProblem("The 'use' of a client JSON Web Key must be sig.")
    alg = data.get("alg")
    if alg is not None and alg not in SIGNING_ALGS:
        raise KeyProblem(f"The 'alg' of a JSON Web Key must be one of {', '.join(SIGNING_ALGS)}.")
    members = ("n", "e") if kty == "RSA" else ("crv", "x", "y")
    for member in members:
        if not isinstance(data.get(member), str) or not data[member]:
            raise KeyProblem(f"An {kty} JSON Web Key needs '{member}'.")
    if kty == "EC" and data["crv"] not in EC_CURVES:
        raise KeyProblem(f"The 'crv' of an EC JSON Web Key must be one of {', '.join(EC_CURVES)}.")
    if alg and (alg.startswith("ES") != (kty == "EC")):
        raise KeyProblem(f"The 'alg' {alg} does not fit a key of type {kty}.")
    clean = {"kty": kty, "kid": kid, "use": "sig", **{member: data[member] for member in members}}
    if alg:
        clean["alg"] = alg
    try:
        parsed = jwk.JWK(**clean)
    except (JWException, ValueError, TypeError, KeyError):
        raise KeyProblem("The JSON Web Key could not be read: check its base64url members.") from None
    if parsed.has_private:
        raise KeyProblem("The JSON Web Key holds private key material; register only the public key.")
    if kty == "RSA" and parsed.get_op_key("verify").key_size < MIN_RSA_BITS:
        raise KeyProblem("RSA key length in the 'jwks' is less than '2,048' bits for the given key.")
    return clean, parsed


def parse_jwks_document(document) -> dict[str, jwk.JWK]:
    """kid -> key for the usable signing keys of a JWKS served at a jwks_uri; unusable entries are skipped."""
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        return {}
    parsed: dict[str, jwk.JWK] = {}
    for entry in keys[:MAX_KEYS]:
        if isinstance(entry, dict) and entry.get("use", "sig") != "sig":
            continue
        try:
            clean, key = public_jwk({k: v for k, v in entry.items() if k != "use"}
                                    if isinstance(entry, dict) else entry)
        except KeyProblem:
            continue
        parsed.setdefault(clean["kid"], key)
    return parsed
