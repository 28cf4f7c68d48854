"""The two errors the expression language raises: one when compiling, one when evaluating."""


class ExpressionError(Exception):
    """Base class: catch this to handle both compile-time and run-time failures."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ExpressionSyntaxError(ExpressionError):
    """The expression cannot be compiled: bad syntax, an unknown function or variable, a refused regex.

    `description` is the plain-words problem, `position` the 0-based character offset in the
    source it points at; `message` (and `str()`) join them: "Unexpected ')' at position 12".
    """

    def __init__(self, description: str, position: int):
        self.description = description
        self.position = position
        super().__init__(f"{description} at position {position}")


class ExpressionEvaluationError(ExpressionError):
    """A compiled expression failed against a context (wrong types, a limit exceeded, a bad regex...)."""
