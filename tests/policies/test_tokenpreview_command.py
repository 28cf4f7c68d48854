"""`manage.py tokenpreview`: what a request would get and why, as JSON; nothing issued; failures exit 1."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.services import user_create
from authservers.models import LogEvent, ServerStatus
from authservers.services import authserver_create
from clients.models import ClientStatus
from policies.evaluation import POLICY_EVALUATION_FAILED
from policies.services import policy_create, policy_set_status, rule_create, rule_update
from tests.helpers import basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db


def preview(*args) -> tuple[dict, str]:
    """Run tokenpreview --json; it must succeed (exit 0). Returns the parsed JSON and stderr."""
    out, err = StringIO(), StringIO()
    call_command("tokenpreview", *args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def preview_failing(*args, as_json=True) -> tuple[CommandError, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("tokenpreview", *args, *(["--json"] if as_json else []), stdout=out, stderr=err)
    assert excinfo.value.returncode == 1
    return excinfo.value, out.getvalue(), err.getvalue()


def cc_args(registered, *scopes, server="default"):
    return ["--server", server, "--client", registered.client_id, "--grant-type", "client_credentials",
            "--scopes", *scopes]


@pytest.fixture
def default_rule(authserver):
    return authserver.policies.get().rules.get()


def test_granted_preview_has_decision_trace_and_tokens(authserver, scope, service_client, default_rule):
    rule_update(rule=default_rule, access_token_lifetime_minutes=15, refresh_token_lifetime_minutes=120,
                refresh_token_window_minutes=60)
    policy = default_rule.policy

    result, err = preview(*cc_args(service_client, "orders:read"))

    assert err == ""
    assert set(result) == {"decision", "trace", "tokens", "error"}
    assert result["error"] is None
    assert result["decision"] == {
        "policy": {"id": policy.pk, "name": "Default Policy"},
        "rule": {"id": default_rule.pk, "name": "Default Policy Rule"},
        "scopes": ["orders:read"],
        "accessTokenLifetimeSeconds": 900,
        "refreshTokenLifetimeSeconds": 7200,
        "refreshTokenIdleWindowSeconds": 3600,
    }
    assert result["trace"] == [{"policy": policy.pk, "name": "Default Policy", "outcome": "matched",
                                "rules": [{"rule": default_rule.pk, "name": "Default Policy Rule",
                                           "outcome": "matched"}]}]
    assert set(result["tokens"]) == {"access_token", "id_token", "refresh_token"}
    assert result["tokens"]["id_token"] is None and result["tokens"]["refresh_token"] is None
    access = result["tokens"]["access_token"]
    assert set(access) == {"header", "payload", "size", "maxSize", "claims"}
    assert access["claims"] == [{"name": "sub", "claimType": "RESOURCE", "value": service_client.client_id}]
    assert access["header"] == {"kid": authserver.signing_keys.get(status="ACTIVE").kid, "alg": "RS256",
                                "typ": "at+jwt"}
    payload = access["payload"]
    assert payload["exp"] - payload["iat"] == 900
    assert payload["scp"] == ["orders:read"]
    assert payload["cid"] == payload["sub"] == service_client.client_id
    assert payload["iss"].endswith("/oauth2/default") and payload["aud"] == "api://default"
    assert isinstance(access["size"], int) and access["size"] > 300


def test_unlimited_refresh_is_null(authserver, scope, service_client):
    result, _ = preview(*cc_args(service_client, "orders:read"))
    assert result["decision"]["refreshTokenLifetimeSeconds"] is None
    assert result["decision"]["refreshTokenIdleWindowSeconds"] == 10080 * 60


def test_preview_issues_and_records_nothing(authserver, scope, service_client):
    before = LogEvent.objects.count()
    preview(*cc_args(service_client, "orders:read"))
    assert LogEvent.objects.count() == before
    assert not LogEvent.objects.filter(event_type__startswith="app.oauth2.as.token").exists()


def test_denial_is_a_successful_run_with_the_clients_error_and_the_trace(authserver, scope, service_client,
                                                                        default_rule):
    rule_update(rule=default_rule, grant_types=["authorization_code"])

    result, err = preview(*cc_args(service_client, "orders:read"))

    assert err == ""
    assert result["decision"] is None and result["tokens"] is None
    assert result["error"] == {"error": "access_denied", "error_description": POLICY_EVALUATION_FAILED,
                               "status": 401, "reason": "no_matching_policy"}
    (policy_entry,) = result["trace"]
    assert policy_entry["outcome"] == "no_matching_rule"
    assert policy_entry["rules"] == [{"rule": default_rule.pk, "name": "Default Policy Rule",
                                      "outcome": "no_match", "failed": "grant_type"}]


def test_trace_explains_every_policy_passed_over(authserver, scope, service_client, make_client):
    other = make_client(label="someone-else")
    inactive = policy_create(server=authserver, name="Off", priority=1)
    policy_set_status(policy=inactive, active=False)
    elsewhere = policy_create(server=authserver, name="Others", clients=[other.client_id], priority=2)
    narrow = policy_create(server=authserver, name="Narrow", priority=3)
    narrow_rule = rule_create(policy=narrow, name="Write only", grant_types=["client_credentials"],
                              scopes=["orders:write"])

    result, _ = preview(*cc_args(service_client, "orders:read"))

    assert [(entry["name"], entry["outcome"], entry.get("reason")) for entry in result["trace"]] == [
        ("Off", "skipped", "inactive"), ("Others", "skipped", "client_not_included"),
        ("Narrow", "no_matching_rule", None), ("Default Policy", "matched", None)]
    assert result["trace"][0]["policy"] == inactive.pk and result["trace"][1]["policy"] == elsewhere.pk
    assert result["trace"][2]["rules"] == [{"rule": narrow_rule.pk, "name": "Write only", "outcome": "no_match",
                                            "failed": "scopes"}]
    assert result["decision"]["policy"]["name"] == "Default Policy"


def test_scope_errors_on_a_server_without_policy_come_first(service_client):
    server = authserver_create(name="Orders API", audiences=["api://orders"])
    result, _ = preview(*cc_args(service_client, "openid", server=server.pk))
    # openid with client credentials is refused before policy, like at /token
    assert result["error"]["error"] == "invalid_scope"
    result, _ = preview("--server", server.pk, "--client", service_client.client_id, "--grant-type",
                        "client_credentials")  # no scopes and no default scopes
    assert result["error"]["error"] == "invalid_scope"


def test_new_server_without_policy_denies_a_known_scope(service_client):
    from authservers.services import scope_create

    server = authserver_create(name="Orders API", audiences=["api://orders"])
    scope_create(server=server, name="orders:read")
    result, _ = preview(*cc_args(service_client, "orders:read", server=server.pk))
    assert result["error"]["error"] == "access_denied"
    assert result["error"]["reason"] == "no_matching_policy"
    assert result["trace"] == []


@pytest.mark.parametrize(("scopes", "error", "status"), [
    (["orders:nope"], "invalid_scope", 400),
    ([], "invalid_scope", 400),  # `default` has no default scopes
])
def test_scope_errors_come_before_policy(authserver, scope, service_client, scopes, error, status):
    result, _ = preview(*cc_args(service_client, *scopes))
    assert result["error"]["error"] == error and result["error"]["status"] == status
    assert "reason" not in result["error"]
    assert result["trace"] == [] and result["decision"] is None and result["tokens"] is None


def test_client_not_allowed_the_grant_type_gets_unauthorized_client(authserver, scope, make_client):
    registered = make_client(grant_types=["authorization_code"], redirect_uris=["https://app.example/cb"],
                             application_type="web")
    result, _ = preview(*cc_args(registered, "orders:read"))
    assert result["error"]["error"] == "unauthorized_client"


def test_inactive_client_gets_invalid_client(authserver, scope, service_client):
    service_client.model.status = ClientStatus.INACTIVE
    service_client.model.save()
    result, _ = preview(*cc_args(service_client, "orders:read"))
    assert result["error"]["error"] == "invalid_client" and result["error"]["status"] == 401


def test_inactive_server_previews_the_exact_error_the_token_endpoint_gives(client, authserver, scope,
                                                                          service_client):
    """The issue: the preview shows "the exact error a client would get"."""
    authserver.status = ServerStatus.INACTIVE
    authserver.save()
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=basic_auth_header(service_client.client_id, service_client.secret))
    assert response.status_code == 404
    endpoint_error = {name: value for name, value in response.json().items() if name != "errorId"}

    result, _ = preview(*cc_args(service_client, "orders:read"))

    assert result["error"]["status"] == 404
    assert {name: value for name, value in result["error"].items() if name not in ("errorId", "status")} == \
        endpoint_error


def test_unknown_server_exits_1_with_an_okta_error_on_stderr(service_client):
    _error, out, err = preview_failing(*cc_args(service_client, "orders:read", server="nope"))
    assert out == ""
    body = json.loads(err)
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: nope (AuthorizationServer)"


def test_unknown_server_without_json_is_a_sentence(service_client):
    error, _out, _err = preview_failing(*cc_args(service_client, "orders:read", server="nope"), as_json=False)
    assert str(error) == "Not found: Resource not found: nope (AuthorizationServer)"


def test_unknown_client_exits_1(authserver):
    _, _, err = preview_failing("--server", "default", "--client", "0oaNobody", "--grant-type",
                                "client_credentials", "--scopes", "orders:read")
    body = json.loads(err)
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: 0oaNobody (Client)"


def test_user_with_client_credentials_is_refused(authserver, scope, service_client):
    user_create(login="alice@example.com", email="alice@example.com", password=None)
    _, out, err = preview_failing(*cc_args(service_client, "orders:read"), "--user", "alice@example.com")
    assert out == ""
    body = json.loads(err)
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == "Api validation failed: user"
    assert [cause["errorSummary"] for cause in body["errorCauses"]] == [
        "user: A client_credentials request has no user; leave the user out."]


def test_human_output_names_the_rule_and_the_lifetime(authserver, scope, service_client):
    out, err = StringIO(), StringIO()
    call_command("tokenpreview", *cc_args(service_client, "orders:read"), stdout=out, stderr=err)
    text = out.getvalue()
    assert "Granted by rule 'Default Policy Rule' of policy 'Default Policy'" in text
    assert "access token 3600 s" in text
    assert '"scp"' in text


def test_human_output_of_a_denial_shows_the_error_and_the_failed_condition(authserver, scope, service_client,
                                                                          default_rule):
    rule_update(rule=default_rule, scopes=["orders:write"])
    out = StringIO()
    call_command("tokenpreview", *cc_args(service_client, "orders:read"), stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "(failed: scopes)" in text
    assert f"The client would get HTTP 401 access_denied: {POLICY_EVALUATION_FAILED}" in text
