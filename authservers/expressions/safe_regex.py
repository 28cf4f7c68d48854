"""Regular expressions with guards against catastrophic backtracking, on Python's own `re`.

`re` has no timeout, so the cost is bounded by the pattern's shape and the input's size instead:
patterns of at most MAX_REGEX_LENGTH characters; no backreferences; no quantified group that holds
a variable quantifier or an alternation (`(a+)+`, `(a|aa)*`); and a worst-case estimate, the
product over all quantifiers of how many lengths each can take (an open-ended `*` counts
MAX_REGEX_INPUT + 1), of at most MAX_REGEX_COST: `.*admin.*` passes, `.*a.*b.*c` does not.
Inputs are at most MAX_REGEX_INPUT characters and MAX_REGEX_WORK characters per evaluation.
Measured, the worst accepted pattern on the longest input takes a few milliseconds.
"""

import functools
import re

try:  # Python 3.11+
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants
    import sre_parse

from .errors import ExpressionEvaluationError, ExpressionSyntaxError
from .limits import MAX_REGEX_COST, MAX_REGEX_INPUT, MAX_REGEX_LENGTH, MAX_REGEX_WORK

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
if hasattr(sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(sre_constants.POSSESSIVE_REPEAT)
_BACKREFERENCES = {sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS, sre_constants.GROUPREF_IGNORE}
_UNBOUNDED = sre_constants.MAXREPEAT


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is refused, in plain words, or None when it may be used."""
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"Regular expression is longer than {MAX_REGEX_LENGTH} characters"
    try:
        parsed = sre_parse.parse(pattern)
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"Invalid regular expression: {getattr(exc, 'msg', None) or exc}"
    cost = [1]
    return _walk(parsed, cost, inside_repeat=False)


def _walk(subpattern, cost: list[int], inside_repeat: bool) -> str | None:
    for op, av in subpattern:
        if op in _BACKREFERENCES:
            return "Backreferences are not allowed in regular expressions"
        if op in _REPEATS:
            low, high, body = av
            if high > low:
                if inside_repeat:
                    return "Nested quantifiers like (a+)+ are not allowed in regular expressions"
                cost[0] *= min(high - low, MAX_REGEX_INPUT) + 1
                if cost[0] > MAX_REGEX_COST:
                    return ("Regular expression has too many quantifiers (* + ? {m,n}) to run safely; "
                            "at most two open-ended ones like .* are allowed")
            problem = _walk(body, cost, inside_repeat or high > 1)
        elif op == sre_constants.BRANCH:
            if inside_repeat:
                return "Alternatives inside a repeated group like (a|b)+ are not allowed in regular expressions"
            problem = next((p for p in (_walk(b, cost, inside_repeat) for b in av[1]) if p), None)
        elif op == sre_constants.SUBPATTERN:
            problem = _walk(av[-1], cost, inside_repeat)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            problem = _walk(av[1], cost, inside_repeat)
        elif op == getattr(sre_constants, "ATOMIC_GROUP", None):
            problem = _walk(av, cost, inside_repeat)
        else:
            problem = None
        if problem:
            return problem
    return None


def check_pattern(pattern: str, *, position: int) -> None:
    """Compile-time check of a literal pattern."""
    problem = pattern_problem(pattern)
    if problem:
        raise ExpressionSyntaxError(problem, position)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern | str:
    return pattern_problem(pattern) or re.compile(pattern)


def compile_pattern(pattern) -> re.Pattern:
    """Run-time compile (cached) of a pattern that may come from data."""
    if not isinstance(pattern, str):
        raise ExpressionEvaluationError("A regular expression must be text")
    compiled = _compiled(pattern)
    if isinstance(compiled, str):
        raise ExpressionEvaluationError(compiled)
    return compiled


class RegexBudget:
    """Characters matched by regexes so far in one evaluation."""

    __slots__ = ("used",)

    def __init__(self):
        self.used = 0

    def fullmatch(self, compiled: re.Pattern, text: str) -> bool:
        """Java's String.matches: the whole text must match."""
        if len(text) > MAX_REGEX_INPUT:
            raise ExpressionEvaluationError(
                f"Regular expressions are matched only against text of up to {MAX_REGEX_INPUT} characters")
        self.used += len(text) + 1
        if self.used > MAX_REGEX_WORK:
            raise ExpressionEvaluationError("The expression does too much regular-expression matching")
        return compiled.fullmatch(text) is not None
