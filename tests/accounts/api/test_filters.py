"""Okta's filter expressions become bound ORM lookups; anything else is E0000031 (no HTTP needed)."""

import pytest
from django.db.models import Q

from accounts.api.filters import Attribute, parse_filter
from config.api import OktaAPIError

FIELDS = {"status": Attribute("status", "enum", ("ACTIVE", "SUSPENDED")),
          "profile.login": Attribute("login", case_insensitive=True),
          "lastUpdated": Attribute("last_updated", "datetime")}


def test_comparisons_join_with_and_before_or():
    q = parse_filter('status eq "ACTIVE" or status eq "SUSPENDED" and profile.login sw "a"', FIELDS)
    assert q == Q(status__exact="ACTIVE") | (Q(status__exact="SUSPENDED") & Q(login__istartswith="a"))


def test_parentheses_group_and_quotes_escape():
    q = parse_filter('(status eq "ACTIVE") AND profile.login eq "say \\"hi\\""', FIELDS)
    assert q == Q(status__exact="ACTIVE") & Q(login__iexact='say "hi"')


def test_timestamps_are_parsed_with_their_zone():
    q = parse_filter('lastUpdated gt "2024-01-31T10:00:00.000Z"', FIELDS)
    [(lookup, value)] = q.children
    assert lookup == "last_updated__gt" and value.isoformat() == "2024-01-31T10:00:00+00:00"


@pytest.mark.parametrize("text", ["", "status", 'status eq', 'status gt "ACTIVE"', 'nope eq "x"',
                                  'lastUpdated gt "2024-01-31T10:00:00"', 'status eq "ACTIVE" and',
                                  'status eq "ACTIVE")', "status eq 'ACTIVE'", 'status eq "ACTIVE" 1'])
def test_anything_else_is_invalid_search_criteria(text):
    with pytest.raises(OktaAPIError) as raised:
        parse_filter(text, FIELDS)
    assert raised.value.okta_code == "E0000031" and raised.value.causes
