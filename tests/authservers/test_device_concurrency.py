"""Two polls racing with the same approved device code: exactly one gets the tokens (single use)."""

import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient

from accounts.services import everyone_group, user_create
from authservers import device_services
from authservers.models import DeviceAuthorization
from authservers.oauth import device
from authservers.services import bootstrap
from clients.services import client_create
from tests.helpers import endpoint, post_form

from .conftest import PASSWORD, REDIRECT_URI

RACERS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_polls_redeem_an_approved_code_once():
    bootstrap()
    tv, _ = client_create(label="tv", application_type="native", token_endpoint_auth_method="none",
                          grant_types=["authorization_code", device.GRANT_TYPE], redirect_uris=[REDIRECT_URI])
    tv.assigned_groups.add(everyone_group())
    ada = user_create(login="ada@example.com", email="ada@example.com", password=PASSWORD)
    device_code, user_code = device_services.device_authorization_create(server_id="default", client_pk=tv.pk,
                                                                         scopes=["openid"])
    authorization = device_services.device_authorization_pending(user_code)
    assert device_services.device_authorization_confirm(authorization=authorization, user=ada)

    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []

    def poll():
        try:
            barrier.wait()
            response = post_form(HttpClient(), endpoint("token"), {
                "grant_type": device.GRANT_TYPE, "device_code": device_code, "client_id": tv.client_id})
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(statuses) == [200] + [400] * (RACERS - 1)
    assert DeviceAuthorization.objects.get().status == "REDEEMED"
