"""What `evaluate` returns, checked the same way by the example tests and the property tests."""

from policies.evaluation import NO_MATCHING_POLICY, POLICY_EVALUATION_FAILED, Decision, Denial


def matched(result) -> tuple[str, str]:
    """The (policy id, rule id) of a Decision; fails on anything else."""
    assert isinstance(result, Decision), result
    return result.policy_id, result.rule_id


def assert_denied(result) -> Denial:
    """A Denial with Okta's reason and text for "no policy matched"; returned for its trace."""
    assert isinstance(result, Denial), result
    # A plain module, so pytest does not rewrite these asserts: the message shows what came back.
    assert result.reason == NO_MATCHING_POLICY, result
    assert result.description == POLICY_EVALUATION_FAILED, result
    return result
