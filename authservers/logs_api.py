"""`GET /api/v1/logs`: the System Log query API (REFERENCE §11.1), Okta's `LogEvent` objects.

`since`/`until` bound `published` (default: the 7 days before `until`, which defaults to now),
`filter` is Okta's SCIM subset and `q` keywords (`authservers.logs_query`), `limit` up to 1000
(default 100), `sortOrder` ASCENDING or DESCENDING, `after` an opaque cursor from the `next` link.
As Okta does, a polling request (no `until`, ascending) always gets a `next` link, so a client can
follow it to pick up new events as they are written.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import OktaAPIError
from config.openapi import okta_responses
from config.pagination import parse_limit

from . import logs_query
from .models import LogEvent
from .presenters import okta_timestamp

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DEFAULT_SPAN = timedelta(days=7)
SORT_ORDERS = ("ASCENDING", "DESCENDING")


PARAMETERS = [
    OpenApiParameter("since", str, description="ISO 8601 time: events published at or after it (default: 7 days before until)"),
    OpenApiParameter("until", str, description="ISO 8601 time: events published before it (default: now)"),
    OpenApiParameter("filter", str, description="Okta's filter expression, e.g. `eventType eq \"app.oauth2.as.token.grant\"`"),
    OpenApiParameter("q", str, description="Keywords every event must contain"),
    OpenApiParameter("limit", int, description=f"Page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"),
    OpenApiParameter("sortOrder", str, enum=SORT_ORDERS, description="By published time (default ASCENDING)"),
    OpenApiParameter("after", str, description="Cursor from the previous page's `Link: rel=\"next\"`"),
]


@extend_schema_serializer(component_name="LogOutcome")
class _OutcomeOutput(serializers.Serializer):
    result = serializers.CharField()
    reason = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="LogEvent")
class LogEventOutput(serializers.Serializer):
    """Okta's `LogEvent` (`log_event_to_okta`)."""

    uuid = serializers.CharField()
    published = serializers.DateTimeField()
    eventType = serializers.CharField()
    version = serializers.CharField()
    severity = serializers.CharField()
    legacyEventType = serializers.CharField(allow_null=True)
    displayMessage = serializers.CharField(allow_null=True)
    actor = serializers.JSONField(allow_null=True)
    client = serializers.JSONField(allow_null=True)
    outcome = _OutcomeOutput()
    target = serializers.ListField(child=serializers.JSONField())
    transaction = serializers.JSONField(allow_null=True)
    debugContext = serializers.JSONField()
    authenticationContext = serializers.JSONField(allow_null=True)
    securityContext = serializers.JSONField(allow_null=True)
    request = serializers.JSONField(allow_null=True)


def log_event_to_okta(event: LogEvent) -> dict:
    """Okta's `LogEvent`."""
    debug = event.debug_context if isinstance(event.debug_context, dict) else {}
    return {
        "uuid": str(event.uuid),
        "published": okta_timestamp(event.published),
        "eventType": event.event_type,
        "version": event.version,
        "severity": event.severity,
        "legacyEventType": None,
        "displayMessage": event.display_message,
        "actor": event.actor or None,
        "client": event.client or None,
        "outcome": {"result": event.outcome_result, "reason": event.outcome_reason or None},
        "target": event.target or [],
        "transaction": event.transaction or None,
        "debugContext": {"debugData": debug.get("debugData", {})},
        "authenticationContext": event.authentication_context or None,
        "securityContext": event.security_context or None,
        "request": event.request or None,
    }


def _invalid(problem: logs_query.QueryProblem) -> OktaAPIError:
    field = str(problem).split(":", 1)[0]
    if field in ("filter", "q"):
        return OktaAPIError("E0000031", "Invalid search criteria.", 400, [str(problem)])
    if field == "after":
        return OktaAPIError("E0000054", "Invalid paging request.", 400, [str(problem)])
    return OktaAPIError("E0000001", f"Api validation failed: {field}", 400, [str(problem)])


class SystemLogApi(APIView):
    """listLogEvents."""

    @extend_schema(operation_id="listLogEvents", tags=["SystemLog"], parameters=PARAMETERS,
                   responses=okta_responses(200, LogEventOutput(many=True), 400))
    def get(self, request):
        params = request.query_params
        try:
            until = logs_query.parse_time("until", params.get("until"))
            since = logs_query.parse_time("since", params.get("since"))
            conditions = logs_query.parse_filter(params.get("filter")) & logs_query.parse_keywords(params.get("q"))
            after = logs_query.decode_cursor(params["after"]) if params.get("after") else None
        except logs_query.QueryProblem as problem:
            raise _invalid(problem) from None
        order = (params.get("sortOrder") or "ASCENDING").upper()
        if order not in SORT_ORDERS:
            raise OktaAPIError("E0000001", "Api validation failed: sortOrder", 400,
                               ["sortOrder: Must be ASCENDING or DESCENDING."])
        limit = parse_limit(params.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
        polling = until is None
        until = until or timezone.now()
        since = since or until - DEFAULT_SPAN
        if since > until:
            raise OktaAPIError("E0000001", "Api validation failed: since", 400,
                               ["since: Must be earlier than until."])

        events = LogEvent.objects.filter(conditions, published__gte=since, published__lt=until)
        ascending = order == "ASCENDING"
        if after is not None:
            published, uuid = after
            if ascending:
                events = events.filter(Q(published__gt=published) | Q(published=published, uuid__gt=uuid))
            else:
                events = events.filter(Q(published__lt=published) | Q(published=published, uuid__lt=uuid))
        events = events.order_by(*(("published", "uuid") if ascending else ("-published", "-uuid")))
        rows = list(events[:limit + 1])
        page, more = rows[:limit], len(rows) > limit
        response = Response([log_event_to_okta(event) for event in page])
        response["Link"] = self._links(request, page, more, polling and ascending, params.get("after"))
        return response

    @staticmethod
    def _links(request, page, more: bool, polling: bool, current_after: str | None) -> str:
        links = [f'<{request.build_absolute_uri()}>; rel="self"']
        if more or polling:
            cursor = logs_query.encode_cursor(page[-1].published, page[-1].uuid) if page else current_after
            query = {key: value for key, value in request.query_params.items() if key != "after"}
            if cursor:
                query["after"] = cursor
            links.append(f'<{request.build_absolute_uri(request.path)}?{urlencode(query)}>; rel="next"')
        return ", ".join(links)
