"""Celery application: `celery -A config worker -B` (started for you by `make run`).

Broker settings come from Django settings under the CELERY_ prefix: Redis when REDIS_URL is
set, otherwise kombu's filesystem transport under .castellan/broker/.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("castellan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
