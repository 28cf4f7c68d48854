"""Signing-key lifecycle: NEXT published -> ACTIVE -> EXPIRED -> removed, on a schedule and by hand.

The decisions are pure functions (`plan_rotation`, `jwks_max_age`) that take `now` and the numbers
and touch no database; the services below apply them under a row lock on the server. Why the
numbers are safe is written out in docs/keys.md. In short:

- every `max-age` served for `v1/keys` is at most the *cache lifetime* E = min(JWKS max-age, period),
  and never reaches past the next due rotation;
- the AUTO rotation promotes NEXT only once it has been published for at least E, so every cached
  JWKS a resource server may still use already holds the kid that starts signing;
- an EXPIRED key is removed once every token it signed has expired: expired + longest token
  lifetime + PURGE_MARGIN.

Keys come in *families*, one per `alg`: every server keeps its RS256 family (ID tokens, and access
tokens by default); a server whose `access_token_signing_alg` is PS256 or ES256 also keeps a family
of that alg. Each family has its own ACTIVE/NEXT/EXPIRED lifecycle; a family the server no longer
signs with is retired (ACTIVE and NEXT become EXPIRED) and purged by the same rule.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import crypto, keys, systemlog
from .models import AuthorizationServer, KeyStatus, RotationMode, SigningAlg, SigningKey

log = logging.getLogger(__name__)

ROLLOVER_EVENT = "app.oauth2.as.key.rollover"
# OIDC ID tokens are issued for one hour (REFERENCE §6.2).
ID_TOKEN_LIFETIME = timedelta(hours=1)
# Clock skew a resource server may allow past `exp`, and signers that noticed a rotation late.
PURGE_MARGIN = timedelta(minutes=5)
# Smallest max-age served: at the due moment clients revalidate at most once a second.
MIN_JWKS_MAX_AGE = 1


# Pure planning -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyState:
    kid: str
    status: str
    created: datetime
    activated: datetime | None = None
    expired: datetime | None = None
    alg: str = SigningAlg.RS256


@dataclass(frozen=True)
class Action:
    """One step of a plan for the key family `alg`. `kind`: create_active, create_next, promote
    (NEXT -> ACTIVE, ACTIVE -> EXPIRED), remove (an EXPIRED key, once no token it signed can still
    be valid), retire (an ACTIVE or NEXT key of a family the server no longer signs with -> EXPIRED)."""

    kind: str
    kid: str | None = None
    alg: str = SigningAlg.RS256


def key_families(access_token_alg: str) -> tuple[str, ...]:
    """The algs whose keys a server keeps current: RS256 always, and its access-token alg."""
    if access_token_alg == SigningAlg.RS256:
        return (SigningAlg.RS256,)
    return (SigningAlg.RS256, access_token_alg)


def cache_lifetime(period: timedelta | None, jwks_max_age: int) -> int:
    """E, in seconds: the longest `max-age` ever served for a server's `v1/keys`.

    MANUAL servers (period None) serve the configured max-age; AUTO servers never more than one
    period, so that a NEXT key published at one rotation is old enough to sign at the next one.
    """
    if period is None:
        return jwks_max_age
    return min(jwks_max_age, int(period.total_seconds()))


def next_rotation(last_rotated: datetime | None, period: timedelta | None) -> datetime | None:
    """When an AUTO server is due to rotate (Okta: `nextRotation = lastRotated + 90d`); None for MANUAL."""
    if period is None or last_rotated is None:
        return None
    return last_rotated + period


def jwks_max_age(now: datetime, next_due: datetime | None, configured: int,
                 period: timedelta | None = None) -> int:
    """The `max-age` of `v1/keys` at `now`, in whole seconds.

    At most the cache lifetime E, and never past `next_due` (it shortens as the rotation nears, as
    Okta's does), with a floor of MIN_JWKS_MAX_AGE while a due rotation waits for the worker.
    The key promoted at `next_due` was published a whole period earlier, so shortening is not what
    protects that promotion (E does); it makes every cache turn over at each rotation, so the NEXT
    key published then is known everywhere soon after, and a manual rotation afterwards is safe.
    """
    lifetime = cache_lifetime(period, configured)
    if next_due is None:
        return lifetime
    remaining = int((next_due - now).total_seconds())
    return max(min(MIN_JWKS_MAX_AGE, lifetime), min(lifetime, remaining))


def plan_rotation(key_states: list[KeyState], *, now: datetime, last_rotated: datetime | None,
                  period: timedelta | None, jwks_max_age: int,
                  longest_token_lifetime: timedelta, alg: str = SigningAlg.RS256) -> list[Action]:
    """What one key family's keys need at `now`; [] when nothing (so applying a plan twice is a no-op).

    `period` is None for MANUAL servers: they get NEXT keys and clean-up, never a scheduled rotation.
    `last_rotated` (the server's, for the RS256 family) falls back to when the ACTIVE key started.
    """
    active = next((key for key in key_states if key.status == KeyStatus.ACTIVE), None)
    upcoming = next((key for key in key_states if key.status == KeyStatus.NEXT), None)
    actions: list[Action] = []
    if active is None:
        # Nothing signs: the published NEXT key is the best replacement; else a fresh one.
        actions.append(Action("promote", upcoming.kid, alg) if upcoming else Action("create_active", alg=alg))
        actions.append(Action("create_next", alg=alg))
    elif upcoming is None:
        actions.append(Action("create_next", alg=alg))
    else:
        due = next_rotation(last_rotated or active.activated or active.created, period)
        published_for = (now - upcoming.created).total_seconds()
        if due is not None and now >= due and published_for >= cache_lifetime(period, jwks_max_age):
            actions += [Action("promote", upcoming.kid, alg), Action("create_next", alg=alg)]
    return actions + _removals(key_states, now, longest_token_lifetime, alg)


def _removals(key_states: list[KeyState], now: datetime, longest_token_lifetime: timedelta,
              alg: str) -> list[Action]:
    removable_after = longest_token_lifetime + PURGE_MARGIN
    return [Action("remove", key.kid, alg) for key in key_states
            if key.status == KeyStatus.EXPIRED and (key.expired or key.created) + removable_after <= now]


def plan_server(key_states: list[KeyState], *, now: datetime, last_rotated: datetime | None,
                period: timedelta | None, jwks_max_age: int, longest_token_lifetime: timedelta,
                access_token_alg: str = SigningAlg.RS256) -> list[Action]:
    """`plan_rotation` for each key family of a server, and retirement of the families it no longer uses.

    The RS256 family follows the server's `last_rotated` (Okta's `lastRotated`/`nextRotation`); a
    PS256/ES256 family rotates a period after its own ACTIVE key started (a manual or emergency
    rotation brings both back in step). A family the server stopped signing with loses its ACTIVE and
    NEXT keys to EXPIRED (they stay published while tokens they signed may live) and is then purged.
    """
    by_alg: dict[str, list[KeyState]] = {}
    for key in key_states:
        by_alg.setdefault(key.alg, []).append(key)
    families = key_families(access_token_alg)
    actions: list[Action] = []
    for alg in families:
        actions += plan_rotation(by_alg.get(alg, []), now=now,
                                 last_rotated=last_rotated if alg == SigningAlg.RS256 else None, period=period,
                                 jwks_max_age=jwks_max_age, longest_token_lifetime=longest_token_lifetime, alg=alg)
    for alg, states in by_alg.items():
        if alg not in families:
            actions += [Action("retire", key.kid, alg) for key in states
                        if key.status in (KeyStatus.ACTIVE, KeyStatus.NEXT)]
            actions += _removals(states, now, longest_token_lifetime, alg)
    return actions


def usable_from(published: datetime, lifetime_seconds: int) -> datetime:
    """When a key published at `published` may start signing: once every cached JWKS holds it."""
    return published + timedelta(seconds=lifetime_seconds)


# Numbers from settings ---------------------------------------------------------------------------

def longest_token_lifetime(server: AuthorizationServer | None = None) -> timedelta:
    """The longest lifetime of any access or ID token `server` can issue.

    The default access-token lifetime, the ID token's hour, and every rule of the server's access
    policies (active or not: a rule may have issued tokens before it was deactivated).
    TODO(issue 3): a rule whose lifetime was shortened may have issued longer tokens before; keep
    the longest lifetime a rule ever had (Okta caps rules at 1440 minutes).
    """
    longest = max(timedelta(seconds=settings.CASTELLAN_ACCESS_TOKEN_LIFETIME), ID_TOKEN_LIFETIME)
    if server is not None:
        from policies.models import PolicyRule

        minutes = (PolicyRule.objects.filter(policy__server=server)
                   .aggregate(longest=Max("access_token_lifetime_minutes"))["longest"])
        if minutes:
            longest = max(longest, timedelta(minutes=minutes))
    return longest


def rotation_period(rotation_mode: str) -> timedelta | None:
    """The AUTO rotation period; None for MANUAL servers."""
    return settings.CASTELLAN_KEY_ROTATION_PERIOD if rotation_mode == RotationMode.AUTO else None


def server_next_rotation(server) -> datetime | None:
    """`nextRotation` of a server (model or snapshot): lastRotated + period in AUTO mode."""
    return next_rotation(server.last_rotated, rotation_period(server.rotation_mode))


def served_jwks_max_age(server, now: datetime) -> int:
    """`max-age` for `v1/keys` of a server (model or snapshot) at `now`."""
    return jwks_max_age(now, server_next_rotation(server), settings.CASTELLAN_JWKS_MAX_AGE,
                        rotation_period(server.rotation_mode))


def server_cache_lifetime(server) -> int:
    return cache_lifetime(rotation_period(server.rotation_mode), settings.CASTELLAN_JWKS_MAX_AGE)


def access_token_key_usable_from(server, key: SigningKey) -> datetime:
    """When a PS256/ES256 family's ACTIVE key may start signing the server's access tokens.

    A server that switches alg (or is created with one) publishes the new family at once, but its
    key signs only once published for the cache lifetime E, the rule AUTO rotation follows; until
    then access tokens stay RS256 (see `runtime.ServerSnapshot.access_token_signing`).
    """
    return usable_from(key.created, server_cache_lifetime(server))


# Services ----------------------------------------------------------------------------------------

@dataclass
class RotationResult:
    """What a rotation did; `warning` names the resource servers that may briefly miss the new kid.

    `active_kid`, `expired_kid` and `next_kid` are the RS256 family's; `active_kids` has every
    family's ACTIVE kid by alg; `notes` say when access tokens stay RS256 for a while.
    """

    server: AuthorizationServer
    keys: list[SigningKey]
    active_kid: str
    expired_kid: str | None = None
    next_kid: str | None = None
    withdrawn_kids: list[str] = field(default_factory=list)
    warning: str | None = None
    active_kids: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def signing_key_create(server: AuthorizationServer, status: str, now: datetime | None = None,
                       alg: str = SigningAlg.RS256) -> SigningKey:
    """A fresh key of the family `alg` for `server`, stored encrypted. Callers hold the server's row lock."""
    now = now or timezone.now()
    generated = keys.generate_signing_key(alg)
    return SigningKey.objects.create(
        server=server, kid=generated.kid, alg=alg, status=status, public_jwk=generated.public_jwk,
        encrypted_private_key=generated.encrypted_private_key, created=now,
        activated=now if status == KeyStatus.ACTIVE else None,
    )


def _server_target(server: AuthorizationServer) -> list[dict]:
    return [systemlog.target(server.id, "AuthorizationServer", server.name)]


def _rollover_event(server, *, actor, message, debug, severity="INFO") -> None:
    systemlog.emit(ROLLOVER_EVENT, actor=actor or systemlog.system_actor(), targets=_server_target(server),
                   message=message, debug=debug, severity=severity)


def _promote(server: AuthorizationServer, active: SigningKey | None, upcoming: SigningKey | None,
             now: datetime, alg: str = SigningAlg.RS256) -> tuple[SigningKey, SigningKey]:
    """In the family `alg`: ACTIVE -> EXPIRED, NEXT (or a fresh key, if there is none) -> ACTIVE, a new
    NEXT. Returns (active, next). The server's `last_rotated` is the RS256 family's."""
    if active is not None:
        active.status, active.expired = KeyStatus.EXPIRED, now
        active.save(update_fields=["status", "expired", "last_updated"])
    if upcoming is not None:
        upcoming.status, upcoming.activated = KeyStatus.ACTIVE, now
        upcoming.save(update_fields=["status", "activated", "last_updated"])
    else:
        upcoming = signing_key_create(server, KeyStatus.ACTIVE, now, alg)
    fresh_next = signing_key_create(server, KeyStatus.NEXT, now, alg)
    if alg == SigningAlg.RS256:
        server.last_rotated = now
        server.save(update_fields=["last_rotated", "last_updated"])
    return upcoming, fresh_next


def _locked(server_id: str, *, skip_locked: bool = False) -> AuthorizationServer | None:
    return AuthorizationServer.objects.select_for_update(skip_locked=skip_locked).filter(pk=server_id).first()


def _published_keys(server: AuthorizationServer) -> list[SigningKey]:
    from .selectors import published_keys

    return published_keys(server)


def _key(server: AuthorizationServer, status: str, alg: str = SigningAlg.RS256) -> SigningKey | None:
    return server.signing_keys.filter(status=status, alg=alg).first()


def access_tokens_wait_note(server: AuthorizationServer, key: SigningKey, now: datetime) -> str | None:
    """A sentence when the PS256/ES256 `key` is too recent to sign access tokens yet; else None."""
    starts = access_token_key_usable_from(server, key)
    if key.alg == SigningAlg.RS256 or starts <= now:
        return None
    return (f"Access tokens stay signed with the RS256 key until {key.alg} key {key.kid} has been published "
            f"in v1/keys for the JWKS cache lifetime ({server_cache_lifetime(server)} s), at "
            f"{starts.isoformat(timespec='seconds')}; then it signs them.")


def _kids_text(kids: dict[str, str]) -> str:
    if len(kids) == 1:
        return next(iter(kids.values()))
    return ", ".join(f"{kid} ({alg})" for alg, kid in kids.items())


@transaction.atomic
def signing_key_rotate_now(*, server: AuthorizationServer, actor: dict | None = None,
                           now: datetime | None = None) -> RotationResult:
    """Manual rotation (admin, `rotatekeys`, `keyRotate`), at once as in Okta: NEXT signs from now on,
    in every key family of the server.

    When the RS256 NEXT key has been published for less than the cache lifetime, resource servers that
    fetched `v1/keys` before it appeared may not know its kid until their cache expires: the result's
    `warning`, the log and the System Log event say so. A PS256/ES256 NEXT key that recent does not
    sign access tokens until it is old enough (RS256 does meanwhile): the result's `notes` say so.
    """
    now = now or timezone.now()
    server = _locked(server.pk)
    lifetime = server_cache_lifetime(server)
    warnings, notes, rotated = [], [], {}
    for alg in key_families(server.access_token_signing_alg):
        active, upcoming = _key(server, KeyStatus.ACTIVE, alg), _key(server, KeyStatus.NEXT, alg)
        published_for = int((now - upcoming.created).total_seconds()) if upcoming else 0
        new_active, new_next = _promote(server, active, upcoming, now, alg)
        rotated[alg] = (active, new_active, new_next)
        warning = note = None
        if alg != SigningAlg.RS256:
            note = access_tokens_wait_note(server, new_active, now)
        elif published_for < lifetime:
            at_risk = lifetime - published_for
            warning = (f"Key {new_active.kid} had been published in v1/keys for only {published_for} s, less "
                       f"than the JWKS cache lifetime ({lifetime} s): resource servers that cached v1/keys "
                       f"before it appeared may not know kid {new_active.kid} until their cache expires, for "
                       f"up to {at_risk} s, unless they re-fetch on an unknown kid.")
            log.warning("Manual rotation of %s: %s", server.id, warning)
        warnings += [warning] if warning else []
        notes += [note] if note else []
        _rollover_event(
            server, actor=actor, message="Rotate authorization server signing keys",
            severity="WARN" if warning else "INFO",
            debug={"trigger": "MANUAL", "alg": alg, "activeKid": new_active.kid,
                   "expiredKid": active.kid if active else None, "nextKid": new_next.kid,
                   "activeKeyPublishedSeconds": published_for, "jwksCacheLifetimeSeconds": lifetime,
                   **({"warning": warning} if warning else {}), **({"note": note} if note else {})})
    old_active, new_active, new_next = rotated[SigningAlg.RS256]
    return RotationResult(server=server, keys=_published_keys(server), active_kid=new_active.kid,
                          expired_kid=old_active.kid if old_active else None, next_kid=new_next.kid,
                          warning=" ".join(warnings) or None, notes=notes,
                          active_kids={alg: keys_[1].kid for alg, keys_ in rotated.items()})


@transaction.atomic
def signing_key_emergency_rotate(*, server: AuthorizationServer, actor: dict | None = None,
                                 now: datetime | None = None) -> RotationResult:
    """A signing key may be compromised: a fresh key signs at once and the old one is withdrawn, in
    every key family of the server.

    The ACTIVE keys are deleted (gone from `v1/keys` and from verification, so introspection calls
    every token they signed inactive); the NEXT keys, stored the same way and never used, are replaced
    too. EXPIRED keys stay until their tokens expire. Access tokens are stateless JWTs: resource
    servers stop accepting the withdrawn kids only when they re-fetch `v1/keys`. A fresh PS256/ES256
    key signs access tokens only once published for the cache lifetime; the fresh RS256 key does meanwhile.
    """
    now = now or timezone.now()
    server = _locked(server.pk)
    withdrawn = list(server.signing_keys.filter(status__in=[KeyStatus.ACTIVE, KeyStatus.NEXT]))
    for key in withdrawn:
        key.delete()
    families = key_families(server.access_token_signing_alg)
    fresh = {alg: (signing_key_create(server, KeyStatus.ACTIVE, now, alg),
                   signing_key_create(server, KeyStatus.NEXT, now, alg)) for alg in families}
    server.last_rotated = now
    server.save(update_fields=["last_rotated", "last_updated"])
    withdrawn_active = [key.kid for key in withdrawn if key.status == KeyStatus.ACTIVE]
    lifetime = server_cache_lifetime(server)
    active_kids = {alg: pair[0].kid for alg, pair in fresh.items()}
    new_keys = "keys" if len(active_kids) > 1 else "key"
    warning = (f"Tokens signed with {', '.join(withdrawn_active) or 'the withdrawn key'} are now rejected by "
               f"introspection. Resource servers keep accepting them until they re-fetch v1/keys (their "
               f"cache may last up to {lifetime} s): have them refresh now. Tokens from the new {new_keys} "
               f"{_kids_text(active_kids)} verify once a resource server re-fetches v1/keys on the unknown kid.")
    log.warning("Emergency rotation of %s: %s", server.id, warning)
    notes = [note for alg, pair in fresh.items() if (note := access_tokens_wait_note(server, pair[0], now))]
    for alg, (new_active, new_next) in fresh.items():
        # Keys of a family the server no longer uses (there should be none) are reported with RS256.
        mine = [key for key in withdrawn
                if key.alg == alg or (alg == SigningAlg.RS256 and key.alg not in families)]
        _rollover_event(
            server, actor=actor, message="Emergency rotation of authorization server signing keys",
            severity="WARN",
            debug={"trigger": "EMERGENCY", "alg": alg, "activeKid": new_active.kid, "nextKid": new_next.kid,
                   "withdrawnKids": [key.kid for key in mine],
                   "revokedTokensSignedBy": [key.kid for key in mine if key.status == KeyStatus.ACTIVE]})
    new_active, new_next = fresh[SigningAlg.RS256]
    return RotationResult(server=server, keys=_published_keys(server), active_kid=new_active.kid,
                          next_kid=new_next.kid, withdrawn_kids=[key.kid for key in withdrawn], warning=warning,
                          active_kids=active_kids, notes=notes)


def access_token_family_switch(server: AuthorizationServer, old_alg: str, new_alg: str,
                               now: datetime) -> SigningKey | None:
    """Keys for a server whose access-token alg went from `old_alg` to `new_alg` (caller holds the lock).

    The family left behind (unless RS256, which always stays) is retired: its ACTIVE and NEXT keys
    become EXPIRED, still published while tokens they signed may live, then purged as usual. The
    family switched to (unless RS256) gets a fresh ACTIVE and NEXT key; that ACTIVE key signs access
    tokens only once published for the cache lifetime. Returns it (None when switching to RS256).
    """
    if old_alg != SigningAlg.RS256 and old_alg != new_alg:
        for key in server.signing_keys.filter(alg=old_alg, status__in=[KeyStatus.ACTIVE, KeyStatus.NEXT]):
            key.status, key.expired = KeyStatus.EXPIRED, now
            key.save(update_fields=["status", "expired", "last_updated"])
    if new_alg == SigningAlg.RS256:
        return None
    active = _key(server, KeyStatus.ACTIVE, new_alg) or signing_key_create(server, KeyStatus.ACTIVE, now, new_alg)
    if _key(server, KeyStatus.NEXT, new_alg) is None:
        signing_key_create(server, KeyStatus.NEXT, now, new_alg)
    return active


def _key_states(server: AuthorizationServer) -> list[KeyState]:
    return [KeyState(kid=key.kid, status=key.status, created=key.created, activated=key.activated,
                     expired=key.expired, alg=key.alg) for key in server.signing_keys.all()]


def _plan(server: AuthorizationServer, now: datetime) -> list[Action]:
    return plan_server(_key_states(server), now=now, last_rotated=server.last_rotated,
                       period=rotation_period(server.rotation_mode),
                       jwks_max_age=settings.CASTELLAN_JWKS_MAX_AGE,
                       longest_token_lifetime=longest_token_lifetime(server),
                       access_token_alg=server.access_token_signing_alg)


def signing_keys_maintain(*, server_id: str, now: datetime | None = None) -> list[Action]:
    """Apply the plan for one server under its row lock; returns what was done.

    Two workers or beats may call this at once: the row lock (skip_locked) lets one through, and
    the plan is made again under the lock, so a due moment gives exactly one rotation.
    """
    now = now or timezone.now()
    with transaction.atomic():
        server = _locked(server_id, skip_locked=True)
        if server is None:
            return []  # deleted, or another worker holds it right now
        actions = _plan(server, now)
        by_kid = {key.kid: key for key in server.signing_keys.all()}
        for action in actions:
            _apply(server, action, by_kid, now)
    return actions


def _apply(server: AuthorizationServer, action: Action, by_kid: dict, now: datetime) -> None:
    alg = action.alg
    if action.kind == "promote":
        active = _key(server, KeyStatus.ACTIVE, alg)
        upcoming = by_kid[action.kid]
        published_for = int((now - upcoming.created).total_seconds())
        new_active, new_next = _promote(server, active, upcoming, now, alg)
        _rollover_event(server, actor=None, message="Rotate authorization server signing keys",
                        debug={"trigger": "AUTO", "alg": alg, "activeKid": new_active.kid,
                               "expiredKid": active.kid if active else None, "nextKid": new_next.kid,
                               "activeKeyPublishedSeconds": published_for})
    elif action.kind == "create_next":
        if _key(server, KeyStatus.NEXT, alg) is None:  # a promotion just made one
            key = signing_key_create(server, KeyStatus.NEXT, now, alg)
            _rollover_event(server, actor=None, message="Publish the next signing key",
                            debug={"trigger": "AUTO", "alg": alg, "nextKid": key.kid})
    elif action.kind == "create_active":
        key = signing_key_create(server, KeyStatus.ACTIVE, now, alg)
        if alg == SigningAlg.RS256:
            server.last_rotated = now
            server.save(update_fields=["last_rotated", "last_updated"])
        _rollover_event(server, actor=None, message="Create a signing key",
                        debug={"trigger": "AUTO", "alg": alg, "activeKid": key.kid})
    elif action.kind == "retire":
        key = by_kid[action.kid]
        key.status, key.expired = KeyStatus.EXPIRED, now
        key.save(update_fields=["status", "expired", "last_updated"])
        _rollover_event(server, actor=None, message="Retire a signing key the server no longer signs with",
                        debug={"trigger": "AUTO", "alg": alg, "retiredKid": key.kid})
    elif action.kind == "remove":
        key = by_kid[action.kid]
        key.delete()
        _rollover_event(server, actor=None, message="Remove an expired signing key",
                        debug={"trigger": "AUTO", "alg": alg, "removedKid": key.kid,
                               "expiredAt": key.expired.isoformat() if key.expired else None})


def signing_keys_maintain_all(*, now: datetime | None = None) -> dict[str, list[str]]:
    """Maintain every server that has due work; returns {server_id: [action kinds]} of what was done.

    Plans without locks first (one query for all servers and keys), then locks only servers with work.
    """
    now = now or timezone.now()
    done = {}
    for server in AuthorizationServer.objects.prefetch_related("signing_keys"):
        if _plan(server, now):
            actions = signing_keys_maintain(server_id=server.pk, now=now)
            if actions:
                done[server.pk] = [action.kind for action in actions]
    return done


# Key-encryption key rotation ---------------------------------------------------------------------

def _reencrypt_model(model, column: str, *, dry_run: bool, batch_size: int) -> dict[str, int]:
    counts = {"total": 0, "reencrypted": 0, "current": 0}
    last_pk = None
    while True:
        with transaction.atomic():
            rows = model.objects.order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            if not dry_run:
                rows = rows.select_for_update()
            batch = list(rows.only("pk", column)[:batch_size])
            if not batch:
                return counts
            last_pk = batch[-1].pk
            stale = [row for row in batch if not crypto.primary_key_can_decrypt(getattr(row, column))]
            counts["total"] += len(batch)
            counts["current"] += len(batch) - len(stale)
            counts["reencrypted"] += len(stale)
            if stale and not dry_run:
                for row in stale:
                    setattr(row, column, crypto.reencrypt(getattr(row, column)))
                # bulk_update sends no signals: the plaintext is unchanged, so caches stay valid.
                model.objects.bulk_update(stale, [column])


def stored_secrets_reencrypt(*, dry_run: bool = False, batch_size: int = 500) -> dict[str, dict[str, int]]:
    """Encrypt every signing private key and client secret again under the first KEK.

    With `CASTELLAN_KEY_ENCRYPTION_KEY=NEW,OLD` every process decrypts both while this runs, so it
    needs no downtime; rows already under NEW are left alone, so running it twice is harmless.
    Afterwards OLD can be dropped from the setting.
    """
    from clients.models import ClientSecret

    return {
        "signingKeys": _reencrypt_model(SigningKey, "encrypted_private_key", dry_run=dry_run,
                                        batch_size=batch_size),
        "clientSecrets": _reencrypt_model(ClientSecret, "encrypted_secret", dry_run=dry_run,
                                          batch_size=batch_size),
    }
