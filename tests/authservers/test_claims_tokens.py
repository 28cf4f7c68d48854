"""RESOURCE claims in client-credentials access tokens, introspection, Token Preview and discovery."""

import json
import re
import time

import pytest
from jwcrypto import jwk, jwt

from authservers.claim_services import claim_create, claim_update
from authservers.models import LogEvent, Org
from authservers.selectors import server_snapshot
from policies.preview import preview_token
from tests.helpers import basic_auth_header, endpoint, post_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_client(make_client):
    """A service app whose profile carries a team (`app.profile.team`)."""
    return make_client(label="payments-service", profile={"team": "payments", "tier": 2, "big": "x" * 3000})


def request_token(client, registered, scope="orders:read"):
    return post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": scope},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))


def verified_claims(client, token: str) -> dict:
    keys = jwk.JWKSet.from_json(client.get(endpoint("keys")).content)
    return json.loads(jwt.JWT(jwt=token, key=keys, algs=["RS256"]).claims)


def token_claims(client, registered, scope="orders:read") -> dict:
    response = request_token(client, registered, scope)
    assert response.status_code == 200, response.content
    return verified_claims(client, response.json()["access_token"])


def assert_server_error(response, description: str | None = None) -> dict:
    """Okta's 500 `server_error`, as JSON and never cached."""
    body = response.json()
    assert response.status_code == 500, body
    assert response["Cache-Control"] == "no-store"
    assert body["error"] == "server_error"
    if description is not None:
        assert body["error_description"] == description
    return body


def add_claim(server, name, value, **kwargs):
    return claim_create(server=server, name=name, claim_type="RESOURCE", value=value, **kwargs)


def test_resource_claim_from_the_app_profile_is_in_the_token(client, authserver, scope, team_client):
    add_claim(authserver, "team", "app.profile.team")
    add_claim(authserver, "tier", "app.profile.tier")
    add_claim(authserver, "org", "org.subDomain + ':' + Arrays.toCsvString(access.scope)")

    claims = token_claims(client, team_client)

    assert claims["team"] == "payments" and claims["tier"] == 2
    assert claims["org"] == f"{Org.get().subdomain}:orders:read"
    assert claims["sub"] == team_client.client_id


def test_custom_claims_are_returned_by_introspection(client, authserver, scope, team_client):
    add_claim(authserver, "team", "app.profile.team")
    token = request_token(client, team_client).json()["access_token"]

    response = post_form(client, endpoint("introspect"), {"token": token},
                         HTTP_AUTHORIZATION=basic_auth_header(team_client.client_id, team_client.secret))

    assert response.json()["active"] is True
    assert response.json()["team"] == "payments"


def test_scope_condition_limits_the_claim_to_tokens_with_that_scope(client, authserver, scope, team_client):
    from tests.factories import ScopeFactory

    ScopeFactory(server=authserver, name="orders:write")
    add_claim(authserver, "team", "app.profile.team", conditions_scopes=["orders:write"])

    assert "team" not in token_claims(client, team_client, "orders:read")
    assert token_claims(client, team_client, "orders:read orders:write")["team"] == "payments"


def test_null_and_inactive_claims_are_left_out(client, authserver, scope, team_client):
    add_claim(authserver, "missing", "app.profile.nothing")
    add_claim(authserver, "off", "'x'", status="INACTIVE")

    claims = token_claims(client, team_client)

    assert "missing" not in claims and "off" not in claims


def test_groups_claim_without_a_user_is_left_out(client, authserver, scope, team_client):
    claim_create(server=authserver, name="groups", claim_type="RESOURCE", value_type="GROUPS", value=".*",
                 group_filter_type="REGEX")
    assert "groups" not in token_claims(client, team_client)


def test_runtime_failure_is_a_server_error_with_okta_text_and_an_event(client, authserver, scope, team_client):
    add_claim(authserver, "broken", "Convert.toInt(app.profile.team)")

    response = request_token(client, team_client)

    assert_server_error(response, "The 'broken' user claim could not be evaluated.")
    event = LogEvent.objects.get(event_type="app.oauth2.as.evaluate.claim")
    assert event.outcome_result == "FAILURE"
    assert event.debug_context["debugData"]["claimName"] == "broken"


