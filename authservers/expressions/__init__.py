"""The Okta Expression Language (a SpEL subset) for claim values, as a pure Python package.

    expression = compile_expression("String.toUpperCase(user.email)")  # once, when the claim is saved
    expression.evaluate(EvaluationContext(user={"email": "a@example.com"}))  # per token: "A@EXAMPLE.COM"

`compile_expression` raises `ExpressionSyntaxError` (with `.position`), `evaluate` raises
`ExpressionEvaluationError`; both derive from `ExpressionError` and carry a plain-words
`.message`. Nothing here touches Django or the database. Supported constructs, limits and the
differences from Okta: docs/expressions.md.
"""

from .errors import ExpressionError, ExpressionEvaluationError, ExpressionSyntaxError
from .evaluator import CompiledExpression, EvaluationContext
from .parser import parse

__all__ = [
    "CompiledExpression",
    "EvaluationContext",
    "ExpressionError",
    "ExpressionEvaluationError",
    "ExpressionSyntaxError",
    "compile_expression",
]


def compile_expression(source: str) -> CompiledExpression:
    """Parse, check and compile `source`; raise `ExpressionSyntaxError` on any problem."""
    if not isinstance(source, str):
        raise ExpressionSyntaxError("The expression must be text", 0)
    return CompiledExpression(source, parse(source))
