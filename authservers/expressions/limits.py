"""Bounds on what an expression may cost. One place, so docs/expressions.md and the tests agree."""

MAX_SOURCE_LENGTH = 2_000  # characters of expression text
MAX_NESTING = 32  # parentheses, calls, literals and ternaries nested inside each other
MAX_AST_DEPTH = 100  # depth of the syntax tree (long `a + b + c ...` chains count too)
MAX_AST_NODES = 800
MAX_STRING_LENGTH = 10_000  # characters in a string the expression builds
MAX_ARRAY_LENGTH = 1_000  # elements in an array the expression builds
MAX_INTEGER = 2**63 - 1  # integers stay in Java's long range

MAX_REGEX_LENGTH = 200  # characters of pattern
MAX_REGEX_INPUT = 1_000  # characters a regex is matched against
# Worst-case backtracking estimate: the product, over quantifiers, of the lengths each can take
# (an open-ended one like * counts MAX_REGEX_INPUT + 1). `.*admin.*` is about 1e6; `.*a.*b.*c` 1e9.
MAX_REGEX_COST = 2_000_000
MAX_REGEX_WORK = 100_000  # characters matched by regexes in one evaluation

MIN_GROUP_LIMIT = 1  # Okta: the limit argument of group functions is 1..100
MAX_GROUP_LIMIT = 100
