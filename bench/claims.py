"""`make bench BENCH_ARGS=--claims`: token throughput with 20 expression claims against none.

Issue 6 asks for the throughput loss of claims against no claims. The run:

1. `.env` and the database as bench/run.py, migrate, bootstrap; then two servers with Okta's
   Default Policy and the scope `bench:read`: `bench-claims-0` (only the system claims: its
   tokens carry no custom claim) and `bench-claims-20` (20 active RESOURCE expression claims
   over `app.profile`, `app.clientId`, `access.scope` and `org`, using the String, Arrays and
   Convert functions, ternaries and Elvis). Both are reused by later runs. One new client per run,
   with a profile the claims read.
2. In this process: the 20 claims compiled from the snapshot are evaluated once per call for a
   while, giving their cost per token without HTTP.
3. granian as bench/run.py starts it; each server must answer 200 with a JWT that verifies
   against its /v1/keys, the 20-claim one carrying all 20 claims and the other none.
4. Load from CPU 1, alternating 0, 20, 0, 20 (rounds); a table and bench/results/claims.json,
   with the 20/0 throughput ratio (the loss is 1 minus it).

Exits 1 on errors (setup, a failed check, any non-2xx or socket error under load).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/claims.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as base
from bench import variants

CLAIM_COUNTS = (0, 20)
SCOPE = "bench:read"
GRANT = "client_credentials"
SERVER_NAME = "bench-claims-{n}"
CLIENT_LABEL = "bench-claims"
PROFILE = {"team": "payments", "region": "eu-west-1", "tier": "2", "owner": "Ada Lovelace",
           "tags": ["pci", "gold"], "costCenter": "CC-4711"}
# Twenty claims in the shapes admins write: lookups, String/Arrays/Convert calls, ternaries, Elvis.
EXPRESSIONS = (
    "app.profile.team",
    "app.clientId",
    "String.toUpperCase(app.profile.team)",
    "app.profile.region",
    "Convert.toInt(app.profile.tier)",
    "org.subDomain",
    "String.replace(Arrays.toCsvString(access.scope), ',', ' ')",
    "Arrays.contains(access.scope, 'bench:read')",
    "app.profile.owner",
    "String.substringBefore(app.profile.owner, ' ')",
    "app.profile.missing ?: 'none'",
    "Arrays.size(app.profile.tags)",
    "app.profile.tags[0]",
    "String.join('-', app.profile.team, app.profile.region)",
    "app.profile.tier == '2' ? 'gold' : 'standard'",
    "String.len(app.clientId)",
    "String.startsWith(app.profile.costCenter, 'CC-')",
    "String.substringAfter(app.profile.costCenter, '-')",
    "org.name + '/' + app.profile.team",
    "String.toLowerCase(app.profile.region + ':' + app.profile.tier)",
)
RESULTS_FILE = "claims.json"


def main(args=None) -> int:
    return variants.main(VARIANT, args)


# --- scenario (in this process, before the server starts) --------------------------------------

def _prepare_scenario() -> dict:
    from django.db import connections

    from bench.scenario import _flush_system_log
    from clients.services import client_create

    client, secret = client_create(label=CLIENT_LABEL, grant_types=[GRANT], profile=PROFILE)
    servers = []
    for n in CLAIM_COUNTS:
        server = _claims_server(n)
        check = _evaluate_in_process(server, n, client)
        servers.append({"claims": n, "server_id": server.pk, "name": server.name, **check})
        base._say(f"server {server.name} ({server.pk}): {n} custom claims; in-process evaluation of all of "
                  f"them {check['evaluate_us']:.1f} us per token")
    _flush_system_log()
    connections.close_all()
    return {"client_id": client.client_id, "client_secret": secret, "servers": servers}


def _claims_server(n: int):
    """The server with exactly the first n bench claims (reused when it already has them)."""
    from authservers.claim_services import claim_create, claim_delete
    from authservers.models import AuthorizationServer, Scope
    from authservers.services import authserver_create, scope_create

    name = SERVER_NAME.format(n=n)
    server = AuthorizationServer.objects.filter(name=name).order_by("created").first()
    if server is None:
        server = authserver_create(name=name, audiences=[f"api://bench-claims-{n}"], default_policy=True,
                                   description=f"Created by bench/claims.py: {n} expression claims.")
    if not Scope.objects.filter(server=server, name=SCOPE).exists():
        scope_create(server=server, name=SCOPE, description="Created by bench/claims.py")
    wanted = {f"c{i:02d}": EXPRESSIONS[i - 1] for i in range(1, n + 1)}
    for claim in server.claims.filter(system=False):
        if wanted.get(claim.name) != claim.value or claim.claim_type != "RESOURCE" or not claim.is_active:
            claim_delete(claim=claim)
    have = set(server.claims.filter(system=False).values_list("name", flat=True))
    for claim_name, value in wanted.items():
        if claim_name not in have:
            claim_create(server=server, name=claim_name, claim_type="RESOURCE", value=value)
    return server


def _evaluate_in_process(server, n: int, client) -> dict:
    """The snapshot compiles n claims; their evaluation for one token, timed without HTTP."""
    from authservers.oauth.issuance import resource_claims
    from authservers.selectors import _load_server_snapshot
    from clients.selectors import _load_client_snapshot

    snapshot = _load_server_snapshot(server.pk)
    client_snapshot = _load_client_snapshot(client.client_id)
    if len(snapshot.resource_claims) != n:
        raise base.BenchError(f"{server.name}: {len(snapshot.resource_claims)} compiled claims, expected {n}")
    subject, claims = resource_claims(snapshot, client_snapshot, [SCOPE])
    if len(claims) != n or subject != client.client_id:
        raise base.BenchError(f"{server.name}: in-process claims {claims} (sub {subject})")
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < 0.3 or calls < 5:
        resource_claims(snapshot, client_snapshot, [SCOPE])
        calls += 1
    return {"evaluate_us": elapsed / calls * 1e6, "sample": claims}


# --- checks before load --------------------------------------------------------------------------

def _check(port: int, item: dict, authorization: str, body: str) -> dict:
    """The server answers 200 with a verifiable JWT carrying exactly its n custom claims."""
    name = f"{item['claims']} claims"
    status, answer, keyset = variants.request_token(port, item["server_id"], name, authorization, body)
    claims = variants.verified_claims(keyset, answer["access_token"], name)
    custom = {claim: value for claim, value in claims.items() if claim.startswith("c") and claim[1:].isdigit()}
    if custom != item["sample"]:
        raise base.BenchError(f"{item['claims']} claims: token carries {custom}, expected {item['sample']}")
    return {"status": status, "custom_claims": len(custom), "token_length": len(answer["access_token"])}


def _checked(checks: dict) -> str:
    return ("checked: both servers answer 200 with a JWT that verifies against its /v1/keys, carrying "
            + ", ".join(f"{c['custom_claims']} custom claims ({c['token_length']} chars)" for c in checks.values()))


# --- reporting -----------------------------------------------------------------------------------

def _table(report: dict) -> list[str]:
    summary = report["summary"]
    first, last = variants.first_last(report)
    lines = [f"{last}/{first} claims = {summary['ratio']:.3f} (throughput loss {1 - summary['ratio']:.1%}; "
             f"per round: {variants.per_round(summary)})"]
    if summary["ratio_per_cpu"] is not None:
        lines.append(f"{last}/{first} claims per server CPU-second = {summary['ratio_per_cpu']:.3f} "
                     f"(loss {1 - summary['ratio_per_cpu']:.1%})")
    costs = ", ".join(f"{item['claims']}: {item['evaluate_us']:.1f} us" for item in report["servers"])
    lines.append(f"claim evaluation per token (in the bench process, not under load): {costs}")
    return lines


VARIANT = variants.Variant(name="claims", results_file=RESULTS_FILE, scope=SCOPE, grant=GRANT,
                           prepare=_prepare_scenario, check=_check, checked=_checked, table=_table)


if __name__ == "__main__":
    sys.exit(main())
