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

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):  # `python bench/claims.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as base

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
    args = args or base._parse_args()
    os.chdir(base.BASE_DIR)
    if str(base.BASE_DIR) not in sys.path:
        sys.path.insert(0, str(base.BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    report: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "ok": False,
                    "benchmark": "claims"}
    server = None
    try:
        base._load_env()
        report["database"] = base._resolve_database()
        scenario = _prepare()
        report["servers"] = scenario["servers"]
        targets = {str(item["claims"]): f"/oauth2/{item['server_id']}/v1/token" for item in scenario["servers"]}
        authorization = base._basic_authorization(scenario["client_id"], scenario["client_secret"])
        body = urlencode({"grant_type": GRANT, "scope": SCOPE})
        generator = base._generator(args)
        blocking_threads = args.blocking_threads or base._default_blocking_threads()
        report.update(machine=base._machine_info(generator),
                      config=base._run_config(args, generator, blocking_threads, targets))
        base._warn_about_fidelity(generator)

        port = base._free_port()
        server = base._start_server(port, blocking_threads)
        report["checks"] = _check_targets(port, scenario["servers"], authorization, body)

        segments = base._measure(args, generator, server, port, targets, authorization, body,
                                 label=lambda name: f"{name:>2} claims,")
        report["segments"] = segments
        report["summary"] = _summarize(segments, list(targets))
        base._fail_on_load_errors(segments, lambda s: f"{s['target']} claims round {s['round']}")
        report["ok"] = True
    except base.BenchError as exc:
        report["error"] = str(exc)
        base._say(f"!! bench failed: {exc}")
    except KeyboardInterrupt:
        report["error"] = "interrupted"
        base._say("!! interrupted")
    finally:
        if server is not None:
            base._stop_server(server)
    if report.get("summary"):
        _print_table(report)
    path = base._write_results(report, RESULTS_FILE)
    base._say(f"Results written to {path.relative_to(base.BASE_DIR)}")
    return 0 if report["ok"] else 1


# --- scenario (in this process, before the server starts) --------------------------------------

def _prepare() -> dict:
    from django.core.management import CommandError

    from bench.scenario import setup_database

    try:
        setup_database()
        from authservers.services import ServiceError

        try:
            return _prepare_scenario()
        except ServiceError as exc:
            raise base.BenchError(f"setup failed: {exc}") from None
    except CommandError as exc:
        raise base.BenchError(f"setup failed: {exc}") from None
    except SystemExit:
        raise base.BenchError("setup stopped by Castellan's start-up check (message above)") from None


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

def _check_targets(port: int, servers: list[dict], authorization: str, body: str) -> dict:
    """Each server answers 200 with a verifiable JWT carrying exactly its n custom claims."""
    import http.client

    from jwcrypto import jwk, jws
    from jwcrypto.common import JWException, json_decode

    checks = {}
    for item in servers:
        path = f"/oauth2/{item['server_id']}/v1/token"
        conn = http.client.HTTPConnection(base.HOST, port, timeout=30)
        conn.request("GET", f"/oauth2/{item['server_id']}/v1/keys")
        keyset = jwk.JWKSet.from_json(conn.getresponse().read())
        conn.close()
        status, answer = base._post(port, path, authorization, body)
        if status != 200 or "access_token" not in answer:
            raise base.BenchError(f"{item['claims']} claims ({path}) answered {status}: {answer}")
        token = jws.JWS()
        try:
            token.deserialize(answer["access_token"])
            key = keyset.get_key(token.jose_header.get("kid"))
            if key is None:
                raise base.BenchError(f"{item['claims']} claims: token kid is not in the server's /v1/keys")
            token.verify(key)
        except JWException as exc:
            raise base.BenchError(f"{item['claims']} claims: the token does not verify: {exc}") from None
        claims = json_decode(token.payload)
        custom = {name: value for name, value in claims.items() if name.startswith("c") and name[1:].isdigit()}
        if custom != item["sample"]:
            raise base.BenchError(f"{item['claims']} claims: token carries {custom}, expected {item['sample']}")
        checks[str(item["claims"])] = {"status": status, "custom_claims": len(custom),
                                       "token_length": len(answer["access_token"])}
    base._say("checked: both servers answer 200 with a JWT that verifies against its /v1/keys, carrying "
              + ", ".join(f"{c['custom_claims']} custom claims ({c['token_length']} chars)" for c in checks.values()))
    return checks


# --- reporting -----------------------------------------------------------------------------------

def _summarize(segments: list[dict], names: list[str]) -> dict:
    summary = base._target_summaries(segments, names)
    first, last = names[0], names[-1]
    firsts = [s for s in segments if s["target"] == first]
    lasts = [s for s in segments if s["target"] == last]
    summary["ratio"] = summary[last]["rps"] / summary[first]["rps"]
    summary["ratio_per_round"] = [b["rps"] / a["rps"] for a, b in zip(firsts, lasts, strict=False)]
    summary["ratio_per_cpu"] = (summary[last]["rps_per_cpu"] / summary[first]["rps_per_cpu"]
                                if summary[last]["rps_per_cpu"] and summary[first]["rps_per_cpu"] else None)
    summary["contended_segments"] = [f"{s['target']} claims round {s['round']}" for s in segments
                                     if s["server_cpu_pct"] < base.MIN_SERVER_CPU_PCT]
    return summary


def _print_table(report: dict) -> None:
    summary = report["summary"]
    names = list(report["config"]["targets"])
    first, last = names[0], names[-1]
    lines = base._segment_table(report, "claims", names)
    per_round = ", ".join(f"{ratio:.3f}" for ratio in summary["ratio_per_round"])
    lines.append("")
    lines.append(f"{last}/{first} claims = {summary['ratio']:.3f} (throughput loss {1 - summary['ratio']:.1%}; "
                 f"per round: {per_round})")
    if summary["ratio_per_cpu"] is not None:
        lines.append(f"{last}/{first} claims per server CPU-second = {summary['ratio_per_cpu']:.3f} "
                     f"(loss {1 - summary['ratio_per_cpu']:.1%})")
    costs = ", ".join(f"{item['claims']}: {item['evaluate_us']:.1f} us" for item in report["servers"])
    lines.append(f"claim evaluation per token (in the bench process, not under load): {costs}")
    lines += base._table_footer(report)
    base._say("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
