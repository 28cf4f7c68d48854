"""The monitoring API (REFERENCE §6.3, §8.4): who holds refresh tokens and consent grants, and revoking them.

`/api/v1/authorizationServers/{id}/clients[/{clientId}/tokens[/{tokenId}]]`,
`/api/v1/users/{id}/clients[/{clientId}/tokens|grants]`, `/api/v1/users/{id}/grants[/{grantId}]` and
`/api/v1/apps/{appId}/tokens[/{tokenId}]`. Each view looks its objects up, reads or revokes through
`services` and answers with `presenters`; errors are rendered once, by `config.api`.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.common import actor, base_url, get_or_404, paged, paging_parameters
from accounts.models import User
from clients.lifecycle_services import client_get
from clients.models import Client
from config.api import not_found
from config.openapi import okta_responses

from ..models import AuthorizationServer, Scope
from ..presenters import api_base
from . import services
from .presenters import grant_to_okta, oauth2_client_to_okta, token_to_okta
from .serializers import OAuth2ClientOutput, OAuth2RefreshTokenOutput, OAuth2ScopeConsentGrantOutput

TOKENS_PAGE = {"default_limit": 20, "max_limit": 200}
TAGS = ["Monitoring"]
EXPAND = OpenApiParameter("expand", str, description="`scope` embeds the scopes' details in `_embedded`")


def _documented(operation_id: str, body=None, *, many: bool = False, success: int = 200, paged: bool = False):
    """extend_schema for one monitoring operation: Okta's id, body and statuses (404 for unknown ids)."""
    parameters = [EXPAND, *(paging_parameters(**TOKENS_PAGE) if paged else [])] if body is not None else []
    output = body(many=many) if body is not None else None
    return extend_schema(operation_id=operation_id, tags=TAGS, parameters=parameters,
                         responses=okta_responses(success, output, 400, 404) if paged else
                         okta_responses(success, output, 404))


def _server(server_id: str) -> AuthorizationServer:
    return get_or_404(AuthorizationServer.objects.all(), server_id, "AuthorizationServer")


def _user(user_id: str) -> User:
    return get_or_404(User.objects.all(), user_id, "User")


def _client(client_id: str) -> Client:
    client = client_get(client_id)
    if client is None:
        raise not_found(client_id, "OAuth2Client")
    return client


def _expand_scope(request) -> bool:
    return "scope" in (request.query_params.get("expand") or "").split(",")


def _scope_reader(request):
    """For `expand=scope`: the scopes of each token's server, read once per server; None otherwise."""
    if not _expand_scope(request):
        return None
    by_server: dict[str, dict[str, Scope]] = {}

    def scopes_of(token) -> dict[str, Scope]:
        if token.server_id not in by_server:
            by_server[token.server_id] = {scope.name: scope for scope in Scope.objects.filter(server_id=token.server_id)}
        return by_server[token.server_id]

    return scopes_of


def _tokens_page(request, queryset, collection_url):
    """One page of tokens; with `expand=scope`, each server's scopes are read once for the page."""
    scopes_of = _scope_reader(request)

    def present(token, base):
        scopes = scopes_of(token) if scopes_of else None
        return token_to_okta(token, f"{collection_url}/{token.public_id}", base, scopes)

    return paged(request, queryset, present, **TOKENS_PAGE)


def _token_answer(request, token, collection_url) -> Response:
    scopes_of = _scope_reader(request)
    scopes = scopes_of(token) if scopes_of else None
    return Response(token_to_okta(token, f"{collection_url}/{token.public_id}", base_url(request), scopes))


def _token_or_404(token_id: str, **owner):
    token = services.token_get(token_id, **owner)
    if token is None:
        raise not_found(token_id, "OAuth2RefreshToken")
    return token


def _revoked() -> Response:
    return Response(status=status.HTTP_204_NO_CONTENT)


# --- per authorization server --------------------------------------------------------------------

class ServerClientsApi(APIView):
    """listOAuth2ClientsForAuthorizationServer: the clients holding live refresh tokens on this server."""

    @_documented('listOAuth2ClientsForAuthorizationServer', OAuth2ClientOutput, many=True)
    def get(self, request, server_id):
        server = _server(server_id)
        base = api_base(base_url(request))
        client_pks = services.live_tokens(server_id=server.id).values("application_id")
        clients = Client.objects.filter(pk__in=client_pks)
        return paged(request, clients, lambda client, _: oauth2_client_to_okta(
            client, base, tokens_url=f"{base}/api/v1/authorizationServers/{server.id}/clients/"
                                     f"{client.client_id}/tokens"), default_limit=200, max_limit=200)


