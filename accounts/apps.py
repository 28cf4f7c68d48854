from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "User directory"

    def ready(self):
        from . import signals  # noqa: F401
