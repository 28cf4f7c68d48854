"""Okta's `filter` and `q` query parameters, parsed safely into Django `Q` objects.

The grammar is the subset of SCIM filters Okta's list endpoints accept:

    expr   := term ("or" term)*
    term   := factor ("and" factor)*
    factor := "(" expr ")" | ATTRIBUTE OPERATOR VALUE
    VALUE  := "a double-quoted string, \\" escapes a quote" | true | false

Each endpoint names the attributes it accepts and the model lookup behind each one, so nothing
in the filter reaches the database except as a bound parameter of a known lookup. Anything else
is Okta's E0000031 "Invalid search criteria." with a cause saying what is wrong.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from config.api import OktaAPIError

MAX_FILTER_LENGTH = 1024
MAX_DEPTH = 8
MAX_COMPARISONS = 20

_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|(?P<string>"(?:[^"\\]|\\.)*")|(?P<word>[A-Za-z_][\w.]*))')
_OPERATORS = {"eq": "exact", "sw": "istartswith", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}


@dataclass(frozen=True)
class Attribute:
    """One filterable attribute: its model lookup, its kind and, for enums, its values."""

    lookup: str
    kind: str = "string"  # "string", "enum", "datetime" or "boolean"
    values: tuple[str, ...] = ()
    case_insensitive: bool = False

    def operators(self) -> tuple[str, ...]:
        if self.kind == "datetime":
            return ("eq", "gt", "ge", "lt", "le")
        if self.kind == "string":
            return ("eq", "sw")
        return ("eq",)


def invalid_search(cause: str) -> OktaAPIError:
    return OktaAPIError("E0000031", "Invalid search criteria.", 400, [cause])


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise invalid_search(f"filter: Unexpected character at position {pos}.")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], attributes: dict[str, Attribute]):
        self.tokens, self.attributes, self.pos, self.comparisons = tokens, attributes, 0, 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _next(self, what: str) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise invalid_search(f"filter: Expected {what} but the filter ended.")
        self.pos += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> Q:
        q = self._expr(0)
        if self._peek() is not None:
            raise invalid_search(f"filter: Unexpected '{self._peek()[1][:40]}'.")
        return q

    def _expr(self, depth: int) -> Q:
        q = self._term(depth)
        while self._keyword("or"):
            q = q | self._term(depth)
        return q

    def _term(self, depth: int) -> Q:
        q = self._factor(depth)
        while self._keyword("and"):
            q = q & self._factor(depth)
        return q

    def _factor(self, depth: int) -> Q:
        if depth > MAX_DEPTH:
            raise invalid_search("filter: Too many nested parentheses.")
        kind, value = self._next("an attribute or '('")
        if kind == "paren" and value == "(":
            q = self._expr(depth + 1)
            if self._next("')'") != ("paren", ")"):
                raise invalid_search("filter: Expected ')'.")
            return q
        if kind != "word":
            raise invalid_search("filter: Expected an attribute name.")
        return self._comparison(value)

    def _comparison(self, name: str) -> Q:
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise invalid_search(f"filter: At most {MAX_COMPARISONS} comparisons.")
        attribute = self.attributes.get(name)
        if attribute is None:
            supported = ", ".join(sorted(self.attributes))
            raise invalid_search(f"filter: '{name[:40]}' cannot be filtered on; use one of {supported}.")
        kind, operator = self._next("an operator")
        operator = operator.lower()
        if kind != "word" or operator not in attribute.operators():
            raise invalid_search(f"filter: {name} supports the operators {', '.join(attribute.operators())}.")
        kind, raw = self._next("a value")
        value = self._value(name, attribute, kind, raw)
        lookup = _OPERATORS[operator]
        if lookup == "exact" and attribute.case_insensitive:
            lookup = "iexact"
        return Q(**{f"{attribute.lookup}__{lookup}": value})

    @staticmethod
    def _value(name: str, attribute: Attribute, kind: str, raw: str):
        if attribute.kind == "boolean":
            if kind != "word" or raw.lower() not in ("true", "false"):
                raise invalid_search(f"filter: {name} takes true or false.")
            return raw.lower() == "true"
        if kind != "string":
            raise invalid_search(f"filter: The value for {name} must be a double-quoted string.")
        value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        if "\x00" in value:
            raise invalid_search(f"filter: The value for {name} is not valid.")
        if attribute.kind == "enum" and value not in attribute.values:
            raise invalid_search(f"filter: {name} is one of {', '.join(attribute.values)}.")
        if attribute.kind == "datetime":
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise invalid_search(f"filter: {name} takes a timestamp like 2024-01-31T00:00:00.000Z.") from None
            if parsed.tzinfo is None:
                raise invalid_search(f"filter: {name} takes a timestamp with a time zone, like ...T00:00:00.000Z.")
            return parsed
        return value


def parse_filter(text: str, attributes: dict[str, Attribute]) -> Q:
    """The `Q` for an Okta filter expression over `attributes`; E0000031 when it cannot be parsed."""
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_search(f"filter: At most {MAX_FILTER_LENGTH} characters.")
    tokens = _tokens(text)
    if not tokens:
        raise invalid_search("filter: The filter is empty.")
    return _Parser(tokens, attributes).parse()


def search_term(request) -> str | None:
    """`q`, checked: at most 1024 characters and no NUL (PostgreSQL text cannot hold one)."""
    q = request.query_params.get("q")
    if q and ("\x00" in q or len(q) > 1024):
        raise invalid_search("q: Not a valid search term.")
    return q or None


def filtered(request, queryset, attributes: dict[str, Attribute], parameter: str = "filter"):
    """`queryset` narrowed by the request's `filter` (or another parameter holding an expression), if any."""
    text = request.query_params.get(parameter)
    if text is None or text == "":
        return queryset
    return queryset.filter(parse_filter(text, attributes))
