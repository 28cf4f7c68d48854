"""WSGI entry point (served by granian in `make run`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

from config.startup import verify_runtime_configuration  # noqa: E402

verify_runtime_configuration()