def test_editing_the_sub_expression_changes_sub(client, authserver, scope, team_client):
    claim_update(claim=authserver.claims.get(name="sub"), value="app.profile.team + '/' + app.clientId")
    assert token_claims(client, team_client)["sub"] == f"payments/{team_client.client_id}"


def test_failing_sub_expression_says_system_claim(client, authserver, scope, team_client):
    claim_update(claim=authserver.claims.get(name="sub"), value="app.profile.nothing")
    assert_server_error(request_token(client, team_client), "The 'sub' system claim could not be evaluated.")


def set_token_size_limit(server, limit: int) -> None:
    server.token_size_limit = limit
    server.save()


def test_token_size_cap_names_the_claim_that_overflowed(client, authserver, scope, team_client):
    add_claim(authserver, "a_small", "'ok'")
    add_claim(authserver, "b_big", "app.profile.big")
    add_claim(authserver, "c_small", "'ok'")
    set_token_size_limit(authserver, 4096)

    response = request_token(client, team_client)

    body = assert_server_error(response)
    assert re.fullmatch(r"The access token would be \d+ bytes, more than the 4096 this server allows; "
                        r"the 'b_big' claim took it over the limit\.", body["error_description"])
    event = LogEvent.objects.get(event_type="app.oauth2.as.evaluate.claim")
    assert event.debug_context["debugData"]["claimName"] == "b_big"
    set_token_size_limit(authserver, 16000)
    assert request_token(client, team_client).status_code == 200


def test_token_too_big_without_custom_claims_says_so(client, authserver, scope, team_client):
    set_token_size_limit(authserver, 1024)
    add_claim(authserver, "a_small", "'ok'")
    claim_update(claim=authserver.claims.get(name="sub"), value="app.profile.big")

    body = assert_server_error(request_token(client, team_client))

    assert body["error_description"].endswith("more than the 1024 this server allows, even without custom claims.")


def test_default_token_size_limit_is_8_kb_and_bounded_by_what_the_endpoints_accept(authserver):
    from django.core.exceptions import ValidationError

    from authservers.models.servers import MAX_TOKEN_SIZE_LIMIT
    from authservers.oauth.access_tokens import MAX_TOKEN_LENGTH

    assert authserver.token_size_limit == 8192 and server_snapshot("default").token_size_limit == 8192
    assert MAX_TOKEN_SIZE_LIMIT == MAX_TOKEN_LENGTH
    for bad in (1023, MAX_TOKEN_LENGTH + 1):
        authserver.token_size_limit = bad
        with pytest.raises(ValidationError):
            authserver.full_clean()


def test_token_preview_lists_every_claim_and_errors_and_the_size(authserver, scope, team_client):
    add_claim(authserver, "team", "app.profile.team")
    add_claim(authserver, "broken", "Convert.toInt(app.profile.team)")

    result = preview_token(server_id="default", client_id=team_client.client_id, grant_type="client_credentials",
                           scopes=["orders:read"])

    access = result["tokens"]["access_token"]
    by_name = {entry["name"]: entry for entry in access["claims"]}
    assert by_name["sub"]["value"] == team_client.client_id
    assert by_name["team"] == {"name": "team", "claimType": "RESOURCE", "value": "payments"}
    assert by_name["broken"]["error"]["error_description"] == "The 'broken' user claim could not be evaluated."
    assert access["payload"]["team"] == "payments" and "broken" not in access["payload"]
    assert access["size"] > 0 and access["maxSize"] == 8192 and "sizeError" not in access
    assert result["tokens"]["id_token"] is None  # no user


def test_token_preview_reports_the_claim_that_overflowed(authserver, scope, team_client):
    add_claim(authserver, "b_big", "app.profile.big")
    set_token_size_limit(authserver, 2048)

    access = preview_token(server_id="default", client_id=team_client.client_id, grant_type="client_credentials",
                           scopes=["orders:read"])["tokens"]["access_token"]

    assert access["size"] > 2048 and access["maxSize"] == 2048
    assert access["sizeError"].endswith("more than the 2048 this server allows; the 'b_big' claim took it over "
                                        "the limit.")
    assert access["sizeError"] == (f"The access token would be {access['size']} bytes, more than the 2048 this "
                                   "server allows; the 'b_big' claim took it over the limit.")


