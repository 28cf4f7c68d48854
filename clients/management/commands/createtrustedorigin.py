from authservers.management.base import OktaCommand
from authservers.services import ServiceError
from clients.models import TrustedOriginScope
from clients.presenters import trusted_origin_to_okta
from clients.services import trusted_origin_create


class Command(OktaCommand):
    help = (
        "Trust a browser origin (scheme://host[:port]) for CORS and/or redirects, e.g. "
        "`createtrustedorigin spa --origin https://app.example.com --scopes CORS REDIRECT`."
    )
    json_help = "Print Okta's TrustedOrigin object; failures become an Okta error object on stderr."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Unique display name (at most 255 characters).")
        parser.add_argument("--origin", required=True, metavar="URL",
                            help="scheme://host[:port], http or https, with no path.")
        parser.add_argument("--scopes", nargs="+", required=True, metavar="|".join(TrustedOriginScope.values),
                            help="Space-separated: CORS, REDIRECT or both.")
        super().add_arguments(parser)

    def handle(self, *args, name, origin, scopes, **options):
        try:
            trusted = trusted_origin_create(name=name, origin=origin, scopes=scopes)
        except ServiceError as exc:
            self.fail_validation(exc)
        if self.as_json:
            self.write_json(trusted_origin_to_okta(trusted))
            return
        self.stdout.write(self.style.SUCCESS(f"Trusted origin '{trusted.name}' created ({trusted.id})."))
        self.stdout.write(f"  origin: {trusted.origin}")
        self.stdout.write(f"  scopes: {' '.join(trusted.scopes)}")
