"""Device authorization grant (RFC 8628): user codes, the authorization response, the polling rules.

https://www.rfc-editor.org/rfc/rfc8628
Pure functions, plus `DeviceCodeGrant`: oauthlib's grant with Castellan's polling rules and Okta's
texts. The authorizations themselves are stored by `authservers.device_services`; the user confirms
at `/activate` (`authservers.device_views`).
"""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass

from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from oauthlib.oauth2.rfc8628.grant_types.device_code import DeviceCodeGrant as OAuthlibDeviceCodeGrant

from ..runtime import ClientSnapshot
from . import errors

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 §6.1: a base-20 alphabet without vowels (no words) and without look-alike characters.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8  # Okta: "RGTCFDTL" (20^8 ≈ 2.6e10 codes, each valid for 10 minutes, guesses throttled)
MAX_USER_CODE_INPUT = 32  # what a person may type, separators included; anything longer is refused unread
MAX_DEVICE_CODE_LENGTH = 64
DEVICE_CODE_LIFETIME = 600  # Okta: expires_in 600
POLLING_INTERVAL = 5  # Okta: interval 5
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: each slow_down adds 5 seconds to the interval
MAX_POLLING_INTERVAL = 60
POLLING_LEEWAY = 0.5  # seconds: network jitter must not turn a device that sleeps `interval` into a slow_down

# Okta's texts for the polling errors (RFC 8628 §3.5).
AUTHORIZATION_PENDING = "The device authorization is pending. Please try again later."
SLOW_DOWN = "The client is polling too frequently. Please slow down."
EXPIRED_TOKEN = "The device code has expired."
DEVICE_ACCESS_DENIED = "The resource owner or authorization server denied the request."
DEVICE_CODE_INVALID = "The device code is invalid or has expired."
DEVICE_CODE_REQUIRED = "The 'device_code' parameter is required."


class AuthorizationPending(errors.OAuthError):
    error = "authorization_pending"


class SlowDown(errors.OAuthError):
    error = "slow_down"


class ExpiredToken(errors.OAuthError):
    error = "expired_token"


class DeviceAccessDenied(errors.OAuthError):
    """RFC 8628 §3.5 `access_denied` at the token endpoint: 400, like the other polling errors."""

    error = "access_denied"


# --- codes ---------------------------------------------------------------------------------------


def new_device_code() -> str:
    """Okta: the device code is a UUID (122 random bits). Stored only as `hash_device_code`."""
    return str(uuid.uuid4())


def hash_device_code(device_code: str) -> str:
    return hashlib.sha256(device_code.encode()).hexdigest()


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def normalize_user_code(typed: str | None) -> str | None:
    """The user code a person typed, as stored (`RGTCFDTL`), or None when it cannot be one.

    Case, spaces and dashes do not matter (RFC 8628 §6.1: "RGTC-FDTL" and "rgtc fdtl" are the same code).
    """
    if not typed or len(typed) > MAX_USER_CODE_INPUT:
        return None
    code = "".join(ch for ch in typed if ch not in " -\t").upper()
    if len(code) != USER_CODE_LENGTH or any(ch not in USER_CODE_ALPHABET for ch in code):
        return None
    return code


# --- the device authorization request (RFC 8628 §3.1, §3.2) ----------------------------------------


def check_client(client: ClientSnapshot) -> None:
    # Okta: native apps that enabled the device grant (clients.validation allows it only for them).
    if not client.allows_grant_type(GRANT_TYPE) or client.application_type != "native":
        raise errors.UnauthorizedClient(errors.unauthorized_grant_type(list(client.grant_types)))


def authorization_response(*, device_code: str, user_code: str, verification_uri: str) -> dict:
    """RFC 8628 §3.2 with Okta's fields."""
    return {
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": f"{verification_uri}?user_code={user_code}",
        "expires_in": DEVICE_CODE_LIFETIME,
        "interval": POLLING_INTERVAL,
    }


# --- polling (RFC 8628 §3.4, §3.5) -----------------------------------------------------------------

ISSUE, PENDING, SLOW, EXPIRED, DENIED, SPENT = "issue", "pending", "slow_down", "expired", "denied", "spent"


@dataclass(frozen=True)
class PollOutcome:
    result: str  # one of ISSUE, PENDING, SLOW, EXPIRED, DENIED, SPENT
    interval: int  # the interval from now on (raised by slow_down)


def poll_outcome(*, status: str, expired: bool, seconds_since_last_poll: float | None, interval: int) -> PollOutcome:
    """What one poll gets, from the authorization's state. `status` is a DeviceAuthorizationStatus value."""
    if status == "REDEEMED":
        return PollOutcome(SPENT, interval)
    if expired:
        return PollOutcome(EXPIRED, interval)
    if status == "DENIED":
        return PollOutcome(DENIED, interval)
    if status == "APPROVED":
        return PollOutcome(ISSUE, interval)
    if seconds_since_last_poll is not None and seconds_since_last_poll < interval - POLLING_LEEWAY:
        # RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests"
        return PollOutcome(SLOW, min(interval + SLOW_DOWN_STEP, MAX_POLLING_INTERVAL))
    return PollOutcome(PENDING, interval)


def raise_for(outcome: PollOutcome) -> None:
    """The polling error for an outcome that issues no token."""
    if outcome.result == PENDING:
        raise AuthorizationPending(AUTHORIZATION_PENDING)
    if outcome.result == SLOW:
        raise SlowDown(SLOW_DOWN)
    if outcome.result == EXPIRED:
        raise ExpiredToken(EXPIRED_TOKEN)
    if outcome.result == DENIED:
        raise DeviceAccessDenied(DEVICE_ACCESS_DENIED)
    if outcome.result == SPENT:
        raise errors.InvalidGrant(DEVICE_CODE_INVALID)


class DeviceCodeGrant(OAuthlibDeviceCodeGrant):
    """oauthlib's device_code grant; the poll itself is `device_services.device_authorization_poll`.

    The scopes and the policy decision were settled when the user confirmed at /activate (as a code
    carries the decision made at /authorize), so `validate_scopes` does not decide again. oauthlib's
    `create_token_response` skips token modifiers, so this one applies them (the ID token).
    """

    def validate_device_code(self, request) -> None:
        from .. import device_services
        from .validator import server_of

        code = request.device_code
        if not code:
            raise errors.InvalidRequest(DEVICE_CODE_REQUIRED)
        if len(code) > MAX_DEVICE_CODE_LENGTH:
            raise errors.InvalidGrant(DEVICE_CODE_INVALID)
        approved = device_services.device_authorization_poll(
            server_id=server_of(request).id, client_pk=request.client.id, device_code=code)
        decision = approved.decision
        request.user = approved.user
        request.scopes = list(decision["scopes"])
        request.castellan_auth_time = decision.get("auth_time")
        request.castellan_decision = device_services.decision_from(decision)

    def validate_scopes(self, request) -> None:
        """Settled at /activate with the confirming user."""

    def create_token_response(self, request, token_handler):
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)  # Castellan's own checks raise errors.OAuthError
        except OAuth2Error as exc:
            headers.update(exc.headers)
            return headers, exc.json, exc.status_code
        token = token_handler.create_token(request, self.refresh_token)
        for modifier in self._token_modifiers:
            token = modifier(token, token_handler, request)
        self.request_validator.save_token(token, request)
        return headers, json.dumps(token), 200
