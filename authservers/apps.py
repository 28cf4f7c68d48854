from django.apps import AppConfig


class AuthserversConfig(AppConfig):
    name = "authservers"
    verbose_name = "Authorization servers"

    def ready(self):
        from . import signals  # noqa: F401
