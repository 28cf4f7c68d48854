"""Okta-style object ids: a three-character type prefix and 17 random base62 characters."""

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def okta_id(prefix: str, length: int = 20) -> str:
    """Return e.g. `aus9o8wzkhckw9TLa0h7` for prefix `aus` (20 characters, as Okta's)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length - len(prefix)))




def new_user_id() -> str:
    return okta_id("00u")


def new_group_id() -> str:
    return okta_id("00g")


def new_server_id() -> str:
    return okta_id("aus")


def new_client_id() -> str:
    return okta_id("0oa")


def new_scope_id() -> str:
    return okta_id("scp")


def new_secret_id() -> str:
    return okta_id("ocs")


def new_refresh_token_id() -> str:
    return okta_id("oar")


def new_policy_id() -> str:
    return okta_id("00p")


def new_rule_id() -> str:
    return okta_id("0pr")


def new_claim_id() -> str:
    return okta_id("ocl")


def new_api_token_id() -> str:
    return okta_id("00T")


def new_trusted_origin_id() -> str:
    return okta_id("tos")
