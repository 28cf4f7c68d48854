"""Group functions over the user's groups in the context (REFERENCE §4.1).

A group is a dict `{"id", "name", "type"}` with `type` one of OKTA_GROUP, APP_GROUP, BUILT_IN,
plus optional `"source"` (for APP_GROUPs: the app id or app type they come from) and
`"description"`. Name comparisons ignore case, as Okta's STARTS_WITH/EQUALS/CONTAINS group
filters do; regexes are case-sensitive and must match the whole name.
"""

from . import ast
from .coercion import array_arg, int_arg, literal_value, text_arg
from .errors import ExpressionEvaluationError, ExpressionSyntaxError
from .limits import MAX_GROUP_LIMIT, MIN_GROUP_LIMIT
from .safe_regex import check_pattern, compile_pattern
from .values import type_name

OKTA_SOURCE = "OKTA"
OKTA_SOURCE_TYPES = frozenset({"OKTA_GROUP", "BUILT_IN"})
FILTER_KEYS = frozenset({"group.id", "group.type", "group.source.id", "group.profile.name"})
OPERATORS = frozenset({"EXACT", "STARTS_WITH"})
INTERNAL_PROPERTIES = frozenset({"id", "status"})


def _name(group: dict) -> str:
    name = group.get("name")
    if name is None and isinstance(group.get("profile"), dict):
        name = group["profile"].get("name")
    return name if isinstance(name, str) else ""


def _field(group: dict, key: str) -> str | None:
    value = group.get(key)
    return value if isinstance(value, str) else None


def _groups(env) -> list[dict]:
    return [group for group in env.groups if isinstance(group, dict)]


def _fold(value: str) -> str:
    return value.casefold()


def _limit(function: str, value) -> int:
    limit = int_arg(function, value)
    if not MIN_GROUP_LIMIT <= limit <= MAX_GROUP_LIMIT:
        raise ExpressionEvaluationError(f"{function}: the limit must be between {MIN_GROUP_LIMIT} and "
                                        f"{MAX_GROUP_LIMIT}, got {limit}")
    return limit


def _check_literal_limit(index: int):
    def check(args, pos):
        known, value = literal_value(args[index])
        if known and not (isinstance(value, int) and not isinstance(value, bool)
                          and MIN_GROUP_LIMIT <= value <= MAX_GROUP_LIMIT):
            raise ExpressionSyntaxError(
                f"The limit must be a whole number between {MIN_GROUP_LIMIT} and {MAX_GROUP_LIMIT}", args[index].pos)
    return check


def _text_list(function: str, values) -> list[str]:
    result = []
    for value in values:
        if isinstance(value, (list, tuple)):
            result.extend(text_arg(function, item, null="") for item in value)
        else:
            result.append(text_arg(function, value, null=""))
    return result


# -- isMemberOf... ------------------------------------------------------------------------------


def is_member_of_group_name(env, name):
    name = text_arg("isMemberOfGroupName", name)
    return name is not None and any(_fold(_name(g)) == _fold(name) for g in _groups(env))


def is_member_of_group(env, group_id):
    group_id = text_arg("isMemberOfGroup", group_id)
    return group_id is not None and any(_field(g, "id") == group_id for g in _groups(env))


def is_member_of_any_group(env, *group_ids):
    wanted = set(_text_list("isMemberOfAnyGroup", group_ids))
    return any(_field(g, "id") in wanted for g in _groups(env))


def is_member_of_group_name_starts_with(env, prefix):
    prefix = text_arg("isMemberOfGroupNameStartsWith", prefix)
    return prefix is not None and any(_fold(_name(g)).startswith(_fold(prefix)) for g in _groups(env))


def is_member_of_group_name_contains(env, part):
    part = text_arg("isMemberOfGroupNameContains", part)
    return part is not None and any(_fold(part) in _fold(_name(g)) for g in _groups(env))


def is_member_of_group_name_regex(env, pattern):
    compiled = compile_pattern(text_arg("isMemberOfGroupNameRegex", pattern))
    return any(env.regex.fullmatch(compiled, _name(g)) for g in _groups(env))


def _check_regex(args, pos):
    known, value = literal_value(args[0])
    if known and isinstance(value, str):
        check_pattern(value, position=args[0].pos)


# -- getFilteredGroups and Groups.* ----------------------------------------------------------------


def _group_attribute(function: str, expression):
    expression = text_arg(function, expression, null="")
    parts = expression.split(".")
    if len(parts) == 2 and parts[0] == "group" and parts[1]:
        key = parts[1]
        return lambda g: _name(g) if key == "name" else g.get(key)
    if len(parts) == 3 and parts[:2] == ["group", "profile"] and parts[2]:
        key = parts[2]
        return lambda g: _name(g) if key == "name" else g.get(key)
    raise ExpressionEvaluationError(f"{function}: the group expression must look like \"group.name\", "
                                    f"got '{expression[:40]}'")


def get_filtered_groups(env, allowlist, expression, limit):
    allowed = set(_text_list("getFilteredGroups", array_arg("getFilteredGroups", allowlist) or []))
    attribute = _group_attribute("getFilteredGroups", expression)
    limit = _limit("getFilteredGroups", limit)
    return [attribute(g) for g in _groups(env) if _field(g, "id") in allowed][:limit]


def _check_filtered_groups(args, pos):
    _check_literal_limit(2)(args, pos)
    known, value = literal_value(args[1])
    if known:
        try:
            _group_attribute("getFilteredGroups", value)
        except ExpressionEvaluationError as exc:
            raise ExpressionSyntaxError(exc.message, args[1].pos) from None


