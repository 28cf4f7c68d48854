"""Evaluation: each syntax-tree node is turned once into a Python closure; evaluating runs the closures.

Compiling to closures (rather than walking the tree on every call) keeps a typical claim in the
low microseconds. Only dictionary lookups reach into context values: no attribute access, no
`eval`, no calls on context objects. The tree depth is bounded by the parser, so the closures'
recursion is too. Anything that goes wrong becomes `ExpressionEvaluationError`.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import ast
from .errors import ExpressionEvaluationError
from .functions import FUNCTIONS
from .safe_regex import RegexBudget, compile_pattern
from .values import add, as_boolean, checked_list, compare, equal, negate, subtract, to_text, type_name


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EvaluationContext:
    """What an expression can see. Values are JSON-like: None, bool, int, float, str, list, dict.

    `user` holds the profile attributes (`login`, `email`, `firstName`...) plus `id` and `status`
    for `user.getInternalProperty`; `groups` the user's groups as `{"id", "name", "type"}` dicts
    (optional `source`, `description`); `appuser` is None without a user (client credentials),
    else at least `{"userName": login}`; `app` is `{"id", "clientId", "profile": {...}}`;
    `access` is `{"scope": [granted scopes]}`; `org` is `{"name", "subDomain"}`; `now` feeds
    `Time.now`.
    """

    user: dict | None = None
    groups: list = field(default_factory=list)
    appuser: dict | None = None
    app: dict | None = None
    access: dict | None = None
    org: dict | None = None
    now: datetime = field(default_factory=_utc_now)


class _Env:
    """The per-evaluation state the closures and functions read."""

    __slots__ = ("_regex", "access", "app", "appuser", "current", "groups", "now", "org", "user")

    def __init__(self, context: EvaluationContext):
        self.user = context.user
        self.appuser = context.appuser
        self.app = context.app
        self.access = context.access
        self.org = context.org
        self.groups = context.groups or []
        self.now = context.now
        self.current = None
        self._regex = None

    @property
    def regex(self) -> RegexBudget:
        if self._regex is None:
            self._regex = RegexBudget()
        return self._regex


class CompiledExpression:
    """A parsed, checked expression, ready to evaluate any number of times (thread-safe)."""

    __slots__ = ("_run", "source", "tree")

    def __init__(self, source: str, tree: ast.Node):
        self.source = source
        self.tree = tree
        self._run = _compile(tree)

    def evaluate(self, context: EvaluationContext):
        """The expression's value for `context`; raises only `ExpressionEvaluationError`."""
        if not isinstance(context, EvaluationContext):
            raise ExpressionEvaluationError("evaluate() needs an EvaluationContext")
        try:
            return self._run(_Env(context))
        except ExpressionEvaluationError:
            raise
        except RecursionError:
            raise ExpressionEvaluationError("The values are nested too deeply to evaluate") from None
        except Exception as exc:  # a bug, but the contract is one exception type for every failure
            raise ExpressionEvaluationError(f"Internal error while evaluating ({type(exc).__name__})") from exc

    def __repr__(self) -> str:
        return f"<CompiledExpression {self.source!r}>"


# -- node compilers -----------------------------------------------------------------------------


def _compile(node: ast.Node):
    return _COMPILERS[type(node)](node)


def _literal(node: ast.Literal):
    value = node.value
    return lambda env: value


def _list_literal(node: ast.ListLiteral):
    items = [_compile(item) for item in node.items]
    return lambda env: checked_list([item(env) for item in items])


def _map_literal(node: ast.MapLiteral):
    entries = [(key, _compile(value)) for key, value in node.entries]
    return lambda env: {key: value(env) for key, value in entries}


_ROOT_READERS = {
    "user": lambda env: env.user,
    "appuser": lambda env: env.appuser,
    "app": lambda env: env.app,
    "access": lambda env: env.access,
    "org": lambda env: env.org,
}


def _variable(node: ast.Variable):
    return _ROOT_READERS[node.name]


def _current(node: ast.Current):
    return lambda env: env.current


def _property(node: ast.Property):
    target, name = _compile(node.target), node.name

    def read(env):
        value = target(env)
        if isinstance(value, dict):
            return value.get(name)
        if value is None:
            # Okta: a missing attribute, or one read through a missing object, is null.
            return None
        raise ExpressionEvaluationError(f"Cannot read property '{name}' of {type_name(value)}")

    return read


