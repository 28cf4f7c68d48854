"""Tokenizer for the Okta Expression Language (a SpEL subset): text in, a list of `Token`s out.

Follows SpEL's lexical rules where Okta expressions rely on them: strings in single or double
quotes with the quote doubled to escape it ('it''s'), no backslash escapes; integers and decimals
(`1`, `1.5`, `1e3`); identifiers of letters, digits, `_` and `$`; the two-character operators
`== != <= >= && || ?: ?.`. Anything else is an `ExpressionSyntaxError` naming the position.
"""

from dataclasses import dataclass

from .errors import ExpressionSyntaxError
from .limits import MAX_INTEGER, MAX_SOURCE_LENGTH

NUMBER = "number"
STRING = "string"
IDENT = "identifier"
OP = "operator"
END = "end"

_DIGITS = frozenset("0123456789")
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_IDENT_PART = _IDENT_START | _DIGITS
_WHITESPACE = frozenset(" \t\r\n")
_TWO_CHAR_OPS = frozenset({"==", "!=", "<=", ">=", "&&", "||", "?:", "?."})
_ONE_CHAR_OPS = frozenset("+-<>!?:.,()[]{}#")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # NUMBER, STRING, IDENT, OP or END
    value: object  # int/float for numbers, the unescaped text for strings, the text otherwise
    pos: int

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind == END:
            return "end of expression"
        if self.kind == STRING:
            text = self.value if len(self.value) <= 20 else self.value[:20] + "..."
            return f"string '{text}'"
        if self.kind == NUMBER:
            return f"number {self.value}"
        return f"'{self.value}'"


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens, ending with one END token at `len(source)`."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionSyntaxError(f"Expression is longer than {MAX_SOURCE_LENGTH} characters",
                                    MAX_SOURCE_LENGTH)
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c in _WHITESPACE:
            i += 1
        elif c in _IDENT_START:
            j = i + 1
            while j < n and source[j] in _IDENT_PART:
                j += 1
            tokens.append(Token(IDENT, source[i:j], i))
            i = j
        elif c in _DIGITS:
            i = _number(source, i, tokens)
        elif c == "'" or c == '"':
            i = _string(source, i, tokens)
        elif source[i:i + 2] in _TWO_CHAR_OPS:
            tokens.append(Token(OP, source[i:i + 2], i))
            i += 2
        elif c in _ONE_CHAR_OPS:
            tokens.append(Token(OP, c, i))
            i += 1
        elif c == "=":
            raise ExpressionSyntaxError("Assignment '=' is not supported (use '==' to compare)", i)
        elif c == "&" or c == "|":
            raise ExpressionSyntaxError(f"Unexpected '{c}' (use '{c}{c}' or {'AND' if c == '&' else 'OR'})", i)
        else:
            shown = c if c.isprintable() else repr(c)[1:-1]
            raise ExpressionSyntaxError(f"Unexpected character '{shown}'", i)
    tokens.append(Token(END, None, n))
    return tokens


def _number(source: str, start: int, tokens: list[Token]) -> int:
    n = len(source)
    i = start
    while i < n and source[i] in _DIGITS:
        i += 1
    is_decimal = False
    # A '.' belongs to the number only when a digit follows: `arr[1].x` stays index-then-property.
    if i + 1 < n and source[i] == "." and source[i + 1] in _DIGITS:
        is_decimal = True
        i += 1
        while i < n and source[i] in _DIGITS:
            i += 1
    if i < n and source[i] in "eE":
        j = i + 1
        if j < n and source[j] in "+-":
            j += 1
        if j < n and source[j] in _DIGITS:
            is_decimal = True
            i = j
            while i < n and source[i] in _DIGITS:
                i += 1
    text = source[start:i]
    if i < n and source[i] in _IDENT_START:
        raise ExpressionSyntaxError(f"Unexpected '{source[i]}' after number {text}", i)
    if is_decimal:
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise ExpressionSyntaxError(f"Number {text[:20]} is too large", start)
    else:
        if len(text) > 19 or int(text) > MAX_INTEGER:
            raise ExpressionSyntaxError(f"Number {text[:20]} is too large", start)
        value = int(text)
    tokens.append(Token(NUMBER, value, start))
    return i


def _string(source: str, start: int, tokens: list[Token]) -> int:
    quote = source[start]
    parts = []
    i = start + 1
    while True:
        j = source.find(quote, i)
        if j < 0:
            raise ExpressionSyntaxError("Unterminated string", start)
        parts.append(source[i:j])
        # SpEL: a doubled quote inside the string stands for one quote character.
        if source.startswith(quote, j + 1):
            parts.append(quote)
            i = j + 2
            continue
        tokens.append(Token(STRING, "".join(parts), start))
        return j + 1
