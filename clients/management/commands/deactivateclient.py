from clients.lifecycle_services import client_deactivate
from clients.presenters import client_to_okta

from ._clientcommand import ClientCommand


class Command(ClientCommand):
    help = (
        "Deactivate an app: it can no longer authenticate, and every token it holds dies at once and for "
        "good (reactivating it does not revive them). Run it to deprovision a client or to cut off one "
        "whose credentials leaked. Idempotent."
    )
    json_help = "Print the app as Okta's Apps API object; failures become an Okta error object on stderr."

    def handle(self, *args, client_id, **options):
        client = client_deactivate(client=self.get_client(client_id))
        if self.as_json:
            self.write_json(client_to_okta(client))
            return
        self.stdout.write(self.style.SUCCESS(f"Deactivated client '{client.label}' ({client.client_id}); "
                                             "its tokens no longer work."))
