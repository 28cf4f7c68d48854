"""The System Log query language: Okta's `filter` (a SCIM subset), `q` keywords, time bounds and cursors.

Pure parsing into Django `Q` objects; `authservers.logs_api` applies them. The filter parser is a
small recursive-descent parser over a fixed attribute table, so nothing the caller writes reaches
SQL except as a bound value, and its size and depth are capped.

Grammar: expr := and_expr ("or" and_expr)* ; and_expr := term ("and" term)* ;
term := "(" expr ")" | "not" "(" expr ")" | ATTRIBUTE ("eq"|"ne"|"sw"|"co") STRING | ATTRIBUTE "pr".
"""

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q

MAX_FILTER_LENGTH = 1024
MAX_TERMS = 20
MAX_DEPTH = 8
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 40

# Okta attribute (lowercased) -> model lookup. JSON members go through key transforms.
ATTRIBUTES = {
    "eventtype": "event_type",
    "outcome.result": "outcome_result",
    "outcome.reason": "outcome_reason",
    "severity": "severity",
    "displaymessage": "display_message",
    "uuid": "uuid",
    "actor.id": "actor__id",
    "actor.type": "actor__type",
    "actor.alternateid": "actor__alternateId",
    "actor.displayname": "actor__displayName",
    "client.ipaddress": "client__ipAddress",
}
# Members of `target[]`: matched against any element of the array.
TARGET_ATTRIBUTES = {"target.id": "id", "target.type": "type", "target.alternateid": "alternateId",
                     "target.displayname": "displayName"}
OPERATORS = ("eq", "ne", "sw", "co")

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z][A-Za-z0-9_.]*))')


class QueryProblem(ValueError):
    """A query parameter that cannot be used; the message goes to errorCauses."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "string" "word"
    value: str


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryProblem(f"filter: Unexpected character at position {position + 1}.")
        position = match.end()
        opening, closing, string, word = match.groups()
        if opening:
            tokens.append(_Token("(", "("))
        elif closing:
            tokens.append(_Token(")", ")"))
        elif string is not None:
            tokens.append(_Token("string", re.sub(r"\\(.)", r"\1", string)))
        else:
            tokens.append(_Token("word", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens, self.position, self.terms = tokens, 0, 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise QueryProblem("filter: The expression ends too early.")
        self.position += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.value.lower() in words:
            self.position += 1
            return True
        return False

    def expression(self, depth: int = 0) -> Q:
        if depth > MAX_DEPTH:
            raise QueryProblem("filter: Too many nested parentheses.")
        result = self.conjunction(depth)
        while self.keyword("or"):
            result |= self.conjunction(depth)
        return result

    def conjunction(self, depth: int) -> Q:
        result = self.term(depth)
        while self.keyword("and"):
            result &= self.term(depth)
        return result

    def term(self, depth: int) -> Q:
        if self.keyword("not"):
            return ~self.group(depth)
        token = self.peek()
        if token is not None and token.kind == "(":
            return self.group(depth)
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryProblem(f"filter: At most {MAX_TERMS} comparisons.")
        attribute = self.take()
        if attribute.kind != "word":
            raise QueryProblem("filter: Expected an attribute name.")
        operator = self.take()
        if operator.kind != "word":
            raise QueryProblem("filter: Expected an operator after the attribute.")
        if operator.value.lower() == "pr":
            return comparison(attribute.value, "pr", None)
        value = self.take()
        if value.kind != "string":
            raise QueryProblem('filter: Values must be double-quoted strings, like eventType eq "user.session.start".')
        return comparison(attribute.value, operator.value.lower(), value.value)

    def group(self, depth: int) -> Q:
        if self.take().kind != "(":
            raise QueryProblem("filter: Expected '('.")
        result = self.expression(depth + 1)
        if self.take().kind != ")":
            raise QueryProblem("filter: Expected ')'.")
        return result


def comparison(attribute: str, operator: str, value: str | None) -> Q:
    name = attribute.lower()
    if operator not in (*OPERATORS, "pr"):
        raise QueryProblem(f"filter: Unsupported operator '{operator}'; use eq, ne, sw, co or pr.")
    if name in TARGET_ATTRIBUTES:
        if operator not in ("eq", "pr"):
            raise QueryProblem(f"filter: '{attribute}' supports eq and pr only.")
        member = TARGET_ATTRIBUTES[name]
        if operator == "pr":
            return ~Q(target=[])
        return Q(target__contains=[{member: value}])
    lookup = ATTRIBUTES.get(name)
    if lookup is None:
        raise QueryProblem(f"filter: Unsupported attribute '{attribute}'.")
    if operator == "pr":
        if "__" in lookup:  # a JSON member: present when the key exists
            return Q(**{f"{lookup}__isnull": False})
        return ~Q(**{lookup: ""})
    if name == "uuid" and not re.fullmatch(r"[0-9a-fA-F-]{32,36}", value):
        return Q(pk__in=[])
    if operator == "eq":
        return Q(**{lookup: value})
    if operator == "ne":
        return ~Q(**{lookup: value})
    return Q(**{f"{lookup}__{'startswith' if operator == 'sw' else 'contains'}": value})


def parse_filter(text: str | None) -> Q:
    """The `Q` for an Okta System Log `filter`, or QueryProblem."""
    if not text or not text.strip():
        return Q()
    if len(text) > MAX_FILTER_LENGTH or "\x00" in text:
        raise QueryProblem(f"filter: At most {MAX_FILTER_LENGTH} characters.")
    parser = _Parser(_tokens(text))
    result = parser.expression()
    if parser.peek() is not None:
        raise QueryProblem("filter: Unexpected text after the expression; join comparisons with and/or.")
    return result


def parse_keywords(text: str | None) -> Q:
    """`q`: every keyword must appear (case-insensitively) in the message, type, reason, actor or target."""
    if not text or not text.strip():
        return Q()
    words = text.split()
    if len(words) > MAX_KEYWORDS or any(len(word) > MAX_KEYWORD_LENGTH for word in words) or "\x00" in text:
        raise QueryProblem(f"q: At most {MAX_KEYWORDS} keywords of at most {MAX_KEYWORD_LENGTH} characters each.")
    result = Q()
    for word in words:
        result &= (Q(display_message__icontains=word) | Q(event_type__icontains=word)
                   | Q(outcome_reason__icontains=word) | Q(actor__icontains=word) | Q(target__icontains=word)
                   | Q(client__icontains=word))
    return result


def parse_time(name: str, value: str | None) -> datetime | None:
    """An ISO 8601 timestamp (UTC when it names no offset), or None when absent."""
    if value is None or value == "":
        return None
    try:
        if len(value) > 64:
            raise ValueError(value)
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise QueryProblem(f"{name}: '{value[:64]}' is not an ISO 8601 timestamp, like 2026-11-28T21:00:00.000Z.") \
            from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def encode_cursor(published: datetime, uuid) -> str:
    raw = f"{published.isoformat()}|{uuid}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        if len(cursor) > 200:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        published, uuid = raw.split("|", 1)
        if not re.fullmatch(r"[0-9a-f-]{36}", uuid):
            raise ValueError(uuid)
        return datetime.fromisoformat(published), uuid
    except (ValueError, UnicodeDecodeError):
        raise QueryProblem("after: Use the cursor of a previous page's Link header.") from None
