from datetime import timedelta

from django.utils import timezone

from authservers.management.base import OktaCommand

from ...models import User
from ...services import DirectoryError, api_token_create


class Command(OktaCommand):
    help = (
        "Create an API token for the management API (`Authorization: SSWS <token>`), acting as a staff "
        "user, e.g. `createapitoken terraform --user admin@example.com --json`. The token is printed "
        "this once and only its hash is kept: store it in your secret manager straight away."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="A label for the token, e.g. the tool that will use it.")
        parser.add_argument("--name", dest="name_option", metavar="NAME", help="The same as the positional NAME.")
        parser.add_argument("--user", required=True, metavar="LOGIN",
                            help="Login of the active staff user the token acts as.")
        parser.add_argument("--expires-days", type=int, metavar="DAYS",
                            help="Stop accepting the token after this many days (default: never).")
        super().add_arguments(parser)

    def handle(self, *args, name, name_option, user, expires_days, **options):
        label = name_option or name
        if not label:
            self.fail("E0000001", "Api validation failed: name", ["name: The field cannot be left blank."],
                      message="Give the token a NAME.")
        account = User.objects.filter(login__iexact=user).first()
        if account is None:
            self.fail("E0000007", f"Not found: Resource not found: {user} (User)", message=f"No user {user!r}.")
        if expires_days is not None and expires_days < 1:
            self.fail("E0000001", "Api validation failed: expiresDays",
                      ["expiresDays: Must be at least 1."], message="--expires-days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        try:
            token, secret = api_token_create(name=label, user=account, expires_at=expires_at)
        except DirectoryError as exc:
            self.fail_validation(exc)
        if self.as_json:
            self.write_json({"id": token.id, "name": token.name, "userId": account.id, "token": secret})
            return
        self.stdout.write(f"Created API token {token.id} ({token.name}) acting as {account.login}.")
        self.stdout.write(f"Token (shown only this once): {secret}")
        self.stdout.write(f"Use it as: Authorization: SSWS {secret}")
