"""The official Okta Python SDK onboards an API and an OIDC app against a live Castellan, unchanged.

The scenario is a list of steps sharing one `state` dict, run in order: append a step (a function
taking `sdk` and `state`) to `SCENARIO` to extend it, e.g. claims, policies and rules.
"""

import pytest
from okta.models import (
    AddGroupRequest,
    ApplicationCredentialsOAuthClient,
    AuthorizationServer,
    JwkUse,
    OAuth2Scope,
    OAuthApplicationCredentials,
    OktaUserGroupProfile,
    OpenIdConnectApplication,
    OpenIdConnectApplicationSettings,
    OpenIdConnectApplicationSettingsClient,
)

from authservers import systemlog
from authservers.models import LogEvent

pytestmark = pytest.mark.live


def create_authorization_server(sdk, state):
    server = sdk.ok(sdk.client.create_authorization_server(AuthorizationServer(
        name="Payments API", description="Payments", audiences=["api://payments"])))
    assert server.id and server.status == "ACTIVE"
    assert server.issuer.endswith(f"/oauth2/{server.id}")
    state["server"] = server


def create_scope(sdk, state):
    scope = sdk.ok(sdk.client.create_o_auth2_scope(state["server"].id, OAuth2Scope(
        name="payments:read", description="Read payments")))
    assert scope.name == "payments:read"
    state["scope"] = scope


def create_oidc_app(sdk, state):
    app = OpenIdConnectApplication(
        name="oidc_client", label="Payments Portal", sign_on_mode="OPENID_CONNECT",
        credentials=OAuthApplicationCredentials(
            oauth_client=ApplicationCredentialsOAuthClient(token_endpoint_auth_method="client_secret_basic")),
        settings=OpenIdConnectApplicationSettings(oauth_client=OpenIdConnectApplicationSettingsClient(
            application_type="web", grant_types=["authorization_code", "refresh_token"],
            response_types=["code"], redirect_uris=["https://portal.example.com/callback"],
            post_logout_redirect_uris=["https://portal.example.com/"])),
    )
    created = sdk.ok(sdk.client.create_application(app))
    assert created.id and created.status == "ACTIVE"
    assert created.credentials.oauth_client.client_id == created.id
    assert created.credentials.oauth_client.client_secret
    fetched = sdk.ok(sdk.client.get_application(created.id))
    assert fetched.label == "Payments Portal"
    assert fetched.settings.oauth_client.redirect_uris == ["https://portal.example.com/callback"]
    state["app"] = fetched


def rename_app(sdk, state):
    """A whole-object round trip: the SDK sends back what it read, with one change."""
    app = state["app"]
    app.label = "Payments Portal (EU)"
    replaced = sdk.ok(sdk.client.replace_application(app.id, app))
    assert replaced.label == "Payments Portal (EU)" and replaced.id == app.id
    assert replaced.settings.oauth_client.grant_types == app.settings.oauth_client.grant_types
    listed = sdk.ok(sdk.client.list_applications(q="Payments"))
    assert [item.id for item in listed] == [app.id]
    state["app"] = replaced


def create_group(sdk, state):
    group = sdk.ok(sdk.client.add_group(AddGroupRequest(
        profile=OktaUserGroupProfile(name="Payments Admins", description="Can use the portal"))))
    assert group.id and group.type == "OKTA_GROUP"
    state["group"] = group


def assign_group_to_app(sdk, state):
    assignment = sdk.ok(sdk.client.assign_group_to_application(state["app"].id, state["group"].id))
    assert assignment.id == state["group"].id
    listed = sdk.ok(sdk.client.list_application_group_assignments(state["app"].id))
    assert [item.id for item in listed] == [state["group"].id]


def rotate_server_keys(sdk, state):
    server_id = state["server"].id
    before = {key.kid for key in sdk.ok(sdk.client.list_authorization_server_keys(server_id))
              if key.status == "ACTIVE"}
    keys = sdk.ok(sdk.client.rotate_authorization_server_keys(server_id, JwkUse(use="sig")))
    active = {key.kid for key in keys if key.status == "ACTIVE"}
    assert active and active != before


def deactivate_and_delete_app(sdk, state):
    app_id = state["app"].id
    error = sdk.run(sdk.client.delete_application(app_id))[-1]
    assert error.status == 403 and error.error_code == "E0000056"  # Okta: only an inactive app is deleted
    sdk.ok(sdk.client.deactivate_application(app_id))
    assert sdk.ok(sdk.client.get_application(app_id)).status == "INACTIVE"
    sdk.ok(sdk.client.delete_application(app_id))
    _, response, error = sdk.run(sdk.client.get_application(app_id))
    assert error is not None and response.status == 404


SCENARIO = [
    create_authorization_server,
    create_scope,
    create_oidc_app,
    rename_app,
    create_group,
    assign_group_to_app,
    rotate_server_keys,
    deactivate_and_delete_app,
]


def test_okta_sdk_onboards_an_api_and_an_oidc_app(sdk):
    state = {}
    for step in SCENARIO:
        step(sdk, state)
    systemlog.flush()
    logged = set(LogEvent.objects.values_list("event_type", flat=True))
    assert {"oauth2.as.created", "app.oauth2.client.lifecycle.create", "group.lifecycle.create",
            "group.application_assignment.add", "app.oauth2.client.lifecycle.delete"} <= logged
