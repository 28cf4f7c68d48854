"""Golden tests for every function, with Okta's documented examples where REFERENCE §4.1 and Okta give them."""

import pytest

from authservers.expressions import EvaluationContext, ExpressionEvaluationError
from authservers.expressions.functions import FUNCTIONS
from authservers.expressions.limits import MAX_ARRAY_LENGTH, MAX_STRING_LENGTH

from .conftest import make_context

STRING_CASES = [
    # Okta's documented examples
    ('String.append("This is", " a test")', "This is a test"),
    ('String.join(",", "This", "is", "a", "test")', "This,is,a,test"),
    ('String.join("", "This", "is", "a", "test")', "Thisisatest"),
    ('String.len("This")', 4),
    ('String.removeSpaces("This is a test")', "Thisisatest"),
    ('String.replace("This is a test", "is", "at")', "That at a test"),
    ('String.replaceFirst("This is a test", "is", "at")', "That is a test"),
    ('String.stringContains("This is a test", "test")', True),
    ('String.stringContains("This is a test", "doesn\'tExist")', False),
    ('String.stringSwitch("This is a test", "default", "key1", "value1")', "default"),
    ('String.stringSwitch("This is a test", "default", "test", "value1")', "value1"),
    ('String.stringSwitch("First match wins", "default", "absent", "value1", "match", "value2", "wins", "value3")',
     "value2"),
    ('String.stringSwitch("Substrings count", "default", "ring", "value1")', "value1"),
    ('String.substring("This is a test", 2, 9)', "is is a"),
    ('String.substringAfter("abc@okta.com", "@")', "okta.com"),
    ('String.substringBefore("abc@okta.com", "@")', "abc"),
    ('String.toUpperCase("This")', "THIS"),
    ('String.toLowerCase("ThiS")', "this"),
    ('String.startsWith("This is a test", "This")', True),
    ('String.startsWith("This is a test", "is")', False),
    # the deprecated bare forms
    ('toUpperCase("This")', "THIS"),
    ('toLowerCase("ThiS")', "this"),
    ('substring("This is a test", 2, 9)', "is is a"),
    ('substringBefore("abc@okta.com", "@")', "abc"),
    ('substringAfter("abc@okta.com", "@")', "okta.com"),
    # on context values
    ("String.toUpperCase(user.email)", "ADA@EXAMPLE.COM"),
    ("String.substringBefore(user.email, '@')", "Ada"),
    ("String.replace(Arrays.toCsvString(access.scope), ',', ' ')", "openid profile email"),
    # null handling (StringUtils conventions)
    ("String.toUpperCase(user.missing)", None),
    ("String.toLowerCase(null)", None),
    ("String.len(null)", 0),
    ("String.len('')", 0),
    ("String.append(null, 'x')", "x"),
    ("String.append('x', null)", "x"),
    ("String.join('-', 'a', null, 'b')", "a--b"),
    ("String.join(' ', access.scope)", "openid profile email"),
    ("String.join(',')", ""),
    ("String.removeSpaces(null)", None),
    ("String.replace(null, 'a', 'b')", None),
    ("String.replace('aaa', 'a', null)", ""),
    ("String.replaceFirst(null, 'a', 'b')", None),
    ("String.startsWith(null, 'a')", False),
    ("String.startsWith('a', null)", False),
    ("String.stringContains(null, 'a')", False),
    ("String.stringSwitch(null, 'dflt', 'a', 'b')", "dflt"),
    ("String.substring(null, 0, 1)", None),
    ("String.substringAfter(null, '@')", None),
    ("String.substringAfter('', '@')", ""),
    ("String.substringAfter('abc', 'x')", ""),
    ("String.substringAfter('abc', null)", ""),
    ("String.substringAfter('abc', '')", "abc"),
    ("String.substringBefore(null, '@')", None),
    ("String.substringBefore('abc', 'x')", "abc"),
    ("String.substringBefore('abc', null)", "abc"),
    ("String.substringBefore('abc', '')", ""),
    # numbers and booleans read as Java prints them
    ("String.len(12345)", 5),
    ("String.append('v', 1.5)", "v1.5"),
    ("String.append('v', true)", "vtrue"),
    ("String.toUpperCase(1)", "1"),
    # edge cases
    ("String.replace('abc', '', '-')", "-a-b-c-"),
    ("String.substring('abc', 0, 3)", "abc"),
    ("String.substring('abc', 1, 1)", ""),
    ("String.substring('abc', 1.0, 2)", "b"),
    ("String.removeSpaces(' a\tb ')", "a\tb"),
]


