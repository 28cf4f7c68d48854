"""Token introspection (RFC 7662) and revocation (RFC 7009) for this server's JWT access tokens.

https://www.rfc-editor.org/rfc/rfc7662 · https://www.rfc-editor.org/rfc/rfc7009
A token of another server, of another client, expired, revoked, tampered or unknown introspects
as `{"active": false}`; revocation answers 200 whatever the token (RFC 7009 §2.2).
"""

from datetime import UTC, datetime

from ..runtime import ClientSnapshot, ServerSnapshot
from .access_tokens import verify_jwt


def _verified_claims(token: str, server: ServerSnapshot, issuer: str) -> dict | None:
    claims = verify_jwt(token, server.verification_keys, issuer=issuer)
    if claims is None or claims.get("aud") != server.audience:
        return None
    return claims


def introspect_token(token: str, *, server: ServerSnapshot, issuer: str, client: ClientSnapshot) -> dict | None:
    """Okta's introspection fields for an active token issued to `client` here, else None (inactive)."""
    from ..selectors import access_token_is_revoked

    claims = _verified_claims(token, server, issuer)
    if claims is None or claims.get("cid") != client.client_id:
        return None
    if access_token_is_revoked(claims.get("jti", "")):
        return None
    # REFERENCE §6.5: a client deactivation, and a user's deactivation or deletion, end their tokens.
    if not client.token_is_current(claims.get("iat")) or (claims.get("uid") and not _user_is_active(claims["uid"])):
        return None
    scopes = claims.get("scp") or []
    response = {
        "scope": " ".join(scopes) if isinstance(scopes, list) else str(scopes),
        "username": claims.get("sub"),
        "exp": claims.get("exp"),
        "iat": claims.get("iat"),
        "nbf": claims.get("iat"),
        "sub": claims.get("sub"),
        "aud": claims.get("aud"),
        "iss": claims.get("iss"),
        "jti": claims.get("jti"),
        "token_type": "Bearer",
        "client_id": claims.get("cid"),
    }
    if claims.get("uid"):
        response["uid"] = claims["uid"]
    reserved = set(response) | {"ver", "cid", "scp", "client_id"}
    response.update({name: value for name, value in claims.items() if name not in reserved})
    return response


def _user_is_active(user_id) -> bool:
    from accounts.models import User, UserStatus

    return isinstance(user_id, str) and User.objects.filter(pk=user_id, status=UserStatus.ACTIVE).exists()


def revoke_token(token: str, *, server: ServerSnapshot, issuer: str, client: ClientSnapshot) -> None:
    """Revoke an access token of `client`; anything else is silently ignored (RFC 7009 §2.2)."""
    from ..services import access_token_revoke

    claims = _verified_claims(token, server, issuer)
    if claims is None or claims.get("cid") != client.client_id or not claims.get("jti"):
        return
    access_token_revoke(server_id=server.id, client_id=client.client_id, jti=claims["jti"],
                        expires=datetime.fromtimestamp(claims["exp"], tz=UTC))
