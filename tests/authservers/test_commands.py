"""Ops commands for servers, scopes and keys: output, Okta JSON shapes, and failures (exit 1, stderr)."""

import json

import pytest

from accounts.models import User
from authservers.management.commands.createscope import Command as CreateScopeCommand
from authservers.models import AuthorizationServer, KeyStatus, LogEvent, Scope
from authservers.scope_rules import SYSTEM_SCOPES
from authservers.services import authserver_create, bootstrap
from tests.commands import run_command, run_command_failing

run = run_command
run_failing = run_command_failing


@pytest.fixture
def default_server(db):
    bootstrap()
    return AuthorizationServer.objects.get(pk="default")


# bootstrap ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_bootstrap_creates_default_server_and_admin_and_shows_password_once():
    out, _ = run("bootstrap", "--admin-login", "root@example.com", "--admin-email", "root@example.com")
    admin = User.objects.get(login="root@example.com")
    assert admin.is_superuser and admin.is_staff
    password = out.split("password:")[1].split()[0]
    assert admin.check_password(password)
    assert "will not be shown again" in out
    server = AuthorizationServer.objects.get(pk="default")
    assert server.audiences == ["api://default"]


@pytest.mark.django_db
def test_bootstrap_is_idempotent():
    first, _ = run("bootstrap", "--json")
    created = json.loads(first)
    assert set(created) == {"adminLogin", "adminPassword"}
    assert User.objects.get(login=created["adminLogin"]).check_password(created["adminPassword"])
    counts = (User.objects.count(), AuthorizationServer.objects.count(), Scope.objects.count())

    second, _ = run("bootstrap", "--json")
    assert json.loads(second) == {}
    assert (User.objects.count(), AuthorizationServer.objects.count(), Scope.objects.count()) == counts
    human, _ = run("bootstrap")
    assert "password" not in human


# createauthserver --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_createauthserver_json_is_okta_shaped_with_keys_and_system_scopes():
    out, _ = run("createauthserver", "Orders API", "--audience", "api://orders", "--description", "Orders",
                 "--json")
    body = json.loads(out)
    assert body["id"].startswith("aus")
    assert body["name"] == "Orders API"
    assert body["description"] == "Orders"
    assert body["audiences"] == ["api://orders"]
    assert body["issuer"] == f"http://testserver/oauth2/{body['id']}"
    assert body["status"] == "ACTIVE"
    server = AuthorizationServer.objects.get(pk=body["id"])
    statuses = sorted(server.signing_keys.values_list("status", flat=True))
    assert statuses == ["ACTIVE", "NEXT"]
    assert body["credentials"]["signing"]["kid"] == server.signing_keys.get(status="ACTIVE").kid
    system = set(server.scopes.filter(system=True).values_list("name", flat=True))
    assert system == set(SYSTEM_SCOPES) and len(system) == 7


@pytest.mark.django_db
def test_createauthserver_human_output():
    out, _ = run("createauthserver", "Orders API", "--audience", "api://orders")
    server = AuthorizationServer.objects.get(name="Orders API")
    assert server.id in out
    assert f"http://testserver/oauth2/{server.id}" in out
    assert ".well-known/openid-configuration" in out


@pytest.mark.django_db
def test_createauthserver_custom_url():
    out, _ = run("createauthserver", "Orders API", "--audience", "api://orders", "--issuer-mode", "CUSTOM_URL",
                 "--custom-url", "https://id.example.com", "--json")
    body = json.loads(out)
    assert body["issuerMode"] == "CUSTOM_URL"
    assert body["issuer"] == f"https://id.example.com/oauth2/{body['id']}"


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "field"), [
    (["--audience", " "], "audiences"),
    (["--audience", "not a uri:x"], "audiences"),
    (["--audience", "api://orders", "--issuer-mode", "CUSTOM_URL"], "issuerMode"),
    (["--audience", "api://orders", "--issuer-mode", "SOMETIMES"], "issuerMode"),
])
def test_createauthserver_rejects_bad_input_with_okta_error(args, field):
    _, err = run_failing("createauthserver", "Orders API", *args, "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == f"Api validation failed: {field}"
    assert body["errorCauses"][0]["errorSummary"].startswith(f"{field}:")
    assert {"errorLink", "errorId"} <= set(body)
    assert not AuthorizationServer.objects.filter(name="Orders API").exists()


@pytest.mark.django_db
def test_createauthserver_error_without_json_is_a_sentence():
    exc, err = run_failing("createauthserver", "", "--audience", "api://orders")
    assert "name: The field cannot be left blank." in str(exc)
    assert "name: The field cannot be left blank." in err


# createscope -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_createscope_json(default_server):
    out, _ = run("createscope", "orders:read", "--server", "default", "--display-name", "Read orders",
                 "--description", "Read your orders", "--consent", "FLEXIBLE", "--default", "--optional",
                 "--metadata-publish", "ALL_CLIENTS", "--json")
    body = json.loads(out)
    assert body["id"].startswith("scp")
    assert {key: body[key] for key in ("name", "displayName", "description", "consent", "default", "optional",
                                       "metadataPublish", "system")} == {
        "name": "orders:read", "displayName": "Read orders", "description": "Read your orders",
        "consent": "FLEXIBLE", "default": True, "optional": True, "metadataPublish": "ALL_CLIENTS",
        "system": False}
    assert body["_links"]["self"]["href"].endswith(f"/authorizationServers/default/scopes/{body['id']}")
    assert Scope.objects.filter(server=default_server, name="orders:read").exists()


@pytest.mark.django_db
def test_createscope_defaults_follow_okta_api(default_server):
    out, _ = run("createscope", "orders:read", "--server", "default")
    scope = Scope.objects.get(server=default_server, name="orders:read")
    assert (scope.consent, scope.metadata_publish, scope.default, scope.optional) == (
        "IMPLICIT", "NO_CLIENTS", False, False)
    assert scope.id in out and "orders:read" in out


@pytest.mark.django_db
def test_createscope_writes_a_system_log_event(default_server):
    run("createscope", "orders:read", "--server", "default")
    assert LogEvent.objects.filter(event_type="oauth2.scope.created").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["okta.x", "okta:users", "okta", "*", "a b", 'say"hi', "<a>", "é"])
