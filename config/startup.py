"""Start-up checks that must stop the process with a plain message (system checks do not run under WSGI)."""

import sys


def verify_runtime_configuration() -> None:
    """Stop at once when the key-encryption key cannot decrypt the stored keys."""
    from django.db import DatabaseError

    from authservers.crypto import KeyEncryptionKeyError, decrypt, kek
    from authservers.models import SigningKey

    try:
        kek()
        sample = SigningKey.objects.values_list("encrypted_private_key", flat=True).first()
        if sample:
            decrypt(sample)
    except KeyEncryptionKeyError as exc:
        sys.stderr.write(f"Castellan cannot start: {exc}\n")
        raise SystemExit(1) from None
    except DatabaseError:
        return  # not migrated yet: the launcher migrates; requests will report the database state
