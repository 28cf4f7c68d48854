"""The management console for servers, scopes, keys, the System Log and tokens."""

import pytest
from django.contrib import admin
from django.urls import reverse

from authservers.models import AuthorizationServer, KeyStatus, LogEvent, Scope, SigningKey
from authservers.scope_rules import SYSTEM_SCOPES
from authservers.services import authserver_create, scope_create


@pytest.fixture
def server(db):
    return authserver_create(name="Orders API", audiences=["api://orders"])


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def server_form_data(server, **overrides):
    """The change form as the browser would post it, scopes inline included."""
    scopes = list(server.scopes.order_by("-system", "name"))
    data = {
        "name": server.name, "description": server.description, "audiences": ",".join(server.audiences),
        "status": server.status, "issuer_mode": server.issuer_mode, "custom_url": server.custom_url,
        "rotation_mode": server.rotation_mode,
        "scopes-TOTAL_FORMS": str(len(scopes)), "scopes-INITIAL_FORMS": str(len(scopes)),
        "scopes-MIN_NUM_FORMS": "0", "scopes-MAX_NUM_FORMS": "1000",
    }
    for index, scope in enumerate(scopes):
        prefix = f"scopes-{index}-"
        data.update({
            prefix + "id": scope.id, prefix + "server": server.id, prefix + "name": scope.name,
            prefix + "display_name": scope.display_name, prefix + "description": scope.description,
            prefix + "consent": scope.consent, prefix + "metadata_publish": scope.metadata_publish,
        })
        if scope.optional:
            data[prefix + "optional"] = "on"
        if scope.default:
            data[prefix + "default"] = "on"
    data.update(overrides)
    return data


def add_inline_scope(data, **fields):
    index = int(data["scopes-TOTAL_FORMS"])
    prefix = f"scopes-{index}-"
    values = {"consent": "IMPLICIT", "metadata_publish": "NO_CLIENTS", "display_name": "", "description": "",
              **fields}
    data.update({prefix + name: value for name, value in values.items()})
    data[prefix + "server"] = data.get("scopes-0-server", "")
    data["scopes-TOTAL_FORMS"] = str(index + 1)
    return data


def test_every_model_is_registered():
    from django.apps import apps

    for label in ("accounts", "authservers", "clients"):
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model


@pytest.mark.django_db
def test_every_changelist_opens(console, server):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert console.get(url).status_code == 200, url


@pytest.mark.django_db
def test_adding_a_server_creates_keys_and_system_scopes(console):
    response = console.post(reverse("admin:authservers_authorizationserver_add"), {
        "name": "Payments API", "audience": "api://payments", "description": "Payments",
        "issuer_mode": "ORG_URL", "custom_url": ""})
    server = AuthorizationServer.objects.get(name="Payments API")
    assert response.status_code == 302
    assert server.id.startswith("aus")
    assert server.audiences == ["api://payments"]
    assert sorted(server.signing_keys.values_list("status", flat=True)) == ["ACTIVE", "NEXT"]
    assert set(server.scopes.filter(system=True).values_list("name", flat=True)) == set(SYSTEM_SCOPES)
    assert LogEvent.objects.filter(event_type="oauth2.as.created", actor__alternateId="root@example.com").exists()


@pytest.mark.django_db
def test_add_server_page_opens(console):
    response = console.get(reverse("admin:authservers_authorizationserver_add"))
    assert response.status_code == 200
    assert b'name="audience"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), [
    ({"audience": "not a uri:x"}, b"must be a valid URI"),
    ({"issuer_mode": "CUSTOM_URL"}, b"CUSTOM_URL needs a custom URL"),
    ({"name": ""}, b"This field is required"),
])
def test_bad_server_input_is_shown_on_the_form(console, data, message):
    post = {"name": "Payments API", "audience": "api://payments", "issuer_mode": "ORG_URL", **data}
    response = console.post(reverse("admin:authservers_authorizationserver_add"), post)
    assert response.status_code == 200
    assert message in response.content
    assert not AuthorizationServer.objects.filter(audiences=[post["audience"]]).exists()


@pytest.mark.django_db
def test_server_page_shows_issuer_metadata_and_keys_but_no_key_material(console, server):
    response = console.get(change_url(server))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"http://testserver/oauth2/{server.id}" in page
    assert f'href="/oauth2/{server.id}/.well-known/openid-configuration"' in page
    for key in server.signing_keys.all():
        assert key.kid in page
        assert key.public_jwk["n"] not in page
        assert key.encrypted_private_key not in page


@pytest.mark.django_db
def test_rotate_action_changes_the_active_kid(console, server):
    before = server.signing_keys.get(status=KeyStatus.ACTIVE).kid
    upcoming = server.signing_keys.get(status=KeyStatus.NEXT).kid
    response = console.post(reverse("admin:authservers_authorizationserver_changelist"), {
        "action": "rotate_keys", "_selected_action": [server.pk]}, follow=True)
    assert response.status_code == 200
    assert server.signing_keys.get(status=KeyStatus.ACTIVE).kid == upcoming
    assert server.signing_keys.get(kid=before).status == KeyStatus.EXPIRED
    assert upcoming.encode() in response.content


@pytest.mark.django_db
def test_editing_a_server_keeps_its_scopes(console, server):
    response = console.post(change_url(server), server_form_data(server, name="Orders API v2"))
    assert response.status_code == 302, response.context and response.context["errors"]
    server.refresh_from_db()
    assert server.name == "Orders API v2"
    assert server.scopes.filter(system=True).count() == 7


