"""DRF's exception handler rendering Okta's error object (errorCode, errorSummary, errorCauses)."""

from rest_framework import exceptions, status
from rest_framework.response import Response

from authservers.http import okta_error_body


def okta_exception_handler(exc, context):
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return Response(okta_error_body("E0000011", "Invalid token provided"), status=401)
    if isinstance(exc, exceptions.PermissionDenied):
        return Response(okta_error_body("E0000006", "You do not have permission to perform the requested action"),
                        status=403)
    if isinstance(exc, exceptions.NotFound):
        return Response(okta_error_body("E0000007", f"Not found: {exc.detail}"), status=404)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(okta_error_body("E0000022", "The endpoint does not support the provided HTTP method"),
                        status=405)
    if isinstance(exc, exceptions.ParseError):
        return Response(okta_error_body("E0000003", "The request body was not well-formed."), status=400)
    if isinstance(exc, exceptions.Throttled):
        return Response(okta_error_body("E0000047", "API call exceeded rate limit due to too many requests."),
                        status=429)
    if isinstance(exc, exceptions.ValidationError):
        causes = _flatten(exc.detail)
        return Response(okta_error_body("E0000001", f"Api validation failed: {causes[0] if causes else ''}",
                                        causes), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        return Response(okta_error_body("E0000001", str(exc.detail)), status=exc.status_code)
    return None


def _flatten(detail, prefix="") -> list[str]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            out += _flatten(value, f"{key}: " if key != "non_field_errors" else "")
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out += _flatten(item, prefix)
        return out
    return [f"{prefix}{detail}"]
