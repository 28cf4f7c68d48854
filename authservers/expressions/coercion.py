"""Shared pieces of the function library: the registry entry type and argument coercion."""

from collections.abc import Callable
from dataclasses import dataclass

from . import ast
from .errors import ExpressionEvaluationError, ExpressionSyntaxError
from .values import is_number, to_text, type_name


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    impl: Callable
    min_args: int
    max_args: int | None  # None: any number from min_args up
    check: Callable[[tuple, int], None] | None = None  # compile-time check of the argument nodes

    def check_arguments(self, args: tuple, pos: int) -> None:
        count = len(args)
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            if self.max_args is None:
                wanted = f"at least {self.min_args}"
            elif self.min_args == self.max_args:
                wanted = str(self.min_args)
            else:
                wanted = f"{self.min_args} to {self.max_args}"
            plural = "" if wanted.endswith(" 1") or wanted == "1" else "s"
            raise ExpressionSyntaxError(f"{self.name} takes {wanted} argument{plural}, got {count}", pos)
        if self.check:
            self.check(args, pos)


def literal_value(node):
    """(True, value) for a literal node (negative numbers included), else (False, None)."""
    if isinstance(node, ast.Literal):
        return True, node.value
    return False, None


# -- argument coercion ---------------------------------------------------------------------------


def text_arg(function: str, value, *, null=None):
    """A text argument: numbers and booleans read as Java prints them; null gives `null`."""
    if value is None:
        return null
    if isinstance(value, str):
        return value
    if is_number(value) or isinstance(value, bool):
        return to_text(value)
    raise ExpressionEvaluationError(f"{function} needs text, got {type_name(value)}")


def int_arg(function: str, value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ExpressionEvaluationError(f"{function} needs a whole number, got {type_name(value)}")


def array_arg(function: str, value) -> list | None:
    """An array argument: arrays as they are, a comma-separated string split on commas, null as null."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, str):
        # Okta: "CSV strings are accepted as arrays"; no trimming, so toCsvString round-trips.
        return value.split(",") if value else []
    raise ExpressionEvaluationError(f"{function} needs an array, got {type_name(value)}")
