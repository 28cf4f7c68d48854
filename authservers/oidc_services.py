"""The reads behind `v1/userinfo` and `v1/logout`: the user directory, the client's logout URIs."""

from accounts.models import User, UserStatus
from clients.models import Client
from clients.selectors import client_snapshot

from . import claims as claim_rules
from . import systemlog
from .oauth import userinfo as userinfo_rules
from .oauth.claim_placement import USERINFO, claims_placed_in
from .oauth.issuance import _claim_failed_event, claims_context
from .runtime import ServerSnapshot


def userinfo_claims(server: ServerSnapshot, token_claims: dict) -> dict:
    """The UserInfo response for a verified access token: raises InvalidToken for a user who is gone,
    suspended or deprovisioned, or a client that is gone or inactive; `ClaimEvaluationFailed` when
    a custom IDENTITY claim fails."""
    user = User.objects.filter(pk=token_claims["uid"]).first()
    if user is None or user.status != UserStatus.ACTIVE:
        raise userinfo_rules.InvalidToken()
    client = client_snapshot(token_claims.get("cid") or "")
    if client is None or not client.active:
        raise userinfo_rules.InvalidToken()
    scopes = userinfo_rules.granted_scopes(token_claims)
    body = userinfo_rules.select_claims(
        user_id=user.pk, login=user.login, email=user.email, first_name=user.first_name, last_name=user.last_name,
        profile=user.profile, updated_at=int(user.last_updated.timestamp()), scopes=scopes)
    # OIDC Core §5.3.2 / REFERENCE §2.5: every custom IDENTITY claim the scopes allow (alwaysIncludeInToken
    # only limits the ID token).
    placed = claims_placed_in(USERINFO, server.identity_claims, granted_scopes=scopes)
    if placed:
        context = claims_context(server, client, scopes, user)
        try:
            custom = claim_rules.evaluate_claims(placed, context, scopes, "IDENTITY")
        except claim_rules.ClaimEvaluationFailed as exc:
            systemlog.emit_deferred(_claim_failed_event, server, client, scopes, exc)
            raise
        body.update({name: value for name, value in custom.items() if name not in body})
    return body


def post_logout_redirect_uris(client_id: str) -> tuple[str, ...]:
    """The logout redirect URIs registered for an active client (none for an unknown one)."""
    if not client_id or len(client_id) > 255 or "\x00" in client_id:
        return ()
    client = Client.objects.filter(client_id=client_id).only("post_logout_redirect_uris", "status").first()
    if client is None or not client.is_active:
        return ()
    return tuple(client.post_logout_redirect_uris.split())
