from authservers.management.base import OktaCommand
from authservers.services import ServiceError, bootstrap


class Command(OktaCommand):
    help = (
        "Converge a fresh installation on a usable state: the org, the Everyone group, the `default` "
        "authorization server and a first admin user. Run it after `migrate` on every deploy (`make run` "
        "does); it is idempotent and prints the admin's password only on the run that creates the admin."
    )
    json_help = 'Print {"adminLogin", "adminPassword"} when the admin was created, {} otherwise.'

    def add_arguments(self, parser):
        parser.add_argument("--admin-login", default="admin",
                            help="Login of the first admin, used only if no superuser exists (default: admin).")
        parser.add_argument("--admin-email", default="admin@example.com",
                            help="Email of the first admin (default: admin@example.com).")
        super().add_arguments(parser)

    def handle(self, *args, admin_login, admin_email, **options):
        try:
            created = bootstrap(admin_login=admin_login, admin_email=admin_email)
        except ServiceError as exc:
            self.fail_validation(exc)
        if self.as_json:
            self.write_json(created)
            return
        if not created:
            self.stdout.write("Castellan is set up; an admin user already exists, nothing else to create.")
            return
        self.stdout.write(self.style.SUCCESS("Castellan is set up. Admin console: /admin/"))
        self.stdout.write(f"  login:    {created['adminLogin']}")
        self.stdout.write(f"  password: {created['adminPassword']}")
        self.stdout.write(self.style.WARNING(
            "This password will not be shown again: store it now (change it in the admin console)."))
