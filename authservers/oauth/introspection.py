"""Token introspection (RFC 7662) and revocation (RFC 7009): JWT access tokens and opaque refresh tokens.

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


def _looks_like_jwt(token: str) -> bool:
    """A compact JWS has three dot-separated parts; our refresh tokens are base64url, without dots."""
    return token.count(".") == 2


def introspect_token(token: str, *, server: ServerSnapshot, issuer: str, client: ClientSnapshot) -> dict | None:
    """Okta's introspection fields for an active token issued to `client` here, else None (inactive)."""
    from ..selectors import access_token_is_revoked

    if not _looks_like_jwt(token):
        return introspect_refresh_token(token, server=server, issuer=issuer, client=client)
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


def introspect_refresh_token(token: str, *, server: ServerSnapshot, issuer: str, client: ClientSnapshot,
                             now: datetime | None = None) -> dict | None:
    """Okta's fields for an active refresh token of `client`: the family's scopes, user and expiry.

    A rotated-out token (even inside its grace period), a revoked or expired family is inactive.
    """
    from .. import refresh_services
    from . import refresh

    found = refresh_services.refresh_token_find(server_id=server.id, token=token)
    if found is None or found.application_id != client.id or found.revoked is not None or found.rotated:
        return None
    family = found.family
    state = refresh.FamilyState(revoked=family.revoked is not None, expires=family.expires,
                                last_used=family.last_used, idle_window=family.idle_window)
    expiry = refresh.family_expiry(state)
    if family.revoked is not None or expiry <= (now or datetime.now(tz=UTC)):
        return None
    user = family.user
    return {
        "scope": family.scope,
        "client_id": client.client_id,
        "username": user.login,
        "exp": int(expiry.timestamp()),
        "iat": int(found.created.timestamp()),
        "sub": user.login,
        "aud": server.audience,
        "iss": issuer,
        "uid": user.pk,
        "token_type": "refresh_token",
    }


def _user_is_active(user_id) -> bool:
    from accounts.models import User, UserStatus

    return isinstance(user_id, str) and User.objects.filter(pk=user_id, status=UserStatus.ACTIVE).exists()


def revoke_token(token: str, *, server: ServerSnapshot, issuer: str, client: ClientSnapshot) -> None:
    """Revoke an access token of `client`, or a refresh token with its whole family and the access
    tokens issued from it; anything else is silently ignored (RFC 7009 §2.2)."""
    from ..services import access_token_revoke

    if not _looks_like_jwt(token):
        from ..refresh_services import refresh_token_revoke

        refresh_token_revoke(server=server, client=client, token=token)
        return
    claims = _verified_claims(token, server, issuer)
    if claims is None or claims.get("cid") != client.client_id or not claims.get("jti"):
        return
    access_token_revoke(server_id=server.id, client_id=client.client_id, jti=claims["jti"],
                        expires=datetime.fromtimestamp(claims["exp"], tz=UTC))
