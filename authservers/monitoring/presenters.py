"""Okta's monitoring shapes: `OAuth2RefreshToken`, `OAuth2Client` and `OAuth2ScopeConsentGrant` (pure)."""

from datetime import timedelta

from clients.models import Client

from ..models import ConsentGrant, RefreshToken, Scope
from ..presenters import api_base, authserver_api_url, authserver_issuer, link, okta_timestamp
from .services import token_is_active


def _app_links(client: Client, base: str) -> dict:
    return {"app": link(f"{base}/api/v1/apps/{client.id}", "GET", title=client.label),
            "client": link(f"{base}/oauth2/v1/clients/{client.client_id}", "GET", title=client.label)}


def token_expires_at(token: RefreshToken):
    """The earlier of the family's lifetime end and its idle-window end (Okta: when it stops working)."""
    family = token.family
    idle_end = family.last_used + timedelta(seconds=family.idle_window) if family.idle_window else None
    ends = [end for end in (family.expires, idle_end) if end is not None]
    return min(ends) if ends else None


def scope_to_embedded(scope: Scope, base: str) -> dict:
    """An `OAuth2RefreshTokenScope`."""
    return {"id": scope.id, "name": scope.name, "displayName": scope.display_name or scope.name,
            "description": scope.description,
            "_links": {"scope": link(f"{authserver_api_url(scope.server_id, base)}/scopes/{scope.id}", "GET",
                                     title=scope.name)}}


def token_to_okta(token: RefreshToken, self_url: str, base_url: str | None = None,
                  scopes: dict[str, Scope] | None = None) -> dict:
    """An `OAuth2RefreshToken`; `scopes` (name -> Scope, for `expand=scope`) fills `_embedded.scopes`."""
    base = api_base(base_url)
    family, client = token.family, token.family.client
    names = family.scope.split()
    body = {
        "id": token.public_id,
        "status": "ACTIVE" if token_is_active(token) else "REVOKED",
        "created": okta_timestamp(token.created),
        "lastUpdated": okta_timestamp(token.updated),
        "expiresAt": okta_timestamp(token_expires_at(token)),
        "issuer": authserver_issuer(token.server, base_url),
        "clientId": client.client_id,
        "userId": family.user_id,
        "scopes": names,
    }
    if scopes is not None:
        body["_embedded"] = {"scopes": [scope_to_embedded(scopes[name], base) for name in names if name in scopes]}
    body["_links"] = {
        **_app_links(client, base),
        "self": link(self_url, "GET", "DELETE"),
        "revoke": link(self_url, "DELETE"),
        "user": link(f"{base}/api/v1/users/{family.user_id}", "GET"),
        "authorizationServer": link(authserver_api_url(token.server_id, base), "GET", title=token.server.name),
    }
    return body


def oauth2_client_to_okta(client: Client, base_url: str | None, *, tokens_url: str,
                          grants_url: str | None = None) -> dict:
    """An `OAuth2Client`: a client seen from a server or a user, with links to its tokens (and grants)."""
    base = api_base(base_url)
    body = {"client_id": client.client_id, "client_name": client.label}
    if client.client_uri:
        body["client_uri"] = client.client_uri
    if client.logo_uri:
        body["logo_uri"] = client.logo_uri
    links = {"app": link(f"{base}/api/v1/apps/{client.id}", "GET", title=client.label),
             "tokens": link(tokens_url, "GET", "DELETE")}
    if grants_url:
        links["grants"] = link(grants_url, "GET", "DELETE")
    body["_links"] = links
    return body


def grant_to_okta(grant: ConsentGrant, base_url: str | None = None, *, expand_scope: bool = False) -> dict:
    """An `OAuth2ScopeConsentGrant` with its `_links`; `_embedded.scope` only with `expand=scope`."""
    from ..consents import consent_grant_to_okta

    base = api_base(base_url)
    body = consent_grant_to_okta(grant)
    if not expand_scope:
        body.pop("_embedded", None)
    self_url = f"{base}/api/v1/users/{grant.user_id}/grants/{grant.id}"
    server_url = authserver_api_url(grant.server_id, base)
    body["_links"] = {
        **_app_links(grant.client, base),
        "authorizationServer": link(server_url, "GET", title=grant.server.name),
        "scope": link(f"{server_url}/scopes/{grant.scope_id}", "GET", title=grant.scope.name),
        "self": link(self_url, "GET", "DELETE"),
        "user": link(f"{base}/api/v1/users/{grant.user_id}", "GET"),
    }
    return body
