"""Resource owner password credentials grant (RFC 6749 §4.3): legacy, off unless a client enables it.

https://www.rfc-editor.org/rfc/rfc6749#section-4.3 · RFC 9700 §2.4 says it MUST NOT be used; Castellan
offers it for Okta compatibility only (docs/legacy-grants.md). oauthlib's grant runs the flow; this
module orders the checks so that no password is looked at before the client is known to be allowed
the grant, and throttles guessing per user and per IP (RFC 6749 §4.3.2: "MUST protect the endpoint
against brute force attacks"), with counters apart from the sign-in page's.
"""

import json
import math

from oauthlib.oauth2 import ResourceOwnerPasswordCredentialsGrant
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from . import errors

GRANT_TYPE = "password"
MAX_USERNAME_LENGTH = 255
MAX_PASSWORD_LENGTH = 1024  # hashing is the expensive part: no megabyte passwords
PER_SECOND_LIMIT = 4  # Okta: 4 requests per second per username on /token (user_rate_limited)
CLIENT_IP_HEADER = "X-Castellan-Client-Ip"

INVALID_CREDENTIALS = "The credentials provided were invalid."
RATE_LIMITED = "API call exceeded rate limit due to too many requests."
NO_SCOPES = "No scopes were requested."


class TooManyRequests(errors.OAuthError):
    """429 with Retry-After (RFC 6585 §4); the System Log says `user_rate_limited`, as Okta's does."""

    error = "too_many_requests"
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__(RATE_LIMITED)
        self.retry_after = max(1, int(retry_after))

    def headers(self) -> dict:
        return {**super().headers(), "Retry-After": str(self.retry_after)}


def check_parameters(username: str | None, password: str | None, scope: str | None) -> None:
    """Okta: username, password and scope are all required for the password grant (REFERENCE §2.2)."""
    for name, value in (("username", username), ("password", password)):
        if not value:
            raise errors.InvalidRequest(f"The '{name}' parameter is required.")
    if len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise errors.InvalidGrant(INVALID_CREDENTIALS)
    if not (scope or "").strip():
        raise errors.InvalidScope(NO_SCOPES)


def scopes_needing_consent(consent_method: str, scope_consents: dict[str, str]) -> list[str]:
    """Scopes the consent matrix would prompt for (REFERENCE §3): no one can be asked here."""
    if consent_method != "REQUIRED":
        return []
    return [name for name, consent in scope_consents.items() if consent in ("REQUIRED", "FLEXIBLE")]


class PasswordGrant(ResourceOwnerPasswordCredentialsGrant):
    """Checks in this order: client authentication, the client's grant types, the parameters, the
    throttles, the password, the app assignment, then scopes and the access policies with the user."""

    def validate_token_request(self, request) -> None:
        from accounts.throttling import clock

        from .. import password_services
        from .validator import server_of

        self.validate_client_authentication(request)
        self.validate_grant_type(request)  # unauthorized_client before any password is checked
        username, secret = getattr(request, "username", None), getattr(request, "password", None)
        check_parameters(username, secret, request.scope)
        user = password_services.authenticate_resource_owner(
            username=username, password=secret, ip=request.headers.get(CLIENT_IP_HEADER, ""),
            client=request.client, server=server_of(request), now=clock())
        request.user = user
        request.castellan_group_ids = password_services.group_ids_if_assigned(user=user, client=request.client)
        request.castellan_auth_time = math.floor(clock())
        self.validate_scopes(request)  # CastellanValidator.validate_scopes: policies with the user
        server = server_of(request)
        prompted = scopes_needing_consent(request.client.consent_method,
                                          {name: server.scopes[name].consent for name in request.scopes})
        if prompted:
            raise errors.ConsentRequired(
                f"The following scopes require user consent and cannot be granted for the resource owner "
                f"password flow: [{', '.join(prompted)}].")

    def create_token_response(self, request, token_handler):
        """oauthlib's, without its debug log line that prints the issued token."""
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except OAuth2Error as exc:
            headers.update(exc.headers)
            return headers, exc.json, exc.status_code
        token = token_handler.create_token(request, self.refresh_token)
        for modifier in self._token_modifiers:
            token = modifier(token, token_handler, request)
        self.request_validator.save_token(token, request)
        return headers, json.dumps(token), 200
