import argparse
import json

from django.db import transaction

from authservers.management.base import OktaCommand
from authservers.services import ServiceError
from clients.models import (
    MAX_REFRESH_TOKEN_LEEWAY,
    ApplicationType,
    AuthMethod,
    ConsentMethod,
    GrantType,
    RefreshTokenRotation,
    ResponseType,
)
from clients.presenters import client_to_okta
from clients.services import client_assign, client_create


class Command(OktaCommand):
    help = (
        "Create an OAuth client app (Okta's OIDC app) and print its client_id and, for confidential "
        "clients, its secret, which is shown only this once. Run it when a service or web app needs "
        "credentials, e.g. `createclient billing-service --grant-types client_credentials`."
    )
    json_help = ("Print the app as Okta's Apps API object (with the secret), plus top-level client_id and "
                 "client_secret; failures become an Okta error object on stderr.")

    def add_arguments(self, parser):
        parser.add_argument("label", help="Display name; need not be unique.")
        parser.add_argument("--grant-types", nargs="+", required=True, metavar="GRANT",
                            help=f"Space-separated: {' '.join(GrantType.values)}.")
        parser.add_argument("--application-type", metavar="|".join(ApplicationType.values),
                            help="Default: service when the only grant is client_credentials, else web.")
        parser.add_argument("--auth-method", metavar="|".join(AuthMethod.values),
                            help="token_endpoint_auth_method (default: client_secret_basic).")
        parser.add_argument("--redirect-uris", nargs="+", default=[], metavar="URI",
                            help="Sign-in redirect URIs (required for authorization_code and implicit).")
        parser.add_argument("--post-logout-redirect-uris", nargs="+", default=[], metavar="URI",
                            help="Sign-out redirect URIs.")
        parser.add_argument("--response-types", nargs="+", metavar="|".join(ResponseType.values),
                            help="Default: code with authorization_code, token for service apps.")
        parser.add_argument("--consent-method", default=ConsentMethod.TRUSTED,
                            metavar="|".join(ConsentMethod.values), help="Default: TRUSTED.")
        parser.add_argument("--pkce-required", action=argparse.BooleanOptionalAction, default=None,
                            help="Require PKCE (default: yes for browser and native apps and public clients).")
        parser.add_argument("--refresh-token-rotation", metavar="|".join(RefreshTokenRotation.values),
                            help="ROTATE: a new refresh token on every use; STATIC: the same one. Default: ROTATE "
                                 "for browser apps and public clients (required for them), else STATIC.")
        parser.add_argument("--refresh-token-leeway", type=int, metavar="SECONDS",
                            help=f"Seconds (0-{MAX_REFRESH_TOKEN_LEEWAY}) a rotated-out refresh token still works "
                                 "(default: 30).")
        parser.add_argument("--profile", default=None, metavar="JSON",
                            help="Free-form JSON object, available as app.profile in claims.")
        parser.add_argument("--assign-group", nargs="+", default=[], metavar="NAME", dest="assign_groups",
                            help="Assign these groups (space-separated; `Everyone` assigns every user).")
        parser.add_argument("--assign-user", nargs="+", default=[], metavar="LOGIN", dest="assign_users",
                            help="Assign these users by login (space-separated).")
        super().add_arguments(parser)

    def handle(self, *args, label, grant_types, application_type, auth_method, redirect_uris,
               post_logout_redirect_uris, response_types, consent_method, pkce_required, profile,
               assign_groups, assign_users, refresh_token_rotation=None, refresh_token_leeway=None, **options):
        profile_data = self._parse_profile(profile)
        # One transaction: when an assignment fails, no client is left behind.
        with transaction.atomic():
            client, secret = self._create(
                label=label, grant_types=grant_types, application_type=application_type, auth_method=auth_method,
                redirect_uris=redirect_uris, post_logout_redirect_uris=post_logout_redirect_uris,
                response_types=response_types, consent_method=consent_method, pkce_required=pkce_required,
                profile_data=profile_data, assign_groups=assign_groups, assign_users=assign_users,
                refresh_token_rotation=refresh_token_rotation, refresh_token_leeway=refresh_token_leeway)
        self._report(client, secret)

    def _create(self, *, label, grant_types, application_type, auth_method, redirect_uris,
                post_logout_redirect_uris, response_types, consent_method, pkce_required, profile_data,
                assign_groups, assign_users, refresh_token_rotation=None, refresh_token_leeway=None):
        try:
            client, secret = client_create(
                label=label, grant_types=grant_types, application_type=application_type,
                token_endpoint_auth_method=auth_method or AuthMethod.CLIENT_SECRET_BASIC,
                redirect_uris=redirect_uris, post_logout_redirect_uris=post_logout_redirect_uris,
                response_types=response_types, consent_method=consent_method, pkce_required=pkce_required,
                profile=profile_data, refresh_token_rotation=refresh_token_rotation,
                refresh_token_leeway=refresh_token_leeway,
            )
            client_assign(client=client, users=assign_users, groups=assign_groups)
        except ServiceError as exc:
            if exc.code == "E0000007":
                self.fail(exc.code, exc.message)
            self.fail_validation(exc)
        return client, secret

    def _report(self, client, secret):
        if self.as_json:
            self.write_json({**client_to_okta(client, secret), "client_id": client.client_id,
                             "client_secret": secret})
            return
        self.stdout.write(self.style.SUCCESS(f"Created client '{client.label}' ({client.application_type} app)."))
        self.stdout.write(f"  client_id:     {client.client_id}")
        if secret is not None:
            self.stdout.write(f"  client_secret: {secret}")
        groups = [group.name for group in client.assigned_groups.all()]
        users = [user.login for user in client.assigned_users.all()]
        if groups:
            self.stdout.write(f"  groups:        {' '.join(groups)}")
        if users:
            self.stdout.write(f"  users:         {' '.join(users)}")
        self.stdout.write(f"  grant types:   {' '.join(client.grant_types)}")
        self.stdout.write(f"  auth method:   {client.token_endpoint_auth_method}")
        if GrantType.REFRESH_TOKEN in client.grant_types:
            self.stdout.write(f"  refresh token: {client.refresh_token_rotation}, "
                              f"leeway {client.refresh_token_leeway} s")
        if secret is not None:
            self.stdout.write(self.style.WARNING(
                "The client secret is shown only once: store it now. It cannot be displayed again."))
        else:
            self.stdout.write("This is a public client: it has no secret.")

    def _parse_profile(self, raw: str | None) -> dict | None:
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            self.fail("E0000001", "Api validation failed: profile", ["profile: Must be a JSON object."],
                      message="profile: Must be a JSON object.")
        return value
