"""logout: the RP-Initiated Logout checks. Pure."""

import pytest

from authservers.oauth import logout as rules


def test_missing_hint():
    with pytest.raises(rules.LogoutError) as caught:
        rules.verify_hint("", server=None, issuer="https://id.example.com/oauth2/default")
    assert caught.value.description == rules.HINT_REQUIRED and caught.value.error == "invalid_request"


def test_redirect_must_match_exactly():
    registered = ("https://app.example.com/out",)
    assert rules.check_redirect("", registered) is None
    assert rules.check_redirect("https://app.example.com/out", registered) == "https://app.example.com/out"
    for uri in ("https://app.example.com/out/", "https://APP.example.com/out", "https://app.example.com/out?a=1",
                "https://app.example.com/ou"):
        with pytest.raises(rules.LogoutError) as caught:
            rules.check_redirect(uri, registered)
        assert caught.value.description == (
            "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.")
    with pytest.raises(rules.LogoutError):
        rules.check_redirect("https://app.example.com/out", ())


def test_redirect_url_echoes_state():
    assert rules.redirect_url("https://a.example/out", "") == "https://a.example/out"
    assert rules.redirect_url("https://a.example/out", "s 1&x") == "https://a.example/out?state=s+1%26x"
    assert rules.redirect_url("https://a.example/out?k=v", "s") == "https://a.example/out?k=v&state=s"


def test_only_the_hints_subject_is_signed_out():
    assert rules.ends_session({"sub": "00u1"}, "00u1")
    assert not rules.ends_session({"sub": "00u1"}, "00u2")
    assert not rules.ends_session({"sub": "00u1"}, None)


def test_request_from_params():
    req = rules.LogoutRequest.from_params({"id_token_hint": "h", "state": "s"})
    assert req == rules.LogoutRequest(id_token_hint="h", post_logout_redirect_uri="", state="s")
