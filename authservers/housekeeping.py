"""Bounded storage: delete what can no longer be used, in batches, on a schedule (see tasks.py).

Each table is cleared by repeated `DELETE ... WHERE pk IN (<up to BATCH_SIZE ids>)`, each its own
short statement, so a large backlog never holds long locks or one huge transaction.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Value
from django.utils import timezone

from .models import (
    AccessToken,
    DeviceAuthorization,
    DeviceGrant,
    Grant,
    HousekeepingRun,
    IDToken,
    LogEvent,
    RefreshToken,
    RefreshTokenFamily,
    RevokedAccessToken,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
HOUSEKEEPING_JOB = "housekeeping"
SIGNING_KEYS_JOB = "signing_keys"
# Revoked refresh tokens are kept a day, so reuse of a rotated token can still be recognised.
REVOKED_REFRESH_TOKEN_KEEP = timedelta(days=1)


def delete_in_batches(queryset, batch_size: int = BATCH_SIZE) -> int:
    """Delete every row of `queryset`, `batch_size` at a time; returns how many went."""
    total = 0
    model = queryset.model
    while True:
        pks = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not pks:
            return total
        with transaction.atomic():
            model.objects.filter(pk__in=pks).delete()
        total += len(pks)
        if len(pks) < batch_size:
            return total


def expired_refresh_token_families(now: datetime):
    idle_window = ExpressionWrapper(F("idle_window") * Value(timedelta(seconds=1)), output_field=DurationField())
    idle_end = ExpressionWrapper(F("last_used") + idle_window, output_field=DateTimeField())
    return RefreshTokenFamily.objects.alias(idle_end=idle_end).filter(
        Q(expires__lte=now) | Q(idle_end__lte=now) | Q(revoked__lte=now - REVOKED_REFRESH_TOKEN_KEEP))


def expired_rows(now: datetime) -> dict:
    """What housekeeping deletes at `now`, per table, as querysets."""
    return {
        # jti denylist entries past the token's exp: the signature check refuses the token anyway.
        "revoked_access_tokens": RevokedAccessToken.objects.filter(expires__lte=now),
        "authorization_codes": Grant.objects.filter(expires__lte=now),
        "device_codes": DeviceGrant.objects.filter(expires__lte=now),
        # Refresh-token families past their lifetime or idle window, or revoked a day ago (their
        # tokens and remembered access tokens go with them; revoked jtis stay on the denylist).
        "refresh_token_families": expired_refresh_token_families(now),
        "device_authorizations": DeviceAuthorization.objects.filter(expires__lte=now),  # RFC 8628
        "refresh_tokens": RefreshToken.objects.filter(revoked__lte=now - REVOKED_REFRESH_TOKEN_KEEP),
        # Stored access tokens (user grants) past expiry that no refresh token still points at.
        "access_tokens": AccessToken.objects.filter(expires__lte=now, refresh_token__isnull=True),
        "id_tokens": IDToken.objects.filter(expires__lte=now, access_token__isnull=True),
        "system_log": LogEvent.objects.filter(published__lt=now - settings.CASTELLAN_SYSTEM_LOG_RETENTION),
        # TODO(issue 8): consumed client-assertion jtis past their exp, once they are recorded.
    }


def housekeeping_run(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Delete expired codes, tokens, denylist entries and old System Log events; returns counts per table."""
    now = now or timezone.now()
    started = timezone.now()
    deleted: dict[str, int] = {}
    error = ""
    try:
        for name, queryset in expired_rows(now).items():
            deleted[name] = delete_in_batches(queryset, batch_size)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        job_record(HOUSEKEEPING_JOB, started=started, deleted=deleted, error=error)
    if any(deleted.values()):
        log.info("Housekeeping deleted %s", ", ".join(f"{count} {name}" for name, count in deleted.items()))
    return deleted


def job_record(job: str, *, started: datetime, deleted: dict | None = None, error: str = "") -> None:
    """Remember when `job` last ran (the admin shows it)."""
    HousekeepingRun.objects.update_or_create(
        job=job, defaults={"started": started, "finished": timezone.now(), "deleted": deleted or {},
                           "error": error})


def table_sizes() -> list[dict]:
    """Approximate rows and disk size of the tables housekeeping keeps bounded (cheap: catalog estimates)."""
    models = [RevokedAccessToken, Grant, DeviceGrant, RefreshToken, AccessToken, IDToken, LogEvent]
    tables = {model._meta.db_table: model._meta.verbose_name_plural for model in models}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relkind = 'r' AND relname = ANY(%s)", [list(tables)])
        found = {name: (rows, size) for name, rows, size in cursor.fetchall()}
    sizes = []
    for table, label in tables.items():
        rows, size = found.get(table, (0, 0))
        if rows < 0:  # never analysed: count (such a table is small)
            rows = next(model for model in models if model._meta.db_table == table).objects.count()
        sizes.append({"table": table, "label": str(label), "rows": rows, "bytes": size})
    return sizes
