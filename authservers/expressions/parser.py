"""Recursive-descent parser: tokens in, a checked syntax tree (`ast.Node`) out.

Precedence, loosest first, as in SpEL: ternary `c ? a : b` and Elvis `x ?: d` (right-associative);
`OR`/`||`; `AND`/`&&`; one comparison `== != < > <= >= matches` (not chained); `+ -`; unary
`! NOT -`; postfix `.name`, `?.name`, `[index]`, `.![projection]`. Names are resolved here, so an
unknown function or variable, a wrong argument count or a refused literal regex fails at compile
time with its position. Nesting is bounded (`MAX_NESTING`) so no input can exhaust the stack.
"""

from . import ast
from .errors import ExpressionSyntaxError
from .functions import FUNCTIONS, NAMESPACES
from .limits import MAX_AST_DEPTH, MAX_AST_NODES, MAX_NESTING
from .safe_regex import check_pattern
from .tokenizer import END, IDENT, NUMBER, OP, STRING, Token, tokenize

ROOTS = frozenset({"user", "appuser", "app", "access", "org"})
# Okta: session.amr exists in some contexts; tokens here are built without a session object.
UNSUPPORTED_ROOTS = {"session": "The 'session' variable is not supported in claims"}
_COMPARISONS = frozenset({"==", "!=", "<", ">", "<=", ">="})
_KEYWORD_LITERALS = {"true": True, "false": False, "null": None}


def parse(source: str) -> ast.Node:
    """Parse and check `source`; raise `ExpressionSyntaxError` with a position on any problem."""
    tokens = tokenize(source)
    if tokens[0].kind == END:
        raise ExpressionSyntaxError("Empty expression", 0)
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.peek().kind != END:
        parser.fail_unexpected()
    _check_size(node)
    return node


