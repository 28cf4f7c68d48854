from authservers import systemlog
from authservers.key_lifecycle import signing_key_emergency_rotate, signing_key_rotate_now
from authservers.management.base import OktaCommand
from authservers.presenters import signing_key_to_okta
from authservers.services import ServiceError


class Command(OktaCommand):
    help = (
        "Rotate an authorization server's signing keys now: the NEXT key starts signing, the ACTIVE key "
        "expires (still published for verification) and a new NEXT key is generated. AUTO servers rotate "
        "by themselves; run this for MANUAL servers on your own schedule (Okta advises every 3 months). "
        "With --emergency, for a key that may be compromised: a fresh key signs at once, and the ACTIVE "
        "key is withdrawn so the tokens it signed are no longer accepted."
    )
    json_help = "Print the server's keys after rotation as Okta's key list (AuthorizationServerJsonWebKey)."

    def add_arguments(self, parser):
        parser.add_argument("--server", required=True, help="Authorization server id, e.g. default or aus….")
        parser.add_argument("--emergency", action="store_true",
                            help="The ACTIVE key may be compromised: replace it (and the NEXT key) with fresh "
                                 "keys at once; tokens it signed stop verifying.")
        super().add_arguments(parser)

    def handle(self, *args, server, emergency=False, **options):
        authserver = self.get_server(server)
        rotate = signing_key_emergency_rotate if emergency else signing_key_rotate_now
        try:
            result = rotate(server=authserver, actor=systemlog.system_actor("manage.py rotatekeys"))
        except ServiceError as exc:
            self.fail_validation(exc)
        if result.warning:
            self.stderr.write(self.style.WARNING(f"Warning: {result.warning}"))
        for note in result.notes:
            self.stderr.write(f"Note: {note}")
        if self.as_json:
            self.write_json([signing_key_to_okta(key) for key in result.keys])
            return
        done = "Emergency-rotated" if emergency else "Rotated"
        self.stdout.write(self.style.SUCCESS(f"{done} the signing keys of '{authserver.name}' ({authserver.id})."))
        for kid in result.withdrawn_kids:
            self.stdout.write(f"  {'WITHDRAWN':<9} {kid}")
        for key in result.keys:
            self.stdout.write(f"  {key.status:<8} {key.kid}" + (f" ({key.alg})" if len(result.active_kids) > 1 else ""))
