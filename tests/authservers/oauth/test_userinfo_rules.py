"""userinfo: bearer parsing and scope → claim selection (OIDC Core §5.4). Pure."""

import pytest

from authservers.oauth import userinfo as rules

BASE = {"user_id": "00u1", "login": "ada@example.com", "email": "ada@example.com", "first_name": "Ada",
        "last_name": "Lovelace", "updated_at": 1700000000}


def select(scopes, profile=None, **overrides):
    return rules.select_claims(**{**BASE, **overrides}, profile=profile or {}, scopes=scopes)


def test_bearer_token_parsing():
    assert rules.bearer_token("Bearer abc") == "abc"
    assert rules.bearer_token("bearer  abc ") == "abc"
    for header in (None, "", "   ", "Basic YTpi", "DPoP abc"):
        with pytest.raises(rules.MissingToken) as caught:
            rules.bearer_token(header)
        assert caught.value.www_authenticate() == "Bearer" and caught.value.status == 401
    for header in ("Bearer ", "Bearer a b", "Bearer " + "x" * 20000):
        with pytest.raises(rules.InvalidToken) as caught:
            rules.bearer_token(header)
        assert caught.value.www_authenticate() == (
            'Bearer error="invalid_token", error_description="The access token is invalid"')


def test_insufficient_scope_header():
    assert rules.InsufficientScope().status == 403
    assert rules.InsufficientScope().www_authenticate() == (
        'Bearer error="insufficient_scope", error_description="The access token must provide access to at least '
        'one of these scopes - profile, email, address or phone"')


def test_no_userinfo_scope_gives_only_sub():
    assert select(["openid", "orders:read"]) == {"sub": "00u1"}


def test_profile_scope_claims_with_okta_and_oidc_attribute_names():
    claims = select(["profile"], {"nickName": "Countess", "middle_name": "K", "timezone": "Europe/London",
                                  "picture": "https://p", "gender": "", "website": None, "birthdate": "1815-12-10"})
    assert claims == {"sub": "00u1", "name": "Ada Lovelace", "family_name": "Lovelace", "given_name": "Ada",
                      "middle_name": "K", "nickname": "Countess", "preferred_username": "ada@example.com",
                      "picture": "https://p", "birthdate": "1815-12-10", "zoneinfo": "Europe/London",
                      "updated_at": 1700000000}


def test_profile_display_name_and_missing_names():
    assert select(["profile"], {"displayName": "A. L."})["name"] == "A. L."
    claims = select(["profile"], first_name="", last_name="")
    assert "name" not in claims and "given_name" not in claims and "family_name" not in claims


def test_email_verified_defaults_to_false_and_only_takes_booleans():
    assert select(["email"]) == {"sub": "00u1", "email": "ada@example.com", "email_verified": False}
    assert select(["email"], {"emailVerified": True})["email_verified"] is True
    assert select(["email"], {"email_verified": "yes"})["email_verified"] is False


def test_address_from_object_or_okta_attributes():
    assert select(["address"], {"address": {"locality": "London", "region": None}})["address"] == {
        "locality": "London"}
    assert select(["address"], {"streetAddress": "12 St James's Sq", "city": "London", "countryCode": "GB"})[
        "address"] == {"street_address": "12 St James's Sq", "locality": "London", "country": "GB"}
    assert "address" not in select(["address"], {"address": {}})


def test_phone_number():
    assert select(["phone"], {"mobilePhone": "+1 555"})["phone_number"] == "+1 555"
    assert "phone_number" not in select(["phone"])


def test_granted_scopes_tolerates_odd_shapes():
    assert rules.granted_scopes({"scp": ["a", 1, "b"]}) == ["a", "b"]
    assert rules.granted_scopes({"scp": "a b"}) == ["a", "b"]
    assert rules.granted_scopes({"scp": {"a": 1}}) == []
    assert rules.granted_scopes({}) == []
