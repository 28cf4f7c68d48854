"""`GET /api/v1/logs`: the System Log query API (REFERENCE §11.1)."""

import re
import uuid
from datetime import UTC, timedelta
from urllib.parse import urlsplit

import pytest
from django.db.models import Q
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create, user_create
from authservers import logs_query
from authservers.models import LogEvent
from tests.helpers import assert_json, assert_okta_error

NOW = timezone.now()


@pytest.fixture
def api(db) -> APIClient:
    staff = user_create(login="ops@example.com", email="ops@example.com", password=None, is_staff=True)
    _, secret = api_token_create(name="ci", user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"SSWS {secret}")
    LogEvent.objects.all().delete()  # creating the token and user logged events of their own
    return client


def event(event_type: str, minutes_ago: float, result: str = "SUCCESS", **fields) -> LogEvent:
    return LogEvent.objects.create(
        published=NOW - timedelta(minutes=minutes_ago), event_type=event_type, outcome_result=result,
        actor=fields.pop("actor", {"id": "0oaBilling", "type": "PublicClientApp", "alternateId": "0oaBilling",
                                   "displayName": "billing-service"}),
        target=fields.pop("target", [{"id": "default", "type": "AuthorizationServer", "displayName": "default"}]),
        debug_context={"debugData": fields.pop("debug", {})}, **fields)


@pytest.fixture
def events(api):
    return [
        event("app.oauth2.as.token.grant.access_token", 50, display_message="OAuth2 access token is granted"),
        event("app.oauth2.as.token.grant", 40, "FAILURE", outcome_reason="no_matching_policy"),
        event("app.oauth2.invalid_client_credentials", 30, "FAILURE"),
        event("app.oauth2.client.lifecycle.deactivate", 20,
              actor={"id": "00uOps", "type": "User", "alternateId": "ops@example.com", "displayName": "Ops"},
              target=[{"id": "0oaBilling", "type": "AppInstance", "displayName": "billing-service"}]),
        event("app.oauth2.as.token.grant.access_token", 10, debug={"grantType": "client_credentials"}),
    ]


def types(response) -> list[str]:
    return [item["eventType"] for item in assert_json(response)]


def test_log_events_have_oktas_shape_in_published_order(api, events):
    response = api.get("/api/v1/logs")
    body = assert_json(response)
    assert response.status_code == 200
    assert [item["uuid"] for item in body] == [str(e.uuid) for e in events]
    first = body[0]
    assert set(first) >= {"uuid", "published", "eventType", "version", "severity", "displayMessage", "actor",
                          "client", "outcome", "target", "debugContext", "authenticationContext",
                          "securityContext", "transaction", "request"}
    assert first["outcome"] == {"result": "SUCCESS", "reason": None}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["published"])
    assert body[-1]["debugContext"] == {"debugData": {"grantType": "client_credentials"}}


@pytest.mark.parametrize(("expression", "expected"), [
    ('eventType eq "app.oauth2.as.token.grant"', ["app.oauth2.as.token.grant"]),
    ('eventType sw "app.oauth2.as.token"', ["app.oauth2.as.token.grant.access_token", "app.oauth2.as.token.grant",
                                            "app.oauth2.as.token.grant.access_token"]),
    ('outcome.result eq "FAILURE"', ["app.oauth2.as.token.grant", "app.oauth2.invalid_client_credentials"]),
    ('outcome.result eq "FAILURE" and eventType co "invalid"', ["app.oauth2.invalid_client_credentials"]),
    ('(eventType eq "app.oauth2.client.lifecycle.deactivate" or outcome.reason eq "no_matching_policy")',
     ["app.oauth2.as.token.grant", "app.oauth2.client.lifecycle.deactivate"]),
    ('actor.alternateId eq "ops@example.com"', ["app.oauth2.client.lifecycle.deactivate"]),
    ('target.id eq "0oaBilling"', ["app.oauth2.client.lifecycle.deactivate"]),
    ('not (outcome.result eq "SUCCESS")', ["app.oauth2.as.token.grant", "app.oauth2.invalid_client_credentials"]),
    ('EVENTTYPE EQ "app.oauth2.invalid_client_credentials"', ["app.oauth2.invalid_client_credentials"]),
    ('outcome.reason pr', ["app.oauth2.as.token.grant"]),
    ('eventType eq "x\\" or \\"1\\"=\\"1"', []),
])
def test_filter(api, events, expression, expected):
    assert types(api.get("/api/v1/logs", {"filter": expression})) == expected


@pytest.mark.parametrize("expression", [
    'eventType eq app.oauth2', 'eventType gt "a"', 'password eq "x"', 'eventType eq "a" and', '(eventType eq "a"',
    'eventType eq "a" eventType eq "b"', "eventType eq 'a'", '"a" eq eventType', 'eventType eq "a"; DROP TABLE x',
    " and ".join(['eventType eq "a"'] * 21), "(" * 12 + 'eventType eq "a"' + ")" * 12, "x" * 1025,
    'target.id sw "0oa"', 'eventType eq "\x00"',
])
def test_bad_filters_are_refused_with_e0000031(api, events, expression):
    assert_okta_error(api.get("/api/v1/logs", {"filter": expression}), 400, "E0000031")


