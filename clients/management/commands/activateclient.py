from clients.lifecycle_services import client_activate
from clients.presenters import client_to_okta

from ._clientcommand import ClientCommand


class Command(ClientCommand):
    help = (
        "Activate an app again after `deactivateclient`. Tokens issued before the deactivation stay "
        "dead; the client requests new ones. Idempotent."
    )
    json_help = "Print the app as Okta's Apps API object; failures become an Okta error object on stderr."

    def handle(self, *args, client_id, **options):
        client = client_activate(client=self.get_client(client_id))
        if self.as_json:
            self.write_json(client_to_okta(client))
            return
        self.stdout.write(self.style.SUCCESS(f"Activated client '{client.label}' ({client.client_id})."))
