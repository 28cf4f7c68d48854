"""A rich evaluation context and an `ev` helper for the expression-language tests (no database)."""

from datetime import UTC, datetime

import pytest

from authservers.expressions import EvaluationContext, compile_expression

NOW = datetime(2015, 7, 31, 17, 18, 37, 979000, tzinfo=UTC)

GROUPS = [
    {"id": "00g0everyone", "name": "Everyone", "type": "BUILT_IN"},
    {"id": "00g1west", "name": "West Coast Users", "type": "OKTA_GROUP"},
    {"id": "00g2eng", "name": "Eng-Platform", "type": "OKTA_GROUP"},
    {"id": "00g3sales", "name": "Sales-EMEA", "type": "OKTA_GROUP"},
    {"id": "00g4ad", "name": "AD-Admins", "type": "APP_GROUP", "source": "active_directory"},
    {"id": "00g5app", "name": "Eastern-Region", "type": "APP_GROUP", "source": "0oa13c5hnZFqZsoS00g4"},
]


def make_context(**overrides) -> EvaluationContext:
    values = dict(
        user={
            "id": "00u1abcd", "status": "ACTIVE", "login": "ada@example.com", "email": "Ada@Example.com",
            "firstName": "Ada", "lastName": "Lovelace", "department": "Engineering", "age": 36,
            "nickname": "", "costCenter": None, "languages": ["en", "fr"], "manager": {"login": "charles"},
        },
        groups=[dict(g) for g in GROUPS],
        appuser={"userName": "ada@example.com"},
        app={"id": "0oa1app", "clientId": "client-123", "profile": {"tier": "gold", "regions": ["eu", "us"]}},
        access={"scope": ["openid", "profile", "email"]},
        org={"name": "Acme", "subDomain": "acme"},
        now=NOW,
    )
    values.update(overrides)
    return EvaluationContext(**values)


@pytest.fixture
def context() -> EvaluationContext:
    return make_context()


@pytest.fixture
def ev(context):
    """`ev(source)` compiles and evaluates against the rich context (or one passed in)."""

    def evaluate(source: str, ctx: EvaluationContext | None = None):
        return compile_expression(source).evaluate(ctx if ctx is not None else context)

    return evaluate