def test_q_keywords(api, events):
    assert types(api.get("/api/v1/logs", {"q": "ops@example.com"})) == ["app.oauth2.client.lifecycle.deactivate"]
    assert types(api.get("/api/v1/logs", {"q": "no_matching_policy"})) == ["app.oauth2.as.token.grant"]
    assert types(api.get("/api/v1/logs", {"q": "billing-service granted"})) == [
        "app.oauth2.as.token.grant.access_token"]
    assert_okta_error(api.get("/api/v1/logs", {"q": "x" * 41}), 400, "E0000031")
    assert_okta_error(api.get("/api/v1/logs", {"q": " ".join(["a"] * 11)}), 400, "E0000031")


def test_since_until_and_sort_order(api, events):
    since = (NOW - timedelta(minutes=45)).isoformat()
    until = (NOW - timedelta(minutes=15)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    response = api.get("/api/v1/logs", {"since": since, "until": until, "sortOrder": "DESCENDING"})
    assert types(response) == ["app.oauth2.client.lifecycle.deactivate", "app.oauth2.invalid_client_credentials",
                               "app.oauth2.as.token.grant"]
    assert 'rel="next"' not in response["Link"]  # a bounded query that fits in one page


def test_events_older_than_seven_days_need_since(api, events):
    old = event("app.oauth2.as.key.rollover", 60 * 24 * 8)
    assert str(old.uuid) not in [item["uuid"] for item in api.get("/api/v1/logs").json()]
    since = (NOW - timedelta(days=9)).isoformat()
    assert api.get("/api/v1/logs", {"since": since}).json()[0]["uuid"] == str(old.uuid)


def _next(response) -> str | None:
    match = re.search(r'<([^>]+)>; rel="next"', response["Link"])
    if not match:
        return None
    url = urlsplit(match.group(1))
    return f"{url.path}?{url.query}"


def test_pagination_follows_next_links(api, events):
    until = NOW.isoformat()
    seen, url = [], "/api/v1/logs"
    response = api.get(url, {"limit": 2, "until": until})
    while True:
        seen += [item["uuid"] for item in response.json()]
        url = _next(response)
        if url is None:
            break
        response = api.get(url)
    assert seen == [str(e.uuid) for e in events]


def test_descending_pagination(api, events):
    response = api.get("/api/v1/logs", {"limit": 3, "sortOrder": "DESCENDING"})
    second = api.get(_next(response))
    assert [item["uuid"] for item in response.json() + second.json()] == [str(e.uuid) for e in reversed(events)]


def test_polling_requests_always_get_a_next_link(api, events):
    response = api.get("/api/v1/logs", {"filter": 'eventType eq "app.oauth2.invalid_client_credentials"'})
    assert len(response.json()) == 1
    poll = _next(response)
    assert poll is not None
    assert api.get(poll).json() == []
    fresh = event("app.oauth2.invalid_client_credentials", 0.01)
    assert [item["uuid"] for item in api.get(poll).json()] == [str(fresh.uuid)]


@pytest.mark.parametrize("params", [
    {"since": "yesterday"}, {"until": "2026-13-01T00:00:00Z"}, {"since": "x" * 100},
    {"since": NOW.isoformat(), "until": (NOW - timedelta(days=1)).isoformat()},
    {"sortOrder": "SIDEWAYS"},
])
def test_bad_parameters_are_e0000001(api, params):
    assert_okta_error(api.get("/api/v1/logs", params), 400, "E0000001")


@pytest.mark.parametrize("params", [{"after": "garbage!"}, {"after": "x" * 500}, {"limit": "-1"}, {"limit": "ten"}])
def test_bad_paging_is_e0000054(api, params):
    assert_okta_error(api.get("/api/v1/logs", params), 400, "E0000054")


def test_limit_is_capped_at_1000(api):
    LogEvent.objects.bulk_create([LogEvent(event_type="x.y", published=NOW - timedelta(seconds=n))
                                  for n in range(1, 1003)])
    assert len(api.get("/api/v1/logs", {"limit": 5000}).json()) == 1000


def test_logs_need_a_staff_api_token(db):
    assert_okta_error(APIClient().get("/api/v1/logs"), 401, "E0000011")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION="SSWS not-a-token")
    assert_okta_error(other.get("/api/v1/logs"), 401, "E0000011")


def test_token_activity_of_a_client_is_visible(api, client, issue_token, service_client, scope):
    issue_token(service_client)
    response = api.get("/api/v1/logs", {"filter": f'actor.id eq "{service_client.client_id}" and '
                                                  'eventType eq "app.oauth2.as.token.grant.access_token"'})
    body = response.json()
    assert len(body) == 1 and body[0]["debugContext"]["debugData"]["grantType"] == "client_credentials"


def test_parse_filter_is_pure():
    assert logs_query.parse_filter('eventType eq "a" or eventType eq "b"') == Q(event_type="a") | Q(event_type="b")
    assert logs_query.decode_cursor(logs_query.encode_cursor(NOW, uuid.UUID(int=1)))[0] == NOW
