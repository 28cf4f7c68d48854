"""PS256/ES256 access tokens: key families, switching alg, per-family rotation and purge, the places the
option is set. Time is passed in (`now=`) or keys are back-dated; the clock is never patched."""

import base64
import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from jwcrypto import jwk, jws

from authservers.key_lifecycle import (
    PURGE_MARGIN,
    Action,
    KeyState,
    access_token_key_usable_from,
    longest_token_lifetime,
    plan_server,
    server_cache_lifetime,
    signing_key_emergency_rotate,
    signing_key_rotate_now,
    signing_keys_maintain,
    usable_from,
)
from authservers.models import AuthorizationServer, KeyStatus, LogEvent, SigningKey
from authservers.models.servers import ACCESS_TOKEN_ALG_CAVEAT
from authservers.selectors import server_snapshot
from authservers.services import ServiceError, authserver_create, authserver_set_access_token_alg
from tests.factories import AuthorizationServerFactory, ScopeFactory
from tests.helpers import basic_auth_header, endpoint, post_form

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
PERIOD = timedelta(days=90)


def shows_caveat(content: bytes) -> bool:
    """The caveat on an admin page: as help text (verbatim) or in a message (HTML-escaped)."""
    return (ACCESS_TOKEN_ALG_CAVEAT.encode() in content
            or ACCESS_TOKEN_ALG_CAVEAT.replace("'", "&#x27;").encode() in content)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


# Planner, per family (pure) ----------------------------------------------------------------------

def family(alg, at=T0, prefix=""):
    prefix = prefix or alg[:2]
    return [KeyState(f"{prefix}A", KeyStatus.ACTIVE, at, activated=at, alg=alg),
            KeyState(f"{prefix}N", KeyStatus.NEXT, at, alg=alg)]


def plan(keys, now, *, alg="RS256", last_rotated=T0, period=PERIOD, longest=timedelta(hours=1)):
    return [(a.kind, a.kid, a.alg) for a in plan_server(
        keys, now=now, last_rotated=last_rotated, period=period, jwks_max_age=300,
        longest_token_lifetime=longest, access_token_alg=alg)]


def test_an_rs256_server_plans_as_before():
    assert plan(family("RS256"), T0 + PERIOD) == [("promote", "RSN", "RS256"), ("create_next", None, "RS256")]
    assert plan_server(family("RS256"), now=T0 + PERIOD, last_rotated=T0, period=PERIOD, jwks_max_age=300,
                       longest_token_lifetime=timedelta(hours=1)) == [Action("promote", "RSN"), Action("create_next")]


def test_a_missing_family_is_created():
    assert plan(family("RS256"), T0 + DAY, alg="ES256") == [("create_active", None, "ES256"),
                                                            ("create_next", None, "ES256")]


def test_each_family_rotates_a_period_after_its_own_key_started():
    """The ES256 family was added 30 days after the RS256 one: it rotates 30 days later."""
    keys = family("RS256") + family("ES256", at=T0 + 30 * DAY)
    assert plan(keys, T0 + PERIOD, alg="ES256") == [("promote", "RSN", "RS256"), ("create_next", None, "RS256")]
    rotated = family("RS256", at=T0 + PERIOD, prefix="R2") + family("ES256", at=T0 + 30 * DAY)
    assert plan(rotated, T0 + PERIOD + 30 * DAY - s(1), alg="ES256", last_rotated=T0 + PERIOD) == []
    assert plan(rotated, T0 + PERIOD + 30 * DAY, alg="ES256", last_rotated=T0 + PERIOD) == [
        ("promote", "ESN", "ES256"), ("create_next", None, "ES256")]


def test_a_family_the_server_no_longer_signs_with_is_retired_then_purged():
    keys = family("RS256") + family("ES256")
    assert plan(keys, T0 + DAY) == [("retire", "ESA", "ES256"), ("retire", "ESN", "ES256")]
    retired = family("RS256") + [KeyState("ESA", KeyStatus.EXPIRED, T0, T0, expired=T0 + DAY, alg="ES256")]
    removable = T0 + DAY + timedelta(hours=1) + PURGE_MARGIN
    assert plan(retired, removable - s(1)) == []
    assert plan(retired, removable) == [("remove", "ESA", "ES256")]


