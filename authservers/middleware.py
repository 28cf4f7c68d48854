"""Caps request bodies on the OAuth endpoints before anything reads them."""

from django.conf import settings

from .http import oauth_error_response
from .oauth.errors import RequestTooLarge


class OAuthRequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/oauth2/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.CASTELLAN_MAX_REQUEST_BYTES:
                return oauth_error_response(RequestTooLarge(
                    f"The request body must be at most {settings.CASTELLAN_MAX_REQUEST_BYTES} bytes."))
        return self.get_response(request)
