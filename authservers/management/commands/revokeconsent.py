from accounts.models import User
from authservers.consents import consent_grant_to_okta, consent_grants_for
from authservers.management.base import OktaCommand
from authservers.models import ConsentGrant
from clients.models import Client


class Command(OktaCommand):
    help = (
        "Revoke a user's consent grants, so the consent page asks again at the next sign-in, e.g. "
        "`revokeconsent --user ada@example.com --client 0oa… --scope orders:read`. Without --client and "
        "--scope every grant of the user goes. Tokens already issued stay valid until they expire."
    )
    json_help = "Print the revoked grants as a JSON list of Okta grant objects (OAuth2ScopeConsentGrant)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="LOGIN", help="The user's login.")
        parser.add_argument("--client", metavar="CLIENT_ID", help="Only grants to this client.")
        parser.add_argument("--scope", metavar="NAME", help="Only grants of this scope name.")
        super().add_arguments(parser)

    def handle(self, *args, user, client, scope, **options):
        owner = User.objects.filter(login__iexact=user).first()
        if owner is None:
            self.fail("E0000007", f"Not found: Resource not found: {user} (User)", message=f"No user {user!r}.")
        if client is not None and not Client.objects.filter(client_id=client).exists():
            self.fail("E0000007", f"Not found: Resource not found: {client} (App)",
                      message=f"No client {client!r}.")
        from authservers import systemlog
        from authservers.monitoring.services import grants_revoke

        # As the Grants API: the user's refresh tokens for that client end with the consent.
        revoked = grants_revoke(consent_grants_for(user=owner, client_id=client, scope_name=scope),
                                actor=systemlog.system_actor())
        if self.as_json:
            grants = ConsentGrant.objects.select_related("client", "scope").filter(pk__in=revoked)
            self.write_json([consent_grant_to_okta(grant) for grant in grants])
            return
        if not revoked:
            self.stdout.write("No consent grant matched; nothing revoked.")
            return
        self.stdout.write(self.style.SUCCESS(f"Revoked {len(revoked)} consent grant(s) of {owner.login}."))
