"""What every Castellan ops command shares: `--json` output and Okta-style failures.

On failure a command exits with status 1 and explains itself on stderr: a plain sentence, or with
`--json` an Okta error object (`errorCode`, `errorSummary`, `errorCauses`...) and nothing else, so
scripts can parse it. Under `call_command` the failure is a `CommandError` (returncode 1) after
the same text has been written to the command's stderr.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from authservers.http import okta_error_body
from authservers.models import AuthorizationServer
from authservers.selectors import authserver_get
from authservers.services import ServiceError


class OktaCommand(BaseCommand):
    json_help = "Print the result as JSON in Okta's API shape; failures become an Okta error object on stderr."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help=self.json_help)

    def execute(self, *args, **options):
        self.as_json = bool(options.get("json"))
        return super().execute(*args, **options)

    def write_json(self, data) -> None:
        self.stdout.write(json.dumps(data, indent=2), style_func=lambda text: text)

    def fail(self, code: str, summary: str, causes: list[str] | None = None, message: str | None = None):
        """Stop with exit status 1: an Okta error object on stderr with --json, else `message`."""
        message = message or summary
        if self.as_json:
            self.stderr.write(json.dumps(okta_error_body(code, summary, causes), indent=2),
                              style_func=lambda text: text)
            if getattr(self, "_called_from_command_line", False):
                # Django would add a "CommandError: ..." line; the JSON object is the whole report.
                sys.exit(1)
            raise CommandError(message, returncode=1)
        if not getattr(self, "_called_from_command_line", False):
            self.stderr.write(message)
        raise CommandError(message, returncode=1)

    def fail_validation(self, exc: ServiceError):
        # Okta: E0000001 "Api validation failed: <field>" with the detail as a cause (REFERENCE §10.2).
        summary = f"Api validation failed: {exc.field}" if exc.field else exc.message
        self.fail(exc.code, summary, [exc.message], message=exc.message)

    def get_server(self, server_id: str) -> AuthorizationServer:
        server = authserver_get(server_id)
        if server is None:
            # Okta: an unknown authorization server is E0000007 "Not found: Resource not found: …".
            self.fail("E0000007", f"Not found: Resource not found: {server_id} (AuthorizationServer)")
        return server
