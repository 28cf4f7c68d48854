"""Proof Key for Code Exchange, S256 only (RFC 7636), with Okta's error texts.

https://www.rfc-editor.org/rfc/rfc7636
oauthlib checks PKCE too, but with its own texts and without refusing a verifier sent for a code
issued without a challenge; the authorization-code grant calls `verify_code_verifier` instead.
"""

import base64
import hashlib
import hmac
import re

from . import errors

# RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]; a S256 challenge is 43 base64url characters.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_code_challenge(challenge: str | None, method: str | None, *, required: bool) -> None:
    """The /authorize side: a well-formed S256 challenge, or none when the client does not require one."""
    if not challenge:
        if required:
            raise errors.InvalidRequest(errors.PKCE_CHALLENGE_REQUIRED)
        if method:
            raise errors.InvalidRequest(errors.PKCE_CHALLENGE_REQUIRED)
        return
    # Okta: S256 only; RFC 7636 §4.3's default `plain` is refused too.
    if method != "S256":
        raise errors.InvalidRequest(errors.PKCE_METHOD_UNSUPPORTED)
    if not _CHALLENGE.match(challenge):
        raise errors.InvalidRequest("The PKCE code challenge must be 43 base64url characters (S256).")


def verify_code_verifier(verifier: str | None, challenge: str | None, *, required: bool) -> None:
    """The /token side (RFC 7636 §4.6). No downgrade either way: a code issued with a challenge needs
    the verifier, and a verifier sent for a code issued without one fails."""
    if not challenge:
        if verifier is not None:
            raise errors.InvalidGrant(errors.PKCE_FAILED)
        if required:
            raise errors.InvalidRequest(errors.PKCE_VERIFIER_REQUIRED)
        return
    if verifier is None:
        raise errors.InvalidRequest(errors.PKCE_VERIFIER_REQUIRED)
    if not _VERIFIER.match(verifier) or not hmac.compare_digest(s256(verifier), challenge):
        raise errors.InvalidGrant(errors.PKCE_FAILED)