@pytest.mark.django_db
def test_inline_scope_is_created_through_the_service(console, server):
    data = add_inline_scope(server_form_data(server), name="orders:read", consent="REQUIRED")
    response = console.post(change_url(server), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    scope = server.scopes.get(name="orders:read")
    assert scope.consent == "REQUIRED" and not scope.system
    assert LogEvent.objects.filter(event_type="oauth2.scope.created", target__0__id=scope.id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "message"), [
    ({"name": "okta.users.read"}, b"cannot be &#x27;okta&#x27;"),
    ({"name": "a b"}, b"without spaces"),
    ({"name": "openid"}, b"duplicate"),
    ({"name": "orders:read", "optional": "on"}, b"optional scope needs consent"),
])
def test_inline_scope_rules_are_enforced_on_the_form(console, server, fields, message):
    data = add_inline_scope(server_form_data(server), **fields)
    response = console.post(change_url(server), data)
    assert response.status_code == 200
    assert message in response.content, response.context["errors"]
    assert server.scopes.count() == 7


@pytest.mark.django_db
def test_system_scopes_cannot_be_deleted_or_edited_inline(console, server):
    data = server_form_data(server)
    openid_index = next(i for i in range(7) if data[f"scopes-{i}-name"] == "openid")
    data[f"scopes-{openid_index}-DELETE"] = "on"
    data[f"scopes-{openid_index}-description"] = "changed"
    response = console.post(change_url(server), data)
    assert response.status_code == 302
    openid = server.scopes.get(name="openid")
    assert openid.description != "changed"


@pytest.mark.django_db
def test_custom_scopes_can_be_deleted_inline(console, server):
    scope_create(server=server, name="orders:read")
    data = server_form_data(server)
    index = next(i for i in range(8) if data[f"scopes-{i}-name"] == "orders:read")
    data[f"scopes-{index}-DELETE"] = "on"
    assert console.post(change_url(server), data).status_code == 302
    assert not server.scopes.filter(name="orders:read").exists()


@pytest.mark.django_db
def test_system_scope_is_read_only_on_its_own_page(console, server):
    openid = server.scopes.get(name="openid")
    response = console.post(change_url(openid), {"name": "openid", "description": "changed",
                                                 "consent": "IMPLICIT", "metadata_publish": "ALL_CLIENTS"})
    assert response.status_code == 403
    delete_url = reverse("admin:authservers_scope_delete", args=[openid.pk])
    assert console.post(delete_url, {"post": "yes"}).status_code == 403
    assert Scope.objects.filter(pk=openid.pk).exists()


@pytest.mark.django_db
def test_default_server_cannot_be_deleted(console):
    authserver_create(name="default", audiences=["api://default"], server_id="default")
    response = console.post(reverse("admin:authservers_authorizationserver_delete", args=["default"]),
                            {"post": "yes"})
    assert response.status_code == 403
    assert AuthorizationServer.objects.filter(pk="default").exists()


@pytest.mark.django_db
def test_a_server_is_deleted_with_its_keys_and_scopes(console, server):
    scope_create(server=server, name="orders:read")
    response = console.post(reverse("admin:authservers_authorizationserver_delete", args=[server.pk]),
                            {"post": "yes"})
    assert response.status_code == 302
    assert not AuthorizationServer.objects.filter(pk=server.pk).exists()
    assert not SigningKey.objects.filter(server_id=server.pk).exists()
    assert not Scope.objects.filter(server_id=server.pk).exists()


@pytest.mark.django_db
def test_signing_key_page_is_read_only_without_key_material(console, server):
    key = server.signing_keys.get(status=KeyStatus.ACTIVE)
    response = console.get(change_url(key))
    assert response.status_code == 200
    page = response.content.decode()
    assert key.kid in page
    assert key.public_jwk["n"] not in page
    assert key.encrypted_private_key not in page
    assert 'name="_save"' not in page
    assert console.post(change_url(key), {"status": "EXPIRED"}).status_code == 403
    assert SigningKey.objects.get(pk=key.pk).status == KeyStatus.ACTIVE


@pytest.mark.django_db
def test_system_log_filters_and_search(console, server):
    url = reverse("admin:authservers_logevent_changelist")
    response = console.get(url, {"event_type": "oauth2.as.created", "outcome_result": "SUCCESS", "q": "authorization"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    event = LogEvent.objects.get(event_type="oauth2.as.created")
    assert console.get(change_url(event)).status_code == 200
    assert console.post(change_url(event), {}).status_code == 403


@pytest.mark.django_db
def test_custom_scope_can_be_edited_on_its_own_page(console, server):
    scope = scope_create(server=server, name="orders:read")
    assert console.get(change_url(scope)).status_code == 200
    response = console.post(change_url(scope), {"name": "orders:read", "display_name": "Read orders",
                                                "description": "", "consent": "FLEXIBLE",
                                                "metadata_publish": "ALL_CLIENTS"})
    assert response.status_code == 302, response.context and response.context["errors"]
    scope.refresh_from_db()
    assert (scope.display_name, scope.consent, scope.metadata_publish) == ("Read orders", "FLEXIBLE", "ALL_CLIENTS")


@pytest.mark.django_db
def test_servers_are_searchable_by_audience(console, server):
    authserver_create(name="Payments API", audiences=["api://payments"])
    response = console.get(reverse("admin:authservers_authorizationserver_changelist"), {"q": "orders"})
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [server.pk]
