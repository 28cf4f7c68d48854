"""The benchmark's throwaway scenario in the configured database: migrate, bootstrap, a scope, a client.

Runs in bench/run.py's own process (Django set up there, not in the server under test). Each run
adds one client labelled "bench" with a fresh secret; the scope `bench:read` is created once.
"""

from dataclasses import dataclass

SERVER_ID = "default"
SCOPE = "bench:read"
CLIENT_LABEL = "bench"


@dataclass(frozen=True)
class Scenario:
    server_id: str
    scope: str
    client_id: str
    client_secret: str


def prepare() -> Scenario:
    """Migrate and bootstrap the database, then create the scope (if missing) and a new client."""
    from django.db import connections

    setup_database()

    from authservers.models import AuthorizationServer, Scope
    from authservers.services import scope_create
    from clients.services import client_create

    server = AuthorizationServer.objects.get(pk=SERVER_ID)
    if not Scope.objects.filter(server=server, name=SCOPE).exists():
        scope_create(server=server, name=SCOPE, description="Created by make bench")
    client, secret = client_create(label=CLIENT_LABEL, grant_types=["client_credentials"])
    _flush_system_log()
    connections.close_all()
    return Scenario(server_id=SERVER_ID, scope=SCOPE, client_id=client.client_id, client_secret=secret)


def setup_database() -> None:
    """Django set up in this process, the database migrated and bootstrapped (also bench/rules.py)."""
    import django
    from django.core.management import call_command, get_commands

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    _verify_runtime_configuration()
    if "bootstrap" in get_commands():
        call_command("bootstrap")
    else:
        from authservers.services import bootstrap

        created = bootstrap()
        if created:
            print(f"bootstrap created the admin: login {created['adminLogin']}, "
                  f"password {created['adminPassword']}", flush=True)


def _verify_runtime_configuration() -> None:
    """The server's own start-up check (a wrong key-encryption key), here where its message is read."""
    try:
        from config.startup import verify_runtime_configuration
    except ImportError:
        return
    verify_runtime_configuration()


def _flush_system_log() -> None:
    """The batched System Log writer is a daemon thread; write our events before the server starts."""
    from authservers import systemlog

    flush = getattr(systemlog, "flush", None)
    if flush is not None:
        flush()
