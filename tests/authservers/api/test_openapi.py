"""The OpenAPI document generated from the code, its docs page, and a schema-driven fuzz run.

The fuzz run (schemathesis) sends generated requests for every operation of our own document,
with a staff API token, through the WSGI app in this test's transaction; no answer may be a 5xx,
and every answer of an operation annotated with Okta's operation id must match what the document
declares for it. Path ids are real ones half the
time, so the requests reach past the 404s into validation and the services.
"""

import os
import re
import time

import hypothesis
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st
from jwcrypto import jwk
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from accounts.api_services import group_create, group_membership_set
from accounts.services import user_create
from authservers.models import Claim, Scope
from clients.credentials_services import client_jwk_create
from clients.services import client_assign
from policies.models import AccessPolicy
from tests import okta_schema
from tests.factories import ClientFactory
from tests.okta_schema import _subset

SCHEMA_URL = "/api/v1/openapi.json"
# Few examples per operation, derandomized, about 0.15 s each here: the run stays under a minute
# however many operations the API grows to (3 to 6 examples each).
TOTAL_EXAMPLES = 200
TIME_BUDGET_SECONDS = 60


def _operations(document: dict) -> dict[str, tuple[str, str, dict]]:
    return {op["operationId"]: (method.upper(), path, op) for path, item in document["paths"].items()
            for method, op in item.items() if isinstance(op, dict) and "operationId" in op}


@pytest.mark.django_db
def test_the_document_is_public_json_describing_every_api_view(anonymous_api):
    response = anonymous_api.get(SCHEMA_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/") and "json" in response["Content-Type"]
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) and all(path.startswith("/api/v1/") for path in document["paths"])
    assert document["components"]["securitySchemes"]["apiToken"] == {
        "type": "apiKey", "in": "header", "name": "Authorization",
        "description": "An API token, sent as `SSWS {token}` (`manage.py createapitoken`)."}
    for method, path, op in _operations(document).values():
        assert {"401", "403"} <= set(op["responses"]), (method, path)
        assert op["responses"]["401"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}


@pytest.mark.django_db
def test_operation_ids_and_success_codes_are_oktas(anonymous_api):
    ours = _operations(anonymous_api.get(SCHEMA_URL).json())
    declared = _subset()["operations"]
    mine = [op for op in ours if op.startswith(("listOAuth2", "createOAuth2", "getOAuth2", "replaceOAuth2",
                                                "deleteOAuth2"))
            or "AuthorizationServer" in op]
    assert len(mine) >= 34
    for operation_id in mine:
        assert operation_id in declared, f"{operation_id} is not one of Okta's operation ids"
    for operation_id, (_method, _path, op) in ours.items():
        if operation_id not in declared:
            continue
        success = {int(code) for code in op["responses"] if code.startswith("2")}
        okta_success = {code for code in declared[operation_id] if 200 <= code < 300}
        assert success == okta_success, operation_id


# Operations Okta's API has no counterpart for: annotated with a camelCase id of Castellan's own.
CASTELLAN_ONLY_OPERATIONS: set[str] = set()


def _spec_operation_ids() -> dict[tuple[str, str], str]:
    """(METHOD, path) to operationId for every operation in Okta's spec."""
    ids, path, method = {}, None, None
    for line in okta_schema._lines():
        if match := re.match(r"^  (/\S+):$", line):
            path = match.group(1)
        elif match := re.match(r"^    (get|post|put|patch|delete):$", line):
            method = match.group(1).upper()
        elif (match := re.match(r"^      operationId: (\w+)$", line)) and path and method:
            ids[(method, path)] = match.group(1)
    return ids


def test_generating_the_document_emits_no_warnings_or_errors():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert not problems, problems


@pytest.mark.django_db
def test_every_operation_has_oktas_operation_id(anonymous_api):
    document = anonymous_api.get(SCHEMA_URL).json()
    ours = _operations(document)
    unnamed = [f"{method.upper()} {path}" for path, item in document["paths"].items()
               for method, op in item.items() if isinstance(op, dict) and "_" in op.get("operationId", "_")]
    assert not unnamed, f"not annotated with an operation id (drf-spectacular made one up): {unnamed}"
    declared = _subset()["operations"]
    assert {"listApplications", "createUser", "addGroup", "assignUserToGroup", "listOAuth2ClientSecrets",
            "addJwk", "listLogEvents", "rotateAuthorizationServerKeys"} <= set(ours)
    assert set(ours) <= set(declared) | CASTELLAN_ONLY_OPERATIONS, sorted(set(ours) - set(declared))
    if not okta_schema.SPEC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{okta_schema.SPEC} is missing in CI")
        pytest.skip(f"{okta_schema.SPEC} is not beside this clone")
    okta_ids = _spec_operation_ids()
    for operation_id, (method, path, _op) in ours.items():
        assert okta_ids.get((method, path), operation_id) == operation_id, (method, path)


