"""DRF's exception handler rendering Okta's error object (errorCode, errorSummary, errorCauses)."""

from rest_framework import exceptions, status
from rest_framework.response import Response

from authservers.http import okta_error_body

PERMISSION_DENIED = "You do not have permission to perform the requested action"


class OktaAPIError(exceptions.APIException):
    """An Okta error with its own code, e.g. `OktaAPIError("E0000054", "Invalid paging request.", 400)`."""

    def __init__(self, code: str, summary: str, status_code: int = 400, causes: list[str] | None = None):
        super().__init__(summary)
        self.okta_code, self.summary, self.status_code, self.causes = code, summary, status_code, causes or []


def not_found(resource_id: str, resource_type: str) -> exceptions.NotFound:
    # Okta: E0000007 "Not found: Resource not found: {id} ({type})".
    return exceptions.NotFound(f"Resource not found: {resource_id} ({resource_type})")


def okta_exception_handler(exc, context):
    from accounts.services import DirectoryError
    from authservers.services import ServiceError

    if isinstance(exc, OktaAPIError):
        return Response(okta_error_body(exc.okta_code, exc.summary, exc.causes), status=exc.status_code)
    if isinstance(exc, ServiceError | DirectoryError):
        # Okta: E0000001 "Api validation failed: <field>" with the detail as a cause (REFERENCE §10.2).
        if exc.code == "E0000006":
            # A forbidden change (deleting `default` or a system scope): Okta's spec declares 403, not 400.
            return Response(okta_error_body(exc.code, PERMISSION_DENIED, [exc.message]), status=403)
        summary = f"Api validation failed: {exc.field}" if exc.field else exc.message
        return Response(okta_error_body(exc.code, summary, [exc.message]), status=400)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return Response(okta_error_body("E0000011", "Invalid token provided"), status=401)
    if isinstance(exc, exceptions.PermissionDenied):
        return Response(okta_error_body("E0000006", PERMISSION_DENIED), status=403)
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
        # Okta: the summary names the first field at fault; each cause says what is wrong with it.
        first = next(iter(exc.detail), "") if isinstance(exc.detail, dict) else ""
        subject = first if first and first != "non_field_errors" else (causes[0] if causes else "")
        return Response(okta_error_body("E0000001", f"Api validation failed: {subject}", causes),
                        status=status.HTTP_400_BAD_REQUEST)
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
