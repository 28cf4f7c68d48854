"""Evaluator: operators with SpEL semantics, null handling, context access, safety and cost bounds."""

import time

import pytest

from authservers.expressions import (
    EvaluationContext,
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    compile_expression,
)
from authservers.expressions.limits import MAX_REGEX_INPUT, MAX_STRING_LENGTH

from .conftest import make_context

SUB_CLAIM = "(appuser != null) ? appuser.userName : app.clientId"


def test_sub_claim_is_the_login_with_a_user(ev):
    assert ev(SUB_CLAIM) == "ada@example.com"


def test_sub_claim_is_the_client_id_for_client_credentials(ev):
    assert ev(SUB_CLAIM, EvaluationContext(app={"clientId": "client-123"})) == "client-123"


OPERATOR_CASES = [
    # + : text when either side is text (null reads "null", as SpEL), else numbers
    ("'a' + 'b'", "ab"),
    ("user.firstName + ' ' + user.lastName", "Ada Lovelace"),
    ("'n' + 1", "n1"),
    ("1 + 'n'", "1n"),
    ("'v' + 1.5", "v1.5"),
    ("'v' + 1.0", "v1.0"),
    ("'v' + 1e7", "v1.0E7"),
    ("'v' + 0.0001", "v1.0E-4"),
    ("'v' + true", "vtrue"),
    ("null + 'x'", "nullx"),
    ("user.missing + '@x'", "null@x"),
    ("'x' + access.scope", "x[openid, profile, email]"),
    ("'x' + app.profile", "x{tier=gold, regions=[eu, us]}"),
    ("1 + 2", 3),
    ("1 + 2.5", 3.5),
    ("1 + 2 + 'x'", "3x"),
    ("'x' + 1 + 2", "x12"),
    ("5 - 3", 2),
    ("-user.age", -36),
    ("+1", 1),
    ("1 - -1", 2),
    # comparisons
    ("1 == 1", True),
    ("1 == 1.0", True),
    ("'a' == 'a'", True),
    ("'a' == 'A'", False),
    ("1 == '1'", False),
    ("true == 1", False),
    ("null == null", True),
    ("user.missing == null", True),
    ("null != user.login", True),
    ("{1, 2} == {1, 2.0}", True),
    ("{1, 2} == {2, 1}", False),
    ("app.profile == app.profile", True),
    ("{'a': 1} == {'a': 1}", True),
    ("1 != 2", True),
    ("2 > 1", True),
    ("2 >= 2", True),
    ("1 < 1.5", True),
    ("1 <= 0", False),
    ("'abc' < 'abd'", True),
    ("'B' < 'a'", True),
    ("false < true", True),
    ("null < 1", True),  # SpEL: null sorts before everything
    ("null > 'a'", False),
    ("null <= null", True),
    ("user.age > 18", True),
    # logic
    ("true AND false", False),
    ("true and true", True),
    ("false OR true", True),
    ("false || false", False),
    ("true && !false", True),
    ("!true", False),
    ("NOT false", True),
    ("false AND user.missing", False),  # short-circuit: the right side is never read
    ("true OR user.missing", True),
    ("false and 1/0".replace("1/0", "String.substring('a', 5, 6)"), False),
    # ternary and Elvis
    ("user.age > 18 ? 'adult' : 'minor'", "adult"),
    ("false ? 1 : true ? 2 : 3", 2),
    ("user.missing ?: 'default'", "default"),
    ("user.nickname ?: user.firstName", "Ada"),  # SpEL: Elvis treats '' like null
    ("user.firstName ?: 'x'", "Ada"),
    ("user.age ?: 0", 36),
    ("false ?: true", False),
    ("{} ?: 'x'", []),
    ("user.costCenter ?: user.missing ?: 'last'", "last"),
    # matches (whole text, like Java's String.matches)
    ("user.email matches '.*@Example\\.com'", True),
    ("user.email matches 'Ada'", False),
    ("user.email matches '(?i).*@EXAMPLE.com'", True),
    ("user.age matches '3[0-9]'", True),
    ("user.login matches app.profile.tier + '|ada@.*'", True),
    # literals and indexing
    ("{1, 2, 3}", [1, 2, 3]),
    ("{1, 'a', null, {true}}", [1, "a", None, [True]]),
    ("{'k': 'v', other: 1}", {"k": "v", "other": 1}),
    ("{:}", {}),
    ("{10, 20, 30}[1]", 20),
    ("{10, 20}[2]", None),
    ("{10, 20}[-1]", None),
    ("access.scope[0]", "openid"),
    ("app.profile['tier']", "gold"),
    ("app.profile['missing']", None),
    ("user.missing[0]", None),
    ("'abc'[1]", "b"),
    ("'abc'[9]", None),
    ("user.languages[1]", "fr"),
    ("app.profile.regions[0]", "eu"),
    ("(1 + 2) + 3", 6),
    ("'it''s'", "it's"),
]


