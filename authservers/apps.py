from django.apps import AppConfig


class AuthserversConfig(AppConfig):
    name = "authservers"
    verbose_name = "Authorization servers"

    def ready(self):
        from . import auth_time, signals  # noqa: F401  (auth_time: each session's sign-in time)
