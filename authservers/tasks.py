"""Celery tasks: interfaces that call services (STYLE §9). The beat schedule is in config/settings/base.py."""

from celery import shared_task
from django.utils import timezone

from . import housekeeping, key_lifecycle, services


@shared_task(name="authservers.signing_keys_maintain")
def signing_keys_maintain_task() -> dict[str, list[str]]:
    """Rotate due AUTO servers, publish missing NEXT keys, remove EXPIRED keys past their tokens' lifetime."""
    started = timezone.now()
    done = key_lifecycle.signing_keys_maintain_all(now=started)
    housekeeping.job_record(housekeeping.SIGNING_KEYS_JOB, started=started,
                            deleted={server_id: actions for server_id, actions in done.items()})
    return done


@shared_task(name="authservers.signing_key_maintain")
def signing_key_maintain_task(server_id: str) -> list[str]:
    """The same for one server (safe to run twice, or alongside the periodic check)."""
    return [action.kind for action in key_lifecycle.signing_keys_maintain(server_id=server_id)]


@shared_task(name="authservers.housekeeping")
def housekeeping_task() -> dict[str, int]:
    return housekeeping.housekeeping_run()


@shared_task(name="authservers.revoked_access_tokens_purge")
def revoked_access_tokens_purge_task() -> int:
    """Kept for messages queued before housekeeping_task replaced it in the schedule."""
    return services.revoked_access_tokens_purge()
