"""Celery tasks: interfaces that call services (STYLE §9)."""

from celery import shared_task

from . import services


@shared_task(name="authservers.revoked_access_tokens_purge")
def revoked_access_tokens_purge_task() -> int:
    return services.revoked_access_tokens_purge()