@pytest.mark.django_db
def test_paths_read_as_in_oktas_spec(anonymous_api):
    if not okta_schema.SPEC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{okta_schema.SPEC} is missing in CI")
        pytest.skip(f"{okta_schema.SPEC} is not beside this clone")
    ours = _operations(anonymous_api.get(SCHEMA_URL).json())
    for operation_id in _subset()["operations"]:
        if operation_id in ours:
            method, path, _op = ours[operation_id]
            assert (method, path) == okta_schema.spec_operation(operation_id), operation_id


@pytest.mark.django_db
def test_the_shapes_we_document_carry_oktas_property_names(anonymous_api):
    schemas = anonymous_api.get(SCHEMA_URL).json()["components"]["schemas"]
    okta = _subset()["schemas"]
    for name in ("AuthorizationServer", "OAuth2Scope", "OAuth2Claim", "AuthorizationServerPolicy",
                 "AuthorizationServerPolicyRule", "AuthorizationServerJsonWebKey", "Error",
                 "OpenIdConnectApplication", "OpenIdConnectApplicationSettingsClient",
                 "ApplicationCredentialsOAuthClient", "AppUser", "ApplicationGroupAssignment", "User", "Group",
                 "OktaUserGroupProfile", "OAuth2ClientSecret", "LogEvent"):
        documented = set(schemas[name]["properties"])
        # Castellan's EC keys add crv/x/y; claims carry Okta's example-only apiResourceId.
        extra = documented - set(okta[name]) - {"crv", "x", "y", "apiResourceId"}
        assert not extra, (name, sorted(extra))


@pytest.mark.django_db
def test_the_docs_page_uses_only_local_assets(anonymous_api):
    response = anonymous_api.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert SCHEMA_URL in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not [src for src in sources if src.startswith(("http:", "https:", "//"))], sources
    for src in sources:
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src


@pytest.fixture
def real_ids(authserver, scope, staff_user) -> dict[str, list[str]]:
    policy = AccessPolicy.objects.get(server=authserver)
    app = ClientFactory()
    user = user_create(login="fuzzed@example.com", email="fuzzed@example.com", password=None)
    group = group_create(name="Fuzzed")
    group_membership_set(group=group, user=user, member=True)
    client_assign(client=app, users=[user], groups=[group])
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid="fuzzed-key")
    client_jwk = client_jwk_create(client=app, data=key.export_public(as_dict=True))
    return {
        "appId": [app.id],
        "id": [user.id, user.login],
        "userId": [user.id],
        "groupId": [group.id],
        "secretId": list(app.secrets.values_list("pk", flat=True)),
        "keyId": [client_jwk.id, *authserver.signing_keys.values_list("kid", flat=True)],
        "authServerId": ["default"],
        "scopeId": [scope.id, Scope.objects.get(server=authserver, name="openid").id],
        "claimId": [Claim.objects.get(server=authserver, name="sub").id],
        "policyId": [policy.id],
        "ruleId": [policy.rules.get().id],
    }


def _fuzz(operation, *, examples: int, headers: dict, real_ids: dict, checks: list) -> None:
    @hypothesis.settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    @hypothesis.given(case=operation.as_strategy(), data=st.data())
    def run(case, data):
        for name in case.path_parameters:
            if name in real_ids and data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(real_ids[name]), label=name)
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    run()


@pytest.fixture
def wsgi_app():
    """Django's WSGI app, keeping the test's connection open as Django's test client does (the app
    would otherwise close it after each request, and with it the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_no_operation_answers_a_server_error(api_token, real_ids, wsgi_app):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app)
    headers = {"Authorization": f"SSWS {api_token}"}
    # Deletes last, so the other operations meet the real objects before they are gone.
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda operation: (operation.method.upper() == "DELETE", operation.label))
    examples = max(3, min(6, TOTAL_EXAMPLES // len(operations)))
    started, ran = time.monotonic(), 0
    for operation in operations:
        # Every operation: no 5xx. Operations annotated with Okta's operation id (camelCase; drf-spectacular's
        # own ids are snake_case): also no status or body the document does not declare.
        checks = [not_a_server_error]
        if "_" not in operation.definition.raw.get("operationId", "_"):
            checks += [status_code_conformance, response_schema_conformance]

        _fuzz(operation, examples=examples, headers=headers, real_ids=real_ids, checks=checks)
        ran += 1
        assert time.monotonic() - started < TIME_BUDGET_SECONDS, f"the fuzz run took too long after {ran} operations"
    assert ran >= 34


@pytest.mark.django_db
def test_the_fuzz_run_catches_a_server_error(api_token, real_ids, wsgi_app, monkeypatch):
    from authservers.api import claims

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(claims, "paged", broken)
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app)
    [operation] = [result.ok() for result in schema.get_all_operations()
                   if result.ok().label == "GET /api/v1/authorizationServers/{authServerId}/claims"]
    with pytest.raises(BaseExceptionGroup, match="Server error"):
        _fuzz(operation, examples=3, headers={"Authorization": f"SSWS {api_token}"}, real_ids=real_ids,
              checks=[not_a_server_error])