def test_expired_keys_of_every_family_are_purged_by_the_same_rule():
    keys = [*family("RS256"), *family("PS256"),
            KeyState("RSE", KeyStatus.EXPIRED, T0, expired=T0 + DAY),
            KeyState("PSE", KeyStatus.EXPIRED, T0, expired=T0 + 2 * DAY, alg="PS256")]
    first = T0 + DAY + timedelta(hours=1) + PURGE_MARGIN
    assert plan(keys, first, alg="PS256") == [("remove", "RSE", "RS256")]
    assert plan(keys, first + DAY, alg="PS256") == [("remove", "RSE", "RS256"), ("remove", "PSE", "PS256")]


def test_a_key_may_sign_once_published_for_the_cache_lifetime():
    assert usable_from(T0, 300) == T0 + s(300)


# Helpers against the database --------------------------------------------------------------------

def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def header(token: str) -> dict:
    return json.loads(unb64(token.split(".")[0]))


def family_keys(server, alg, status=None):
    keys = SigningKey.objects.filter(server=server, alg=alg)
    return keys.filter(status=status) if status else keys


def active(server, alg):
    return family_keys(server, alg, KeyStatus.ACTIVE).get()


def backdate(key: SigningKey, seconds: int) -> None:
    """Pretend the key was published `seconds` (and a little more) earlier; a save, so every snapshot
    reloads. The token endpoint reads the clock in whole seconds, hence the margin."""
    key.created -= s(seconds + 2)
    key.save(update_fields=["created"])


def token(client, registered, server_id):
    response = post_form(client, endpoint("token", server_id),
                         {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def introspect(client, registered, value, server_id):
    return post_form(client, endpoint("introspect", server_id), {"token": value},
                     HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret)).json()


def verify_against_jwks(client, server_id, value) -> dict:
    """As a resource server would: fetch v1/keys, pick the key by kid, verify with the header's alg."""
    keyset = jwk.JWKSet.from_json(client.get(endpoint("keys", server_id)).content)
    parsed = jws.JWS()
    parsed.deserialize(value)
    key = keyset.get_key(parsed.jose_header["kid"])
    assert key.get("alg") == parsed.jose_header["alg"]
    parsed.verify(key, alg=parsed.jose_header["alg"])
    return json.loads(parsed.payload)


def make_server(alg, **kwargs):
    server = AuthorizationServerFactory(access_token_signing_alg=alg, **kwargs)
    ScopeFactory(server=server, name="orders:read")
    return server


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# Key families --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_es256_server_keeps_an_rs256_and_an_es256_family(client):
    server = make_server("ES256")
    assert sorted(server.signing_keys.values_list("alg", "status")) == [
        ("ES256", "ACTIVE"), ("ES256", "NEXT"), ("RS256", "ACTIVE"), ("RS256", "NEXT")]
    ec_key = active(server, "ES256")
    assert {name: ec_key.public_jwk[name] for name in ("kty", "crv", "alg", "use")} == {
        "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig"}
    assert ec_key.kid == jwk.JWK(**ec_key.public_jwk).thumbprint()  # RFC 7638, as for RSA keys
    assert not {"d", "n", "e"} & set(ec_key.public_jwk)

    published = client.get(endpoint("keys", server.id)).json()["keys"]
    assert [(key["kty"], key["alg"]) for key in published] == [
        ("RSA", "RS256"), ("EC", "ES256"), ("RSA", "RS256"), ("EC", "ES256")]
    assert {key["kid"] for key in published} == set(server.signing_keys.values_list("kid", flat=True))
    assert all("d" not in key for key in published)
    jwk.JWKSet.from_json(json.dumps({"keys": published}))
    discovery = client.get(f"/oauth2/{server.id}/.well-known/openid-configuration").json()
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]


@pytest.mark.django_db
def test_a_ps256_family_is_rsa_keys_whose_jwk_says_ps256(client):
    server = make_server("PS256")
    ps_key = active(server, "PS256")
    assert ps_key.public_jwk["kty"] == "RSA" and ps_key.public_jwk["alg"] == "PS256"
    assert len(unb64(ps_key.public_jwk["n"])) == 256
    assert ps_key.kid != active(server, "RS256").kid


@pytest.mark.django_db
def test_an_rs256_server_has_one_family(authserver):
    assert set(authserver.signing_keys.values_list("alg", flat=True)) == {"RS256"}
    assert server_snapshot("default").access_token_signing_alt is None


