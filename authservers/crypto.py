"""Encryption at rest for private keys and client secrets, with the key-encryption key (KEK).

`CASTELLAN_KEY_ENCRYPTION_KEY` holds one or more Fernet keys, comma-separated: the first encrypts,
all decrypt, so a KEK can be rotated by prepending a new one.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class KeyEncryptionKeyError(Exception):
    """The KEK is missing, malformed, or not the one the stored data was encrypted with."""


@lru_cache(maxsize=4)
def _fernet(raw: str) -> MultiFernet:
    keys = [part.strip() for part in raw.split(",") if part.strip()]
    if not keys:
        raise KeyEncryptionKeyError("CASTELLAN_KEY_ENCRYPTION_KEY is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise KeyEncryptionKeyError(
            "CASTELLAN_KEY_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes), "
            "comma-separated."
        ) from exc


def kek() -> MultiFernet:
    return _fernet(settings.CASTELLAN_KEY_ENCRYPTION_KEY)


def encrypt(plaintext: str) -> str:
    return kek().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return kek().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise KeyEncryptionKeyError(
            "Stored keys cannot be decrypted with CASTELLAN_KEY_ENCRYPTION_KEY: it is not the key "
            "they were encrypted with."
        ) from exc


def primary_key_can_decrypt(ciphertext: str) -> bool:
    """True when the first (encrypting) KEK alone decrypts `ciphertext`: nothing to re-encrypt."""
    raw = settings.CASTELLAN_KEY_ENCRYPTION_KEY
    primary = Fernet(next(part.strip() for part in raw.split(",") if part.strip()).encode())
    try:
        primary.decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(ciphertext: str) -> str:
    """`ciphertext` encrypted again under the first KEK (MultiFernet.rotate); any listed KEK may have made it."""
    try:
        return kek().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise KeyEncryptionKeyError(
            "A stored key or secret cannot be decrypted with any key in CASTELLAN_KEY_ENCRYPTION_KEY: "
            "keep the old key in the list (NEW,OLD) until re-encryption has finished."
        ) from exc
