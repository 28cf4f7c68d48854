import json

from authservers.management.base import OktaCommand
from authservers.services import ServiceError
from policies.preview import preview_token


class Command(OktaCommand):
    help = (
        "Show what a token request would get from an authorization server, and why: the policy decision "
        "trace, lifetimes and decoded tokens, or the exact error a client would get. Nothing is issued. "
        "Run it before going live with a policy change. A denial is a successful preview (exit status 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--server", required=True, help="Authorization server id, e.g. default.")
        parser.add_argument("--client", required=True, help="The client_id making the request.")
        parser.add_argument("--grant-type", required=True, help="e.g. client_credentials.")
        parser.add_argument("--user", default=None, help="The user's login (not for client_credentials).")
        parser.add_argument("--scopes", nargs="*", default=[], help="Requested scopes, space-separated.")
        super().add_arguments(parser)

    def handle(self, *args, server, client, grant_type, user, scopes, **options):
        try:
            result = preview_token(server_id=server, client_id=client, grant_type=grant_type, scopes=scopes,
                                   user_login=user)
        except ServiceError as exc:
            if exc.code == "E0000007":
                self.fail(exc.code, exc.message)
            self.fail_validation(exc)
        if self.as_json:
            self.write_json(result)
            return
        self._print_human(result)

    def _print_human(self, result: dict) -> None:
        for policy in result["trace"]:
            line = f"policy {policy['name']} ({policy['policy']}): {policy['outcome']}"
            if "reason" in policy:
                line += f" — {policy['reason']}"
            self.stdout.write(line)
            for rule in policy.get("rules", []):
                detail = f" (failed: {rule['failed']})" if "failed" in rule else ""
                self.stdout.write(f"  rule {rule['name']} ({rule['rule']}): {rule['outcome']}{detail}")
        if result["error"]:
            error = result["error"]
            self.stdout.write(self.style.WARNING(
                f"The client would get HTTP {error['status']} {error['error']}: {error['error_description']}"))
            return
        decision = result["decision"]
        self.stdout.write(self.style.SUCCESS(
            f"Granted by rule '{decision['rule']['name']}' of policy '{decision['policy']['name']}': "
            f"scopes {' '.join(decision['scopes'])}, access token {decision['accessTokenLifetimeSeconds']} s."))
        tokens = result["tokens"]
        self._print_token("Access token", tokens["access_token"])
        if tokens["id_token"]:
            self._print_token("ID token", tokens["id_token"])

    def _print_token(self, title: str, token: dict) -> None:
        size = f"{token['size']} of {token['maxSize']} bytes" if token["size"] else "not signed: no active key"
        self.stdout.write(f"{title} ({size}):")
        if token.get("sizeError"):
            self.stdout.write(self.style.ERROR(f"  {token['sizeError']}"))
        for claim in token["claims"]:
            where = f" [{', '.join(claim['placement']) or 'nowhere'}]" if "placement" in claim else ""
            if "error" in claim:
                error = claim["error"]
                self.stdout.write(self.style.ERROR(
                    f"  claim {claim['name']}{where}: {error['error']}: {error['error_description']} "
                    f"({error['reason']})"))
            else:
                self.stdout.write(f"  claim {claim['name']}{where}: {json.dumps(claim['value'])}")
        self.stdout.write(json.dumps(token["payload"], indent=2))
