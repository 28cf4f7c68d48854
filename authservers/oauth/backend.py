"""django-oauth-toolkit's OAuthLibCore, passing the authorization server along with the request.

DOT copies all of `request.META` into oauthlib's headers; the token endpoint is the hot path, so we
pass only the headers oauthlib reads, plus the server snapshot and issuer for the validator.
"""

from functools import lru_cache

from oauth2_provider.oauth2_backends import OAuthLibCore

from .password import CLIENT_IP_HEADER
from .server import CastellanServer
from .validator import ISSUER_HEADER, SERVER_HEADER, CastellanValidator


class CastellanOAuthLibCore(OAuthLibCore):
    def extract_headers(self, request):
        meta = request.META
        headers = {SERVER_HEADER: request.castellan_server, ISSUER_HEADER: request.castellan_issuer,
                   CLIENT_IP_HEADER: meta.get("REMOTE_ADDR", "")}  # the password grant's per-IP throttle
        for meta_name, header in (("HTTP_AUTHORIZATION", "Authorization"), ("CONTENT_TYPE", "Content-Type"),
                                  ("HTTP_ORIGIN", "Origin")):
            if meta_name in meta:
                headers[header] = meta[meta_name]
        return headers

    def _extract_params(self, request):
        # The body was already checked and decoded (form_requests.parse_form_body): oauthlib takes
        # the parsed pairs as they are instead of decoding the body a second time.
        return request.path, request.method, list(request.castellan_form.items()), self.extract_headers(request)

    def create_introspect_response(self, request):
        """DOT wraps oauthlib's token and revocation endpoints but not introspection (RFC 7662)."""
        uri, http_method, body, headers = self._extract_params(request)
        headers, body, status = self.server.create_introspect_response(uri, http_method, body, headers)
        return None, headers, body, status


@lru_cache(maxsize=1)
def oauthlib_core() -> CastellanOAuthLibCore:
    """One oauthlib server per process; per-server data travels on each request."""
    return CastellanOAuthLibCore(CastellanServer(CastellanValidator()))
