"""The function library: the String, Arrays and Convert families, plus the registry of every function.

Each function is a plain Python callable `impl(env, *args)` over expression values, registered
with its argument count and an optional compile-time check of literal arguments. Group functions
live in `groups.py`, `Time.now` in `timefmt.py`. Okta does not document null handling; ours follows
Apache Commons' StringUtils: a null subject gives null (or false, or 0), a null part reads as "".
"""

import math
import re

from . import groups, timefmt
from .coercion import FunctionSpec, array_arg, int_arg, text_arg
from .errors import ExpressionEvaluationError, ExpressionSyntaxError
from .limits import MAX_ARRAY_LENGTH, MAX_STRING_LENGTH
from .values import checked_list, checked_string, equal, is_number, to_text, type_name

# -- String ---------------------------------------------------------------------------------------


def string_append(env, value, suffix):
    return checked_string(text_arg("String.append", value, null="") + text_arg("String.append", suffix, null=""))


def string_join(env, separator, *parts):
    separator = text_arg("String.join", separator, null="")
    texts = []
    for part in parts:
        if isinstance(part, (list, tuple)):
            texts.extend(text_arg("String.join", item, null="") for item in part)
        else:
            texts.append(text_arg("String.join", part, null=""))
    if sum(map(len, texts)) + len(separator) * max(len(texts) - 1, 0) > MAX_STRING_LENGTH:
        raise ExpressionEvaluationError(f"Text would be longer than {MAX_STRING_LENGTH} characters")
    return separator.join(texts)


def string_len(env, value):
    return len(text_arg("String.len", value, null=""))


def string_remove_spaces(env, value):
    value = text_arg("String.removeSpaces", value)
    return None if value is None else value.replace(" ", "")


def _replace(function, value, match, replacement, count):
    value = text_arg(function, value)
    if value is None:
        return None
    match = text_arg(function, match, null="")
    replacement = text_arg(function, replacement, null="")
    found = value.count(match) if count < 0 else min(1, value.count(match))
    if len(value) + found * (len(replacement) - len(match)) > MAX_STRING_LENGTH:
        raise ExpressionEvaluationError(f"Text would be longer than {MAX_STRING_LENGTH} characters")
    return value.replace(match, replacement, count)


def string_replace(env, value, match, replacement):
    return _replace("String.replace", value, match, replacement, -1)


def string_replace_first(env, value, match, replacement):
    return _replace("String.replaceFirst", value, match, replacement, 1)


def string_starts_with(env, value, prefix):
    value = text_arg("String.startsWith", value)
    prefix = text_arg("String.startsWith", prefix)
    return value is not None and prefix is not None and value.startswith(prefix)


def string_contains(env, value, search):
    value = text_arg("String.stringContains", value)
    search = text_arg("String.stringContains", search)
    return value is not None and search is not None and search in value


def string_switch(env, value, default, *pairs):
    value = text_arg("String.stringSwitch", value)
    if value is not None:
        for key, result in zip(pairs[0::2], pairs[1::2], strict=False):
            key = text_arg("String.stringSwitch", key)
            if key is not None and key in value:
                return result
    return default


def _check_switch(args, pos):
    if len(args) % 2:
        raise ExpressionSyntaxError("String.stringSwitch takes the text, a default, then key/value pairs", pos)


def string_substring(env, value, start, end):
    value = text_arg("String.substring", value)
    if value is None:
        return None
    start, end = int_arg("String.substring", start), int_arg("String.substring", end)
    # Java's String.substring: indexes must satisfy 0 <= start <= end <= length.
    if not 0 <= start <= end <= len(value):
        raise ExpressionEvaluationError(
            f"String.substring: positions {start} to {end} are outside text of length {len(value)}")
    return value[start:end]


def string_substring_after(env, value, separator):
    value = text_arg("String.substringAfter", value)
    if not value:
        return value
    separator = text_arg("String.substringAfter", separator)
    if separator is None:
        return ""
    index = value.find(separator)
    return "" if index < 0 else value[index + len(separator):]


def string_substring_before(env, value, separator):
    value = text_arg("String.substringBefore", value)
    if not value:
        return value
    separator = text_arg("String.substringBefore", separator)
    if separator is None:
        return value
    index = value.find(separator)
    return value if index < 0 else value[:index]


def string_upper(env, value):
    value = text_arg("String.toUpperCase", value)
    return None if value is None else checked_string(value.upper())


def string_lower(env, value):
    value = text_arg("String.toLowerCase", value)
    return None if value is None else value.lower()


# -- Arrays ---------------------------------------------------------------------------------------


def arrays_add(env, array, value):
    array = array_arg("Arrays.add", array) or []
    return checked_list([*array, value])


