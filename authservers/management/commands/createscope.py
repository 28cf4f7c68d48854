from authservers.management.base import OktaCommand
from authservers.models import ConsentType, MetadataPublish
from authservers.presenters import scope_to_okta
from authservers.services import ServiceError, scope_create


class Command(OktaCommand):
    help = (
        "Create a custom scope on an authorization server. Run it when an API gains a permission that "
        "clients must request, e.g. `createscope orders:read --server default`."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Scope name (printable ASCII, no spaces; not okta.*).")
        parser.add_argument("--server", required=True, help="Authorization server id, e.g. default or aus….")
        parser.add_argument("--display-name", default="", help="Phrase shown on the consent page.")
        parser.add_argument("--description", default="", help="What the scope allows.")
        parser.add_argument("--consent", default=ConsentType.IMPLICIT, metavar="|".join(ConsentType.values),
                            help="User consent (default: IMPLICIT; REQUIRED also blocks client_credentials).")
        parser.add_argument("--default", action="store_true",
                            help="Grant this scope when a request names no scope.")
        parser.add_argument("--optional", action="store_true",
                            help="Let the user skip this scope at consent (needs --consent REQUIRED or FLEXIBLE).")
        parser.add_argument("--metadata-publish", default=MetadataPublish.NO_CLIENTS,
                            metavar="|".join(MetadataPublish.values),
                            help="List the scope in the discovery documents with ALL_CLIENTS "
                                 "(default: NO_CLIENTS, as Okta's API).")
        super().add_arguments(parser)

    def handle(self, *args, name, server, display_name, description, consent, default, optional,
               metadata_publish, **options):
        authserver = self.get_server(server)
        try:
            scope = scope_create(server=authserver, name=name, display_name=display_name,
                                 description=description, consent=consent, optional=optional,
                                 default=default, metadata_publish=metadata_publish)
        except ServiceError as exc:
            self.fail_validation(exc)
        if self.as_json:
            self.write_json(scope_to_okta(scope))
            return
        flags = [f"consent {scope.consent}", f"metadata {scope.metadata_publish}"]
        if scope.default:
            flags.append("default")
        if scope.optional:
            flags.append("optional")
        self.stdout.write(self.style.SUCCESS(
            f"Created scope '{scope.name}' ({scope.id}) on server '{authserver.name}' ({authserver.id}): "
            f"{', '.join(flags)}."))
