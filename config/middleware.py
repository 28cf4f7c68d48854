"""`X-Okta-Request-Id` on every management API response (REFERENCE §10.2)."""

import secrets


def new_request_id() -> str:
    # Okta's request ids are 25-ish URL-safe characters, e.g. `XxyZ2m3kQ4lL5aAbB6cC7dD8`.
    return secrets.token_urlsafe(18)


class OktaRequestIdMiddleware:
    """Tag each /api/ request and its response with one id, for correlation with logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        request.okta_request_id = new_request_id()
        response = self.get_response(request)
        response["X-Okta-Request-Id"] = request.okta_request_id
        return response