# Which key signs access tokens -------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_new_es256_family_signs_only_once_published_for_the_cache_lifetime(client, service_client):
    server = make_server("ES256")
    ec_key, rs_key = active(server, "ES256"), active(server, "RS256")
    lifetime = server_cache_lifetime(server)
    starts = ec_key.created + s(lifetime)
    assert access_token_key_usable_from(server, ec_key) == starts

    snapshot = server_snapshot(server.id)
    assert snapshot.access_token_signing(now=(starts - s(1)).timestamp()).kid == rs_key.kid
    assert snapshot.access_token_signing(now=starts.timestamp()).kid == ec_key.kid
    assert snapshot.signing.kid == rs_key.kid  # what ID tokens will use

    early = token(client, service_client, server.id)
    assert header(early)["alg"] == "RS256" and header(early)["kid"] == rs_key.kid

    backdate(ec_key, lifetime)
    value = token(client, service_client, server.id)
    assert header(value) == {"kid": ec_key.kid, "alg": "ES256", "typ": "at+jwt"}
    assert len(unb64(value.split(".")[2])) == 64
    assert verify_against_jwks(client, server.id, value)["cid"] == service_client.client_id
    body = introspect(client, service_client, value, server.id)
    assert body["active"] is True and body["client_id"] == service_client.client_id
    assert introspect(client, service_client, early, server.id)["active"] is True


@pytest.mark.django_db
def test_ps256_access_tokens_verify_against_the_jwks_and_introspect(client, service_client):
    server = make_server("PS256")
    ps_key = active(server, "PS256")
    backdate(ps_key, server_cache_lifetime(server))
    value = token(client, service_client, server.id)
    assert header(value)["alg"] == "PS256" and header(value)["kid"] == ps_key.kid
    assert verify_against_jwks(client, server.id, value)["iss"].endswith(f"/oauth2/{server.id}")
    assert introspect(client, service_client, value, server.id)["active"] is True


@pytest.mark.django_db
def test_a_token_whose_header_names_another_family_does_not_introspect(client, service_client):
    """Re-labelling an RS256 token's header as ES256 (same kid) fails the alg-confusion guard."""
    server = make_server("ES256")
    value = token(client, service_client, server.id)
    head = json.loads(unb64(value.split(".")[0]))
    head["alg"] = "ES256"
    forged = base64.urlsafe_b64encode(json.dumps(head).encode()).rstrip(b"=").decode() + value[value.index("."):]
    assert introspect(client, service_client, forged, server.id) == {"active": False}


# Switching alg -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_switching_to_es256_publishes_a_family_and_keeps_rs256_until_it_is_old_enough(
        client, authserver, scope, service_client, console):
    root = LogEvent.objects.count()
    authserver_set_access_token_alg(server=authserver, alg="ES256", actor=None)

    authserver.refresh_from_db()
    assert authserver.access_token_signing_alg == "ES256"
    ec_key = active(authserver, "ES256")
    assert family_keys(authserver, "ES256", KeyStatus.NEXT).count() == 1
    assert ec_key.kid in {key["kid"] for key in client.get(endpoint("keys")).json()["keys"]}
    assert header(token(client, service_client, "default"))["alg"] == "RS256"
    event = LogEvent.objects.filter(event_type="oauth2.as.updated").get()
    assert LogEvent.objects.count() > root
    debug = event.debug_context["debugData"]
    assert (debug["oldValue"], debug["newValue"], debug["activeKid"]) == ("RS256", "ES256", ec_key.kid)
    assert "stay signed with the RS256 key" in debug["note"]

    backdate(ec_key, server_cache_lifetime(authserver))
    assert header(token(client, service_client, "default"))["alg"] == "ES256"


@pytest.mark.django_db
def test_switching_back_to_rs256_is_immediate_and_retires_the_es256_family(client, scope, service_client,
                                                                            authserver):
    authserver_set_access_token_alg(server=authserver, alg="ES256")
    ec_key = active(authserver, "ES256")
    backdate(ec_key, server_cache_lifetime(authserver))
    es_token = token(client, service_client, "default")
    assert header(es_token)["alg"] == "ES256"

    authserver_set_access_token_alg(server=authserver, alg="RS256")

    assert header(token(client, service_client, "default"))["alg"] == "RS256"
    assert set(family_keys(authserver, "ES256").values_list("status", flat=True)) == {"EXPIRED"}
    # Still published, so the tokens it signed stay verifiable until they expire.
    assert ec_key.kid in {key["kid"] for key in client.get(endpoint("keys")).json()["keys"]}
    assert introspect(client, service_client, es_token, "default")["active"] is True
    assert server_snapshot("default").access_token_signing_alt is None