@pytest.mark.parametrize("source, expected", OPERATOR_CASES)
def test_operators(ev, source, expected):
    result = ev(source)
    assert result == expected and type(result) is type(expected)


CONTEXT_CASES = [
    ("user.login", "ada@example.com"),
    ("user.firstName", "Ada"),
    ("user.manager.login", "charles"),
    ("user.manager.missing.deeper", None),
    ("user.missing", None),
    ("user.missing.deeper.still", None),
    ("appuser.userName", "ada@example.com"),
    ("app.id", "0oa1app"),
    ("app.clientId", "client-123"),
    ("app.profile.tier", "gold"),
    ("access.scope", ["openid", "profile", "email"]),
    ("org.name", "Acme"),
    ("org.subDomain", "acme"),
    ("user.getGroups({'group.type': {'BUILT_IN'}}).![#this.name]", ["Everyone"]),
    ("access.scope.![#this + '!']", ["openid!", "profile!", "email!"]),
    ("user.missing.![x]", None),
    ("{{'a': 1}, {'a': 2}}.![a + 1]", [2, 3]),
]


@pytest.mark.parametrize("source, expected", CONTEXT_CASES)
def test_context_roots(ev, source, expected):
    assert ev(source) == expected


def test_absent_roots_read_as_null(ev):
    empty = EvaluationContext()
    assert ev("user.email", empty) is None
    assert ev("appuser.userName", empty) is None
    assert ev("access.scope", empty) is None
    assert ev("Arrays.size(access.scope)", empty) == 0


RUNTIME_ERRORS = [
    ("null + null", "Cannot add null and null"),
    ("1 + null", "Cannot add number and null"),
    ("true + 1", "Cannot add boolean and number"),
    ("{1} + {2}", "Cannot add array and array"),
    ("'a' - 1", "Cannot subtract number from string"),
    ("-'a'", "Cannot negate string"),
    ("1 < 'a'", "Cannot compare number with string using '<'"),
    ("{1} > {0}", "Cannot compare array with array using '>'"),
    ("user.missing AND true", "AND needs true or false, got null"),
    ("true and 'yes'", "AND needs true or false, got string"),
    ("false OR 1", "OR needs true or false, got number"),
    ("!user.login", "'!' needs true or false, got string"),
    ("user.missing ? 1 : 2", "The condition before '?' needs true or false, got null"),
    ("user.login.length", "Cannot read property 'length' of string"),
    ("access.scope.first", "Cannot read property 'first' of array"),
    ("user.age.x", "Cannot read property 'x' of number"),
    ("access.scope['a']", "An index into array must be a whole number, got string"),
    ("access.scope[true]", "An index into array must be a whole number, got boolean"),
    ("app.profile[1]", "An object key must be text, got number"),
    ("user.age[0]", "Cannot index number"),
    ("user.manager.![x]", "Projection .![...] needs an array, got object"),
    ("user.missing matches 'a'", "'matches' needs text on its left, got null"),
    ("user.login matches user.missing", "A regular expression must be text"),
    ("user.login matches app.clientId + '(a+)+'",
     "Nested quantifiers like (a+)+ are not allowed in regular expressions"),
    ("9223372036854775807 + 1", "Number is too large"),
]


@pytest.mark.parametrize("source, message", RUNTIME_ERRORS)
def test_runtime_errors_are_plain_words(ev, source, message):
    with pytest.raises(ExpressionEvaluationError) as info:
        ev(source)
    assert info.value.message == message


class Sneaky:
    secret = "s3cret"

    def __getattr__(self, name):
        raise AssertionError("attribute access attempted")