class ServerClientTokensApi(APIView):
    """listRefreshTokensForAuthorizationServerAndClient, revokeRefreshTokensForAuthorizationServerAndClient."""

    def _scope(self, request, server_id, client_id):
        server, client = _server(server_id), _client(client_id)
        url = f"{api_base(base_url(request))}/api/v1/authorizationServers/{server.id}/clients/{client.client_id}/tokens"
        return {"server_id": server.id, "application_id": client.pk}, url

    @_documented('listRefreshTokensForAuthorizationServerAndClient', OAuth2RefreshTokenOutput, many=True, paged=True)
    def get(self, request, server_id, client_id):
        owner, url = self._scope(request, server_id, client_id)
        return _tokens_page(request, services.live_tokens(**owner), url)

    @_documented('revokeRefreshTokensForAuthorizationServerAndClient', success=204)
    def delete(self, request, server_id, client_id):
        owner, _ = self._scope(request, server_id, client_id)
        services.tokens_revoke(services.live_tokens(**owner), actor=actor(request))
        return _revoked()


class ServerClientTokenApi(ServerClientTokensApi):
    """getRefreshTokenForAuthorizationServerAndClient, revokeRefreshTokenForAuthorizationServerAndClient."""

    @_documented('getRefreshTokenForAuthorizationServerAndClient', OAuth2RefreshTokenOutput)
    def get(self, request, server_id, client_id, token_id):
        owner, url = self._scope(request, server_id, client_id)
        return _token_answer(request, _token_or_404(token_id, **owner), url)

    @_documented('revokeRefreshTokenForAuthorizationServerAndClient', success=204)
    def delete(self, request, server_id, client_id, token_id):
        owner, _ = self._scope(request, server_id, client_id)
        services.tokens_revoke([_token_or_404(token_id, **owner)], actor=actor(request))
        return _revoked()


# --- per user ------------------------------------------------------------------------------------

class UserClientsApi(APIView):
    """listUserClients: the clients the user holds live refresh tokens or consent grants for."""

    @_documented('listUserClients', OAuth2ClientOutput, many=True)
    def get(self, request, user_id):
        user = _user(user_id)
        base = api_base(base_url(request))
        with_tokens = services.live_tokens(user_id=user.pk).values("application_id")
        with_grants = services.current_grants(user_id=user.pk).values("client_id")
        clients = Client.objects.filter(pk__in=with_tokens) | Client.objects.filter(pk__in=with_grants)
        user_url = f"{base}/api/v1/users/{user.pk}/clients"
        return paged(request, clients.distinct(), lambda client, _: oauth2_client_to_okta(
            client, base, tokens_url=f"{user_url}/{client.client_id}/tokens",
            grants_url=f"{user_url}/{client.client_id}/grants"), default_limit=200, max_limit=200)


class UserClientTokensApi(APIView):
    """listRefreshTokensForUserAndClient, revokeTokensForUserAndClient."""

    def _scope(self, request, user_id, client_id):
        user, client = _user(user_id), _client(client_id)
        url = f"{api_base(base_url(request))}/api/v1/users/{user.pk}/clients/{client.client_id}/tokens"
        return {"user_id": user.pk, "application_id": client.pk}, url

    @_documented('listRefreshTokensForUserAndClient', OAuth2RefreshTokenOutput, many=True, paged=True)
    def get(self, request, user_id, client_id):
        owner, url = self._scope(request, user_id, client_id)
        return _tokens_page(request, services.live_tokens(**owner), url)

    @_documented('revokeTokensForUserAndClient', success=204)
    def delete(self, request, user_id, client_id):
        owner, _ = self._scope(request, user_id, client_id)
        services.tokens_revoke(services.live_tokens(**owner), actor=actor(request))
        return _revoked()


