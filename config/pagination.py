"""Okta's cursor pagination for the management API: `limit`, an opaque `after`, and `Link` headers.

The cursor is the (created, id) of the last item of a page, so a page boundary survives deletes
and inserts between requests; clients follow `Link: <...>; rel="next"` and never build cursors
(REFERENCE §10.3).
"""

import base64
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from config.api import OktaAPIError


def _bad_paging() -> OktaAPIError:
    return OktaAPIError("E0000054", "Invalid paging request.", 400,
                        ["The 'after' and 'limit' parameters must come from a previous page's Link header."])


def _encode(obj) -> str:
    raw = f"{obj.created.isoformat()}|{obj.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = raw.split("|", 1)
        if "\x00" in pk:
            raise ValueError(pk)
        return datetime.fromisoformat(created), pk
    except (ValueError, UnicodeDecodeError):
        raise _bad_paging() from None


def parse_limit(value: str | None, default: int, maximum: int) -> int:
    """`limit` as Okta reads it: the default when absent, at most `maximum` (larger values are capped)."""
    if value in (None, ""):
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise _bad_paging() from None
    if limit < 1:
        raise _bad_paging()
    return min(limit, maximum)


def paginate(request, queryset: QuerySet, *, default_limit: int = 200, max_limit: int = 200) -> tuple[list, str]:
    """One page of `queryset` in (created, id) order, and the `Link` header value for it."""
    limit = parse_limit(request.query_params.get("limit"), default_limit, max_limit)
    after = request.query_params.get("after")
    queryset = queryset.order_by("created", "pk")
    if after:
        if len(after) > 200:
            raise _bad_paging()
        created, pk = _decode(after)
        queryset = queryset.filter(Q(created__gt=created) | Q(created=created, pk__gt=pk))
    items = list(queryset[:limit + 1])
    page, more = items[:limit], len(items) > limit
    links = [f'<{request.build_absolute_uri()}>; rel="self"']
    if more and page:
        params = {key: value for key, value in request.query_params.items() if key not in ("after", "limit")}
        params.update({"limit": limit, "after": _encode(page[-1])})
        links.append(f'<{request.build_absolute_uri(request.path)}?{urlencode(params)}>; rel="next"')
    return page, ", ".join(links)
