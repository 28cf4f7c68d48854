"""Parser: precedence as in SpEL, names resolved at compile time, errors with positions, bounded nesting."""

import pytest

from authservers.expressions import ExpressionSyntaxError, ast, compile_expression
from authservers.expressions.limits import MAX_AST_DEPTH, MAX_NESTING, MAX_SOURCE_LENGTH
from authservers.expressions.parser import parse


def syntax_error(source) -> ExpressionSyntaxError:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(source)
    return info.value


def test_literals():
    assert parse("'a'") == ast.Literal(0, "a")
    assert parse("12") == ast.Literal(0, 12)
    assert parse("TRUE") == ast.Literal(0, True)
    assert parse("False") == ast.Literal(0, False)
    assert parse("NULL") == ast.Literal(0, None)
    assert parse("-2.5") == ast.Literal(0, -2.5)


def test_property_chain_from_a_root():
    assert parse("app.profile.tier") == ast.Property(
        0, ast.Property(0, ast.Variable(0, "app"), "profile"), "tier")


def test_safe_navigation_is_plain_property_access():
    assert parse("user?.manager?.login") == parse("user.manager.login")


def test_and_binds_tighter_than_or():
    node = parse("a1 or b1 and c1".replace("a1", "true").replace("b1", "false").replace("c1", "true"))
    assert isinstance(node, ast.Logical) and node.op == "or"
    assert isinstance(node.right, ast.Logical) and node.right.op == "and"


@pytest.mark.parametrize("source", ["true AND false", "true and false", "true && false", "true And false"])
def test_and_spellings(source):
    assert parse(source) == ast.Logical(0, "and", ast.Literal(0, True), ast.Literal(parse(source).right.pos, False))


@pytest.mark.parametrize("source", ["true OR false", "true or false", "true || false"])
def test_or_spellings(source):
    assert parse(source).op == "or"


def test_comparison_binds_looser_than_plus():
    node = parse("1 + 2 == 3")
    assert node.op == "==" and node.left.op == "+"


def test_not_binds_tighter_than_comparison_as_in_spel():
    node = parse("!true == false")
    assert node.op == "==" and isinstance(node.left, ast.Unary)


@pytest.mark.parametrize("source", ["!x1", "NOT x1", "not x1"])
def test_not_spellings(source):
    node = parse(source.replace("x1", "true"))
    assert isinstance(node, ast.Unary) and node.op == "!"


def test_ternary_is_right_associative():
    node = parse("true ? 1 : false ? 2 : 3")
    assert isinstance(node, ast.Ternary) and isinstance(node.if_false, ast.Ternary)


def test_ternary_branches_may_be_ternaries():
    node = parse("true ? false ? 1 : 2 : 3")
    assert isinstance(node.if_true, ast.Ternary) and node.if_false == ast.Literal(23, 3)


def test_elvis():
    node = parse("user.nickname ?: user.firstName")
    assert isinstance(node, ast.Elvis) and node.default.name == "firstName"


def test_sub_claim_expression_parses():
    node = parse("(appuser != null) ? appuser.userName : app.clientId")
    assert isinstance(node, ast.Ternary)
    assert node.condition == ast.Binary(1, "!=", ast.Variable(1, "appuser"), ast.Literal(12, None))


def test_list_and_map_literals():
    assert parse("{1, 2}") == ast.ListLiteral(0, (ast.Literal(1, 1), ast.Literal(4, 2)))
    assert parse("{}") == ast.ListLiteral(0, ())
    assert parse("{:}") == ast.MapLiteral(0, ())
    node = parse("{'group.type': {'OKTA_GROUP'}, operator: 'EXACT'}")
    assert isinstance(node, ast.MapLiteral) and [k for k, _ in node.entries] == ["group.type", "operator"]


def test_indexing_and_projection():
    node = parse("access.scope[0]")
    assert isinstance(node, ast.Index) and node.index == ast.Literal(13, 0)
    node = parse("user.getGroups().![profile.name]")
    assert isinstance(node, ast.Projection)
    assert node.expression == ast.Property(19, ast.Property(19, ast.Current(19), "profile"), "name")


def test_this_inside_projection():
    assert parse("{1, 2}.![#this]").expression == ast.Current(9)


@pytest.mark.parametrize("source, name", [
    ("String.toUpperCase(user.email)", "String.toUpperCase"),
    ("toUpperCase(user.email)", "toUpperCase"),
    ("Arrays.size(access.scope)", "Arrays.size"),
    ("Convert.toInt('1')", "Convert.toInt"),
    ("Groups.startsWith('OKTA', 'a', 10)", "Groups.startsWith"),
    ("Time.now()", "Time.now"),
    ("isMemberOfGroupName('x')", "isMemberOfGroupName"),
    ("user.getInternalProperty('id')", "user.getInternalProperty"),
    ("user.getGroups()", "user.getGroups"),
    ("user.isMemberOf({'group.id': 'x'})", "user.isMemberOf"),
])
def test_calls_resolve_to_registered_functions(source, name):
    node = parse(source)
    assert isinstance(node, ast.Call) and node.name == name and node.pos == 0