@pytest.mark.django_db
def test_the_retired_family_is_purged_when_its_tokens_have_expired(authserver):
    authserver_set_access_token_alg(server=authserver, alg="ES256")
    switched_back = active(authserver, "ES256").created + s(10)
    authserver_set_access_token_alg(server=authserver, alg="RS256", now=switched_back)
    removable = switched_back + longest_token_lifetime(authserver) + PURGE_MARGIN

    assert signing_keys_maintain(server_id="default", now=removable - s(1)) == []
    done = signing_keys_maintain(server_id="default", now=removable)

    assert sorted((a.kind, a.alg) for a in done) == [("remove", "ES256"), ("remove", "ES256")]
    assert not family_keys(authserver, "ES256").exists()
    assert family_keys(authserver, "RS256").count() == 2


@pytest.mark.django_db
def test_switching_between_ps256_and_es256(authserver):
    authserver_set_access_token_alg(server=authserver, alg="PS256")
    authserver_set_access_token_alg(server=authserver, alg="ES256")
    assert set(family_keys(authserver, "PS256").values_list("status", flat=True)) == {"EXPIRED"}
    assert sorted(family_keys(authserver, "ES256").values_list("status", flat=True)) == ["ACTIVE", "NEXT"]
    assert server_snapshot("default").access_token_signing_alt.alg == "ES256"


@pytest.mark.django_db
def test_setting_the_same_alg_again_changes_nothing(authserver):
    authserver_set_access_token_alg(server=authserver, alg="ES256")
    kids = set(authserver.signing_keys.values_list("kid", flat=True))
    authserver_set_access_token_alg(server=authserver, alg="ES256")
    assert set(authserver.signing_keys.values_list("kid", flat=True)) == kids
    assert LogEvent.objects.filter(event_type="oauth2.as.updated").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("alg", ["HS256", "none", "", "es256"])
def test_an_unknown_alg_is_refused(authserver, alg):
    with pytest.raises(ServiceError) as raised:
        authserver_set_access_token_alg(server=authserver, alg=alg)
    assert raised.value.field == "accessTokenSigningAlg"
    with pytest.raises(ServiceError):
        authserver_create(name="x", audiences=["api://x"], access_token_signing_alg=alg)


@pytest.mark.django_db
def test_maintenance_adds_a_family_missing_after_a_plain_save(authserver):
    """A server whose alg was changed without the service gets its family from the periodic check."""
    AuthorizationServer.objects.filter(pk="default").update(access_token_signing_alg="ES256")
    done = signing_keys_maintain(server_id="default")
    assert [(a.kind, a.alg) for a in done] == [("create_active", "ES256"), ("create_next", "ES256")]
    assert family_keys(authserver, "ES256").count() == 2


# Rotation per family ---------------------------------------------------------------------------------

@pytest.fixture
def es256_default(authserver, scope, settings):
    """The default server on ES256, its families both published long ago (T0), rotated at T0."""
    settings.CASTELLAN_KEY_ROTATION_PERIOD = PERIOD
    settings.CASTELLAN_JWKS_MAX_AGE = 300
    authserver_set_access_token_alg(server=authserver, alg="ES256")
    SigningKey.objects.filter(server=authserver).update(created=T0, activated=None)
    SigningKey.objects.filter(server=authserver, status=KeyStatus.ACTIVE).update(activated=T0)
    AuthorizationServer.objects.filter(pk="default").update(last_rotated=T0)
    authserver.refresh_from_db()
    return authserver


