"""What the client lifecycle commands share: finding the client named on the command line."""

from authservers.management.base import OktaCommand
from clients.lifecycle_services import client_get
from clients.models import Client


class ClientCommand(OktaCommand):
    def add_arguments(self, parser):
        parser.add_argument("client_id", help="The app's client_id (its Okta id, 0oa…).")
        super().add_arguments(parser)

    def get_client(self, client_id: str) -> Client:
        client = client_get(client_id)
        if client is None:
            # Okta: an unknown app is E0000007 "Not found: Resource not found: … (Application)".
            self.fail("E0000007", f"Not found: Resource not found: {client_id} (Application)")
        return client