def _from_source(group: dict, source: str) -> bool:
    if source.upper() == OKTA_SOURCE:
        return _field(group, "type") in OKTA_SOURCE_TYPES
    group_source = _field(group, "source")
    return (_field(group, "type") == "APP_GROUP" and group_source is not None
            and _fold(group_source) == _fold(source))


def _groups_matching(function: str, test):
    def impl(env, source, pattern, limit):
        source = text_arg(function, source)
        pattern = text_arg(function, pattern)
        limit = _limit(function, limit)
        if source is None or pattern is None:
            raise ExpressionEvaluationError(f"{function} needs an app and a pattern, got null")
        folded = _fold(pattern)
        names = [_name(g) for g in _groups(env) if _from_source(g, source) and test(_fold(_name(g)), folded)]
        return names[:limit]
    return impl


# -- user.getGroups / user.isMemberOf / user.getInternalProperty ----------------------------------------


def _filter_predicate(function: str, criteria):
    if not isinstance(criteria, dict):
        raise ExpressionEvaluationError(f"{function} needs filter maps like {{'group.type': {{'OKTA_GROUP'}}}}, "
                                        f"got {type_name(criteria)}")
    problem = _filter_problem(criteria.keys(), criteria.get("operator"))
    if problem:
        raise ExpressionEvaluationError(f"{function}: {problem}")
    tests = []
    for key, value in criteria.items():
        if key == "operator":
            continue
        values = _text_list(function, value if isinstance(value, (list, tuple)) else [value])
        if key == "group.profile.name":
            names = [_fold(v) for v in values]
            if criteria.get("operator", "STARTS_WITH") == "EXACT":
                tests.append(lambda g, names=names: _fold(_name(g)) in names)
            else:
                tests.append(lambda g, names=names: any(_fold(_name(g)).startswith(n) for n in names))
        else:
            field = {"group.id": "id", "group.type": "type", "group.source.id": "source"}[key]
            tests.append(lambda g, field=field, values=set(values): _field(g, field) in values)
    return lambda g: all(test(g) for test in tests)


def _filter_problem(keys, operator) -> str | None:
    unknown = [k for k in keys if k not in FILTER_KEYS and k != "operator"]
    if unknown:
        return f"unknown filter key '{unknown[0]}' (use {', '.join(sorted(FILTER_KEYS))})"
    if operator is not None and (not isinstance(operator, str) or operator not in OPERATORS):
        return "the operator must be EXACT or STARTS_WITH"
    if operator is not None and "group.profile.name" not in keys:
        return "the operator applies only to group.profile.name"
    return None


def _check_filter_maps(args, pos):
    for arg in args:
        if isinstance(arg, ast.MapLiteral):
            keys = [key for key, _ in arg.entries]
            operator_node = dict(arg.entries).get("operator")
            known, operator = literal_value(operator_node) if operator_node else (True, None)
            problem = _filter_problem(keys, operator if known else None)
            if problem:
                raise ExpressionSyntaxError(problem[0].upper() + problem[1:], arg.pos)


def _group_object(group: dict) -> dict:
    result = dict(group)
    result.setdefault("name", _name(group))
    if not isinstance(result.get("profile"), dict):
        result["profile"] = {"name": _name(group), "description": group.get("description")}
    return result


def user_get_groups(env, *filters):
    tests = [_filter_predicate("user.getGroups", criteria) for criteria in filters]
    return [_group_object(g) for g in _groups(env) if all(test(g) for test in tests)]


def user_is_member_of(env, *filters):
    tests = [_filter_predicate("user.isMemberOf", criteria) for criteria in filters]
    return any(all(test(g) for test in tests) for g in _groups(env))


def user_get_internal_property(env, name):
    if not isinstance(name, str) or name not in INTERNAL_PROPERTIES:
        raise ExpressionEvaluationError("user.getInternalProperty supports \"id\" and \"status\"")
    return env.user.get(name) if env.user is not None else None  # no user: client credentials


def _check_internal_property(args, pos):
    known, value = literal_value(args[0])
    if known and (not isinstance(value, str) or value not in INTERNAL_PROPERTIES):
        raise ExpressionSyntaxError("user.getInternalProperty supports \"id\" and \"status\"", args[0].pos)


def register_all(register) -> None:
    register("isMemberOfGroupName", is_member_of_group_name, 1)
    register("isMemberOfGroup", is_member_of_group, 1)
    register("isMemberOfAnyGroup", is_member_of_any_group, 1, None)
    register("isMemberOfGroupNameStartsWith", is_member_of_group_name_starts_with, 1)
    register("isMemberOfGroupNameContains", is_member_of_group_name_contains, 1)
    register("isMemberOfGroupNameRegex", is_member_of_group_name_regex, 1, check=_check_regex)
    register("getFilteredGroups", get_filtered_groups, 3, check=_check_filtered_groups)
    register("Groups.startsWith", _groups_matching("Groups.startsWith", str.startswith), 3,
             check=_check_literal_limit(2))
    register("Groups.endsWith", _groups_matching("Groups.endsWith", str.endswith), 3, check=_check_literal_limit(2))
    register("Groups.contains", _groups_matching("Groups.contains", lambda name, part: part in name), 3,
             check=_check_literal_limit(2))
    register("user.getGroups", user_get_groups, 0, None, check=_check_filter_maps)
    register("user.isMemberOf", user_is_member_of, 1, None, check=_check_filter_maps)
    register("user.getInternalProperty", user_get_internal_property, 1, check=_check_internal_property)