@pytest.mark.parametrize("source, expected", STRING_CASES)
def test_string_functions(ev, source, expected):
    result = ev(source)
    assert result == expected and type(result) is type(expected)


ARRAYS_CASES = [
    # Okta's documented examples
    ("Arrays.add({10, 20, 30}, 40)", [10, 20, 30, 40]),
    ("Arrays.remove({10, 20, 30}, 20)", [10, 30]),
    ("Arrays.clear({10, 20, 30})", []),
    ("Arrays.get({0, 1, 2}, 0)", 0),
    ("Arrays.flatten(10, {20, 30}, 40)", [10, 20, 30, 40]),
    ("Arrays.contains({10, 20, 30}, 10)", True),
    ("Arrays.contains({10, 20, 30}, 50)", False),
    ("Arrays.size({10, 20, 30})", 3),
    ("Arrays.size(NULL)", 0),
    ("Arrays.isEmpty({10, 20})", False),
    ("Arrays.isEmpty(NULL)", True),
    ('Arrays.toCsvString({"This", "is", " a ", "test"})', "This,is, a ,test"),
    # CSV strings are accepted as arrays
    ("Arrays.contains('openid,email', 'email')", True),
    ("Arrays.size('a,b,c')", 3),
    ("Arrays.size('')", 0),
    ("Arrays.isEmpty('')", True),
    ("Arrays.get('a,b,c', 1)", "b"),
    ("Arrays.add('a,b', 'c')", ["a", "b", "c"]),
    ("Arrays.contains('10,20', 10)", False),  # CSV elements are text
    # on context values
    ("Arrays.contains(access.scope, 'email')", True),
    ("Arrays.size(access.scope)", 3),
    ("Arrays.toCsvString(access.scope)", "openid,profile,email"),
    ("Arrays.get(access.scope, 2)", "email"),
    ("Arrays.add(access.scope, 'extra')", ["openid", "profile", "email", "extra"]),
    # edges
    ("Arrays.get({1, 2}, 5)", None),
    ("Arrays.get({1, 2}, -1)", None),
    ("Arrays.get(null, 0)", None),
    ("Arrays.remove({1, 2, 1}, 1)", [2, 1]),  # first occurrence, as Java's List.remove
    ("Arrays.remove({1, 2}, 3)", [1, 2]),
    ("Arrays.remove(null, 3)", []),
    ("Arrays.add(null, 1)", [1]),
    ("Arrays.add({}, {1, 2})", [[1, 2]]),
    ("Arrays.clear(null)", []),
    ("Arrays.flatten()", []),
    ("Arrays.flatten({1, {2, {3, {4}}}}, {}, 5)", [1, 2, 3, 4, 5]),
    ("Arrays.flatten(null, 1)", [None, 1]),
    ("Arrays.contains({1, 2.0}, 2)", True),
    ("Arrays.contains({true}, 1)", False),
    ("Arrays.contains(null, 1)", False),
    ("Arrays.contains({null}, null)", True),
    ("Arrays.toCsvString(null)", None),
    ("Arrays.toCsvString({})", ""),
    ("Arrays.toCsvString({1, 2.5, true, null})", "1,2.5,true,"),  # null reads as "", as in String.join
    ("Arrays.isEmpty(Arrays.toCsvString(Groups.startsWith('OKTA', 'nomatch', 100)))", True),
]


@pytest.mark.parametrize("source, expected", ARRAYS_CASES)
def test_arrays_functions(ev, source, expected):
    assert ev(source) == expected


def test_arrays_functions_never_change_the_context(context, ev):
    ev("Arrays.add(access.scope, 'x')")
    ev("Arrays.remove(access.scope, 'openid')")
    ev("Arrays.clear(access.scope)")
    assert context.access["scope"] == ["openid", "profile", "email"]


