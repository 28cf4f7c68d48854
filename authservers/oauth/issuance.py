"""What oauthlib's BearerToken calls to mint tokens: lifetimes and JWT access tokens for a request."""

import time

from . import errors
from .access_tokens import build_access_token_claims, new_jti, sign_jwt
from .validator import issuer_of, server_of


def access_token_lifetime(request) -> int:
    """Seconds the access token lives: the matched policy rule's access-token lifetime."""
    return request.castellan_decision.access_token_lifetime


def generate_access_token(request, refresh_token=False) -> str:
    """oauthlib `token_generator`: a signed JWT access token for the validated request."""
    server = server_of(request)
    now = int(time.time())
    signing = server.access_token_signing(now)
    if signing is None:
        raise errors.ServerError("The authorization server has no active signing key.")
    client = request.client
    user = getattr(request, "user", None)
    jti = new_jti()
    request.access_token_jti = jti
    claims = build_access_token_claims(
        issuer=issuer_of(request), audience=server.audience, client_id=client.client_id,
        scopes=request.scopes, subject=getattr(user, "login", None) or client.client_id,
        user_id=getattr(user, "pk", None), now=now, lifetime=request.expires_in, jti=jti,
    )
    return sign_jwt(claims, signing)
