"""The only place OAuth and Okta errors become HTTP responses."""

import json
import secrets

from django.http import HttpResponse, JsonResponse

from .oauth.errors import OAuthError

JSON_PATH_PREFIXES = ("/oauth2/", "/api/", "/.well-known/")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_OKTA_ERRORS_BY_STATUS = {
    400: ("E0000003", "The request was not well-formed."),
    403: ("E0000006", "You do not have permission to perform the requested action"),
    404: ("E0000008", "The requested path was not found"),
    405: ("E0000022", "The endpoint does not support the provided HTTP method"),
    413: ("E0000003", "The request body is too large."),
    500: ("E0000009", "Internal Server Error"),
}


def oauth_error_response(exc: OAuthError) -> HttpResponse:
    """RFC 6749 §5.2 JSON error with no-store caching (§5.1)."""
    response = JsonResponse(exc.body(), status=exc.status_code)
    for name, value in {**NO_STORE, **exc.headers()}.items():
        response[name] = value
    return response


def json_body_response(body: str | bytes, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def okta_error_body(code: str, summary: str, causes: list[str] | None = None) -> dict:
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae" + secrets.token_urlsafe(16).replace("-", "x").replace("_", "y")[:22],
        "errorCauses": [{"errorSummary": cause} for cause in (causes or [])],
    }


def okta_error_response(code: str, summary: str, status: int, causes: list[str] | None = None) -> JsonResponse:
    return JsonResponse(okta_error_body(code, summary, causes), status=status)


def server_not_found_response(server_id: str) -> JsonResponse:
    # Okta: an unknown or inactive authorization server answers 404 E0000007.
    return okta_error_response("E0000007", f"Not found: Resource not found: {server_id} (AuthorizationServer)", 404)


def is_json_path(path: str) -> bool:
    return path.startswith(JSON_PATH_PREFIXES)


def json_error_for_path(request, status: int) -> HttpResponse | None:
    """A JSON answer for Django's own error paths under the API prefixes; None elsewhere."""
    if not is_json_path(request.path):
        return None
    if request.path.startswith("/oauth2/") and status in (400, 413):
        body = {"error": "invalid_request", "error_description": _OKTA_ERRORS_BY_STATUS[status][1]}
        response = JsonResponse(body, status=status)
    else:
        code, summary = _OKTA_ERRORS_BY_STATUS.get(status, ("E0000009", "Internal Server Error"))
        response = JsonResponse(okta_error_body(code, summary), status=status)
    response["Cache-Control"] = "no-store"
    return response


def dumps(data) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()
