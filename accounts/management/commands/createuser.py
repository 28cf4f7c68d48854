import json
import sys

from authservers.management.base import OktaCommand

from ...presenters import BASE_PROFILE_FIELDS, user_to_okta
from ...services import DirectoryError, user_create


def parse_attribute(item: str) -> tuple[str, object]:
    """`KEY=VALUE`: the value as JSON when it parses as JSON (`42`, `true`, `["a"]`), else the text."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"Expected KEY=VALUE, got {item!r}.")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


class Command(OktaCommand):
    help = (
        "Add a person to the user directory, e.g. "
        "`printf '%s\\n' \"$PW\" | createuser ada@example.com --email ada@example.com --password-stdin "
        "--group Engineering --attr department=R&D`. The password is the first line of standard input."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("login", help="Sign-in name, usually an email address (unique, case-insensitive).")
        parser.add_argument("--email", required=True, help="Primary email address.")
        parser.add_argument("--first-name", default="", help="Given name.")
        parser.add_argument("--last-name", default="", help="Family name.")
        parser.add_argument("--password-stdin", action="store_true", required=True,
                            help="Read the password from the first line of standard input.")
        parser.add_argument("--group", nargs="+", action="extend", default=[], metavar="NAME",
                            help="Groups to join, created when missing (everyone is in Everyone).")
        parser.add_argument("--attr", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                            help="Custom profile attributes; values that parse as JSON are stored as JSON.")
        super().add_arguments(parser)

    def handle(self, *args, login, email, first_name, last_name, group, attr, **options):
        profile = {}
        for item in attr:
            try:
                key, value = parse_attribute(item)
            except ValueError as exc:
                self.fail("E0000001", "Api validation failed: profile", [f"profile: {exc}"], message=str(exc))
            if key in BASE_PROFILE_FIELDS:
                message = f"profile: {key} is a base property; use its own option instead of --attr."
                self.fail("E0000001", "Api validation failed: profile", [message], message=message)
            profile[key] = value
        password = self._read_password(options.get("stdin") or sys.stdin)
        try:
            user = user_create(login=login, email=email, password=password, first_name=first_name,
                               last_name=last_name, profile=profile, groups=group, validate_password=True)
        except DirectoryError as exc:
            self.fail_validation(exc)
        if self.as_json:
            self.write_json(user_to_okta(user))
            return
        groups = ", ".join(user.directory_groups.values_list("name", flat=True))
        self.stdout.write(self.style.SUCCESS(f"Created user '{user.login}' ({user.pk}), member of {groups}."))

    def _read_password(self, stream) -> str:
        line = stream.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            message = "password: The password is empty; give it as the first line of standard input."
            self.fail("E0000001", "Api validation failed: password", [message], message=message)
        return password
