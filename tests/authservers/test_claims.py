"""Claims: naming rules, value checks, evaluation (pure), services and the seeded system claims."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from authservers.claim_services import claim_create, claim_delete, claim_update
from authservers.claims import (
    DEFAULT_SUB_EXPRESSION,
    OIDC_IDENTITY_CLAIMS,
    TOO_MANY_GROUPS,
    ClaimEvaluationFailed,
    claim_name_problem,
    compile_claim,
    evaluate_claims,
    preview_claims,
    value_problem,
)
from authservers.expressions import EvaluationContext
from authservers.models import Claim, LogEvent
from authservers.presenters import claim_to_okta
from authservers.services import ServiceError, authserver_create


def _claim(name="team", value="app.profile.team", *, claim_type="RESOURCE", value_type="EXPRESSION",
           group_filter_type=None, scopes=(), system=False):
    return compile_claim(name=name, claim_type=claim_type, value_type=value_type, value=value,
                         group_filter_type=group_filter_type, conditions_scopes=scopes, system=system)


CONTEXT = EvaluationContext(app={"id": "0oa1", "clientId": "svc", "profile": {"team": "payments"}},
                            access={"scope": ["orders:read"]}, org={"name": "Acme", "subDomain": "acme"})


# --- names and values (pure) ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "ver", "cid", "client_id",
                                  "uid", "scp", "auth_time", "nonce", "at_hash", "c_hash", "amr", "idp", "cnf",
                                  "typ", "acr", "sid", "token_type", "username", "scope", "idp_iss"])
def test_reserved_claim_names_are_refused(name):
    assert "reserved claim name" in claim_name_problem(name)


@pytest.mark.parametrize("name", ["groups", "team", "department", "https://example.com/role"])
def test_ordinary_names_and_groups_are_allowed(name):
    assert claim_name_problem(name) is None


@pytest.mark.parametrize("name", ["", " ", "two words", "x" * 101])
def test_blank_spaced_or_long_names_are_refused(name):
    assert claim_name_problem(name)


def test_expression_syntax_error_names_the_position():
    assert value_problem("EXPRESSION", "app.profile.team +", None).endswith("at position 18.")
    assert "position" in value_problem("EXPRESSION", "String.nope(user.email)", None)
    assert value_problem("EXPRESSION", "String.toUpperCase(app.clientId)", None) is None


def test_groups_claim_value_checks():
    assert value_problem("GROUPS", "Admins", "STARTS_WITH") is None
    assert "blank" in value_problem("GROUPS", "", "EQUALS")
    assert "group filter" in value_problem("GROUPS", "x", None)
    assert "Nested quantifiers" in value_problem("GROUPS", "(a+)+", "REGEX")
    assert "Invalid regular expression" in value_problem("GROUPS", "(", "REGEX")
    assert value_problem("GROUPS", "Admin.*", "REGEX") is None


# --- evaluation (pure) ------------------------------------------------------------------------

def test_resource_claims_evaluate_against_the_context():
    claims = [_claim(), _claim("org", "org.subDomain"), _claim("id_only", "app.clientId", claim_type="IDENTITY")]
    assert evaluate_claims(claims, CONTEXT, ["orders:read"], "RESOURCE") == {"team": "payments", "org": "acme"}


def test_null_values_are_left_out():
    assert evaluate_claims([_claim("nothing", "app.profile.missing")], CONTEXT, [], "RESOURCE") == {}


def test_scope_conditions_decide_whether_a_claim_is_emitted():
    claims = [_claim(scopes=["orders:write"]), _claim("any", "'x'")]
    assert evaluate_claims(claims, CONTEXT, ["orders:read"], "RESOURCE") == {"any": "x"}
    assert evaluate_claims(claims, CONTEXT, ["orders:write"], "RESOURCE") == {"team": "payments", "any": "x"}


def test_runtime_failure_raises_server_error_with_okta_text():
    with pytest.raises(ClaimEvaluationFailed) as caught:
        evaluate_claims([_claim("boom", "String.substring(app.clientId, 5, 1)")], CONTEXT, [], "RESOURCE")
    assert caught.value.error == "server_error" and caught.value.status_code == 500
    assert caught.value.description == "The 'boom' user claim could not be evaluated."
    assert caught.value.reason


def test_failing_system_claim_says_system_claim():
    with pytest.raises(ClaimEvaluationFailed) as caught:
        evaluate_claims([_claim("sub", "Convert.toInt('x')", system=True)], CONTEXT, [], "RESOURCE")
    assert caught.value.description == "The 'sub' system claim could not be evaluated."


def test_groups_claim_matches_names_and_is_capped_at_100():
    groups = [{"id": f"00g{n}", "name": f"Admins-{n}", "type": "OKTA_GROUP"} for n in range(101)]
    context = EvaluationContext(groups=groups[:3] + [{"id": "x", "name": "Users", "type": "OKTA_GROUP"}])
    claim = _claim("groups", "admins", value_type="GROUPS", group_filter_type="STARTS_WITH")
    assert evaluate_claims([claim], context, [], "RESOURCE") == {"groups": ["Admins-0", "Admins-1", "Admins-2"]}
    regex = _claim("groups", "Admins-[12]", value_type="GROUPS", group_filter_type="REGEX")
    assert evaluate_claims([regex], context, [], "RESOURCE") == {"groups": ["Admins-1", "Admins-2"]}
    with pytest.raises(ClaimEvaluationFailed) as caught:
        evaluate_claims([claim], EvaluationContext(groups=groups), [], "RESOURCE")
    assert caught.value.description == TOO_MANY_GROUPS


def test_groups_claim_without_groups_is_left_out():
    claim = _claim("groups", ".*", value_type="GROUPS", group_filter_type="REGEX")
    assert evaluate_claims([claim], CONTEXT, [], "RESOURCE") == {}


def test_preview_reports_values_and_errors_without_raising():
    claims = [_claim(), _claim("boom", "Convert.toInt('x')")]
    emitted, report = preview_claims(claims, CONTEXT, [], "RESOURCE")
    assert emitted == {"team": "payments"}
    assert report[0] == {"name": "team", "claimType": "RESOURCE", "value": "payments"}
    assert report[1]["error"]["error_description"] == "The 'boom' user claim could not be evaluated."


# --- seeding, services ------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_new_server_gets_the_system_claims(other_authserver):
    claims = {(c.name, c.claim_type): c for c in other_authserver.claims.all()}
    sub = claims[("sub", "RESOURCE")]
    assert (sub.value_type, sub.value, sub.system) == ("EXPRESSION", DEFAULT_SUB_EXPRESSION, True)
    for name, scope in OIDC_IDENTITY_CLAIMS.items():
        claim = claims[(name, "IDENTITY")]
        assert (claim.value_type, claim.system, claim.conditions_scopes) == ("SYSTEM", True, [scope])
    assert len(claims) == 1 + 18


@pytest.mark.django_db
def test_data_migration_seeds_system_claims_on_existing_servers():
    server = authserver_create(name="Old", audiences=["api://old"])
    Claim.objects.filter(server=server).delete()
    executor = MigrationExecutor(connection)
    migration = executor.loader.get_migration("authservers", "0004_claims")
    state = executor.loader.project_state(("authservers", "0004_claims"))
    migration.operations[-1].code(state.apps, connection.schema_editor())
    assert server.claims.count() == 19
    assert server.claims.get(name="sub").value == DEFAULT_SUB_EXPRESSION
    migration.operations[-1].code(state.apps, connection.schema_editor())  # idempotent
    assert server.claims.count() == 19


@pytest.mark.django_db
def test_claim_create_validates_and_logs(authserver, scope):
    claim = claim_create(server=authserver, name="team", claim_type="RESOURCE", value="app.profile.team",
                         conditions_scopes=["orders:read"], always_include_in_token=False)
    assert claim.id.startswith("ocl") and len(claim.id) == 20
    assert claim.always_include_in_token is True  # Okta: RESOURCE claims always are
    assert LogEvent.objects.filter(event_type="oauth2.claim.created").exists()
    with pytest.raises(ServiceError) as caught:
        claim_create(server=authserver, name="team", claim_type="RESOURCE", value="'x'")
    assert caught.value.field == "name" and "already exists" in caught.value.message
    # The same name for the other token type is a different claim.
    claim_create(server=authserver, name="team", claim_type="IDENTITY", value="'x'")


@pytest.mark.django_db
@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"name": "iss"}, "name", "reserved"),
    ({"value": "app.profile.team +"}, "value", "at position 18"),
    ({"value_type": "GROUPS", "value": "x"}, "group_filter_type", "group filter"),
    ({"value_type": "GROUPS", "value": "(a|aa)*", "group_filter_type": "REGEX"}, "value", "Alternatives"),
    ({"value_type": "SYSTEM"}, "valueType", "EXPRESSION or GROUPS"),
    ({"conditions_scopes": ["nope"]}, "conditions", "Unknown scopes: nope"),
])
def test_claim_create_refuses_bad_input_in_plain_words(authserver, kwargs, field, words):
    arguments = {"name": "team", "claim_type": "RESOURCE", "value": "app.profile.team", **kwargs}
    with pytest.raises(ServiceError) as caught:
        claim_create(server=authserver, **arguments)
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.django_db
def test_system_claims_are_immutable_except_the_sub_value(authserver):
    sub = authserver.claims.get(name="sub")
    claim_update(claim=sub, value="app.clientId + '@svc'")
    assert Claim.objects.get(pk=sub.pk).value == "app.clientId + '@svc'"
    with pytest.raises(ServiceError):
        claim_update(claim=sub, value="app.clientId +")
    with pytest.raises(ServiceError):
        claim_update(claim=sub, status="INACTIVE")
    with pytest.raises(ServiceError):
        claim_update(claim=authserver.claims.get(name="email"), value="user.email")
    with pytest.raises(ServiceError):
        claim_delete(claim=sub)
    assert LogEvent.objects.filter(event_type="oauth2.claim.updated").count() == 1


@pytest.mark.django_db
def test_claim_update_and_delete(authserver):
    claim = claim_create(server=authserver, name="team", claim_type="RESOURCE", value="'a'")
    claim = claim_update(claim=claim, value="'b'", status="INACTIVE")
    assert (claim.value, claim.status) == ("'b'", "INACTIVE")
    with pytest.raises(ServiceError):
        claim_update(claim=claim, name="jti")
    claim_delete(claim=claim)
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert LogEvent.objects.filter(event_type="oauth2.claim.deleted").exists()


@pytest.mark.django_db
def test_claim_to_okta_follows_the_oauth2claim_schema(authserver):
    claim = claim_create(server=authserver, name="groups", claim_type="IDENTITY", value_type="GROUPS",
                         value="Admins", group_filter_type="STARTS_WITH", always_include_in_token=False)
    body = claim_to_okta(claim)
    assert body["group_filter_type"] == "STARTS_WITH"
    assert {k: body[k] for k in ("name", "status", "claimType", "valueType", "value", "alwaysIncludeInToken",
                                  "conditions", "system")} == {
        "name": "groups", "status": "ACTIVE", "claimType": "IDENTITY", "valueType": "GROUPS", "value": "Admins",
        "alwaysIncludeInToken": False, "conditions": {"scopes": []}, "system": False}
    assert body["_links"]["self"]["hints"]["allow"] == ["GET", "PUT", "DELETE"]
    assert "group_filter_type" not in claim_to_okta(authserver.claims.get(name="sub"))