CONVERT_CASES = [
    # Okta's documented examples
    ("Convert.toInt(123.4)", 123),
    ("Convert.toInt(123.6)", 124),
    ("Convert.toInt('1234')", 1234),
    ("Convert.toNum('3.14')", 3.14),
    # rounding half up, as Java's Math.round
    ("Convert.toInt(2.5)", 3),
    ("Convert.toInt(-2.5)", -2),
    ("Convert.toInt(-2.6)", -3),
    ("Convert.toInt(' 42 ')", 42),
    ("Convert.toInt('-7')", -7),
    ("Convert.toInt('12.5')", 13),
    ("Convert.toInt(7)", 7),
    ("Convert.toInt(user.age)", 36),
    ("Convert.toNum('1e3')", 1000.0),
    ("Convert.toNum('-.5')", -0.5),
    ("Convert.toNum(12)", 12.0),
]


@pytest.mark.parametrize("source, expected", CONVERT_CASES)
def test_convert_functions(ev, source, expected):
    result = ev(source)
    assert result == expected and type(result) is type(expected)


GROUP_CASES = [
    ("isMemberOfGroupName('West Coast Users')", True),
    ("isMemberOfGroupName('west coast users')", True),  # names compare without case
    ("isMemberOfGroupName('West Coast')", False),
    ("isMemberOfGroupName(null)", False),
    ("isMemberOfGroup('00g2eng')", True),
    ("isMemberOfGroup('00gNOPE')", False),
    ("isMemberOfGroup(null)", False),
    ("isMemberOfAnyGroup('00gX', '00gY', '00g3sales')", True),
    ("isMemberOfAnyGroup('00gX', '00gY')", False),
    ("isMemberOfAnyGroup({'00gX', '00g3sales'})", True),
    ("isMemberOfGroupNameStartsWith('Eng')", True),
    ("isMemberOfGroupNameStartsWith('eng-')", True),
    ("isMemberOfGroupNameStartsWith('Platform')", False),
    ("isMemberOfGroupNameContains('platform')", True),
    ("isMemberOfGroupNameContains('nothing')", False),
    ("isMemberOfGroupNameRegex('Eng-.*')", True),
    ("isMemberOfGroupNameRegex('eng-.*')", False),  # regexes are case-sensitive
    ("isMemberOfGroupNameRegex('Eng')", False),  # and must match the whole name
    ("isMemberOfGroupNameRegex('(?i)eng-.*')", True),
    ("getFilteredGroups({'00g1west', '00g3sales', '00gX'}, 'group.name', 40)", ["West Coast Users", "Sales-EMEA"]),
    ("getFilteredGroups({'00g1west', '00g3sales'}, 'group.name', 1)", ["West Coast Users"]),
    ("getFilteredGroups('00g1west,00g2eng', 'group.id', 100)", ["00g1west", "00g2eng"]),
    ("getFilteredGroups({'00g4ad'}, 'group.profile.name', 10)", ["AD-Admins"]),
    ("getFilteredGroups({'00g4ad'}, 'group.type', 10)", ["APP_GROUP"]),
    ("getFilteredGroups(null, 'group.name', 10)", []),
    # Groups.* (legacy, group claims): "OKTA" means Okta-mastered groups; else the app's groups
    ("Groups.startsWith('OKTA', 'eng', 10)", ["Eng-Platform"]),
    ("Groups.startsWith('OKTA', 'E', 10)", ["Everyone", "Eng-Platform"]),
    ("Groups.startsWith('OKTA', 'E', 1)", ["Everyone"]),
    ("Groups.startsWith('OKTA', 'AD', 10)", []),
    ("Groups.startsWith('active_directory', 'AD', 10)", ["AD-Admins"]),
    ("Groups.endsWith('0oa13c5hnZFqZsoS00g4', '-Region', 10)", ["Eastern-Region"]),
    ("Groups.contains('OKTA', 'coast', 100)", ["West Coast Users"]),
    ("Groups.contains('OKTA', '', 100)", ["Everyone", "West Coast Users", "Eng-Platform", "Sales-EMEA"]),
    # user.getGroups: filters AND-ed, value lists OR-ed, name operator STARTS_WITH by default
    ("user.getGroups({'group.profile.name': 'Eng'}).![name]", ["Eng-Platform"]),
    ("user.getGroups({'group.profile.name': 'Eng', 'operator': 'EXACT'}).![name]", []),
    ("user.getGroups({'group.profile.name': 'Eng-Platform', 'operator': 'EXACT'}).![id]", ["00g2eng"]),
    ("user.getGroups({'group.profile.name': {'Sales', 'Eng'}}).![name]", ["Eng-Platform", "Sales-EMEA"]),
    ("user.getGroups({'group.type': {'APP_GROUP'}}).![profile.name]", ["AD-Admins", "Eastern-Region"]),
    ("user.getGroups({'group.type': {'OKTA_GROUP', 'BUILT_IN'}}, {'group.profile.name': 'E'}).![name]",
     ["Everyone", "Eng-Platform"]),
    ("user.getGroups({'group.id': {'00g1west', '00g3sales'}}).![name]", ["West Coast Users", "Sales-EMEA"]),
    ("user.getGroups({'group.source.id': 'active_directory'}).![name]", ["AD-Admins"]),
    ("Arrays.size(user.getGroups())", 6),
    ("user.getGroups({'group.id': '00g1west'})[0].profile.name", "West Coast Users"),
    ("user.isMemberOf({'group.profile.name': 'West Coast Users', 'operator': 'EXACT'})", True),
    ("user.isMemberOf({'group.id': '00gjitX9HqABSoqTB0g3'})", False),
    ("!user.isMemberOf({'group.id': '00gjitX9HqABSoqTB0g3'})", True),
    ("user.getInternalProperty('id')", "00u1abcd"),
    ('user.getInternalProperty("status")', "ACTIVE"),
]


