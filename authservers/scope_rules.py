"""Okta's naming rules for scopes, as a pure check."""

SYSTEM_SCOPES = ("openid", "profile", "email", "address", "phone", "offline_access", "device_sso")
OIDC_SCOPES = frozenset(SYSTEM_SCOPES)
SYSTEM_SCOPE_DESCRIPTIONS = {
    "openid": ("openid", "Signals that a request is an OpenID request."),
    "profile": ("profile", "Allows this application to access your profile information."),
    "email": ("email", "Allows this application to access your email address."),
    "address": ("address", "Allows this application to access your address."),
    "phone": ("phone", "Allows this application to access your phone number."),
    "offline_access": ("offline_access", "Allows this application to keep you signed in."),
    "device_sso": ("device_sso", "Allows this application to share your session with other apps on this device."),
}
MAX_SCOPE_NAME_LENGTH = 300


def scope_name_problem(name: str) -> str | None:
    """Why `name` cannot be a scope name, or None when it can."""
    if not name:
        return "The scope name cannot be left blank."
    if len(name) > MAX_SCOPE_NAME_LENGTH:
        return f"The scope name must be at most {MAX_SCOPE_NAME_LENGTH} characters."
    if any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in name):
        return "The scope name must be printable ASCII without spaces."
    if '"' in name or "\\" in name:
        return "The scope name cannot contain \" or \\."
    if name in ("okta", "*") or name.startswith(("okta.", "okta:")):
        return "The scope name cannot be 'okta' or '*', or start with 'okta.' or 'okta:'."
    if "<" in name and ">" in name:
        return "The scope name may contain '<' or '>', but not both."
    return None
