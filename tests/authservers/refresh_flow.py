"""Helpers for refresh-token tests: a signed-in code exchange with offline_access, then refreshes."""

from accounts.services import everyone_group
from tests.helpers import basic_auth_header, endpoint, post_form

from .code_flow import exchange, get_code
from .conftest import REDIRECT_URI

SCOPES = "openid offline_access"


def refresh_app(make_client, *, rotation="STATIC", leeway=30, auth_method="client_secret_basic",
                application_type="web", grant_types=("authorization_code", "refresh_token")):
    """An app allowed the refresh grant, assigned to Everyone."""
    registered = make_client(label=f"refresh-{rotation.lower()}", grant_types=list(grant_types),
                             application_type=application_type, token_endpoint_auth_method=auth_method,
                             redirect_uris=[REDIRECT_URI], refresh_token_rotation=rotation,
                             refresh_token_leeway=leeway)
    registered.model.assigned_groups.add(everyone_group())
    return registered


def sign_in_tokens(client, registered, scope=SCOPES) -> dict:
    """The token response of a code exchange for `scope` (asserts 200)."""
    response = exchange(client, registered, get_code(client, registered, scope=scope))
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client, registered, refresh_token, **extra):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    data = {name: value for name, value in data.items() if value is not None}
    headers = {}
    if registered.secret:
        headers["HTTP_AUTHORIZATION"] = basic_auth_header(registered.client_id, registered.secret)
    else:
        data["client_id"] = registered.client_id
    return post_form(client, endpoint("token"), data, **headers)


def introspect(client, registered, token) -> dict:
    data = {"token": token}
    headers = {}
    if registered.secret:
        headers["HTTP_AUTHORIZATION"] = basic_auth_header(registered.client_id, registered.secret)
    else:
        data["client_id"] = registered.client_id
    response = post_form(client, endpoint("introspect"), data, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def revoke(client, registered, token):
    return post_form(client, endpoint("revoke"), {"token": token},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
