"""Client applications as Okta's Apps API shapes them (`OpenIdConnectApplication`).

A pure function from a `Client` to a dict, shared by the ops commands (`--json`) and the
management REST API. The plaintext secret appears only when the caller passes it, which happens
only on the response to the action that created it.
"""


from authservers.presenters import api_base, lifecycle_links, link, okta_timestamp

from .models import Client, ClientStatus, GrantType


def _optional_uris(client: Client) -> dict:
    uris = {
        "client_uri": client.client_uri,
        "logo_uri": client.logo_uri,
        "policy_uri": client.policy_uri,
        "tos_uri": client.tos_uri,
        "initiate_login_uri": client.initiate_login_uri,
        "jwks_uri": client.jwks_uri,
    }
    # Okta leaves unset URIs out of the object rather than sending empty strings.
    return {name: value for name, value in uris.items() if value}


def client_to_okta(client: Client, plaintext_secret: str | None = None, base_url: str | None = None) -> dict:
    """An `OpenIdConnectApplication`; `client_secret` only when `plaintext_secret` is given."""
    api = f"{api_base(base_url)}/api/v1/apps/{client.id}"
    oauth_credentials = {
        "autoKeyRotation": True,
        "client_id": client.client_id,
    }
    if plaintext_secret is not None:
        oauth_credentials["client_secret"] = plaintext_secret
    oauth_credentials["token_endpoint_auth_method"] = client.token_endpoint_auth_method
    oauth_credentials["pkce_required"] = client.pkce_required

    oauth_settings = {
        **_optional_uris(client),
        "redirect_uris": client.redirect_uris.split(),
        "post_logout_redirect_uris": client.post_logout_redirect_uris.split(),
        "response_types": list(client.response_types),
        "grant_types": list(client.grant_types),
        "application_type": client.application_type,
        "consent_method": client.consent_method,
        # Castellan has no custom domains per app: tokens for this client use the server's issuer.
        "issuer_mode": "ORG_URL",
        "idp_initiated_login": {"mode": "DISABLED", "default_scope": []},
        "wildcard_redirect": "DISABLED",
    }
    if client.jwks:
        oauth_settings["jwks"] = client.jwks
    # Okta: `refresh_token` appears for clients with refresh_token among their grant types.
    if GrantType.REFRESH_TOKEN in client.grant_types:
        oauth_settings["refresh_token"] = {"rotation_type": client.refresh_token_rotation,
                                           "leeway": client.refresh_token_leeway}

    lifecycle = lifecycle_links(api, client.status == ClientStatus.ACTIVE)
    return {
        "id": client.id,
        "name": "oidc_client",
        "label": client.label,
        "status": client.status,
        "created": okta_timestamp(client.created),
        "lastUpdated": okta_timestamp(client.last_updated),
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": oauth_credentials},
        "settings": {"app": {}, "oauthClient": oauth_settings},
        "profile": client.profile,
        "_links": {
            "self": link(api, "GET", "PUT", "DELETE"),
            "users": link(f"{api}/users", "GET"),
            "groups": link(f"{api}/groups", "GET"),
            **lifecycle,
        },
    }


def app_user_to_okta(client: Client, user, scope: str = "USER", base_url: str | None = None) -> dict:
    """Okta's `AppUser`: a user assigned to the app directly (`scope: USER`) or through a group (`GROUP`).

    Castellan does not store when an assignment was made, so `created` is the later of the user's and
    the app's creation: the earliest the assignment can have been made (docs/compat.md).
    """
    base = api_base(base_url)
    since = max(user.created, client.created)
    return {
        "id": user.pk,
        "externalId": None,
        "created": okta_timestamp(since),
        "lastUpdated": okta_timestamp(since),
        "scope": scope,
        # Okta: an SSO-only (OIDC) app has no provisioning, so its users are ACTIVE while assigned.
        "status": "ACTIVE" if user.is_active else "INACTIVE",
        "statusChanged": okta_timestamp(since),
        "passwordChanged": None,
        "syncState": "DISABLED",
        "credentials": {"userName": user.login},
        "profile": {},
        "_links": {
            "app": {"href": f"{base}/api/v1/apps/{client.id}"},
            "user": {"href": f"{base}/api/v1/users/{user.pk}"},
        },
    }


def app_group_to_okta(client: Client, group, base_url: str | None = None) -> dict:
    """Okta's `ApplicationGroupAssignment` (priority and profile are not kept: always 0 and {})."""
    base = api_base(base_url)
    return {
        "id": group.pk,
        "lastUpdated": okta_timestamp(max(group.created, client.created)),
        "priority": 0,
        "profile": {},
        "_links": {
            "self": {"href": f"{base}/api/v1/apps/{client.id}/groups/{group.pk}"},
            "app": {"href": f"{base}/api/v1/apps/{client.id}"},
            "group": {"href": f"{base}/api/v1/groups/{group.pk}"},
        },
    }


def trusted_origin_to_okta(trusted, base_url: str | None = None) -> dict:
    """Okta's `TrustedOrigin` object (REFERENCE §12.1)."""
    from .models import TrustedOriginStatus

    api = f"{api_base(base_url)}/api/v1/trustedOrigins/{trusted.id}"
    lifecycle = lifecycle_links(api, trusted.status == TrustedOriginStatus.ACTIVE)
    return {
        "id": trusted.id,
        "name": trusted.name,
        "origin": trusted.origin,
        "scopes": [{"type": scope} for scope in trusted.scopes],
        "status": trusted.status,
        "created": okta_timestamp(trusted.created),
        "createdBy": trusted.created_by or None,
        "lastUpdated": okta_timestamp(trusted.last_updated),
        "lastUpdatedBy": trusted.last_updated_by or None,
        "_links": {"self": link(api, "GET", "PUT", "DELETE"), **lifecycle},
    }
