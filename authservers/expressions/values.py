"""Value semantics shared by operators and functions: type names, Java-style text, equality, order.

Values are None, bool, int, float, str, list and dict. Anything else found in a context is
refused as soon as an operator or function touches it, never inspected.
"""

import math
from decimal import Decimal

from .errors import ExpressionEvaluationError
from .limits import MAX_ARRAY_LENGTH, MAX_INTEGER, MAX_STRING_LENGTH


def type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unsupported value"


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def java_double(value: float) -> str:
    """Java's Double.toString: 1.0, 0.5, 1.0E7, 1.0E-4, NaN, Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if ("." in text or "e" in text) else text + ".0"
    number = Decimal(repr(value))
    sign, digits, _ = number.as_tuple()
    digits = "".join(map(str, digits)).rstrip("0") or "0"
    return f"{'-' if sign else ''}{digits[0]}.{digits[1:] or '0'}E{number.adjusted()}"


def to_text(value) -> str:
    """How `+` and the String functions turn a value into text, as Java's String.valueOf would."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{to_text(k)}={to_text(v)}" for k, v in value.items()) + "}"
    raise ExpressionEvaluationError(f"Cannot turn {type_name(value)} into text")


def equal(left, right) -> bool:
    """SpEL equality: numbers by value (1 == 1.0), booleans only with booleans, arrays element-wise."""
    if left is None or right is None:
        return left is right
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    if type(left) is not type(right):
        return False
    return left == right


def compare(left, right, op: str) -> bool:
    """SpEL ordering: numbers, strings and booleans each among themselves; null sorts first."""
    if left is None or right is None:
        order = (left is not None) - (right is not None)
    elif is_number(left) and is_number(right):
        order = (left > right) - (left < right)
    elif isinstance(left, str) and isinstance(right, str):
        order = (left > right) - (left < right)
    elif isinstance(left, bool) and isinstance(right, bool):
        order = int(left) - int(right)
    else:
        raise ExpressionEvaluationError(f"Cannot compare {type_name(left)} with {type_name(right)} using '{op}'")
    if op == "<":
        return order < 0
    if op == ">":
        return order > 0
    if op == "<=":
        return order <= 0
    return order >= 0


def as_boolean(value, what: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ExpressionEvaluationError(f"{what} needs true or false, got {type_name(value)}")


def checked_string(value: str) -> str:
    if len(value) > MAX_STRING_LENGTH:
        raise ExpressionEvaluationError(f"Text would be longer than {MAX_STRING_LENGTH} characters")
    return value


def checked_list(value: list) -> list:
    if len(value) > MAX_ARRAY_LENGTH:
        raise ExpressionEvaluationError(f"Array would have more than {MAX_ARRAY_LENGTH} elements")
    return value


def checked_number(value):
    if isinstance(value, int):
        if -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            return value
        raise ExpressionEvaluationError("Number is too large")
    if math.isfinite(value):
        return value
    raise ExpressionEvaluationError("Number is too large")


def add(left, right):
    """SpEL `+`: text if either side is text (null reads "null"), else numbers added."""
    if isinstance(left, str) or isinstance(right, str):
        left_text, right_text = to_text(left), to_text(right)
        if len(left_text) + len(right_text) > MAX_STRING_LENGTH:
            raise ExpressionEvaluationError(f"Text would be longer than {MAX_STRING_LENGTH} characters")
        return left_text + right_text
    if is_number(left) and is_number(right):
        return checked_number(left + right)
    raise ExpressionEvaluationError(f"Cannot add {type_name(left)} and {type_name(right)}")


def subtract(left, right):
    if is_number(left) and is_number(right):
        return checked_number(left - right)
    raise ExpressionEvaluationError(f"Cannot subtract {type_name(right)} from {type_name(left)}")


def negate(value):
    if is_number(value):
        return checked_number(-value)
    raise ExpressionEvaluationError(f"Cannot negate {type_name(value)}")
