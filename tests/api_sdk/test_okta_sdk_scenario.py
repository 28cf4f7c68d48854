"""The official Okta Python SDK onboards an API and an OIDC app against a live Castellan, unchanged.

The issue's "done means": with only the SDK and an API token, an operator creates an authorization
server with its scope, claim, access policy and rule, onboards an OIDC app, assigns it to a group
and rotates the server's keys. A user of that group then signs in to the app, and the access token
the live server's `v1/token` issues carries the claim and the rule's lifetime.

The scenario is a list of steps sharing one `state` dict, run in order: append a step (a function
taking `sdk` and `state`) to `SCENARIO` to extend it.
"""

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client as BrowserClient
from jwcrypto import jwk, jwt
from okta.models import (
    AddGroupRequest,
    ApplicationCredentialsOAuthClient,
    AuthorizationServer,
    AuthorizationServerPolicy,
    AuthorizationServerPolicyConditions,
    AuthorizationServerPolicyPeopleCondition,
    AuthorizationServerPolicyRuleActions,
    AuthorizationServerPolicyRuleConditions,
    AuthorizationServerPolicyRuleGroupCondition,
    AuthorizationServerPolicyRuleRequest,
    ClientPolicyCondition,
    CreateUserRequest,
    GrantTypePolicyRuleCondition,
    JwkUse,
    OAuth2Claim,
    OAuth2ClaimConditions,
    OAuth2Scope,
    OAuth2ScopesMediationPolicyRuleCondition,
    OAuthApplicationCredentials,
    OktaUserGroupProfile,
    OpenIdConnectApplication,
    OpenIdConnectApplicationSettings,
    OpenIdConnectApplicationSettingsClient,
    PasswordCredential,
    TokenAuthorizationServerPolicyRuleAction,
    UserCredentialsWritable,
    UserProfile,
)

from accounts.models import User
from authservers import systemlog
from authservers.models import LogEvent
from authservers.oauth.pkce import s256

pytestmark = pytest.mark.live
PASSWORD = "correct-Horse-battery-9"


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


def create_claim(sdk, state):
    claim = sdk.ok(sdk.client.create_o_auth2_claim(state["server"].id, OAuth2Claim(
        name="department", claim_type="RESOURCE", value_type="EXPRESSION", value="user.department",
        always_include_in_token=True, conditions=OAuth2ClaimConditions(scopes=["payments:read"]))))
    assert claim.id and claim.value == "user.department" and claim.status == "ACTIVE"
    assert sdk.ok(sdk.client.get_o_auth2_claim(state["server"].id, claim.id)).name == "department"


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
    state["client_secret"] = created.credentials.oauth_client.client_secret
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


def create_user_in_group(sdk, state):
    user = sdk.ok(sdk.client.create_user(CreateUserRequest(
        profile=UserProfile(login="grace@example.com", email="grace@example.com", first_name="Grace",
                            last_name="Hopper", department="Payments"),
        credentials=UserCredentialsWritable(password=PasswordCredential(value=PASSWORD)))))
    assert user.status == "ACTIVE" and user.profile.department == "Payments"
    sdk.ok(sdk.client.assign_user_to_group(state["group"].id, user.id))
    members = sdk.ok(sdk.client.list_group_users(state["group"].id))
    assert [member.id for member in members] == [user.id]
    state["user"] = user


def create_policy(sdk, state):
    client_id = state["app"].credentials.oauth_client.client_id
    policy = sdk.ok(sdk.client.create_authorization_server_policy(state["server"].id, AuthorizationServerPolicy(
        type="OAUTH_AUTHORIZATION_POLICY", name="Portal access", description="The payments portal",
        priority=1, conditions=AuthorizationServerPolicyConditions(clients=ClientPolicyCondition(
            include=[client_id])))))
    assert policy.id and policy.status == "ACTIVE" and policy.conditions.clients.include == [client_id]
    state["policy"] = policy


def create_rule(sdk, state):
    rule = sdk.ok(sdk.client.create_authorization_server_policy_rule(
        state["server"].id, state["policy"].id, AuthorizationServerPolicyRuleRequest(
            name="Payments admins", type="RESOURCE_ACCESS", priority=1,
            conditions=AuthorizationServerPolicyRuleConditions(
                grant_types=GrantTypePolicyRuleCondition(include=["authorization_code"]),
                people=AuthorizationServerPolicyPeopleCondition(
                    groups=AuthorizationServerPolicyRuleGroupCondition(include=[state["group"].id])),
                scopes=OAuth2ScopesMediationPolicyRuleCondition(include=["*"])),
            actions=AuthorizationServerPolicyRuleActions(token=TokenAuthorizationServerPolicyRuleAction(
                access_token_lifetime_minutes=30, refresh_token_lifetime_minutes=0,
                refresh_token_window_minutes=10080)))))
    assert rule.id and rule.status == "ACTIVE"
    assert rule.conditions.people.groups.include == [state["group"].id]
    assert rule.actions.token.access_token_lifetime_minutes == 30
    state["rule"] = rule


