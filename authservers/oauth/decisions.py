"""What a token request is granted: scope checks, then the server's access policies (REFERENCE §5.3).

Shared by the token endpoint (through the validator) and Token Preview, so a preview says exactly
what a real request would get. Pure: takes snapshots, returns a Decision or raises OAuthError.
"""

from policies.evaluation import Decision, Denial, RequestContext

from ..runtime import ClientSnapshot, ServerSnapshot
from ..scope_rules import OIDC_SCOPES
from . import errors


def check_client_grant(client: ClientSnapshot, grant_type: str) -> None:
    if not client.allows_grant_type(grant_type):
        raise errors.UnauthorizedClient(errors.unauthorized_grant_type(list(client.grant_types)))


def granted_scopes(server: ServerSnapshot, grant_type: str, requested: list[str]) -> tuple[str, ...]:
    """The scopes the request asks for (the server's defaults when none), if they may be asked for."""
    scopes = tuple(scope for scope in requested if scope) or server.default_scopes
    if not scopes:
        raise errors.InvalidScope(errors.NO_DEFAULT_SCOPES)
    # Okta: unknown scopes fail before policy evaluation (REFERENCE §5.3.9).
    if any(scope not in server.scopes for scope in scopes):
        raise errors.InvalidScope(errors.UNKNOWN_SCOPE)
    if grant_type == "client_credentials":
        if any(scope in OIDC_SCOPES for scope in scopes):
            raise errors.InvalidScope(errors.OPENID_WITH_CLIENT_CREDENTIALS)
        needing_consent = [scope for scope in scopes if server.scopes[scope].consent == "REQUIRED"]
        if needing_consent:
            raise errors.ConsentRequired(errors.scopes_require_consent(needing_consent))
    return scopes


def decide(server: ServerSnapshot, client: ClientSnapshot, grant_type: str, requested: list[str],
           user_id: str | None = None, group_ids: frozenset[str] = frozenset()) -> Decision:
    """The policy decision for a request, or the OAuthError a client would get."""
    scopes = granted_scopes(server, grant_type, requested)
    context = RequestContext(client_id=client.client_id, grant_type=grant_type, scopes=scopes,
                             user_id=user_id, group_ids=group_ids)
    result = server.policies.evaluate(context)
    if isinstance(result, Denial):
        raise errors.PolicyDenied(result)
    return result