@pytest.mark.parametrize("source, expected", GROUP_CASES)
def test_group_functions(ev, source, expected):
    assert ev(source) == expected


def test_group_functions_without_a_user(ev):
    empty = EvaluationContext()
    assert ev("isMemberOfGroupName('Everyone')", empty) is False
    assert ev("user.getGroups()", empty) == []
    assert ev("Groups.startsWith('OKTA', 'E', 10)", empty) == []


def test_groups_with_odd_shapes_are_skipped_not_crashed(ev):
    ctx = make_context(groups=[None, "x", {"id": ["list"], "name": 5}, {"profile": {"name": "Prof"}, "type": "OKTA_GROUP"}])
    assert ev("isMemberOfGroup('x')", ctx) is False
    assert ev("Groups.startsWith('OKTA', 'pro', 10)", ctx) == ["Prof"]
    assert ev("user.getGroups({'group.id': 'list'})", ctx) == []


TIME_CASES = [
    ("Time.now()", "2015-07-31T17:18:37.979Z"),
    ("Time.now('UTC')", "2015-07-31T17:18:37.979Z"),
    ("Time.now('America/New_York')", "2015-07-31T13:18:37.979-04:00"),
    ("Time.now('+05:30')", "2015-07-31T22:48:37.979+05:30"),
    ("Time.now('America/New_York', 'YYYY-MM-dd HH:mm:ss')", "2015-07-31 13:18:37"),
    ("Time.now('UTC', \"yyyy-MM-dd'T'HH:mm:ss.SSSZZ\")", "2015-07-31T17:18:37.979+00:00"),
    ("Time.now('UTC', 'EEE, d MMM yy h:mm a Z')", "Fri, 31 Jul 15 5:18 PM +0000"),
    ("Time.now('UTC', 'EEEE MMMM')", "Friday July"),
    ("Time.now('UTC', \"'o''clock' HH\")", "o'clock 17"),
    ("Time.now(null, 'yyyy')", "2015"),
    ("Time.now('UTC', \"HH''mm\")", "17'18"),
]


@pytest.mark.parametrize("source, expected", TIME_CASES)
def test_time_now(ev, source, expected):
    assert ev(source) == expected


def test_time_now_treats_a_naive_now_as_utc(ev):
    from datetime import datetime

    assert ev("Time.now()", EvaluationContext(now=datetime(2020, 1, 2, 3, 4, 5))) == "2020-01-02T03:04:05.000Z"


