"""Authorization servers, scopes and signing keys as Okta's management API shapes them.

Pure functions from model objects to dicts: the ops commands print them with `--json` and the
management REST API returns them. Field names and link relations follow the schemas
`AuthorizationServer`, `OAuth2Scope`, `OAuth2Claim` and `AuthorizationServerJsonWebKey` of Okta's management
OpenAPI document.
"""

from datetime import UTC, datetime

from django.conf import settings

from .models import (
    AuthorizationServer,
    Claim,
    IssuerMode,
    KeyStatus,
    RotationMode,
    Scope,
    ServerStatus,
    SigningAlg,
    SigningKey,
)
from .models.servers import ACCESS_TOKEN_ALG_CAVEAT


def okta_timestamp(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and `Z`, as Okta writes them: `2023-05-17T22:25:57.000Z`."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond // 1000:03d}Z"


def api_base(base_url: str | None) -> str:
    """The base of management API links: the caller's, else `CASTELLAN_BASE_URL`."""
    return (base_url or settings.CASTELLAN_BASE_URL).rstrip("/")


def link(href: str, *methods: str, **extra) -> dict:
    """An Okta HAL link with its allowed methods."""
    return {**extra, "href": href, "hints": {"allow": list(methods)}}


def lifecycle_links(url: str, active: bool) -> dict:
    """Okta's `deactivate` link for an active object, `activate` for an inactive one."""
    if active:
        return {"deactivate": link(f"{url}/lifecycle/deactivate", "POST")}
    return {"activate": link(f"{url}/lifecycle/activate", "POST")}


def authserver_issuer(server: AuthorizationServer, base_url: str | None = None) -> str:
    """The server's `iss`, without the per-process snapshot.

    ORG_URL uses `CASTELLAN_BASE_URL`, CUSTOM_URL the server's own base, and DYNAMIC the base the
    caller saw (`base_url`, the request's; `CASTELLAN_BASE_URL` when there is no request).
    The same rules as `runtime.ServerSnapshot.issuer`.
    """
    if server.issuer_mode == IssuerMode.CUSTOM_URL and server.custom_url:
        root = server.custom_url.rstrip("/")
    elif server.issuer_mode == IssuerMode.DYNAMIC:
        root = api_base(base_url)
    else:
        root = settings.CASTELLAN_BASE_URL.rstrip("/")
    return f"{root}/oauth2/{server.id}"


def authserver_api_url(server_id: str, base_url: str | None = None) -> str:
    return f"{api_base(base_url)}/api/v1/authorizationServers/{server_id}"


def _active_key(server: AuthorizationServer, alg: str = SigningAlg.RS256) -> SigningKey | None:
    # Iterate `.all()` rather than filter, so a caller's prefetch_related("signing_keys") is used.
    return next((key for key in server.signing_keys.all() if key.status == KeyStatus.ACTIVE and key.alg == alg),
                None)


def access_token_alg_summary(server: AuthorizationServer, now: datetime | None = None) -> list[str]:
    """Human lines on how the server signs access tokens, with Okta's caveat when it is not RS256.

    Okta has no such setting, so the Okta-shaped JSON (`authserver_to_okta`) leaves it out; the
    console, `createauthserver` and the admin show these lines.
    """
    alg = server.access_token_signing_alg
    if alg == SigningAlg.RS256:
        return ["Access tokens and ID tokens are signed RS256."]
    from django.utils import timezone

    from .key_lifecycle import access_token_key_usable_from

    lines = [f"Access tokens are signed {alg}; ID tokens stay RS256."]
    active = _active_key(server, alg)
    if active is not None:
        starts = access_token_key_usable_from(server, active)
        if starts > (now or timezone.now()):
            lines.append(f"Until {okta_timestamp(starts)} access tokens stay RS256, while the new {alg} key "
                         f"{active.kid} reaches every cached copy of v1/keys.")
    lines.append(ACCESS_TOKEN_ALG_CAVEAT)
    return lines


def _signing_credentials(server: AuthorizationServer) -> dict:
    active = _active_key(server)
    signing = {"rotationMode": server.rotation_mode}
    if server.last_rotated is not None:
        signing["lastRotated"] = okta_timestamp(server.last_rotated)
        if server.rotation_mode == RotationMode.AUTO:
            from .key_lifecycle import server_next_rotation

            signing["nextRotation"] = okta_timestamp(server_next_rotation(server))
    if active is not None:
        signing["kid"] = active.kid
    signing["use"] = "sig"
    return signing


def authserver_to_okta(server: AuthorizationServer, base_url: str | None = None) -> dict:
    """An `AuthorizationServer` object; `base_url` is the management API's (default `CASTELLAN_BASE_URL`)."""
    api = authserver_api_url(server.id, base_url)
    issuer = authserver_issuer(server, base_url)
    lifecycle = lifecycle_links(api, server.status == ServerStatus.ACTIVE)
    return {
        "id": server.id,
        "name": server.name,
        "description": server.description,
        "audiences": list(server.audiences),
        "issuer": issuer,
        "issuerMode": server.issuer_mode,
        "status": server.status,
        "created": okta_timestamp(server.created),
        "lastUpdated": okta_timestamp(server.last_updated),
        "credentials": {"signing": _signing_credentials(server)},
        "_links": {
            "scopes": link(f"{api}/scopes", "GET"),
            "claims": link(f"{api}/claims", "GET"),
            "policies": link(f"{api}/policies", "GET"),
            "self": link(api, "GET", "DELETE", "PUT"),
            "metadata": [
                link(f"{issuer}/.well-known/oauth-authorization-server", "GET", name="oauth-authorization-server"),
                link(f"{issuer}/.well-known/openid-configuration", "GET", name="openid-configuration"),
            ],
            "rotateKey": link(f"{api}/credentials/lifecycle/keyRotate", "POST"),
            **lifecycle,
        },
    }


def scope_to_okta(scope: Scope, base_url: str | None = None) -> dict:
    """An `OAuth2Scope` object."""
    href = f"{authserver_api_url(scope.server_id, base_url)}/scopes/{scope.id}"
    # System scopes cannot be deleted, so their self link does not offer DELETE.
    methods = ("GET", "PUT") if scope.system else ("GET", "PUT", "DELETE")
    return {
        "id": scope.id,
        "name": scope.name,
        "displayName": scope.display_name,
        "description": scope.description,
        "system": scope.system,
        "default": scope.default,
        "consent": scope.consent,
        "optional": scope.optional,
        "metadataPublish": scope.metadata_publish,
        "_links": {"self": link(href, *methods)},
    }


def claim_to_okta(claim: Claim, base_url: str | None = None) -> dict:
    """An `OAuth2Claim` object. Okta spells `group_filter_type` in snake_case, and leaves it out
    unless the claim is a GROUPS claim."""
    href = f"{authserver_api_url(claim.server_id, base_url)}/claims/{claim.id}"
    # System claims cannot be deleted, so their self link does not offer DELETE.
    methods = ("GET", "PUT") if claim.system else ("GET", "PUT", "DELETE")
    body = {
        "id": claim.id,
        "name": claim.name,
        "status": claim.status,
        "claimType": claim.claim_type,
        "valueType": claim.value_type,
        "value": claim.value,
        "alwaysIncludeInToken": claim.always_include_in_token,
        "conditions": {"scopes": list(claim.conditions_scopes)},
        "system": claim.system,
        "apiResourceId": None,
        "_links": {"self": link(href, *methods)},
    }
    if claim.group_filter_type:
        body["group_filter_type"] = claim.group_filter_type
    return body


def signing_key_to_okta(key: SigningKey, base_url: str | None = None) -> dict:
    """An `AuthorizationServerJsonWebKey`: public parameters and status only.

    Okta's keys are all RSA (`e`, `n`); an ES256 key of a server that opted into it carries its EC
    parameters (`crv`, `x`, `y`, RFC 7518 §6.2) in their place.
    """
    public = key.public_jwk
    href = f"{authserver_api_url(key.server_id, base_url)}/credentials/keys/{key.kid}"
    kty = public.get("kty", "RSA")
    params = ({"crv": public["crv"], "x": public["x"], "y": public["y"]} if kty == "EC"
              else {"e": public["e"], "n": public["n"]})
    return {
        "status": key.status,
        "alg": key.alg,
        **params,
        "kid": key.kid,
        "kty": kty,
        "use": public.get("use", "sig"),
        "_links": {"self": link(href, "GET")},
    }