def _check_size(root: ast.Node) -> None:
    """Refuse trees too deep or too large to evaluate, without recursing over them."""
    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_AST_DEPTH:
            raise ExpressionSyntaxError(f"Expression is nested too deeply (more than {MAX_AST_DEPTH} levels)",
                                        node.pos)
        if count > MAX_AST_NODES:
            raise ExpressionSyntaxError(f"Expression is too large (more than {MAX_AST_NODES} parts)", node.pos)
        stack.extend((child, depth + 1) for child in ast.children(node))


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0
        self.nesting = 0
        self.projections = 0  # > 0 while parsing inside `.![...]`

    # -- token helpers ------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != END:
            self.i += 1
        return token

    def at_op(self, value: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == OP and token.value == value

    def at_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == IDENT and token.value.lower() in words

    def expect_op(self, value: str) -> Token:
        if not self.at_op(value):
            token = self.peek()
            raise ExpressionSyntaxError(f"Expected '{value}' but found {token.describe()}", token.pos)
        return self.advance()

    def fail_unexpected(self):
        token = self.peek()
        raise ExpressionSyntaxError(f"Unexpected {token.describe()}", token.pos)

    # -- grammar ------------------------------------------------------------------------------

    def expression(self) -> ast.Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionSyntaxError(f"Expression is nested too deeply (more than {MAX_NESTING} levels)",
                                        self.peek().pos)
        try:
            node = self.logical_or()
            if self.at_op("?:"):
                self.advance()
                return ast.Elvis(node.pos, node, self.expression())
            if self.at_op("?"):
                self.advance()
                if_true = self.expression()
                self.expect_op(":")
                return ast.Ternary(node.pos, node, if_true, self.expression())
            return node
        finally:
            self.nesting -= 1

    def logical_or(self) -> ast.Node:
        node = self.logical_and()
        while self.at_op("||") or self.at_keyword("or"):
            self.advance()
            node = ast.Logical(node.pos, "or", node, self.logical_and())
        return node

    def logical_and(self) -> ast.Node:
        node = self.relational()
        while self.at_op("&&") or self.at_keyword("and"):
            self.advance()
            node = ast.Logical(node.pos, "and", node, self.relational())
        return node

    def relational(self) -> ast.Node:
        node = self.sum()
        token = self.peek()
        if token.kind == OP and token.value in _COMPARISONS:
            self.advance()
            return ast.Binary(node.pos, token.value, node, self.sum())
        if self.at_keyword("matches"):
            self.advance()
            pattern = self.sum()
            if isinstance(pattern, ast.Literal) and isinstance(pattern.value, str):
                check_pattern(pattern.value, position=pattern.pos)
            return ast.Binary(node.pos, "matches", node, pattern)
        return node

    def sum(self) -> ast.Node:
        node = self.unary()
        while self.at_op("+") or self.at_op("-"):
            op = self.advance().value
            node = ast.Binary(node.pos, op, node, self.unary())
        return node

    def unary(self) -> ast.Node:
        # Iterative, so `!!!!...x` costs no stack; the tree-depth check bounds it afterwards.
        ops = []
        while self.at_op("!") or self.at_op("-") or self.at_op("+") or self.at_keyword("not"):
            token = self.advance()
            if token.value != "+":  # unary plus changes nothing
                ops.append(("-" if token.value == "-" else "!", token.pos))
        node = self.postfix(self.primary())
        for op, pos in reversed(ops):
            if op == "-" and isinstance(node, ast.Literal) and type(node.value) in (int, float):
                node = ast.Literal(pos, -node.value)
            else:
                node = ast.Unary(pos, op, node)
        return node

    def primary(self) -> ast.Node:
        token = self.peek()
        if token.kind == NUMBER or token.kind == STRING:
            self.advance()
            return ast.Literal(token.pos, token.value)
        if token.kind == IDENT:
            return self.name()
        if self.at_op("("):
            self.advance()
            node = self.expression()
            self.expect_op(")")
            return node
        if self.at_op("{"):
            return self.inline_collection()
        if self.at_op("#"):
            return self.hash_reference()
        if token.kind == END:
            raise ExpressionSyntaxError("Unexpected end of expression", token.pos)
        self.fail_unexpected()

    def name(self) -> ast.Node:
        token = self.advance()
        name, pos = token.value, token.pos
        if name.lower() in _KEYWORD_LITERALS:
            return ast.Literal(pos, _KEYWORD_LITERALS[name.lower()])
        if self.at_op("("):
            return self.call(name, pos)
        if name in NAMESPACES:
            if self.at_op(".") and self.peek(1).kind == IDENT and self.at_op("(", 2):
                self.advance()
                method = self.advance().value
                return self.call(f"{name}.{method}", pos)
            raise ExpressionSyntaxError(
                f"'{name}' is a family of functions; call one of them, for example {NAMESPACES[name]}", pos)
        if self.projections:
            # Inside `.![...]` a bare name is a property of the element, as in SpEL.
            return ast.Property(pos, ast.Current(pos), name)
        if name in ROOTS:
            return ast.Variable(pos, name)
        if name in UNSUPPORTED_ROOTS:
            raise ExpressionSyntaxError(UNSUPPORTED_ROOTS[name], pos)
        raise ExpressionSyntaxError(f"Unknown variable '{name}'", pos)

    def hash_reference(self) -> ast.Node:
        hash_token = self.advance()
        token = self.peek()
        if token.kind == IDENT and token.value == "this" and self.projections:
            self.advance()
            return ast.Current(hash_token.pos)
        shown = f"#{token.value}" if token.kind == IDENT else "#"
        raise ExpressionSyntaxError(f"Variables like '{shown}' are not supported (only #this inside .![...])",
                                    hash_token.pos)

    def call(self, name: str, pos: int) -> ast.Node:
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise ExpressionSyntaxError(f"Unknown function '{name}'", pos)
        self.expect_op("(")
        args = []
        if not self.at_op(")"):
            args.append(self.expression())
            while self.at_op(","):
                self.advance()
                args.append(self.expression())
        self.expect_op(")")
        spec.check_arguments(tuple(args), pos)
        return ast.Call(pos, name, tuple(args))

    def inline_collection(self) -> ast.Node:
        open_token = self.expect_op("{")
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionSyntaxError(f"Expression is nested too deeply (more than {MAX_NESTING} levels)",
                                        open_token.pos)
        try:
            if self.at_op("}"):
                self.advance()
                return ast.ListLiteral(open_token.pos, ())
            if self.at_op(":") and self.at_op("}", 1):
                self.advance()
                self.advance()
                return ast.MapLiteral(open_token.pos, ())
            if self.peek().kind in (STRING, IDENT) and self.at_op(":", 1):
                return self.map_entries(open_token)
            items = [self.expression()]
            while self.at_op(","):
                self.advance()
                items.append(self.expression())
            self.expect_op("}")
            return ast.ListLiteral(open_token.pos, tuple(items))
        finally:
            self.nesting -= 1

    def map_entries(self, open_token: Token) -> ast.Node:
        entries = {}
        while True:
            key_token = self.advance()
            if key_token.kind not in (STRING, IDENT):
                raise ExpressionSyntaxError(f"Expected a map key but found {key_token.describe()}", key_token.pos)
            self.expect_op(":")
            entries[key_token.value] = self.expression()
            if not self.at_op(","):
                break
            self.advance()
        self.expect_op("}")
        return ast.MapLiteral(open_token.pos, tuple(entries.items()))

    def postfix(self, node: ast.Node) -> ast.Node:
        while True:
            if self.at_op(".") or self.at_op("?."):
                self.advance()
                if self.at_op("!") and self.at_op("[", 1):
                    node = self.projection(node)
                    continue
                if self.at_op("?") or self.at_op("^") or self.at_op("$"):
                    raise ExpressionSyntaxError("Selection '.?[...]' is not supported", self.peek().pos)
                token = self.peek()
                if token.kind != IDENT:
                    raise ExpressionSyntaxError(f"Expected a property name but found {token.describe()}",
                                                token.pos)
                self.advance()
                if self.at_op("("):
                    node = self.method_call(node, token)
                else:
                    node = ast.Property(node.pos, node, token.value)
            elif self.at_op("["):
                self.advance()
                index = self.expression()
                self.expect_op("]")
                node = ast.Index(node.pos, node, index)
            else:
                return node

    def method_call(self, target: ast.Node, method: Token) -> ast.Node:
        path = _dotted_path(target)
        qualified = f"{path}.{method.value}" if path else method.value
        if path == "user" and qualified in FUNCTIONS:
            return self.call(qualified, target.pos)
        raise ExpressionSyntaxError(f"Unknown function '{qualified}'", target.pos if path else method.pos)

    def projection(self, target: ast.Node) -> ast.Node:
        self.advance()  # !
        self.advance()  # [
        self.projections += 1
        try:
            expression = self.expression()
        finally:
            self.projections -= 1
        self.expect_op("]")
        return ast.Projection(target.pos, target, expression)


def _dotted_path(node: ast.Node) -> str | None:
    """`user.profile.x` for a chain of plain property reads from a root, else None."""
    names = []
    while isinstance(node, ast.Property):
        names.append(node.name)
        node = node.target
    if not isinstance(node, ast.Variable):
        return None
    names.append(node.name)
    return ".".join(reversed(names))
