"""The read-only System Log view of the admin console: category filter and search by client."""

import pytest
from django.urls import reverse

from authservers.models import LogEvent
from clients.lifecycle_services import client_deactivate

URL = "admin:authservers_logevent_changelist"


@pytest.mark.django_db
def test_watching_a_client_in_the_system_log(console, issue_token, service_client, scope):
    issue_token(service_client)
    client_deactivate(client=service_client.model)
    url = reverse(URL)
    tokens = console.get(url, {"category": "tokens", "q": service_client.client_id})
    assert tokens.status_code == 200
    assert {event.event_type for event in tokens.context["cl"].result_list} == {
        "app.oauth2.as.token.grant.access_token", "app.oauth2.token.revoke.implicit.client"}
    lifecycle = console.get(url, {"category": "clients", "q": service_client.client_id})
    assert "app.oauth2.client.lifecycle.deactivate" in {e.event_type for e in lifecycle.context["cl"].result_list}


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"category": "nonsense"}, {"q": "\x00" * 3}, {"q": "x" * 5000},
                                    {"published__gte": "not-a-date"}])
def test_hostile_filters_do_not_break_the_page(console, params):
    LogEvent.objects.create(event_type="app.oauth2.as.token.grant")
    response = console.get(reverse(URL), params)
    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_the_system_log_stays_read_only(console):
    event = LogEvent.objects.create(event_type="app.oauth2.as.token.grant")
    change = reverse("admin:authservers_logevent_change", args=[event.pk])
    assert console.post(change, {"event_type": "forged"}).status_code == 403
    assert console.get(reverse("admin:authservers_logevent_add")).status_code == 403
    delete = reverse("admin:authservers_logevent_delete", args=[event.pk])
    assert console.post(delete, {"post": "yes"}).status_code == 403
    assert LogEvent.objects.get(pk=event.pk).event_type == "app.oauth2.as.token.grant"