@pytest.mark.django_db
def test_auto_rotation_rotates_each_family(es256_default):
    first = {alg: (active(es256_default, alg).kid, family_keys(es256_default, alg, KeyStatus.NEXT).get().kid)
             for alg in ("RS256", "ES256")}
    done = signing_keys_maintain(server_id="default", now=T0 + PERIOD)
    assert [(a.kind, a.alg) for a in done] == [("promote", "RS256"), ("create_next", "RS256"),
                                               ("promote", "ES256"), ("create_next", "ES256")]
    for alg, (old_active, old_next) in first.items():
        assert active(es256_default, alg).kid == old_next
        assert family_keys(es256_default, alg).get(kid=old_active).status == KeyStatus.EXPIRED
        assert family_keys(es256_default, alg, KeyStatus.NEXT).get().public_jwk["alg"] == alg
    events = LogEvent.objects.filter(event_type="app.oauth2.as.key.rollover",
                                     debug_context__debugData__trigger="AUTO",
                                     debug_context__debugData__activeKid__isnull=False)
    assert sorted(e.debug_context["debugData"]["alg"] for e in events) == ["ES256", "RS256"]
    assert server_snapshot("default").access_token_signing().alg == "ES256"  # published a period ago
    assert signing_keys_maintain(server_id="default", now=T0 + PERIOD) == []


@pytest.mark.django_db
def test_manual_rotation_rotates_every_family(es256_default):
    old = {alg: family_keys(es256_default, alg, KeyStatus.NEXT).get().kid for alg in ("RS256", "ES256")}
    result = signing_key_rotate_now(server=es256_default, now=T0 + DAY)
    assert result.active_kids == old
    assert result.active_kid == old["RS256"]
    assert result.warning is None and result.notes == []
    assert server_snapshot("default").access_token_signing().kid == old["ES256"]


@pytest.mark.django_db
def test_manual_rotation_to_a_young_es256_key_keeps_access_tokens_rs256_meanwhile(authserver):
    authserver_set_access_token_alg(server=authserver, alg="ES256")
    es_next = family_keys(authserver, "ES256", KeyStatus.NEXT).get()
    now = es_next.created + s(30)
    result = signing_key_rotate_now(server=authserver, now=now)
    assert result.active_kids["ES256"] == es_next.kid
    assert len(result.notes) == 1 and f"ES256 key {es_next.kid}" in result.notes[0]
    snapshot = server_snapshot("default")
    assert snapshot.access_token_signing(now=now.timestamp()).alg == "RS256"
    assert snapshot.access_token_signing(now=(es_next.created + s(300)).timestamp()).kid == es_next.kid
    out, err = run("rotatekeys", "--server", "default")
    assert "Note: Access tokens stay signed with the RS256 key" in err
    assert "(ES256)" in out


@pytest.mark.django_db
def test_emergency_rotation_replaces_every_family(client, es256_default, service_client):
    settings_lifetime = server_cache_lifetime(es256_default)
    old = {alg: set(family_keys(es256_default, alg).exclude(status=KeyStatus.EXPIRED).values_list("kid", flat=True))
           for alg in ("RS256", "ES256")}
    compromised = token(client, service_client, "default")
    assert header(compromised)["alg"] == "ES256"
    assert introspect(client, service_client, compromised, "default")["active"] is True

    result = signing_key_emergency_rotate(server=es256_default)

    assert set(result.withdrawn_kids) == old["RS256"] | old["ES256"]
    assert set(result.active_kids) == {"RS256", "ES256"}
    assert not SigningKey.objects.filter(kid__in=result.withdrawn_kids).exists()
    assert introspect(client, service_client, compromised, "default") == {"active": False}
    fresh_es = active(es256_default, "ES256")
    assert fresh_es.kid == result.active_kids["ES256"]
    # The fresh ES256 key is unknown to cached JWKS: the fresh RS256 key signs until it is old enough.
    assert header(token(client, service_client, "default"))["kid"] == result.active_kid
    assert result.notes and fresh_es.kid in result.notes[0]
    backdate(fresh_es, settings_lifetime)
    assert header(token(client, service_client, "default"))["kid"] == fresh_es.kid
    events = LogEvent.objects.filter(event_type="app.oauth2.as.key.rollover",
                                     debug_context__debugData__trigger="EMERGENCY")
    by_alg = {e.debug_context["debugData"]["alg"]: e.debug_context["debugData"] for e in events}
    assert set(by_alg) == {"RS256", "ES256"}
    assert set(by_alg["ES256"]["withdrawnKids"]) == old["ES256"]