def test_createscope_rejects_names_okta_rejects(default_server, name):
    _, err = run_failing("createscope", name, "--server", "default", "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == "Api validation failed: name"
    assert not Scope.objects.filter(name=name).exists()


@pytest.mark.django_db
def test_createscope_rejects_a_duplicate(default_server):
    run("createscope", "orders:read", "--server", "default")
    exc, err = run_failing("createscope", "orders:read", "--server", "default")
    assert "already exists" in str(exc) and "already exists" in err
    assert Scope.objects.filter(name="orders:read").count() == 1


@pytest.mark.django_db
def test_createscope_same_name_on_another_server_is_fine(default_server):
    other = authserver_create(name="Orders API", audiences=["api://orders"])
    run("createscope", "orders:read", "--server", "default")
    run("createscope", "orders:read", "--server", other.id)
    assert Scope.objects.filter(name="orders:read").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "field"), [
    (["--optional"], "optional"),  # optional needs consent REQUIRED or FLEXIBLE
    (["--consent", "SOMETIMES"], "consent"),
    (["--metadata-publish", "EVERYONE"], "metadataPublish"),
])
def test_createscope_rejects_bad_settings(default_server, args, field):
    _, err = run_failing("createscope", "orders:read", "--server", "default", *args, "--json")
    assert json.loads(err)["errorSummary"] == f"Api validation failed: {field}"


@pytest.mark.django_db
def test_createscope_unknown_server_is_not_found():
    _, err = run_failing("createscope", "orders:read", "--server", "ausNoSuchServer00000", "--json")
    body = json.loads(err)
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: ausNoSuchServer00000 (AuthorizationServer)"


@pytest.mark.django_db
def test_createscope_unknown_server_without_json():
    exc, err = run_failing("createscope", "orders:read", "--server", "nope")
    assert str(exc) == "Not found: Resource not found: nope (AuthorizationServer)"
    assert "nope" in err


@pytest.mark.django_db
def test_json_error_is_all_of_stderr_with_exit_status_1_from_the_command_line(monkeypatch, capsys):
    """Run as `manage.py createscope … --json`: stderr holds only the Okta error object, exit status 1."""
    # run_from_argv closes every connection when it ends, which would end the test's transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    command = CreateScopeCommand()
    with pytest.raises(SystemExit) as excinfo:
        command.run_from_argv(["manage.py", "createscope", "orders:read", "--server", "nope", "--json"])
    assert excinfo.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["errorCode"] == "E0000007"


@pytest.mark.django_db
def test_human_error_from_the_command_line_exits_1(monkeypatch, capsys):
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as excinfo:
        CreateScopeCommand().run_from_argv(["manage.py", "createscope", "x", "--server", "nope"])
    assert excinfo.value.code == 1
    assert "Not found: Resource not found: nope (AuthorizationServer)" in capsys.readouterr().err


# rotatekeys --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_rotatekeys_promotes_next_key(default_server):
    active = default_server.signing_keys.get(status=KeyStatus.ACTIVE).kid
    upcoming = default_server.signing_keys.get(status=KeyStatus.NEXT).kid
    out, _ = run("rotatekeys", "--server", "default")
    keys = dict(default_server.signing_keys.values_list("kid", "status"))
    assert keys[upcoming] == "ACTIVE"
    assert keys[active] == "EXPIRED"
    assert sorted(keys.values()) == ["ACTIVE", "EXPIRED", "NEXT"]
    assert f"ACTIVE   {upcoming}" in out
    assert f"EXPIRED  {active}" in out


@pytest.mark.django_db
def test_rotatekeys_json_lists_keys_in_okta_shape(default_server):
    before = default_server.signing_keys.get(status=KeyStatus.ACTIVE).kid
    out, _ = run("rotatekeys", "--server", "default", "--json")
    keys = json.loads(out)
    assert [key["status"] for key in keys] == ["ACTIVE", "NEXT", "EXPIRED"]
    assert keys[0]["kid"] != before and keys[2]["kid"] == before
    for key in keys:
        assert set(key) == {"status", "alg", "e", "n", "kid", "kty", "use", "_links"}
        assert "d" not in key


@pytest.mark.django_db
def test_rotatekeys_unknown_server():
    _, err = run_failing("rotatekeys", "--server", "nope", "--json")
    assert json.loads(err)["errorCode"] == "E0000007"
