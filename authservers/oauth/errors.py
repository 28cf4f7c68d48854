"""OAuth 2.0 error responses (RFC 6749 §5.2, RFC 6750 §3) with Okta's descriptions.

https://www.rfc-editor.org/rfc/rfc6749#section-5.2
"""


class OAuthError(Exception):
    error = "invalid_request"
    status_code = 400

    def __init__(self, description: str, *, status_code: int | None = None, www_authenticate: str | None = None):
        super().__init__(description)
        self.description = description
        if status_code is not None:
            self.status_code = status_code
        self.www_authenticate = www_authenticate

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}

    def headers(self) -> dict:
        return {"WWW-Authenticate": self.www_authenticate} if self.www_authenticate else {}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401

    def __init__(self, description: str, **kwargs):
        kwargs.setdefault("www_authenticate", 'Basic realm="castellan"')
        super().__init__(description, **kwargs)


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class AccessDenied(OAuthError):
    error = "access_denied"
    status_code = 403


class ConsentRequired(OAuthError):
    error = "consent_required"


class InvalidToken(OAuthError):
    error = "invalid_token"
    status_code = 401


class RequestTooLarge(OAuthError):
    error = "invalid_request"
    status_code = 413


class MethodNotAllowed(OAuthError):
    error = "invalid_request"
    status_code = 405

    def __init__(self, description: str, *, allow: str = "POST", **kwargs):
        super().__init__(description, **kwargs)
        self.allow = allow

    def headers(self) -> dict:
        return {**super().headers(), "Allow": self.allow}  # RFC 9110 §15.5.6


# Okta's wording, kept in one place so every path says the same thing.
NO_CLIENT_CREDENTIALS = "No client credentials found."
CLIENT_AUTH_FAILED = "Client authentication failed. Either the client or the client credentials are invalid."
INVALID_CLIENT_SECRET = "The client secret supplied for a confidential client is invalid."
MULTIPLE_CLIENT_CREDENTIALS = (
    "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization "
    "header, credentials in the post body, or a client_assertion in the post body."
)
CREDENTIALS_IN_QUERY = "Client credentials cannot be supplied via query parameters."
DUPLICATE_PARAMETERS = "The request contained multiple parameters with the same name."
UNKNOWN_SCOPE = "One or more scopes are not configured for the authorization server resource."
NO_DEFAULT_SCOPES = ("The authorization server resource does not have any configured default scopes, "
                     "'scope' must be provided.")
OPENID_WITH_CLIENT_CREDENTIALS = "Cannot request 'openid' scopes using client credentials."
TOKEN_PARAMETER_REQUIRED = "The `token` parameter is required."
FORM_CONTENT_TYPE = "The request must be sent as application/x-www-form-urlencoded."
BAD_ENCODING = "The request body is not valid UTF-8 form data."
METHOD_NOT_ALLOWED = "The endpoint does not support the provided HTTP method."


def grant_type_required(valid: list[str]) -> str:
    return f"The token request must specify a 'grant_type'. Valid values: [{', '.join(valid)}]"


def unsupported_grant_type(configured: list[str]) -> str:
    return ("The authorization grant type is not supported by the authorization server. "
            f"Configured grant types: [{', '.join(configured)}].")


def unauthorized_grant_type(configured: list[str]) -> str:
    return ("The client is not authorized to use the provided grant type. "
            f"Configured grant types: [{', '.join(configured)}].")


def scopes_require_consent(names: list[str]) -> str:
    return (f"The following scopes require user consent and cannot be granted for the client credentials "
            f"flow: [{', '.join(names)}].")


class ServerError(OAuthError):
    error = "server_error"
    status_code = 500


class PolicyDenied(OAuthError):
    """No access-policy rule matched (Okta answers 401 at /token; REFERENCE §5.3.4)."""

    error = "access_denied"
    status_code = 401

    def __init__(self, denial):
        super().__init__(denial.description, www_authenticate='Basic realm="castellan"')
        self.denial = denial


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class LoginRequired(OAuthError):
    error = "login_required"


class AuthorizationAccessDenied(OAuthError):
    """`access_denied` at /authorize: a redirect to the client, never a 401/403 page."""

    error = "access_denied"


# /authorize and the authorization-code grant (REFERENCE §2.1, §2.2, §2.4).
CODE_INVALID = "The authorization code is invalid or has expired."
CODE_OTHER_CLIENT = ("The grant was issued to another client. Please make sure the 'client_id' matches the one "
                     "used at the authorize request.")
REDIRECT_URI_MISMATCH = "The 'redirect_uri' does not match the redirection URI used in the authorization request."
PKCE_FAILED = "PKCE verification failed."
PKCE_CHALLENGE_REQUIRED = "PKCE code challenge is required by the application."
PKCE_VERIFIER_REQUIRED = "PKCE code verifier is required by the application."
PKCE_METHOD_UNSUPPORTED = "PKCE code challenge method is not supported. Valid values: [S256]"
USER_NOT_ASSIGNED = "User is not assigned to the client application."
STATE_REQUIRED = "The authentication request has an invalid 'state' parameter."
OPENID_REQUIRED = "Requests for ID tokens or access tokens with OpenID scopes require the 'openid' scope."
