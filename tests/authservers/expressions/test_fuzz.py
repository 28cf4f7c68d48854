"""Hypothesis fuzzing: any input compiles or gives ExpressionSyntaxError; any compiled expression
evaluates to a value or gives ExpressionEvaluationError. Never another exception, never a hang."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authservers.expressions import (
    EvaluationContext,
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    compile_expression,
)
from authservers.expressions.functions import FUNCTIONS
from authservers.expressions.limits import MAX_SOURCE_LENGTH

from .conftest import NOW, make_context

FUZZ = settings(max_examples=300, deadline=1_000, suppress_health_check=[HealthCheck.too_slow])


def compile_or_syntax_error(source):
    try:
        return compile_expression(source)
    except ExpressionSyntaxError as exc:
        assert exc.message and 0 <= exc.position <= len(source)
        assert exc.message.endswith(f" at position {exc.position}")
        return None


def evaluate_or_error(expression, context):
    try:
        value = expression.evaluate(context)
    except ExpressionEvaluationError as exc:
        assert exc.message and not exc.message.startswith("Internal error"), (expression.source, exc.message)
        return
    assert_plain_value(value)


def assert_plain_value(value, depth=0):
    assert depth < 200
    if isinstance(value, list):
        for item in value:
            assert_plain_value(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            assert_plain_value(item, depth + 1)
    else:
        assert value is None or isinstance(value, (bool, int, float, str))


# -- any text -----------------------------------------------------------------------------------

EXPRESSION_CHARS = string.ascii_letters + string.digits + " .,()[]{}'\"!?:=<>&|+-#$_@\\*/%^~\t\n"


@FUZZ
@given(st.text(max_size=300))
def test_any_text_compiles_or_gives_a_syntax_error(source):
    compile_or_syntax_error(source)


@FUZZ
@given(st.text(alphabet=EXPRESSION_CHARS, max_size=300))
def test_expression_like_text_compiles_or_gives_a_syntax_error(source):
    expression = compile_or_syntax_error(source)
    if expression is not None:
        evaluate_or_error(expression, make_context())


TOKENS = ["user", "appuser", "app", "access", "org", "session", "String", "Arrays", "Groups", ".", "?.", ".![",
          "(", ")", "[", "]", "{", "}", ",", ":", "?", "?:", "!", "-", "+", "==", "!=", "<", ">=", "AND", "or",
          "&&", "||", "matches", "null", "true", "1", "0", "-1", "2.5", "'a'", "''", "'.*'", "'(a+)+'", "email",
          "login", "scope", "profile", "name", "#this", "toUpperCase", "getGroups", "getInternalProperty"]
TOKENS += sorted(FUNCTIONS)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_token_soup_compiles_or_gives_a_syntax_error(tokens):
    expression = compile_or_syntax_error(" ".join(tokens))
    if expression is not None:
        evaluate_or_error(expression, make_context())


# -- expressions from a small grammar --------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40),
                         st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "b", "name", "id", "x"]), inner, max_size=4)),
    max_leaves=12)
groups = st.lists(st.fixed_dictionaries(
    {"id": st.sampled_from(["00g1", "00g2", "00g3"]), "name": st.text(max_size=20),
     "type": st.sampled_from(["OKTA_GROUP", "APP_GROUP", "BUILT_IN"])},
    optional={"source": st.sampled_from(["active_directory", "0oa1"])}), max_size=5)
contexts = st.builds(
    EvaluationContext,
    user=st.one_of(st.none(), st.dictionaries(st.sampled_from(["email", "login", "id", "status", "a", "x"]),
                                              json_values, max_size=6)),
    groups=groups,
    appuser=st.one_of(st.none(), st.fixed_dictionaries({"userName": st.text(max_size=20)})),
    app=st.one_of(st.none(), st.fixed_dictionaries({"clientId": st.text(max_size=10), "profile": json_values})),
    access=st.one_of(st.none(), st.fixed_dictionaries({"scope": st.lists(st.text(max_size=8), max_size=4)})),
    org=st.just({"name": "Acme", "subDomain": "acme"}),
    now=st.just(NOW),
)

literals = st.one_of(
    st.sampled_from(["null", "true", "false", "0", "1", "-1", "2.5", "100", "''", "'a'", "'a,b'", "'.*'",
                     "'group.name'", "'OKTA'", "'UTC'", "'yyyy-MM-dd'", "'id'", "'status'", "{}", "{:}"]),
    st.integers(-5, 120).map(str),
    st.text(alphabet=string.ascii_letters + " .,*+?@-", max_size=8).map(lambda s: "'" + s + "'"),
)
paths = st.sampled_from(["user", "user.email", "user.login", "user.a", "user.x.a", "appuser", "appuser.userName",
                         "app.clientId", "app.profile", "app.profile.a", "access.scope", "org.name",
                         "access.scope[0]", "user.a[1]"])
FUNCTION_SPECS = sorted(FUNCTIONS.values(), key=lambda spec: spec.name)


def _combine(inner):
    def call(draw_spec_and_args):
        spec, args = draw_spec_and_args
        return f"{spec.name}({', '.join(args)})"

    function_calls = st.sampled_from(FUNCTION_SPECS).flatmap(lambda spec: st.tuples(
        st.just(spec), st.lists(inner, min_size=spec.min_args,
                                max_size=spec.max_args if spec.max_args is not None else spec.min_args + 3)))
    return st.one_of(
        function_calls.map(call),
        st.tuples(inner, st.sampled_from(["+", "-", "==", "!=", "<", ">=", "AND", "||", "matches"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} ?: {t[1]})"),
        inner.map(lambda e: f"!({e})"),
        inner.map(lambda e: f"-({e})"),
        st.lists(inner, max_size=4).map(lambda items: "{" + ", ".join(items) + "}"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(st.sampled_from(["'group.id'", "'group.type'", "'group.profile.name'", "operator"]), inner).map(
            lambda t: "{" + f"{t[0]}: {t[1]}" + "}"),
        inner.map(lambda e: f"({e}).![#this]"),
        inner.map(lambda e: f"({e}).name"),
    )


grammar_expressions = st.recursive(st.one_of(literals, paths), _combine, max_leaves=15)


@FUZZ
@given(grammar_expressions, contexts)
def test_grammar_expressions_evaluate_to_a_value_or_an_evaluation_error(source, context):
    expression = compile_or_syntax_error(source)
    if expression is not None:
        evaluate_or_error(expression, context)
        json.dumps(_jsonable(expression, context))


def _jsonable(expression, context):
    try:
        return expression.evaluate(context)
    except ExpressionEvaluationError:
        return None


# Typed expressions, so that most of them evaluate to a value rather than a type error.
text_leaves = st.one_of(st.sampled_from(["user.email", "user.login", "appuser.userName", "app.clientId", "org.name",
                                         "'abc@okta.com'", "'This is a test'", "''", "'a,b'"]),
                        st.text(alphabet=string.ascii_letters + " @.,-", max_size=10).map(lambda s: f"'{s}'"))
number_leaves = st.one_of(st.integers(-3, 20).map(str), st.sampled_from(["2.5", "Arrays.size(access.scope)"]))


def _typed(text):
    numbers = st.one_of(number_leaves, text.map(lambda t: f"String.len({t})"))
    simple_booleans = st.one_of(
        st.tuples(text, text).map(lambda t: f"String.startsWith({t[0]}, {t[1]})"),
        st.tuples(text, text).map(lambda t: f"String.stringContains({t[0]}, {t[1]})"),
        st.tuples(text, st.sampled_from(["==", "!=", "<", ">="]), text).map(lambda t: " ".join(t)),
        st.tuples(numbers, st.sampled_from(["==", "<", ">"]), numbers).map(lambda t: " ".join(t)),
        text.map(lambda t: f"isMemberOfGroupNameStartsWith({t})"),
        text.map(lambda t: f"Arrays.contains(access.scope, {t})"),
        st.sampled_from(["(appuser != null)", "true", "user.email matches '.*@.*'"]),
    )
    booleans = st.one_of(
        simple_booleans,
        st.tuples(simple_booleans, st.sampled_from(["AND", "OR", "&&", "||"]), simple_booleans).map(
            lambda t: f"({' '.join(t)})"),
        simple_booleans.map(lambda e: f"!({e})"),
    )
    return st.one_of(
        st.tuples(text, text).map(lambda t: f"({t[0]} + {t[1]})"),
        st.tuples(booleans, text, text).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(text, text).map(lambda t: f"({t[0]} ?: {t[1]})"),
        st.tuples(st.sampled_from(["String.toUpperCase", "String.toLowerCase", "String.removeSpaces", "toUpperCase"]),
                  text).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(text, text, text).map(lambda t: f"String.replace({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(text, text).map(lambda t: f"String.substringBefore({t[0]}, {t[1]})"),
        st.tuples(text, text).map(lambda t: f"String.append({t[0]}, {t[1]})"),
        st.lists(text, min_size=1, max_size=3).map(lambda ts: f"String.join(',', {', '.join(ts)})"),
        st.lists(text, max_size=3).map(lambda ts: "Arrays.toCsvString({" + ", ".join(ts) + "})"),
        numbers.map(lambda n: f"('' + {n})"),
        st.tuples(text, numbers).map(lambda t: f"Arrays.toCsvString(Arrays.add({t[0]}, {t[1]}))"),
    )


typed_text = st.recursive(text_leaves, _typed, max_leaves=10)


@FUZZ
@given(typed_text, contexts)
def test_typed_expressions_mostly_evaluate(source, context):
    expression = compile_or_syntax_error(source)
    if expression is not None:
        evaluate_or_error(expression, context)


def test_typed_generator_mostly_gives_values():
    outcomes = {"value": 0, "error": 0}

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(typed_text)
    def run(source):
        try:
            value = compile_expression(source).evaluate(make_context())
            outcomes["value"] += 1
            assert value is None or isinstance(value, str)
        except (ExpressionSyntaxError, ExpressionEvaluationError):
            outcomes["error"] += 1

    run()
    assert outcomes["value"] > outcomes["error"]


@FUZZ
@given(contexts)
def test_documented_examples_hold_for_any_context(context):
    for source in ["(appuser != null) ? appuser.userName : app.clientId", "String.toUpperCase(user.email)",
                   "Arrays.size(access.scope)", "user.getGroups().![name]", "Groups.startsWith('OKTA', '', 100)"]:
        evaluate_or_error(compile_expression(source), context)


# -- nesting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "(" * 10_000,
    "(" * 10_000 + "1" + ")" * 10_000,
    "(" * (MAX_SOURCE_LENGTH - 1),
    "{" * 1_999,
    "!" * 1_999,
    "-" * 1_999 + "1",
    "1" + "+1" * 999,
    "a" * 1_999,
    "'" + "x" * 1_998 + "'",
    "user" + ".x" * 999,
    "x ?" * 600,
    "true ? " * 300 + "1" + " : 2" * 300,
    "String.len(" * 180 + "'a'" + ")" * 180,
])
def test_pathological_nesting_gives_a_clean_error(source):
    expression = compile_or_syntax_error(source)
    if expression is not None:
        evaluate_or_error(expression, make_context())
