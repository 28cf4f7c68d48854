"""Tokenizer: SpEL's lexical rules and plain-words errors with 0-based positions."""

import pytest

from authservers.expressions import ExpressionSyntaxError
from authservers.expressions.limits import MAX_SOURCE_LENGTH
from authservers.expressions.tokenizer import END, IDENT, NUMBER, OP, STRING, tokenize


def kinds_and_values(source):
    return [(t.kind, t.value) for t in tokenize(source)]


def test_identifiers_properties_and_operators():
    assert kinds_and_values("user.firstName + '!'") == [
        (IDENT, "user"), (OP, "."), (IDENT, "firstName"), (OP, "+"), (STRING, "!"), (END, None)]


def test_identifiers_may_hold_digits_underscores_and_dollars():
    assert kinds_and_values("a_1$b")[0] == (IDENT, "a_1$b")


@pytest.mark.parametrize("source, value", [
    ("'it''s'", "it's"),
    ('"say ""hi"""', 'say "hi"'),
    ("'a \"b\"'", 'a "b"'),
    ("''", ""),
    ("'back\\slash'", "back\\slash"),  # SpEL has no backslash escapes
])
def test_strings_use_doubled_quotes_as_escapes(source, value):
    assert kinds_and_values(source)[0] == (STRING, value)


@pytest.mark.parametrize("source, value", [
    ("0", 0), ("42", 42), ("1.5", 1.5), ("1e3", 1000.0), ("2.5E-1", 0.25), ("9223372036854775807", 2**63 - 1)])
def test_numbers(source, value):
    token = tokenize(source)[0]
    assert token.kind == NUMBER and token.value == value and type(token.value) is type(value)


def test_a_dot_after_a_number_is_property_access_unless_a_digit_follows():
    assert kinds_and_values("arr[1].x")[3:5] == [(OP, "]"), (OP, ".")]
    assert kinds_and_values("1.x")[:2] == [(NUMBER, 1), (OP, ".")]


@pytest.mark.parametrize("op", ["==", "!=", "<=", ">=", "&&", "||", "?:", "?."])
def test_two_character_operators(op):
    assert kinds_and_values(f"a {op} b")[1] == (OP, op)


def test_positions_are_zero_based_character_offsets():
    assert [t.pos for t in tokenize("ab  + 'x'")] == [0, 4, 6, 9]


@pytest.mark.parametrize("source, message", [
    ("user.x + 'abc", "Unterminated string at position 9"),
    ('"abc', "Unterminated string at position 0"),
    ("'it''s", "Unterminated string at position 0"),
    ("a @ b", "Unexpected character '@' at position 2"),
    ("a = b", "Assignment '=' is not supported (use '==' to compare) at position 2"),
    ("a & b", "Unexpected '&' (use '&&' or AND) at position 2"),
    ("a | b", "Unexpected '|' (use '||' or OR) at position 2"),
    ("12abc", "Unexpected 'a' after number 12 at position 2"),
    ("99999999999999999999", "Number 99999999999999999999 is too large at position 0"),
    ("1e999", "Number 1e999 is too large at position 0"),
    ("a\x00", "Unexpected character '\\x00' at position 1"),
    ("x ٣", "Unexpected character '٣' at position 2"),
])
def test_errors_name_the_problem_and_position(source, message):
    with pytest.raises(ExpressionSyntaxError) as info:
        tokenize(source)
    assert str(info.value) == message
    assert info.value.position == int(message.rsplit(" ", 1)[1])


def test_source_length_is_capped():
    tokenize("1" + " " * (MAX_SOURCE_LENGTH - 1))
    with pytest.raises(ExpressionSyntaxError, match=f"longer than {MAX_SOURCE_LENGTH} characters"):
        tokenize(" " * (MAX_SOURCE_LENGTH + 1))


def test_whitespace_of_all_kinds_is_skipped():
    assert kinds_and_values(" \t\r\n1 ") == [(NUMBER, 1), (END, None)]