@pytest.mark.parametrize("source", [
    "user.obj.secret", "user.obj.__class__", "user.obj['secret']", "user.obj + 'x'", "user.obj == 1",
    "String.len(user.obj)", "user.obj ? 1 : 2", "user.obj < 1", "Arrays.size(user.obj)",
])
def test_python_objects_in_the_context_are_never_inspected(ev, source):
    ctx = make_context(user={"obj": Sneaky()})
    try:
        result = ev(source, ctx)
    except ExpressionEvaluationError:
        return
    assert result is False  # only `user.obj == 1` gets here: unequal types


def test_dunder_names_are_just_missing_keys(ev):
    assert ev("user.__class__") is None
    assert ev("app.profile.__dict__") is None
    assert ev("user['__class__']") is None


def test_evaluate_needs_an_evaluation_context():
    with pytest.raises(ExpressionEvaluationError):
        compile_expression("1").evaluate({"user": {}})


def test_deeply_nested_context_values_do_not_crash(ev):
    value = []
    for _ in range(5_000):
        value = [value]
    ctx = make_context(user={"deep": value})
    with pytest.raises(ExpressionEvaluationError):
        ev("user.deep == user.deep", ctx)
    with pytest.raises(ExpressionEvaluationError):
        ev("'x' + user.deep", ctx)
    with pytest.raises(ExpressionEvaluationError, match="nested too deeply"):
        ev("Arrays.flatten(user.deep)", ctx)


def test_concatenation_is_capped(ev):
    ctx = make_context(user={"half": "x" * (MAX_STRING_LENGTH // 2)})
    assert len(ev("user.half + user.half", ctx)) == MAX_STRING_LENGTH
    with pytest.raises(ExpressionEvaluationError, match="longer than"):
        ev("user.half + user.half + 'x'", ctx)


def test_regex_input_length_is_capped(ev):
    ctx = make_context(user={"long": "a" * (MAX_REGEX_INPUT + 1), "ok": "a" * MAX_REGEX_INPUT})
    assert ev("user.ok matches 'a*'", ctx) is True
    with pytest.raises(ExpressionEvaluationError, match="up to 1000 characters"):
        ev("user.long matches 'a*'", ctx)


def test_regex_work_per_evaluation_is_capped(ev):
    ctx = make_context(user={"few": ["a" * MAX_REGEX_INPUT] * 50, "many": ["a" * MAX_REGEX_INPUT] * 150})
    assert ev("Arrays.contains(user.few.![#this matches 'a*b'], true)", ctx) is False
    with pytest.raises(ExpressionEvaluationError, match="too much regular-expression matching"):
        ev("user.many.![#this matches 'a*b']", ctx)


def test_refused_regexes_fail_fast_at_compile_time():
    for pattern in ["(a+)+", "(a|aa)*", ".*a.*b.*c", "(\\w)\\1", "a" * 201]:
        with pytest.raises(ExpressionSyntaxError):
            compile_expression(f"user.login matches '{pattern}'")


def test_worst_accepted_regex_on_the_longest_input_is_fast(ev):
    ctx = make_context(user={"s": "x" * (MAX_REGEX_INPUT - 1) + "y"})
    started = time.perf_counter()
    assert ev("user.s matches '.*.*x'", ctx) is False
    assert ev("user.s matches '.{0,999}.{0,999}x'", ctx) is False
    assert time.perf_counter() - started < 0.5  # coarse guard: measured in milliseconds


def test_compiled_expression_is_reusable_across_contexts():
    expression = compile_expression("String.toUpperCase(user.email)")
    assert expression.evaluate(make_context()) == "ADA@EXAMPLE.COM"
    assert expression.evaluate(make_context(user={"email": "b@c.d"})) == "B@C.D"
    assert expression.evaluate(EvaluationContext()) is None


def test_typical_evaluation_is_microseconds():
    """Coarse guard, not a benchmark: 10,000 evaluations of typical claims well under half a second."""
    ctx = make_context()
    expressions = [compile_expression(SUB_CLAIM), compile_expression("String.toUpperCase(user.email)")]
    started = time.perf_counter()
    for _ in range(5_000):
        for expression in expressions:
            expression.evaluate(ctx)
    assert time.perf_counter() - started < 0.5