ERROR_CASES = [
    ("String.len({1})", "String.len needs text, got array"),
    ("String.toUpperCase(user.manager)", "String.toUpperCase needs text, got object"),
    ("String.substring('abc', 2, 1)", "String.substring: positions 2 to 1 are outside text of length 3"),
    ("String.substring('abc', 0, 4)", "String.substring: positions 0 to 4 are outside text of length 3"),
    ("String.substring('abc', 'a', 1)", "String.substring needs a whole number, got string"),
    ("String.substring('abc', 0.5, 1)", "String.substring needs a whole number, got number"),
    ("Arrays.size(5)", "Arrays.size needs an array, got number"),
    ("Arrays.get({1}, 'x')", "Arrays.get needs a whole number, got string"),
    ("Convert.toInt('abc')", "Convert.toInt cannot read 'abc' as a number"),
    ("Convert.toInt('1_000')", "Convert.toInt cannot read '1_000' as a number"),
    ("Convert.toInt(null)", "Convert.toInt needs a number or numeric text, got null"),
    ("Convert.toInt(true)", "Convert.toInt needs a number or numeric text, got boolean"),
    ("Convert.toInt(3000000000)", "Convert.toInt: the number is outside the integer range"),
    ("Convert.toNum('NaN')", "Convert.toNum cannot read 'NaN' as a number"),
    ("Convert.toNum('1e999')", "Convert.toNum cannot read '1e999' as a number"),
    ("Groups.startsWith('OKTA', 'a', app.profile.tier)", "Groups.startsWith needs a whole number, got string"),
    ("Groups.startsWith('OKTA', 'a', 50 + 51)", "Groups.startsWith: the limit must be between 1 and 100, got 101"),
    ("Groups.startsWith(null, 'a', 1)", "Groups.startsWith needs an app and a pattern, got null"),
    ("getFilteredGroups({}, 'group.name', 0 - 1)", "getFilteredGroups: the limit must be between 1 and 100, got -1"),
    ("getFilteredGroups({}, app.clientId, 5)",
     "getFilteredGroups: the group expression must look like \"group.name\", got 'client-123'"),
    ("user.getGroups('x')", "user.getGroups needs filter maps like {'group.type': {'OKTA_GROUP'}}, got string"),
    ("user.getGroups({'group.profile.name': 'x', 'operator': app.clientId})",
     "user.getGroups: the operator must be EXACT or STARTS_WITH"),
    ("user.getInternalProperty(app.clientId)", 'user.getInternalProperty supports "id" and "status"'),
    ("isMemberOfGroupNameRegex(app.clientId + '(')",
     "Invalid regular expression: missing ), unterminated subpattern"),
    ("isMemberOfGroupNameRegex(user.missing)", "A regular expression must be text"),
    ("Time.now(app.clientId)", "Time.now: unknown time zone 'client-123'"),
    ("Time.now('UTC', app.clientId)", "Time.now: unsupported format letter 'c'"),
    ("Time.now('../../etc/passwd')", None),
]


@pytest.mark.parametrize("source, message", ERROR_CASES)
def test_function_errors_are_plain_words(ev, source, message):
    from authservers.expressions import ExpressionError

    with pytest.raises(ExpressionError) as info:
        ev(source)
    if message is not None:
        assert info.value.message == message
        assert isinstance(info.value, ExpressionEvaluationError)


def test_string_results_are_capped(ev):
    long_name = "x" * 6_000
    ctx = make_context(user={"a": long_name, "b": "y" * (MAX_STRING_LENGTH - 6_000)})
    assert len(ev("String.append(user.a, user.b)", ctx)) == MAX_STRING_LENGTH
    for source in ["String.append(user.a, user.a)", "String.join('', user.a, user.a)",
                   "String.replace(user.a, 'x', 'xx')", "Arrays.toCsvString({user.a, user.a})"]:
        with pytest.raises(ExpressionEvaluationError, match=f"longer than {MAX_STRING_LENGTH} characters"):
            ev(source, ctx)


def test_array_results_are_capped(ev):
    ctx = make_context(user={"big": list(range(MAX_ARRAY_LENGTH))})
    assert ev("Arrays.size(user.big)", ctx) == MAX_ARRAY_LENGTH
    for source in ["Arrays.add(user.big, 1)", "Arrays.flatten(user.big, 1)", "user.big.![#this]"]:
        if source.endswith("#this]"):
            assert len(ev(source, ctx)) == MAX_ARRAY_LENGTH
            continue
        with pytest.raises(ExpressionEvaluationError, match=f"more than {MAX_ARRAY_LENGTH} elements"):
            ev(source, ctx)


def test_every_registered_function_has_a_golden_test():
    sources = " ".join(s for s, _ in STRING_CASES + ARRAYS_CASES + CONVERT_CASES + GROUP_CASES + TIME_CASES)
    missing = [name for name in FUNCTIONS if f"{name}(" not in sources]
    assert missing == []