def _index(node: ast.Index):
    target, index = _compile(node.target), _compile(node.index)

    def read(env):
        value, key = target(env), index(env)
        if value is None:
            return None
        if isinstance(value, (list, tuple, str)):
            if isinstance(key, bool) or not isinstance(key, int):
                raise ExpressionEvaluationError(f"An index into {type_name(value)} must be a whole number, "
                                                f"got {type_name(key)}")
            return value[key] if 0 <= key < len(value) else None
        if isinstance(value, dict):
            if not isinstance(key, str):
                raise ExpressionEvaluationError(f"An object key must be text, got {type_name(key)}")
            return value.get(key)
        raise ExpressionEvaluationError(f"Cannot index {type_name(value)}")

    return read


def _projection(node: ast.Projection):
    target, expression = _compile(node.target), _compile(node.expression)

    def project(env):
        values = target(env)
        if values is None:
            return None
        if not isinstance(values, (list, tuple)):
            raise ExpressionEvaluationError(f"Projection .![...] needs an array, got {type_name(values)}")
        saved = env.current
        try:
            result = []
            for element in values:
                env.current = element
                result.append(expression(env))
            return checked_list(result)
        finally:
            env.current = saved

    return project


def _call(node: ast.Call):
    impl = FUNCTIONS[node.name].impl
    args = [_compile(arg) for arg in node.args]
    if not args:
        return lambda env: impl(env)
    if len(args) == 1:
        (a,) = args
        return lambda env: impl(env, a(env))
    if len(args) == 2:
        a, b = args
        return lambda env: impl(env, a(env), b(env))
    return lambda env: impl(env, *[arg(env) for arg in args])


def _unary(node: ast.Unary):
    operand = _compile(node.operand)
    if node.op == "!":
        return lambda env: not as_boolean(operand(env), "'!'")
    return lambda env: negate(operand(env))


def _matches_text(value) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (list, tuple, dict)):
        raise ExpressionEvaluationError(f"'matches' needs text on its left, got {type_name(value)}")
    return to_text(value)


def _binary(node: ast.Binary):
    left, right, op = _compile(node.left), _compile(node.right), node.op
    if op == "+":
        return lambda env: add(left(env), right(env))
    if op == "-":
        return lambda env: subtract(left(env), right(env))
    if op in ("==", "!="):
        # `x != null` is the most common test in claims: compare by identity, skip the general path.
        null_side = left if _is_null(node.right) else right if _is_null(node.left) else None
        if null_side is not None:
            if op == "==":
                return lambda env: null_side(env) is None
            return lambda env: null_side(env) is not None
        if op == "==":
            return lambda env: equal(left(env), right(env))
        return lambda env: not equal(left(env), right(env))
    if op == "matches":
        if isinstance(node.right, ast.Literal) and isinstance(node.right.value, str):
            compiled = compile_pattern(node.right.value)
            return lambda env: env.regex.fullmatch(compiled, _matches_text(left(env)))
        return lambda env: env.regex.fullmatch(compile_pattern(right(env)), _matches_text(left(env)))
    return lambda env: compare(left(env), right(env), op)


def _is_null(node: ast.Node) -> bool:
    return isinstance(node, ast.Literal) and node.value is None


def _logical(node: ast.Logical):
    left, right = _compile(node.left), _compile(node.right)
    if node.op == "and":
        return lambda env: as_boolean(left(env), "AND") and as_boolean(right(env), "AND")
    return lambda env: as_boolean(left(env), "OR") or as_boolean(right(env), "OR")


def _ternary(node: ast.Ternary):
    condition, if_true, if_false = _compile(node.condition), _compile(node.if_true), _compile(node.if_false)
    return lambda env: if_true(env) if as_boolean(condition(env), "The condition before '?'") else if_false(env)


def _elvis(node: ast.Elvis):
    value, default = _compile(node.value), _compile(node.default)

    def elvis(env):
        result = value(env)
        # SpEL: the Elvis operator treats the empty string like null.
        if result is None or (isinstance(result, str) and not result):
            return default(env)
        return result

    return elvis


_COMPILERS = {
    ast.Literal: _literal,
    ast.ListLiteral: _list_literal,
    ast.MapLiteral: _map_literal,
    ast.Variable: _variable,
    ast.Current: _current,
    ast.Property: _property,
    ast.Index: _index,
    ast.Projection: _projection,
    ast.Call: _call,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.Logical: _logical,
    ast.Ternary: _ternary,
    ast.Elvis: _elvis,
}
