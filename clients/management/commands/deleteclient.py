from django.db import transaction

from clients.lifecycle_services import client_deactivate, client_delete

from ._clientcommand import ClientCommand


class Command(ClientCommand):
    help = (
        "Delete an app for good: deactivate it (its tokens die at once), then delete it with its secrets, "
        "keys, codes and refresh tokens. Run it to deprovision a client; `--dry-run` shows what would go."
    )
    json_help = "Print {id, client_id, label, deleted}; failures become an Okta error object on stderr."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be deleted; change nothing.")
        super().add_arguments(parser)

    def handle(self, *args, client_id, dry_run, **options):
        client = self.get_client(client_id)
        summary = {"id": client.id, "client_id": client.client_id, "label": client.label, "deleted": not dry_run}
        if not dry_run:
            with transaction.atomic():
                client_delete(client=client_deactivate(client=client))
        if self.as_json:
            self.write_json(summary)
            return
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(self.style.SUCCESS(f"{verb} client '{client.label}' ({client.client_id})."))
