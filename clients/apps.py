from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Client applications"

    def ready(self):
        from . import lifecycle_services  # noqa: F401 (connects the user-deactivation receiver)
