from authservers.management.base import OktaCommand
from authservers.presenters import signing_key_to_okta
from authservers.selectors import published_keys
from authservers.services import ServiceError, signing_key_rotate


class Command(OktaCommand):
    help = (
        "Rotate an authorization server's signing keys now: the NEXT key starts signing, the ACTIVE key "
        "expires (still published for verification) and a new NEXT key is generated. Run it when a key "
        "may be compromised or, for MANUAL rotation mode, on your own schedule (Okta advises every 3 months)."
    )
    json_help = "Print the server's keys after rotation as Okta's key list (AuthorizationServerJsonWebKey)."

    def add_arguments(self, parser):
        parser.add_argument("--server", required=True, help="Authorization server id, e.g. default or aus….")
        super().add_arguments(parser)

    def handle(self, *args, server, **options):
        authserver = self.get_server(server)
        try:
            signing_key_rotate(server=authserver)
        except ServiceError as exc:
            self.fail_validation(exc)
        keys = published_keys(authserver)
        if self.as_json:
            self.write_json([signing_key_to_okta(key) for key in keys])
            return
        self.stdout.write(self.style.SUCCESS(f"Rotated the signing keys of '{authserver.name}' ({authserver.id})."))
        for key in keys:
            self.stdout.write(f"  {key.status:<8} {key.kid}")
