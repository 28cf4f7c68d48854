"""Create the local `.env` with fresh secrets on first start: `python -m config.dotenv`.

`.env` holds two values that exist nowhere else:

- DJANGO_SECRET_KEY signs sessions and CSRF tokens. Replacing it logs everyone out.
- CASTELLAN_KEY_ENCRYPTION_KEY (a Fernet key) encrypts every signing private key and client
  secret in the database. Lose it and that data cannot be decrypted: every key must be rotated
  and every client secret regenerated.

An existing `.env` is never rewritten. A variable already set in the process environment
(a deployment that injects its own secrets) is left out of the file, so `.env` never holds a
second, unused key that could be picked up by mistake later.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

SECRET_KEY_VAR = "DJANGO_SECRET_KEY"
KEK_VAR = "CASTELLAN_KEY_ENCRYPTION_KEY"

HEADER = """\
# Castellan local settings, written by `make run` (python -m config.dotenv).
# Keep this file private and BACK IT UP: CASTELLAN_KEY_ENCRYPTION_KEY encrypts every signing
# private key and client secret in the database. Without it they cannot be decrypted.
# Every setting is described in docs/settings.md. Variables set in the environment win.
"""

LOSS_WARNING = (
    "Back up {path}: {kek} encrypts every signing private key and client secret in the "
    "database. If .env is lost, they cannot be decrypted."
)


def new_secret_key() -> str:
    # URL-safe alphabet: no '$' (django-environ interpolation), '#', quotes or spaces.
    return secrets.token_urlsafe(50)


def new_key_encryption_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def defined_names(text: str) -> set[str]:
    """Variable names assigned in a dotenv text (the syntax django-environ's read_env accepts)."""
    return set(re.findall(r"^(?:export )?([A-Za-z_0-9]+)=", text, flags=re.MULTILINE))


def ensure_dotenv(base_dir: Path, *, stream=None) -> bool:
    """Write `<base_dir>/.env` with fresh secrets if it is missing. True if the file was created.

    If `.env` exists, only a missing DJANGO_SECRET_KEY or CASTELLAN_KEY_ENCRYPTION_KEY is
    appended (with a warning for the key-encryption key: data encrypted under a lost key stays
    unreadable). Nothing is ever overwritten.
    """
    stream = stream or sys.stderr
    path = Path(base_dir) / ".env"
    generators = {SECRET_KEY_VAR: new_secret_key, KEK_VAR: new_key_encryption_key}
    wanted = [name for name in generators if not os.environ.get(name)]

    if not wanted:
        return False  # the environment provides both secrets; no file needed
    if not path.exists():
        lines = [f"{name}={generators[name]()}" for name in wanted]
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False  # another process just wrote it
        with os.fdopen(fd, "w") as f:
            f.write(HEADER + "".join(line + "\n" for line in lines))
        if KEK_VAR in wanted:
            _warn(stream, f"Created {path} with new secrets.", LOSS_WARNING.format(path=path, kek=KEK_VAR))
        else:
            _warn(stream, f"Created {path}.")
        return True

    text = path.read_text(encoding="utf-8")
    missing = [name for name in wanted if name not in defined_names(text)]
    if not missing:
        return False
    with path.open("a", encoding="utf-8") as f:
        if text and not text.endswith("\n"):
            f.write("\n")
        for name in missing:
            f.write(f"{name}={generators[name]()}\n")
    os.chmod(path, 0o600)
    for name in missing:
        if name == KEK_VAR:
            _warn(
                stream,
                f"{path} had no {KEK_VAR}; a new one was added.",
                "Keys and client secrets encrypted under a previous key cannot be decrypted with it:"
                " put the old key back (or list it after the new one, comma-separated) or rotate keys"
                " and regenerate client secrets.",
                LOSS_WARNING.format(path=path, kek=KEK_VAR),
            )
        else:
            _warn(stream, f"{path} had no {name}; a new one was added (existing sessions end).")
    return False


def _warn(stream, *lines: str) -> None:
    stream.write("".join(f"!! {line}\n" for line in lines))
    stream.flush()


if __name__ == "__main__":
    created = ensure_dotenv(Path(__file__).resolve().parent.parent, stream=sys.stdout)
    if not created:
        print(".env already present; nothing overwritten.")
