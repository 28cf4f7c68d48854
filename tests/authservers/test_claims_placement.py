"""Which token carries which claim, for every response type (REFERENCE §4, §6.2): the pure rules."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authservers.claims import compile_claim
from authservers.oauth.claim_placement import (
    ACCESS_TOKEN,
    AUTHORIZE,
    ID_TOKEN,
    TOKEN,
    USERINFO,
    claim_placement,
    claims_placed_in,
    id_token_carries_scope_claims,
    tokens_issued,
)


def claim(name, claim_type, *, always=True, value_type="EXPRESSION", scopes=()):
    compiled = compile_claim(name=name, claim_type=claim_type, value_type="EXPRESSION", value="'x'",
                             group_filter_type=None, conditions_scopes=scopes, always_include_in_token=always)
    if value_type == "SYSTEM":  # the seeded OIDC claims are not compiled; placement reads the same fields
        from dataclasses import replace
        compiled = replace(compiled, value_type="SYSTEM", system=True)
    return compiled


RESOURCE = claim("department", "RESOURCE")
ALWAYS = claim("team", "IDENTITY", always=True)  # console: ID Token, Always
USERINFO_ONLY = claim("nick", "IDENTITY", always=False)  # console: ID Token, Userinfo / id_token request
SCOPE_CLAIM = claim("email", "IDENTITY", always=True, value_type="SYSTEM", scopes=("email",))
SCOPES = ("openid", "email")

AT, ID, UI = ACCESS_TOKEN, ID_TOKEN, USERINFO
NOTHING = set()

# response_type at /authorize -> places of (RESOURCE, ALWAYS, USERINFO_ONLY, SCOPE_CLAIM) in its response.
AUTHORIZE_TABLE = {
    "code": (NOTHING, NOTHING, NOTHING, NOTHING),
    "token": ({AT}, {UI}, {UI}, {UI}),
    "id_token": (NOTHING, {ID}, {ID}, {ID}),  # fat: every claim of the scopes
    "code token": ({AT}, {UI}, {UI}, {UI}),
    "code id_token": (NOTHING, {ID}, {ID}, {ID}),  # fat
    "id_token token": ({AT}, {ID, UI}, {UI}, {UI}),  # thin: alwaysIncludeInToken only
    "code id_token token": ({AT}, {ID, UI}, {UI}, {UI}),  # thin
    "none": (NOTHING, NOTHING, NOTHING, NOTHING),
}
# Every /token response (code exchange of any of the code response types, refresh...): thin ID token.
TOKEN_ROW = ({AT}, {ID, UI}, {UI}, {UI})


@pytest.mark.parametrize("response_type", sorted(AUTHORIZE_TABLE))
def test_authorize_response_places_each_kind_of_claim(response_type):
    places = tuple(set(claim_placement(c, granted_scopes=SCOPES, at=AUTHORIZE, response_type=response_type))
                   for c in (RESOURCE, ALWAYS, USERINFO_ONLY, SCOPE_CLAIM))
    assert places == AUTHORIZE_TABLE[response_type]


@pytest.mark.parametrize("response_type", ["code", "code token", "code id_token", "code id_token token"])
def test_token_response_of_every_code_flow_has_a_thin_id_token(response_type):
    places = tuple(set(claim_placement(c, granted_scopes=SCOPES, at=TOKEN, response_type=response_type))
                   for c in (RESOURCE, ALWAYS, USERINFO_ONLY, SCOPE_CLAIM))
    assert places == TOKEN_ROW


@pytest.mark.parametrize("words", [p for n in (1, 2, 3) for p in itertools.permutations(("code", "id_token", "token"), n)])
def test_word_order_of_the_response_type_does_not_matter(words):
    canonical = " ".join(sorted(words, key=("code", "id_token", "token").index))
    for c in (RESOURCE, ALWAYS, USERINFO_ONLY, SCOPE_CLAIM):
        assert (claim_placement(c, granted_scopes=SCOPES, at=AUTHORIZE, response_type=" ".join(words))
                == claim_placement(c, granted_scopes=SCOPES, at=AUTHORIZE, response_type=canonical))


@pytest.mark.parametrize(("at", "response_type"), [(TOKEN, "code"), (AUTHORIZE, "id_token"),
                                                   (AUTHORIZE, "id_token token")])
def test_without_openid_there_is_no_id_token(at, response_type):
    assert ID_TOKEN not in tokens_issued(at=at, granted_scopes=["email"], response_type=response_type)
    for c in (ALWAYS, USERINFO_ONLY, SCOPE_CLAIM):
        assert ID_TOKEN not in claim_placement(c, granted_scopes=["email"], at=at, response_type=response_type)


def test_claims_whose_scope_condition_is_not_granted_go_nowhere():
    conditioned = [claim("r", "RESOURCE", scopes=("orders:read",)), claim("i", "IDENTITY", scopes=("orders:read",))]
    for at, response_type in [(TOKEN, "code"), *((AUTHORIZE, rt) for rt in AUTHORIZE_TABLE)]:
        for c in conditioned:
            assert claim_placement(c, granted_scopes=SCOPES, at=at, response_type=response_type) == frozenset()
    assert claim_placement(conditioned[0], granted_scopes=(*SCOPES, "orders:read")) == {ACCESS_TOKEN}
    assert claim_placement(conditioned[1], granted_scopes=(*SCOPES, "orders:read")) == {ID_TOKEN, USERINFO}


def test_system_scope_claims_follow_their_scope():
    assert claim_placement(SCOPE_CLAIM, granted_scopes=["openid"], at=AUTHORIZE, response_type="id_token") == set()
    assert claim_placement(SCOPE_CLAIM, granted_scopes=["openid", "email"], at=AUTHORIZE,
                           response_type="id_token") == {ID_TOKEN}


def test_client_credentials_token_response_carries_resource_claims_only_in_the_access_token():
    assert claim_placement(RESOURCE, granted_scopes=["orders:read"]) == {ACCESS_TOKEN}
    assert claim_placement(ALWAYS, granted_scopes=["orders:read"]) == {USERINFO}


def test_claims_placed_in_keeps_order_and_filters():
    claims = (RESOURCE, USERINFO_ONLY, ALWAYS, SCOPE_CLAIM)
    assert claims_placed_in(ID_TOKEN, claims, granted_scopes=SCOPES) == (ALWAYS,)
    assert claims_placed_in(USERINFO, claims, granted_scopes=SCOPES) == (USERINFO_ONLY, ALWAYS, SCOPE_CLAIM)
    assert claims_placed_in(ACCESS_TOKEN, claims, granted_scopes=SCOPES) == (RESOURCE,)
    assert claims_placed_in(ID_TOKEN, claims, granted_scopes=SCOPES, at=AUTHORIZE,
                            response_type="id_token") == (USERINFO_ONLY, ALWAYS, SCOPE_CLAIM)


@pytest.mark.parametrize(("at", "response_type", "fat"), [
    (TOKEN, "code", False), (AUTHORIZE, "id_token", True), (AUTHORIZE, "code id_token", True),
    (AUTHORIZE, "id_token token", False), (AUTHORIZE, "code id_token token", False), (AUTHORIZE, "code", False),
    (AUTHORIZE, "token", False)])
def test_only_an_id_token_without_an_access_token_carries_scope_claims(at, response_type, fat):
    assert id_token_carries_scope_claims(granted_scopes=SCOPES, at=at, response_type=response_type) is fat


@pytest.mark.parametrize("response_type", ["", "  ", "code foo", "ID_TOKEN", "code\x00"])
def test_unknown_response_types_are_refused(response_type):
    with pytest.raises(ValueError, match="response_type"):
        claim_placement(ALWAYS, granted_scopes=SCOPES, at=AUTHORIZE, response_type=response_type)


def test_unknown_endpoint_is_refused():
    with pytest.raises(ValueError, match="endpoint"):
        tokens_issued(at="introspect", granted_scopes=SCOPES)


@given(words=st.sets(st.sampled_from(["code", "token", "id_token"]), min_size=1),
       scopes=st.sets(st.sampled_from(["openid", "email", "profile", "orders:read"])),
       claim_type=st.sampled_from(["RESOURCE", "IDENTITY"]), always=st.booleans(),
       value_type=st.sampled_from(["EXPRESSION", "GROUPS", "SYSTEM"]),
       conditions=st.sets(st.sampled_from(["email", "orders:read"])), at=st.sampled_from([AUTHORIZE, TOKEN]))
def test_placement_invariants(words, scopes, claim_type, always, value_type, conditions, at):
    from authservers.claims import CompiledClaim

    subject = CompiledClaim(name="c", claim_type=claim_type, conditions=frozenset(conditions), evaluator=None,
                            value_type=value_type, always_include_in_token=always)
    response_type = " ".join(sorted(words))
    places = claim_placement(subject, granted_scopes=scopes, at=at, response_type=response_type)
    issued = tokens_issued(at=at, granted_scopes=scopes, response_type=response_type)

    assert places <= issued | {USERINFO}  # a claim only goes in a token the response issues
    if conditions and not conditions & scopes:
        assert places == frozenset()
    elif claim_type == "RESOURCE":
        assert places == issued & {ACCESS_TOKEN}
    else:
        assert ACCESS_TOKEN not in places
        assert (USERINFO in places) == (ACCESS_TOKEN in issued)  # /userinfo ignores alwaysIncludeInToken
        if ID_TOKEN in issued and ACCESS_TOKEN not in issued:
            assert ID_TOKEN in places  # a fat ID token carries every IDENTITY claim of the scopes
