"""The consent plan (oauth/consent.py), max_age and form_post responses (oauth/authorize.py), pure."""

import pytest

from authservers.oauth import authorize, consent, errors

from .test_authorize_checks import REDIRECT, client_snapshot, request, server_snapshot

SERVER = server_snapshot({"openid": "IMPLICIT", "read": "REQUIRED", "write": "FLEXIBLE", "list": "IMPLICIT"})
SCOPES = ("openid", "read", "write", "list")
REQUIRED_CLIENT = client_snapshot(consent_method="REQUIRED")


def plan(states=None, optional=frozenset({"write"}), client=REQUIRED_CLIENT, **overrides):
    return consent.plan_consent(request(**overrides), client, SERVER, SCOPES, states or {}, optional)


def test_nothing_granted_asks_for_every_consent_scope():
    result = plan()
    assert result.ask == ("read", "write") and not result.skipped
    prompt = result.prompt()
    assert prompt.scopes == ("read", "write") and prompt.optional == {"write"} and not prompt.declined


def test_granted_scopes_are_not_asked_again():
    assert plan({"read": "ACTIVE"}).ask == ("write",)
    assert plan({"read": "ACTIVE", "write": "ACTIVE"}).ask == ()


def test_declined_optional_scope_is_skipped_not_asked():
    result = plan({"read": "ACTIVE", "write": "DECLINED"})
    assert result.ask == () and result.skipped == {"write"}


def test_declined_scope_that_is_no_longer_optional_is_asked_again():
    result = plan({"read": "ACTIVE", "write": "DECLINED"}, optional=frozenset())
    assert result.ask == ("write",) and not result.skipped


def test_declined_optional_scope_stays_out_for_a_trusted_client_too():
    result = plan({"write": "DECLINED"}, client=client_snapshot(consent_method="TRUSTED"))
    assert result.ask == () and result.skipped == {"write"}


def test_prompt_consent_asks_for_everything_and_shows_declined_unchecked():
    result = plan({"read": "ACTIVE", "write": "DECLINED"}, prompt="consent")
    assert result.ask == ("read", "write") and not result.skipped
    assert result.prompt().declined == {"write"}


def test_prompt_consent_on_a_trusted_client_follows_the_matrix():
    result = plan(prompt="consent", client=client_snapshot(consent_method="TRUSTED"))
    assert result.ask == ("read", "write")


@pytest.mark.parametrize(("accepted", "allowed", "declined"), [
    (frozenset({"write"}), {"read", "write"}, set()),
    (frozenset(), {"read"}, {"write"}),
    (frozenset({"write", "read", "list", "admin"}), {"read", "write"}, set()),  # only optional ones count
])
def test_answer_outcome(accepted, allowed, declined):
    outcome = plan().outcome(consent.ConsentAnswer(accepted_optional=accepted))
    assert outcome == (allowed, declined)


def test_no_page_no_outcome():
    assert plan({"read": "ACTIVE", "write": "ACTIVE"}).outcome(consent.ConsentAnswer()) == (set(), set())
    assert plan().outcome(None) == (set(), set())


# --- max_age -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("max_age", "auth_time", "now", "too_old"), [
    (None, 0, 10_000, False),
    ("300", 9_800, 10_000, False),
    ("300", 9_700, 10_000, False),
    ("300", 9_699, 10_000, True),
    ("0", 10_000, 10_000, True),
    ("86400", None, 10_000, True),
])
def test_session_too_old(max_age, auth_time, now, too_old):
    assert authorize.session_too_old(request(max_age=max_age), auth_time, now) is too_old


def test_check_session_with_max_age():
    assert authorize.check_session(request(max_age="60"), True, auth_time=1000, now=1030) is False
    assert authorize.check_session(request(max_age="60"), True, auth_time=1000, now=1061) is True
    with pytest.raises(errors.LoginRequired):
        authorize.check_session(request(max_age="60", prompt="none"), True, auth_time=1000, now=1061)


@pytest.mark.parametrize("value", ["-1", "+5", "1e3", "0x10", "2147483648", "", "٣", "1" * 11])
def test_invalid_max_age(value):
    with pytest.raises(errors.InvalidRequest, match="max_age"):
        authorize.check_max_age(request(max_age=value))


def test_max_age_zero_with_prompt_none():
    with pytest.raises(errors.InvalidRequest):
        authorize.check_max_age(request(max_age="0", prompt="none"))
    authorize.check_max_age(request(max_age="0", prompt="login"))


# --- response modes ------------------------------------------------------------------------------------

def test_form_post_results_carry_the_mode_and_parameters():
    result = authorize.code_redirect(request(response_mode="form_post"), "c0de", "https://i")
    assert (result.response_mode, result.redirect_uri) == ("form_post", REDIRECT)
    assert result.params == {"code": "c0de", "state": "s", "iss": "https://i"}
    error = authorize.error_redirect(request(response_mode="form_post", state=None), errors.LoginRequired("x"),
                                     "https://i")
    assert error.response_mode == "form_post" and error.params == {
        "error": "login_required", "error_description": "x", "iss": "https://i"}


@pytest.mark.parametrize(("mode", "expected"), [(None, "query"), ("query", "query"), ("form_post", "form_post"),
                                                ("fragment", "query"), ("FORM_POST", "query")])
def test_errors_travel_in_form_post_only_when_asked_exactly(mode, expected):
    assert request(response_mode=mode).mode == expected


def test_to_params_round_trips():
    req = request(max_age="5", login_hint="ada", prompt="consent")
    assert authorize.AuthorizationRequest(**req.to_params()) == req
