"""What every `/api/v1/authorizationServers/...` view shares: the acting user for the System Log,
lookups that answer Okta's 404, the `q` check, and the two paged list responses."""

import base64
from contextlib import contextmanager
from urllib.parse import urlencode

from rest_framework.response import Response

from config.api import PERMISSION_DENIED, OktaAPIError, not_found
from config.pagination import paginate, parse_limit

from .. import systemlog
from ..models import AuthorizationServer
from ..selectors import authserver_get
from ..services import ServiceError

# The largest value a PostgreSQL integer column holds: bigger priorities or lifetimes are validation errors.
MAX_INT = 2_147_483_647


def actor(request) -> dict:
    return systemlog.actor_for_user(request.user)


def usable_id(value: str) -> bool:
    # Ids are at most 20 characters; PostgreSQL text cannot hold NUL, so such a lookup cannot match.
    return len(value) <= 20 and "\x00" not in value


def search_term(request) -> str | None:
    q = request.query_params.get("q")
    if q and ("\x00" in q or len(q) > 1024):
        raise OktaAPIError("E0000031", "Invalid search criteria.", 400, ["q: Not a valid search term."])
    return q


def server_or_404(server_id: str) -> AuthorizationServer:
    server = authserver_get(server_id) if usable_id(server_id) else None
    if server is None:
        raise not_found(server_id, "AuthorizationServer")
    return server


def child_or_404(queryset, object_id: str, resource_type: str):
    """`queryset.get(pk=object_id)`, or Okta's E0000007 naming the id and its type."""
    found = queryset.filter(pk=object_id).first() if usable_id(object_id) else None
    if found is None:
        raise not_found(object_id, resource_type)
    return found


def forbidden(cause: str) -> OktaAPIError:
    """403 E0000006: the change is never allowed (a system object), as Okta's spec declares for deletes."""
    return OktaAPIError("E0000006", PERMISSION_DENIED, 403, [cause])


def paged(request, queryset, output, **limits) -> Response:
    """A page in (created, id) order with Okta's `Link` header (`config.pagination`)."""
    page, link = paginate(request, queryset, **limits)
    response = Response(output(page, many=True, context={"request": request}).data)
    response["Link"] = link
    return response


def _bad_paging() -> OktaAPIError:
    return OktaAPIError("E0000054", "Invalid paging request.", 400,
                        ["The 'after' and 'limit' parameters must come from a previous page's Link header."])


def _priority_after(cursor: str) -> int:
    if len(cursor) > 40:
        raise _bad_paging()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not raw.startswith("p") or not raw[1:].isdigit() or len(raw) > 12:
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        raise _bad_paging() from None


def paged_by_priority(request, queryset, output, *, default_limit: int = 200, max_limit: int = 200) -> Response:
    """A page of policies or rules in evaluation order (priority 1 first), with Okta's `Link` header.

    Priorities are unique among siblings, so the cursor is the last priority shown; lists are short and
    Okta does not page them at all, but `limit`/`after` work as on every other list.
    """
    limit = parse_limit(request.query_params.get("limit"), default_limit, max_limit)
    after = request.query_params.get("after")
    queryset = queryset.order_by("priority", "pk")
    if after:
        queryset = queryset.filter(priority__gt=_priority_after(after))
    items = list(queryset[:limit + 1])
    page, more = items[:limit], len(items) > limit
    links = [f'<{request.build_absolute_uri()}>; rel="self"']
    if more and page:
        params = {key: value for key, value in request.query_params.items() if key not in ("after", "limit")}
        cursor = base64.urlsafe_b64encode(f"p{page[-1].priority}".encode()).decode().rstrip("=")
        params.update({"limit": limit, "after": cursor})
        links.append(f'<{request.build_absolute_uri(request.path)}?{urlencode(params)}>; rel="next"')
    response = Response(output(page, many=True, context={"request": request}).data)
    response["Link"] = ", ".join(links)
    return response


def invalid(field: str, cause: str) -> OktaAPIError:
    """400 E0000001 naming `field` as Okta's callers spell it."""
    return OktaAPIError("E0000001", f"Api validation failed: {field}", 400, [f"{field}: {cause}"])


@contextmanager
def wire_names(fields: dict[str, str]):
    """Re-raise a service's validation error with the field in the API's spelling
    (`access_token_lifetime_minutes` becomes `actions.token.accessTokenLifetimeMinutes`)."""
    try:
        yield
    except ServiceError as exc:
        if exc.code != "E0000001" or exc.field not in fields:
            raise
        wire = fields[exc.field]
        cause = exc.message.removeprefix(f"{exc.field}: ")
        raise invalid(wire, cause) from None
