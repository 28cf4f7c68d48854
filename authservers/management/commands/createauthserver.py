from authservers.management.base import OktaCommand
from authservers.models import IssuerMode, SigningAlg
from authservers.models.servers import ACCESS_TOKEN_ALG_CAVEAT
from authservers.presenters import access_token_alg_summary, authserver_issuer, authserver_to_okta
from authservers.services import ServiceError, authserver_create


class Command(OktaCommand):
    help = (
        "Create a custom authorization server (one per API product, with its own audience, issuer, "
        "signing keys and system scopes). Run it when you add an API that needs its own tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Display name, e.g. \"Orders API\".")
        parser.add_argument("--audience", required=True,
                            help="The access tokens' `aud`, e.g. api://orders (one value, as in Okta).")
        parser.add_argument("--description", default="", help="Free text shown in the admin console.")
        parser.add_argument("--issuer-mode", default=IssuerMode.ORG_URL,
                            metavar="|".join(IssuerMode.values),
                            help="How the issuer URL is built (default: ORG_URL, from CASTELLAN_BASE_URL).")
        parser.add_argument("--custom-url", default="",
                            help="Base URL of the issuer with --issuer-mode CUSTOM_URL, e.g. https://id.example.com.")
        parser.add_argument("--default-policy", action="store_true",
                            help="Also create Okta's Default Policy and Default Policy Rule (all clients, everyone, "
                                 "any scope, 60-minute tokens). Without it the server refuses every token until "
                                 "you add a policy.")
        parser.add_argument("--access-token-alg", default=SigningAlg.RS256, metavar="|".join(SigningAlg.values),
                            help="How access tokens are signed (default: RS256, as Okta; Castellan-only option). "
                                 f"{ACCESS_TOKEN_ALG_CAVEAT} A new PS256/ES256 key signs only once published for "
                                 "the JWKS cache lifetime; access tokens are RS256 until then.")
        super().add_arguments(parser)

    def handle(self, *args, name, audience, description, issuer_mode, custom_url, default_policy,
               access_token_alg=SigningAlg.RS256, **options):
        try:
            server = authserver_create(name=name, audiences=[audience], description=description,
                                       issuer_mode=issuer_mode, custom_url=custom_url,
                                       default_policy=default_policy, access_token_signing_alg=access_token_alg)
        except ServiceError as exc:
            self.fail_validation(exc)
        if self.as_json:
            self.write_json(authserver_to_okta(server))
            return
        issuer = authserver_issuer(server)
        self.stdout.write(self.style.SUCCESS(f"Created authorization server '{server.name}' ({server.id})."))
        self.stdout.write(f"  issuer:   {issuer}")
        self.stdout.write(f"  audience: {server.audiences[0]}")
        self.stdout.write(f"  metadata: {issuer}/.well-known/openid-configuration")
        summary = access_token_alg_summary(server)
        self.stdout.write(f"  signing:  {' '.join(line for line in summary if line != ACCESS_TOKEN_ALG_CAVEAT)}")
        if ACCESS_TOKEN_ALG_CAVEAT in summary:
            self.stdout.write(self.style.WARNING(f"  {ACCESS_TOKEN_ALG_CAVEAT}"))
        if default_policy:
            self.stdout.write("  policy:   Default Policy (all clients, everyone, any scope, 60-minute tokens)")
        else:
            self.stdout.write(self.style.WARNING(
                "  No access policy yet: this server refuses every token until you add one in the admin "
                "console (or re-create it with --default-policy)."))
        self.stdout.write(f"Add scopes with: manage.py createscope NAME --server {server.id}")
