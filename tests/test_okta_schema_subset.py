"""The committed subset of Okta's API shapes matches Okta's OpenAPI document, when it is at hand."""

import os

import pytest

from tests import okta_schema


def _spec_or_skip():
    if not okta_schema.SPEC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{okta_schema.SPEC} is missing in CI: the subset cannot be checked for drift")
        pytest.skip(f"{okta_schema.SPEC} is not beside this clone: nothing to compare the subset with")


def test_committed_schema_properties_match_the_spec():
    _spec_or_skip()
    for name, properties in okta_schema._subset()["schemas"].items():
        assert frozenset(properties) == okta_schema.spec_schema_properties(name), name


def test_committed_response_codes_match_the_spec():
    _spec_or_skip()
    for operation, codes in okta_schema._subset()["operations"].items():
        assert frozenset(codes) == okta_schema.spec_response_codes(operation), operation
