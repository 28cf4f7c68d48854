"""`Authorization: SSWS <token>` for the management API, and who may use it (staff only)."""

import hmac

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from accounts.models import ApiToken
from accounts.services import api_token_hash

SCHEME = "SSWS"
# A token's last_used is written at most this often, not on every request.
LAST_USED_RESOLUTION_SECONDS = 60


def _token_from_header(header: str) -> str | None:
    """The token of an `SSWS <token>` header, or None for another scheme.

    Okta: some SDK versions send `SSWS<token>` without the space, so both forms are accepted.
    """
    if header[:len(SCHEME)].upper() != SCHEME:
        return None
    return header[len(SCHEME):].strip()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Okta's API token scheme. The token is looked up by its SHA-256 hash, so the database never
    compares the secret itself; a missing, revoked, expired or inactive-user token is E0000011."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        token = _token_from_header(header)
        if token is None:
            return None
        if not token or len(token) > 200 or not token.isascii():
            raise exceptions.AuthenticationFailed("Invalid token provided")
        digest = api_token_hash(token)
        row = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
        now = timezone.now()
        if row is None or not hmac.compare_digest(row.token_hash, digest) or not row.is_usable(now):
            raise exceptions.AuthenticationFailed("Invalid token provided")
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token provided")
        if row.last_used is None or (now - row.last_used).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiToken.objects.filter(pk=row.pk).update(last_used=now)
        return row.user, row

    def authenticate_header(self, request):
        return SCHEME


class IsStaff(permissions.BasePermission):
    """Only active staff users (through a token or the admin session) may use the management API."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