def member_token(state) -> tuple[dict, dict, dict]:
    """The group's user signs in to the app (in-process session) and the app exchanges the code at the
    live server's `v1/token`: (token response, verified access token header, its claims)."""
    server, app = state["server"], state["app"]
    redirect_uri = app.settings.oauth_client.redirect_uris[0]
    browser = BrowserClient()
    browser.force_login(User.objects.get(pk=state["user"].id))
    verifier = "v" * 43
    authorize = browser.get(f"/oauth2/{server.id}/v1/authorize", {
        "client_id": app.id, "redirect_uri": redirect_uri, "response_type": "code", "state": "s1",
        "scope": "openid payments:read", "nonce": "n1", "code_challenge": s256(verifier),
        "code_challenge_method": "S256"})
    assert authorize.status_code == 302, authorize.content
    code = parse_qs(urlsplit(authorize["Location"]).query)["code"][0]
    basic = base64.b64encode(f"{app.id}:{state['client_secret']}".encode()).decode()
    body = _post_form(f"{state['base_url']}/oauth2/{server.id}/v1/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": verifier}, Authorization=f"Basic {basic}")
    with urllib.request.urlopen(f"{state['base_url']}/oauth2/{server.id}/v1/keys") as response:
        keys = jwk.JWKSet.from_json(response.read())
    verified = jwt.JWT(jwt=body["access_token"], key=keys, algs=["RS256"])
    return body, verified.token.jose_header, json.loads(verified.claims)


def token_carries_claim_and_lifetime(sdk, state):
    body, _header, claims = member_token(state)
    assert body["expires_in"] == 30 * 60 and body["scope"] == "openid payments:read"
    assert claims["department"] == "Payments"
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert claims["iss"] == state["server"].issuer and claims["cid"] == state["app"].id


def policy_and_rule_lifecycle(sdk, state):
    server_id, policy_id, rule_id = state["server"].id, state["policy"].id, state["rule"].id
    sdk.ok(sdk.client.deactivate_authorization_server_policy_rule(server_id, policy_id, rule_id))
    assert sdk.ok(sdk.client.get_authorization_server_policy_rule(server_id, policy_id, rule_id)).status == "INACTIVE"
    sdk.ok(sdk.client.activate_authorization_server_policy_rule(server_id, policy_id, rule_id))
    assert sdk.ok(sdk.client.get_authorization_server_policy_rule(server_id, policy_id, rule_id)).status == "ACTIVE"
    sdk.ok(sdk.client.deactivate_authorization_server_policy(server_id, policy_id))
    assert sdk.ok(sdk.client.get_authorization_server_policy(server_id, policy_id)).status == "INACTIVE"
    sdk.ok(sdk.client.activate_authorization_server_policy(server_id, policy_id))
    assert sdk.ok(sdk.client.get_authorization_server_policy(server_id, policy_id)).status == "ACTIVE"


def rotate_server_keys(sdk, state):
    server_id = state["server"].id
    before = {key.kid for key in sdk.ok(sdk.client.list_authorization_server_keys(server_id))
              if key.status == "ACTIVE"}
    keys = sdk.ok(sdk.client.rotate_authorization_server_keys(server_id, JwkUse(use="sig")))
    active = {key.kid for key in keys if key.status == "ACTIVE"}
    assert active and active != before
    _body, header, _claims = member_token(state)
    assert header["kid"] in active  # new tokens are signed with the key the rotation made active


def deactivate_and_delete_app(sdk, state):
    app_id = state["app"].id
    error = sdk.run(sdk.client.delete_application(app_id))[-1]
    assert error.status == 403 and error.error_code == "E0000056"  # Okta: only an inactive app is deleted
    sdk.ok(sdk.client.deactivate_application(app_id))
    assert sdk.ok(sdk.client.get_application(app_id)).status == "INACTIVE"
    sdk.ok(sdk.client.delete_application(app_id))
    _, response, error = sdk.run(sdk.client.get_application(app_id))
    assert error is not None and response.status == 404


def _post_form(url: str, form: dict, **headers) -> dict:
    request = urllib.request.Request(url, data=urlencode(form).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", **headers})
    try:
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{error.code}: {error.read()!r}") from None


SCENARIO = [
    create_authorization_server,
    create_scope,
    create_claim,
    create_oidc_app,
    rename_app,
    create_group,
    assign_group_to_app,
    create_user_in_group,
    create_policy,
    create_rule,
    token_carries_claim_and_lifetime,
    policy_and_rule_lifecycle,
    rotate_server_keys,
    deactivate_and_delete_app,
]


def test_okta_sdk_onboards_an_api_and_an_oidc_app(sdk, live_castellan):
    state = {"base_url": live_castellan}
    for step in SCENARIO:
        step(sdk, state)
    systemlog.flush()
    logged = set(LogEvent.objects.values_list("event_type", flat=True))
    assert {"oauth2.as.created", "oauth2.scope.created", "oauth2.claim.created", "policy.lifecycle.create",
            "policy.rule.add", "policy.rule.deactivate", "policy.rule.activate", "policy.lifecycle.deactivate",
            "policy.lifecycle.activate", "app.oauth2.client.lifecycle.create", "group.lifecycle.create",
            "group.user_membership.add", "group.application_assignment.add", "app.oauth2.as.key.rollover",
            "app.oauth2.client.lifecycle.delete"} <= logged