@pytest.mark.django_db
def test_rotatekeys_json_lists_ec_keys_with_their_parameters(es256_default):
    out, _ = run("rotatekeys", "--server", "default", "--json")
    keys = json.loads(out)
    ec_keys = [key for key in keys if key["alg"] == "ES256"]
    assert [key["status"] for key in ec_keys] == ["ACTIVE", "NEXT", "EXPIRED"]
    assert all(key["kty"] == "EC" and key["crv"] == "P-256" and {"x", "y"} <= set(key) for key in ec_keys)
    assert all("n" not in key and "d" not in key for key in ec_keys)
    assert all(key["kty"] == "RSA" and "n" in key for key in keys if key["alg"] == "RS256")


# Where the option is set ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_createauthserver_access_token_alg_es256_json():
    out, err = run("createauthserver", "Orders API", "--audience", "api://orders", "--access-token-alg", "ES256",
                   "--default-policy", "--json")
    body = json.loads(out)  # Okta's shape, nothing added: Okta has no such field
    server = AuthorizationServer.objects.get(pk=body["id"])
    assert server.access_token_signing_alg == "ES256"
    assert body["credentials"]["signing"]["kid"] == active(server, "RS256").kid
    assert "ES256" not in out
    assert family_keys(server, "ES256").count() == 2
    assert err == ""


@pytest.mark.django_db
def test_createauthserver_human_output_shows_the_caveat():
    out, _ = run("createauthserver", "Orders API", "--audience", "api://orders", "--access-token-alg", "PS256")
    assert "Access tokens are signed PS256; ID tokens stay RS256." in out
    assert "access tokens stay RS256" in out
    assert ACCESS_TOKEN_ALG_CAVEAT in out
    plain, _ = run("createauthserver", "Other API", "--audience", "api://other")
    assert "signed RS256" in plain and ACCESS_TOKEN_ALG_CAVEAT not in plain


@pytest.mark.django_db
def test_createauthserver_help_and_a_bad_alg():
    from django.core.management import get_commands, load_command_class

    parser = load_command_class(get_commands()["createauthserver"], "createauthserver").create_parser(
        "manage.py", "createauthserver")
    assert "accept only RS256" in " ".join(parser.format_help().split())
    err = StringIO()
    with pytest.raises(Exception):  # noqa: B017 - CommandError, with the Okta error on stderr
        call_command("createauthserver", "X", "--audience", "api://x", "--access-token-alg", "HS256", "--json",
                     stdout=StringIO(), stderr=err)
    assert json.loads(err.getvalue())["errorSummary"] == "Api validation failed: accessTokenSigningAlg"


@pytest.mark.django_db
def test_admin_add_form_offers_the_alg_with_the_caveat(console):
    page = console.get(reverse("admin:authservers_authorizationserver_add"))
    assert b'name="access_token_signing_alg"' in page.content and shows_caveat(page.content)
    response = console.post(reverse("admin:authservers_authorizationserver_add"), {
        "name": "Payments API", "audience": "api://payments", "issuer_mode": "ORG_URL",
        "access_token_signing_alg": "ES256"})
    assert response.status_code == 302
    server = AuthorizationServer.objects.get(name="Payments API")
    assert server.access_token_signing_alg == "ES256" and family_keys(server, "ES256").count() == 2


@pytest.mark.django_db
def test_admin_change_form_switches_through_the_service_and_shows_the_caveat(console, authserver):
    from tests.authservers.test_admin import server_form_data

    url = reverse("admin:authservers_authorizationserver_change", args=["default"])
    page = console.get(url)
    assert b'name="access_token_signing_alg"' in page.content and shows_caveat(page.content)

    done = console.post(url, server_form_data(authserver, access_token_signing_alg="ES256"), follow=True)

    assert done.status_code == 200
    authserver.refresh_from_db()
    assert authserver.access_token_signing_alg == "ES256"
    assert family_keys(authserver, "ES256").count() == 2
    messages = [str(message) for message in done.context["messages"]]
    assert ACCESS_TOKEN_ALG_CAVEAT in messages
    assert shows_caveat(done.content)
    event = LogEvent.objects.get(event_type="oauth2.as.updated")
    assert event.actor["alternateId"] == "root@example.com"
    page = console.get(url)
    assert b"access tokens stay RS256" in page.content
    assert b"-----BEGIN" not in page.content
