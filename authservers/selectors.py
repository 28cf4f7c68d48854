"""Reads of authorization servers, including the cached per-process snapshot the endpoints use."""

from jwcrypto import jwk

from policies.selectors import compile_policies

from . import keys
from .models import AuthorizationServer, KeyStatus, MetadataPublish, SigningAlg
from .runtime import ScopeInfo, ServerSnapshot, SigningMaterial, SnapshotCache


def authserver_get(server_id: str) -> AuthorizationServer | None:
    return AuthorizationServer.objects.filter(pk=server_id).first()


def published_keys(server: AuthorizationServer):
    """ACTIVE, NEXT and not-yet-purged EXPIRED keys, in that order; within a status, RS256 first."""
    order = {KeyStatus.ACTIVE: 0, KeyStatus.NEXT: 1, KeyStatus.EXPIRED: 2}
    return sorted(server.signing_keys.all(),
                  key=lambda key: (order[key.status], key.alg != SigningAlg.RS256, -key.created.timestamp()))


def _signing_material(key) -> SigningMaterial:
    private = keys.load_private_key(key.encrypted_private_key)
    return SigningMaterial(kid=key.kid, alg=key.alg, jwk=private, private_key=private.get_op_key("sign"))


def _load_server_snapshot(server_id: str) -> ServerSnapshot | None:
    server = (AuthorizationServer.objects.filter(pk=server_id)
              .prefetch_related("scopes", "signing_keys", "policies__rules", "claims").first())
    if server is None:
        return None
    scopes = {
        scope.name: ScopeInfo(name=scope.name, consent=scope.consent, default=scope.default,
                              published=scope.metadata_publish == MetadataPublish.ALL_CLIENTS,
                              system=scope.system)
        for scope in server.scopes.all()
    }
    published = published_keys(server)
    active = {key.alg: key for key in published if key.status == KeyStatus.ACTIVE}
    signing = _signing_material(active[SigningAlg.RS256]) if SigningAlg.RS256 in active else None
    # A PS256/ES256 server's access-token key, and when it may start signing (docs/keys.md).
    alt, alt_from = None, 0.0
    alt_key = None if server.access_token_signing_alg == SigningAlg.RS256 else active.get(server.access_token_signing_alg)
    if alt_key is not None:
        from .key_lifecycle import access_token_key_usable_from

        alt = _signing_material(alt_key)
        alt_from = access_token_key_usable_from(server, alt_key).timestamp()
    return ServerSnapshot(
        id=server.id, name=server.name, active=server.is_active, audiences=tuple(server.audiences),
        issuer_mode=server.issuer_mode, custom_url=server.custom_url, scopes=scopes,
        default_scopes=tuple(sorted(name for name, info in scopes.items() if info.default)),
        signing=signing, jwks=keys.jwks_document([key.public_jwk for key in published]),
        verification_keys={key.kid: jwk.JWK(**key.public_jwk) for key in published},
        policies=compile_policies(server.policies.all()),
        rotation_mode=server.rotation_mode, last_rotated=server.last_rotated,
        access_token_signing_alt=alt, access_token_signing_alt_from=alt_from,
        **_compiled_claims(server.claims.all()), org=_org_context(),
        token_size_limit=server.token_size_limit,
    )


def _compiled_claims(claims) -> dict:
    """The snapshot's claim fields: compiled once here, so the token endpoint compiles nothing."""
    from .claims import DEFAULT_SUB_EXPRESSION, SUB_CLAIM, compile_claim

    resource, identity, sub = [], [], None
    for claim in sorted(claims, key=lambda c: c.name):
        if not claim.is_active:
            continue
        compiled = compile_claim(name=claim.name, claim_type=claim.claim_type, value_type=claim.value_type,
                                 value=claim.value, group_filter_type=claim.group_filter_type,
                                 conditions_scopes=claim.conditions_scopes, system=claim.system,
                                 always_include_in_token=claim.always_include_in_token)
        if claim.system and claim.name == SUB_CLAIM and claim.claim_type == "RESOURCE":
            sub = compiled if claim.value.strip() != DEFAULT_SUB_EXPRESSION else None
        elif compiled is not None:
            (resource if claim.claim_type == "RESOURCE" else identity).append(compiled)
    return {"resource_claims": tuple(resource), "identity_claims": tuple(identity), "sub_claim": sub}


def _org_context() -> dict:
    from .models import Org

    org = Org.objects.filter(pk=1).first() or Org()
    return {"name": org.name, "subDomain": org.subdomain}


_servers = SnapshotCache("server", _load_server_snapshot)


def server_snapshot(server_id: str) -> ServerSnapshot | None:
    """The cached snapshot of a server (active or not), or None when it does not exist."""
    if not server_id or len(server_id) > 20 or "\x00" in server_id:
        return None
    return _servers.get(server_id)


def access_token_is_revoked(jti: str) -> bool:
    from .models import RevokedAccessToken

    return bool(jti) and RevokedAccessToken.objects.filter(pk=jti).exists()
