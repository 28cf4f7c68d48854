from django.conf import settings
from django.db import transaction

from authservers.services import ServiceError
from clients.credentials_api import secret_to_okta
from clients.credentials_services import client_secret_rotate
from clients.lifecycle_services import client_tokens_end

from ._clientcommand import ClientCommand


class Command(ClientCommand):
    help = (
        "Replace all of an app's secrets with one new secret, shown only this once, and end the tokens "
        "issued so far (anyone who had the old secret may have used it). Run it when a secret leaked; "
        "for a rotation without downtime use the credentials/secrets API instead (docs/client-credentials.md)."
    )
    json_help = ("Print the new secret as Okta's OAuth2ClientSecret object (with client_secret) plus client_id; "
                 "failures become an Okta error object on stderr.")

    def add_arguments(self, parser):
        parser.add_argument("--keep-tokens", action="store_true",
                            help="Leave the tokens issued so far valid (only the secret changes).")
        super().add_arguments(parser)

    def handle(self, *args, client_id, keep_tokens, **options):
        client = self.get_client(client_id)
        try:
            with transaction.atomic():
                record, plaintext, removed = client_secret_rotate(client=client)
                if not keep_tokens:
                    client_tokens_end(client=client, reason="secret_rotated")
        except ServiceError as exc:
            self.fail_validation(exc)
        if self.as_json:
            url = f"{settings.CASTELLAN_BASE_URL}/api/v1/apps/{client.id}/credentials/secrets"
            self.write_json({**secret_to_okta(record, url, plaintext), "client_id": client.client_id})
            return
        self.stdout.write(self.style.SUCCESS(f"Rotated the secret of '{client.label}' ({client.client_id})."))
        self.stdout.write(f"  client_secret: {plaintext}")
        self.stdout.write(f"  removed:       {len(removed)} old secret(s)")
        self.stdout.write("  tokens:        " + ("kept" if keep_tokens else "issued so far no longer work"))
        self.stdout.write(self.style.WARNING(
            "The client secret is shown only once: store it now. It cannot be displayed again."))