class UserClientTokenApi(UserClientTokensApi):
    """getRefreshTokenForUserAndClient, revokeTokenForUserAndClient."""

    @_documented('getRefreshTokenForUserAndClient', OAuth2RefreshTokenOutput)
    def get(self, request, user_id, client_id, token_id):
        owner, url = self._scope(request, user_id, client_id)
        return _token_answer(request, _token_or_404(token_id, **owner), url)

    @_documented('revokeTokenForUserAndClient', success=204)
    def delete(self, request, user_id, client_id, token_id):
        owner, _ = self._scope(request, user_id, client_id)
        services.tokens_revoke([_token_or_404(token_id, **owner)], actor=actor(request))
        return _revoked()


class UserGrantsApi(APIView):
    """listUserGrants, revokeUserGrants (each revocation also ends the matching refresh tokens)."""

    @_documented('listUserGrants', OAuth2ScopeConsentGrantOutput, many=True, paged=True)
    def get(self, request, user_id):
        user = _user(user_id)
        expand = _expand_scope(request)
        return paged(request, services.current_grants(user_id=user.pk),
                     lambda grant, base: grant_to_okta(grant, base, expand_scope=expand),
                     default_limit=20, max_limit=200)

    @_documented('revokeUserGrants', success=204)
    def delete(self, request, user_id):
        user = _user(user_id)
        services.grants_revoke(services.current_grants(user_id=user.pk), actor=actor(request))
        return _revoked()


class UserGrantApi(APIView):
    """getUserGrant, revokeUserGrant."""

    def _grant(self, user_id, grant_id):
        user = _user(user_id)
        return get_or_404(services.current_grants(user_id=user.pk), grant_id, "OAuth2ScopeConsentGrant")

    @_documented('getUserGrant', OAuth2ScopeConsentGrantOutput)
    def get(self, request, user_id, grant_id):
        grant = self._grant(user_id, grant_id)
        return Response(grant_to_okta(grant, base_url(request), expand_scope=_expand_scope(request)))

    @_documented('revokeUserGrant', success=204)
    def delete(self, request, user_id, grant_id):
        grant = self._grant(user_id, grant_id)
        services.grants_revoke(services.current_grants(pk=grant.pk), actor=actor(request))
        return _revoked()


class UserClientGrantsApi(APIView):
    """listGrantsForUserAndClient, revokeGrantsForUserAndClient."""

    def _grants(self, user_id, client_id):
        user, client = _user(user_id), _client(client_id)
        return services.current_grants(user_id=user.pk, client_id=client.pk)

    @_documented('listGrantsForUserAndClient', OAuth2ScopeConsentGrantOutput, many=True, paged=True)
    def get(self, request, user_id, client_id):
        expand = _expand_scope(request)
        return paged(request, self._grants(user_id, client_id),
                     lambda grant, base: grant_to_okta(grant, base, expand_scope=expand),
                     default_limit=20, max_limit=200)

    @_documented('revokeGrantsForUserAndClient', success=204)
    def delete(self, request, user_id, client_id):
        services.grants_revoke(self._grants(user_id, client_id), actor=actor(request))
        return _revoked()


# --- per app -------------------------------------------------------------------------------------

class AppTokensApi(APIView):
    """listOAuth2TokensForApplication, revokeOAuth2TokensForApplication."""

    def _scope(self, request, app_id):
        client = get_or_404(Client.objects.all(), app_id, "Application")
        return {"application_id": client.pk}, f"{api_base(base_url(request))}/api/v1/apps/{client.pk}/tokens"

    @_documented('listOAuth2TokensForApplication', OAuth2RefreshTokenOutput, many=True, paged=True)
    def get(self, request, app_id):
        owner, url = self._scope(request, app_id)
        return _tokens_page(request, services.live_tokens(**owner), url)

    @_documented('revokeOAuth2TokensForApplication', success=204)
    def delete(self, request, app_id):
        owner, _ = self._scope(request, app_id)
        services.tokens_revoke(services.live_tokens(**owner), actor=actor(request))
        return _revoked()


class AppTokenApi(AppTokensApi):
    """getOAuth2TokenForApplication, revokeOAuth2TokenForApplication."""

    @_documented('getOAuth2TokenForApplication', OAuth2RefreshTokenOutput)
    def get(self, request, app_id, token_id):
        owner, url = self._scope(request, app_id)
        return _token_answer(request, _token_or_404(token_id, **owner), url)

    @_documented('revokeOAuth2TokenForApplication', success=204)
    def delete(self, request, app_id, token_id):
        owner, _ = self._scope(request, app_id)
        services.tokens_revoke([_token_or_404(token_id, **owner)], actor=actor(request))
        return _revoked()
