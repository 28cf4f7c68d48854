"""Syntax tree of an expression: small frozen dataclasses, each with the source position it came from."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: object  # None, bool, int, float or str


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    items: tuple[Node, ...]  # `{1, 2, 3}`


@dataclass(frozen=True, slots=True)
class MapLiteral(Node):
    entries: tuple[tuple[str, Node], ...]  # `{'group.type': {'OKTA_GROUP'}}`


@dataclass(frozen=True, slots=True)
class Variable(Node):
    name: str  # a context root: user, appuser, app, access, org


@dataclass(frozen=True, slots=True)
class Current(Node):
    """The element being projected, inside `.![...]` (SpEL's `#this`)."""


@dataclass(frozen=True, slots=True)
class Property(Node):
    target: Node
    name: str  # a dictionary key; missing keys and null targets give null


@dataclass(frozen=True, slots=True)
class Index(Node):
    target: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Projection(Node):
    target: Node
    expression: Node  # evaluated once per element, with Current() standing for the element


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str  # the qualified name in the function registry: "String.len", "user.getGroups"
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "!" or "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # + - == != < > <= >= matches
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    op: str  # "and" or "or", short-circuit
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Ternary(Node):
    condition: Node
    if_true: Node
    if_false: Node


@dataclass(frozen=True, slots=True)
class Elvis(Node):
    value: Node
    default: Node  # used when value is null or the empty string


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of `node`, for walks that must not recurse (depth and size checks)."""
    if isinstance(node, (Literal, Variable, Current)):
        return ()
    if isinstance(node, ListLiteral):
        return node.items
    if isinstance(node, MapLiteral):
        return tuple(value for _, value in node.entries)
    if isinstance(node, Property):
        return (node.target,)
    if isinstance(node, (Index,)):
        return (node.target, node.index)
    if isinstance(node, Projection):
        return (node.target, node.expression)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, (Binary, Logical)):
        return (node.left, node.right)
    if isinstance(node, Ternary):
        return (node.condition, node.if_true, node.if_false)
    if isinstance(node, Elvis):
        return (node.value, node.default)
    raise TypeError(f"unknown node {type(node).__name__}")