@pytest.mark.parametrize("source, message", [
    ("String.toUpper(user.email)", "Unknown function 'String.toUpper' at position 0"),
    ("user.firstName + (1 + 2))", "Unexpected ')' at position 24"),
    ("toUpper('x')", "Unknown function 'toUpper' at position 0"),
    ("  zendesk.email", "Unknown variable 'zendesk' at position 2"),
    ("session.amr", "The 'session' variable is not supported in claims at position 0"),
    ("'a' + user.email.toUpperCase()", "Unknown function 'user.email.toUpperCase' at position 6"),
    ("user.getLinkedObject('manager')", "Unknown function 'user.getLinkedObject' at position 0"),
    ("(1).foo()", "Unknown function 'foo' at position 4"),
    ("Iso3166Convert.toAlpha2('US')", "Unknown function 'Iso3166Convert.toAlpha2' at position 0"),
    ("String", "'String' is a family of functions; call one of them, for example String.len(...) at position 0"),
    ("1 +", "Unexpected end of expression at position 3"),
    ("(1 + 2", "Expected ')' but found end of expression at position 6"),
    ("{1, 2", "Expected '}' but found end of expression at position 5"),
    ("String.len('a', 'b')", "String.len takes 1 argument, got 2 at position 0"),
    ("String.replace('a')", "String.replace takes 3 arguments, got 1 at position 0"),
    ("Time.now(1, 2, 3)", "Time.now takes 0 to 2 arguments, got 3 at position 0"),
    ("isMemberOfAnyGroup()", "isMemberOfAnyGroup takes at least 1 argument, got 0 at position 0"),
    ("String.stringSwitch('a', 'b', 'c')",
     "String.stringSwitch takes the text, a default, then key/value pairs at position 0"),
    ("1 == 2 == 3", "Unexpected '==' at position 7"),
    ("user.", "Expected a property name but found end of expression at position 5"),
    ("user.'x'", "Expected a property name but found string 'x' at position 5"),
    ("", "Empty expression at position 0"),
    ("   ", "Empty expression at position 0"),
    ("#this", "Variables like '#this' are not supported (only #this inside .![...]) at position 0"),
    ("#x", "Variables like '#x' are not supported (only #this inside .![...]) at position 0"),
    ("access.scope.?[#this == 'a']", "Selection '.?[...]' is not supported at position 13"),
    ("1 2", "Unexpected number 2 at position 2"),
    ("{'a': }", "Unexpected '}' at position 6"),
    ("{'a': 1, 2: 3}", "Expected a map key but found number 2 at position 9"),
    ("user.getInternalProperty('created')", "user.getInternalProperty supports \"id\" and \"status\" at position 25"),
    ("Groups.startsWith('OKTA', 'a', 101)", "The limit must be a whole number between 1 and 100 at position 31"),
    ("Groups.contains('OKTA', 'a', 0)", "The limit must be a whole number between 1 and 100 at position 29"),
    ("getFilteredGroups({'00g1'}, 'group.name', 1.5)",
     "The limit must be a whole number between 1 and 100 at position 42"),
    ("getFilteredGroups({'00g1'}, 'name', 10)",
     "getFilteredGroups: the group expression must look like \"group.name\", got 'name' at position 28"),
    ("user.getGroups({'group.colour': 'x'})",
     "Unknown filter key 'group.colour' (use group.id, group.profile.name, group.source.id, group.type) "
     "at position 15"),
    ("user.isMemberOf({'group.profile.name': 'x', 'operator': 'CONTAINS'})",
     "The operator must be EXACT or STARTS_WITH at position 16"),
    ("user.getGroups({'group.id': 'x', 'operator': 'EXACT'})",
     "The operator applies only to group.profile.name at position 15"),
    ("Time.now('Mars/Olympus')", "Unknown time zone 'Mars/Olympus' at position 9"),
    ("Time.now('UTC', 'yyyy G')", "Time.now: unsupported format letter 'G' at position 16"),
    ("user.login matches '(a+)+'",
     "Nested quantifiers like (a+)+ are not allowed in regular expressions at position 19"),
    ("isMemberOfGroupNameRegex('(')",
     "Invalid regular expression: missing ), unterminated subpattern at position 25"),
])
def test_errors_in_plain_words_with_position(source, message):
    assert str(syntax_error(source)) == message


def test_error_carries_description_and_position_separately():
    error = syntax_error("String.toUpper(x)")
    assert error.description == "Unknown function 'String.toUpper'"
    assert error.position == 0
    assert error.message == "Unknown function 'String.toUpper' at position 0"


def test_deeply_nested_parentheses_are_refused_cleanly():
    source = "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1)
    assert "nested too deeply" in syntax_error(source).description
    parse("(" * (MAX_NESTING - 1) + "1" + ")" * (MAX_NESTING - 1))


def test_ten_thousand_parentheses_give_a_clean_error():
    error = syntax_error("(" * 10_000)
    assert f"longer than {MAX_SOURCE_LENGTH} characters" in error.description
    error = syntax_error("(" * (MAX_SOURCE_LENGTH - 1))
    assert "nested too deeply" in error.description


@pytest.mark.parametrize("source", [
    "!" * 500 + "true",
    "-" * 500 + "user.age",
    "+".join(["1"] * (MAX_AST_DEPTH + 5)),
    "{" * 40 + "}" * 40,
    "String.len(" * 40 + "'a'" + ")" * 40,
    "user" + "[0]" * 150,
    "user" + ".a" * 150,
])
def test_deep_trees_are_refused_not_crashed(source):
    assert "nested too deeply" in syntax_error(source).description


def test_long_but_shallow_expressions_are_fine():
    compile_expression("+".join(["1"] * (MAX_AST_DEPTH - 5)))
    compile_expression("{" + ", ".join(["1"] * 400) + "}")


def test_node_count_is_capped():
    assert "too large" in syntax_error("{" + ",".join(["1"] * 900) + "}").description


def test_compile_expression_refuses_non_text():
    with pytest.raises(ExpressionSyntaxError, match="must be text"):
        compile_expression(None)


def test_compiled_expression_keeps_source_and_tree():
    expression = compile_expression("1 + 1")
    assert expression.source == "1 + 1"
    assert isinstance(expression.tree, ast.Binary)
    assert "1 + 1" in repr(expression)