def test_discovery_does_not_list_custom_claims(client, authserver, scope):
    add_claim(authserver, "team", "app.profile.team")
    for path in ("/oauth2/default/.well-known/openid-configuration",
                 "/oauth2/default/.well-known/oauth-authorization-server"):
        document = client.get(path).json()
        assert "team" not in json.dumps(document.get("claims_supported", []))


def test_server_without_custom_claims_builds_no_context(client, authserver, scope, team_client, monkeypatch):
    from authservers.oauth import issuance

    monkeypatch.setattr(issuance, "claims_context", lambda *args: pytest.fail("context built"))
    assert token_claims(client, team_client)["sub"] == team_client.client_id
    snapshot = server_snapshot("default")
    assert snapshot.sub_claim is None and snapshot.resource_claims == ()


@pytest.mark.django_db(transaction=True)
def test_claim_committed_by_another_process_reaches_the_token_endpoint_within_a_second(
        client, authserver, scope, team_client):
    from authservers import changefeed
    from tests.authservers.test_runtime_cache import _separate_connection, poll

    assert changefeed.feed_is_live()
    add_claim(authserver, "team", "app.profile.team")
    assert token_claims(client, team_client)["team"] == "payments"

    with _separate_connection() as other:
        other.execute("UPDATE authservers_claim SET value = %s WHERE server_id = 'default' AND name = 'team'",
                      ["'changed'"])
        other.execute("NOTIFY castellan_config, 'server:default'")
        other.commit()

    started = time.monotonic()
    assert poll(lambda: token_claims(client, team_client).get("team") == "changed", timeout=1.0)
    assert time.monotonic() - started < 1.0


@pytest.mark.django_db(transaction=True)
def test_warm_token_request_with_claims_runs_no_sql(client, authserver, scope, team_client,
                                                    django_assert_num_queries):
    from clients.selectors import client_snapshot
    from tests.authservers.test_runtime_cache import served_from_memory

    for n in range(20):
        add_claim(authserver, f"c{n:02d}", "String.toUpperCase(app.profile.team)")
    assert request_token(client, team_client).status_code == 200
    assert served_from_memory(lambda: (server_snapshot("default"), client_snapshot(team_client.client_id)))

    with django_assert_num_queries(0):
        response = request_token(client, team_client)

    assert verified_claims(client, response.json()["access_token"])["c19"] == "PAYMENTS"


def test_introspection_returns_the_custom_claims_of_a_users_access_token(signed_in, authserver, web_app):
    from .code_flow import exchange, get_code

    add_claim(authserver, "shout", "String.toUpperCase(user.email)")
    claim_create(server=authserver, name="team", claim_type="IDENTITY", value="'core'")
    token = exchange(signed_in, web_app, get_code(signed_in, web_app)).json()["access_token"]

    body = post_form(signed_in, endpoint("introspect"), {"token": token},
                     HTTP_AUTHORIZATION=basic_auth_header(web_app.client_id, web_app.secret)).json()

    assert body["active"] is True and body["username"] == "ada@example.com"
    assert body["shout"] == "ADA@EXAMPLE.COM"
    assert "team" not in body  # an IDENTITY claim is not in the access token, so not in its introspection


def test_id_token_over_the_size_limit_is_a_server_error_naming_the_claim(signed_in, authserver, web_app):
    from .code_flow import exchange, get_code

    claim_create(server=authserver, name="b_big", claim_type="IDENTITY", value="'" + "z" * 900 + "'")
    set_token_size_limit(authserver, 1500)

    body = assert_server_error(exchange(signed_in, web_app, get_code(signed_in, web_app)))

    assert re.fullmatch(r"The ID token would be \d+ bytes, more than the 1500 this server allows; "
                        r"the 'b_big' claim took it over the limit\.", body["error_description"])
    assert LogEvent.objects.filter(event_type="app.oauth2.as.evaluate.claim").exists()