def arrays_remove(env, array, value):
    array = list(array_arg("Arrays.remove", array) or [])
    # Java's List.remove(Object): the first equal element goes.
    for index, item in enumerate(array):
        if equal(item, value):
            del array[index]
            break
    return array


def arrays_clear(env, array):
    array_arg("Arrays.clear", array)
    return []


def arrays_get(env, array, index):
    array = array_arg("Arrays.get", array)
    index = int_arg("Arrays.get", index)
    if array is None or not 0 <= index < len(array):
        return None
    return array[index]


def arrays_flatten(env, *values):
    result = []
    stack = [iter(values)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, (list, tuple)):
                if len(stack) > 100:
                    raise ExpressionEvaluationError("Arrays.flatten: arrays are nested too deeply")
                stack.append(iter(item))
                break
            result.append(item)
            if len(result) > MAX_ARRAY_LENGTH:
                checked_list(result)
        else:
            stack.pop()
    return checked_list(result)


def arrays_contains(env, array, value):
    array = array_arg("Arrays.contains", array) or []
    return any(equal(item, value) for item in array)


def arrays_size(env, array):
    return len(array_arg("Arrays.size", array) or [])


def arrays_is_empty(env, array):
    return not array_arg("Arrays.isEmpty", array)


def arrays_to_csv(env, array):
    array = array_arg("Arrays.toCsvString", array)
    if array is None:
        return None
    return string_join(env, ",", *[item if not isinstance(item, (list, tuple)) else to_text(item) for item in array])


# -- Convert --------------------------------------------------------------------------------------

_NUMERIC_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _parse_number(function: str, value) -> float | int:
    if is_number(value):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 100 and _NUMERIC_TEXT.fullmatch(text):
            if re.fullmatch(r"[+-]?[0-9]+", text):
                return int(text)
            number = float(text)
            if math.isfinite(number):
                return number
        raise ExpressionEvaluationError(f"{function} cannot read '{value[:40]}' as a number")
    raise ExpressionEvaluationError(f"{function} needs a number or numeric text, got {type_name(value)}")


def convert_to_int(env, value):
    number = _parse_number("Convert.toInt", value)
    if isinstance(number, float):
        # Okta: rounds to the nearest integer, halves up (Java's Math.round): 123.4 -> 123, 123.6 -> 124.
        number = math.floor(number + 0.5)
    if not _INT_MIN <= number <= _INT_MAX:
        raise ExpressionEvaluationError("Convert.toInt: the number is outside the integer range")
    return number


def convert_to_num(env, value):
    return float(_parse_number("Convert.toNum", value))


# -- registry -------------------------------------------------------------------------------------

NAMESPACES = {
    "String": "String.len(...)",
    "Arrays": "Arrays.size(...)",
    "Convert": "Convert.toInt(...)",
    "Groups": "Groups.startsWith(...)",
    "Time": "Time.now()",
    "Iso3166Convert": "Iso3166Convert.toAlpha2(...), which Castellan does not support",
}

FUNCTIONS: dict[str, FunctionSpec] = {}


def register(name, impl, min_args, max_args="same", check=None):
    FUNCTIONS[name] = FunctionSpec(name, impl, min_args, min_args if max_args == "same" else max_args, check)


register("String.append", string_append, 2)
register("String.join", string_join, 1, None)
register("String.len", string_len, 1)
register("String.removeSpaces", string_remove_spaces, 1)
register("String.replace", string_replace, 3)
register("String.replaceFirst", string_replace_first, 3)
register("String.startsWith", string_starts_with, 2)
register("String.stringContains", string_contains, 2)
register("String.stringSwitch", string_switch, 2, None, _check_switch)
register("String.substring", string_substring, 3)
register("String.substringAfter", string_substring_after, 2)
register("String.substringBefore", string_substring_before, 2)
register("String.toUpperCase", string_upper, 1)
register("String.toLowerCase", string_lower, 1)
# Okta: the deprecated bare forms still work.
register("toUpperCase", string_upper, 1)
register("toLowerCase", string_lower, 1)
register("substring", string_substring, 3)
register("substringBefore", string_substring_before, 2)
register("substringAfter", string_substring_after, 2)

register("Arrays.add", arrays_add, 2)
register("Arrays.remove", arrays_remove, 2)
register("Arrays.clear", arrays_clear, 1)
register("Arrays.get", arrays_get, 2)
register("Arrays.flatten", arrays_flatten, 0, None)
register("Arrays.contains", arrays_contains, 2)
register("Arrays.size", arrays_size, 1)
register("Arrays.isEmpty", arrays_is_empty, 1)
register("Arrays.toCsvString", arrays_to_csv, 1)

register("Convert.toInt", convert_to_int, 1)
register("Convert.toNum", convert_to_num, 1)

groups.register_all(register)
timefmt.register_all(register)
