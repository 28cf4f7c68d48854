"""Token Preview's claims: every claim of each token with its value or error, where IDENTITY claims go,
and each token's size against the server's limit (docs/token-preview.md)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.services import everyone_group, user_create
from authservers.claim_services import claim_create
from authservers.models import LogEvent
from policies.preview import preview_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):
    return user_create(login="ada@example.com", email="ada@example.com", password=None, first_name="Ada",
                       profile={"department": "Analytical Engines"}, groups=["Eng-Core", "Sales"])


@pytest.fixture
def web_app(make_client):
    registered = make_client(label="portal", grant_types=["authorization_code"], application_type="web",
                             redirect_uris=["https://app.example.com/callback"])
    registered.model.assigned_groups.add(everyone_group())
    return registered


def user_preview(web_app, scopes, **kwargs):
    return preview_token(server_id="default", client_id=web_app.client_id, grant_type="authorization_code",
                         scopes=scopes, user_login="ada@example.com", **kwargs)


def by_name(entries) -> dict:
    return {entry["name"]: entry for entry in entries}


def test_user_preview_shows_the_thin_id_token_and_where_each_identity_claim_goes(authserver, web_app, ada):
    claim_create(server=authserver, name="department", claim_type="RESOURCE", value="user.department")
    claim_create(server=authserver, name="groups", claim_type="IDENTITY", value_type="GROUPS",
                 group_filter_type="STARTS_WITH", value="eng")
    claim_create(server=authserver, name="shout", claim_type="IDENTITY", value="String.toUpperCase(user.email)",
                 always_include_in_token=False)
    claim_create(server=authserver, name="mail_only", claim_type="IDENTITY", value="'m'",
                 conditions_scopes=["email"])

    tokens = user_preview(web_app, ["openid"], now=1_767_225_600)["tokens"]

    access, id_token = tokens["access_token"], tokens["id_token"]
    assert access["payload"]["department"] == "Analytical Engines"
    assert access["payload"]["sub"] == "ada@example.com" and access["payload"]["auth_time"] == 1_767_225_600
    assert id_token["payload"]["sub"] == ada.pk and id_token["payload"]["aud"] == web_app.client_id
    assert id_token["payload"]["groups"] == ["Eng-Core"] and "shout" not in id_token["payload"]
    assert id_token["payload"]["exp"] - id_token["payload"]["iat"] == 3600
    assert "at_hash" in id_token["payload"] and id_token["payload"]["jti"].startswith("ID.")
    assert id_token["header"]["typ"] == "JWT" and id_token["header"]["alg"] == "RS256"
    claims = by_name(id_token["claims"])
    assert claims["groups"] == {"name": "groups", "claimType": "IDENTITY", "value": ["Eng-Core"],
                                "placement": ["id_token", "userinfo"]}
    assert claims["shout"] == {"name": "shout", "claimType": "IDENTITY", "value": "ADA@EXAMPLE.COM",
                               "placement": ["userinfo"]}
    assert "mail_only" not in claims  # its scope is not granted
    assert 0 < id_token["size"] <= id_token["maxSize"] == 8192 and "sizeError" not in id_token
    assert "token" not in id_token and "token" not in access  # nothing usable leaves the preview


def test_no_id_token_without_openid_or_without_a_user(authserver, scope, web_app, service_client, ada):
    assert user_preview(web_app, ["orders:read"])["tokens"]["id_token"] is None
    result = preview_token(server_id="default", client_id=service_client.client_id,
                           grant_type="client_credentials", scopes=["orders:read"])
    assert result["tokens"]["id_token"] is None


def test_failing_identity_claim_shows_its_error_and_the_rest_of_the_token(authserver, web_app, ada):
    claim_create(server=authserver, name="level", claim_type="IDENTITY", value="Convert.toInt(user.department)")
    claim_create(server=authserver, name="team", claim_type="IDENTITY", value="'core'")

    id_token = user_preview(web_app, ["openid"])["tokens"]["id_token"]

    level = by_name(id_token["claims"])["level"]
    assert level["error"]["error"] == "server_error"
    assert level["error"]["error_description"] == "The 'level' user claim could not be evaluated."
    assert level["error"]["reason"]
    assert level["placement"] == ["id_token", "userinfo"] and "value" not in level
    assert id_token["payload"]["team"] == "core" and "level" not in id_token["payload"]
    assert not LogEvent.objects.filter(event_type="app.oauth2.as.evaluate.claim").exists()


def test_size_is_the_length_of_the_signed_jwt_and_the_limit_is_the_servers(authserver, scope, service_client):
    authserver.token_size_limit = 4000
    authserver.save()
    claim_create(server=authserver, name="filler", claim_type="RESOURCE", value="'" + "y" * 500 + "'")

    access = preview_token(server_id="default", client_id=service_client.client_id,
                           grant_type="client_credentials", scopes=["orders:read"])["tokens"]["access_token"]

    payload_segment = len(json.dumps(access["payload"], separators=(",", ":")).encode()) * 4 / 3
    header_segment = len(json.dumps(access["header"], separators=(",", ":")).encode()) * 4 / 3
    signature_segment = 342  # RS256 (2048-bit) signature, base64url
    assert access["size"] == pytest.approx(header_segment + payload_segment + signature_segment + 2, abs=3)
    assert access["maxSize"] == 4000 and "sizeError" not in access


def test_id_token_over_the_limit_names_the_claim(authserver, web_app, ada):
    claim_create(server=authserver, name="a_ok", claim_type="IDENTITY", value="'ok'")
    claim_create(server=authserver, name="b_big", claim_type="IDENTITY", value="'" + "z" * 900 + "'")
    authserver.token_size_limit = 1500
    authserver.save()

    id_token = user_preview(web_app, ["openid"])["tokens"]["id_token"]

    assert id_token["sizeError"] == (f"The ID token would be {id_token['size']} bytes, more than the 1500 this "
                                     "server allows; the 'b_big' claim took it over the limit.")


def test_human_output_lists_claims_errors_and_sizes(authserver, web_app, ada):
    claim_create(server=authserver, name="level", claim_type="RESOURCE", value="Convert.toInt(user.department)")
    claim_create(server=authserver, name="shout", claim_type="IDENTITY", value="String.toUpperCase(user.email)",
                 always_include_in_token=False)
    out = StringIO()
    call_command("tokenpreview", "--server", "default", "--client", web_app.client_id, "--grant-type",
                 "authorization_code", "--user", "ada@example.com", "--scopes", "openid", stdout=out,
                 stderr=StringIO())
    text = out.getvalue()
    assert "of 8192 bytes" in text
    assert "claim level: server_error: The 'level' user claim could not be evaluated." in text
    assert 'claim shout [userinfo]: "ADA@EXAMPLE.COM"' in text
    assert "ID token (" in text
