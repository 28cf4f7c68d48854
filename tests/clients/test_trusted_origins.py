"""Trusted origins (REFERENCE §12.1): model, validation, `createtrustedorigin`, admin."""

import json
import re
from functools import partial
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from authservers.services import ServiceError
from clients.models import TrustedOrigin
from clients.services import trusted_origin_create
from tests import okta_schema
from tests.commands import run_command, run_command_failing

run = partial(run_command, "createtrustedorigin")
run_failing = partial(run_command_failing, "createtrustedorigin")


@pytest.mark.django_db
def test_command_prints_okta_trusted_origin():
    out, _ = run("spa", "--origin", "https://App.Example.com:8443", "--scopes", "REDIRECT", "CORS", "--json")
    body = json.loads(out)
    assert re.fullmatch(r"tos[A-Za-z0-9]{17}", body["id"])
    assert body["name"] == "spa"
    assert body["origin"] == "https://app.example.com:8443"
    assert body["scopes"] == [{"type": "CORS"}, {"type": "REDIRECT"}]
    assert body["status"] == "ACTIVE"
    assert {"id", "name", "origin", "scopes", "status", "created", "createdBy", "lastUpdated", "lastUpdatedBy",
            "_links"} == set(body)
    assert body["createdBy"] == body["lastUpdatedBy"] == "system"
    assert body["_links"]["self"]["href"].endswith(f"/api/v1/trustedOrigins/{body['id']}")
    assert "deactivate" in body["_links"]
    stored = TrustedOrigin.objects.get(pk=body["id"])
    assert stored.scopes == ["CORS", "REDIRECT"]


@pytest.mark.django_db
def test_command_shape_matches_okta_spec_when_present():
    if not okta_schema.SPEC.exists():
        pytest.skip("Okta's management OpenAPI document is not checked out beside the repository.")
    out, _ = run("spa", "--origin", "https://app.example.com", "--scopes", "CORS", "--json")
    assert set(json.loads(out)) <= okta_schema.spec_schema_properties("TrustedOrigin")


@pytest.mark.django_db
def test_command_text_output():
    out, _ = run("spa", "--origin", "http://localhost:3000", "--scopes", "CORS")
    assert "Trusted origin 'spa' created" in out
    assert "origin: http://localhost:3000" in out


@pytest.mark.parametrize(("origin", "words"), [
    ("ftp://files.example.com", "http:// or https://"),
    ("app.example.com", "http:// or https://"),
    ("https://", "must name a host"),
    ("https://user@app.example.com", "must name a host"),
    ("https://app.example.com/", "no path"),
    ("https://app.example.com/cb", "no path"),
    ("https://app.example.com?x=1", "no path"),
    ("https://app.example.com#top", "no path"),
    ("https://app.example.com:99999", "port"),
    ("https://" + "a" * 250 + ".com", "at most 255"),
])
@pytest.mark.django_db
def test_bad_origins_are_refused_in_plain_words(origin, words):
    with pytest.raises(ServiceError) as excinfo:
        trusted_origin_create(name="x", origin=origin, scopes=["CORS"])
    assert excinfo.value.field == "origin"
    assert words in excinfo.value.message
    assert not TrustedOrigin.objects.exists()


@pytest.mark.parametrize("scopes", [[], ["IFRAME"]])
@pytest.mark.django_db
def test_bad_scopes_are_refused(scopes):
    with pytest.raises(ServiceError) as excinfo:
        trusted_origin_create(name="x", origin="https://a.example.com", scopes=scopes)
    assert excinfo.value.field == "scopes"


@pytest.mark.django_db
def test_name_and_origin_are_unique():
    trusted_origin_create(name="spa", origin="https://a.example.com", scopes=["CORS"])
    with pytest.raises(ServiceError) as excinfo:
        trusted_origin_create(name="spa", origin="https://b.example.com", scopes=["CORS"])
    assert excinfo.value.field == "name"
    with pytest.raises(ServiceError) as excinfo:
        trusted_origin_create(name="other", origin="https://A.example.com", scopes=["CORS"])
    assert excinfo.value.field == "origin"


@pytest.mark.django_db
def test_command_failure_is_okta_error_object():
    _, err = run_failing("spa", "--origin", "https://app.example.com/path", "--scopes", "CORS", "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == "Api validation failed: origin"
    assert "no path" in body["errorCauses"][0]["errorSummary"]


def test_command_requires_scopes():
    with pytest.raises(CommandError):
        call_command("createtrustedorigin", "spa", "--origin", "https://a.example.com",
                     stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_admin_lists_and_creates_with_the_same_validation(console):
    trusted_origin_create(name="spa", origin="https://a.example.com", scopes=["CORS", "REDIRECT"])
    listing = console.get(reverse("admin:clients_trustedorigin_changelist"))
    assert listing.status_code == 200
    assert b"https://a.example.com" in listing.content
    assert b"CORS, REDIRECT" in listing.content

    add = reverse("admin:clients_trustedorigin_add")
    bad = console.post(add, {"name": "web", "origin": "https://b.example.com/cb", "scopes": ["CORS"],
                             "status": "ACTIVE"})
    assert bad.status_code == 200
    assert "no path" in bad.content.decode()
    assert TrustedOrigin.objects.count() == 1

    good = console.post(add, {"name": "web", "origin": "https://B.example.com", "scopes": ["REDIRECT"],
                              "status": "ACTIVE"})
    assert good.status_code == 302
    created = TrustedOrigin.objects.get(name="web")
    assert created.origin == "https://b.example.com"
    assert created.created_by == created.last_updated_by != ""

    change = reverse("admin:clients_trustedorigin_change", args=[created.pk])
    same = console.post(change, {"name": "web", "origin": "https://b.example.com", "scopes": ["CORS", "REDIRECT"],
                                 "status": "INACTIVE"})
    assert same.status_code == 302
    created.refresh_from_db()
    assert created.status == "INACTIVE"
    assert created.scopes == ["CORS", "REDIRECT"]
