"""`make bench BENCH_ARGS=--rules`: token throughput with 1, 100 and 1,000 policy rules, the last one matching.

Issue 3 ("Fast"): a server's compiled policies are cached per process, so throughput must not fall
by more than 10 % from 1 to 1,000 rules. The run:

1. `.env` and the database as bench/run.py (embedded PostgreSQL unless DATABASE_URL), migrate,
   bootstrap; then one authorization server per N, named `bench-rules-<N>`, with no default policy,
   the scope `bench:read` and one policy (all clients) holding N rules. Rules 1..N-1 each fail the
   benchmark request on one condition (scopes, grant type, people, or inactive); rule N matches it
   and is the only one with a 30-minute access token. The rules are written with one
   `bulk_create` and the caches told with one change-feed NOTIFY; servers whose layout is already
   right are reused, so repeated runs do not pile up 1,000-rule servers. One new client per run.
2. In this process, each server's compiled policies are evaluated once without the memo: the
   decision must be rule N with N-1 rules passed over; its cost per walk is recorded.
3. granian as bench/run.py starts it, pinned to CPU 0; each server's token endpoint must answer 200
   with `expires_in` 1800 and a JWT with `exp - iat` 1800 that verifies against its /v1/keys.
4. Load from CPU 1 (wrk, else bench/loadgen.py), alternating 1, 100, 1000, 1, 100, 1000 (rounds),
   each segment after its own warm-up; a table and bench/results/rules.json.

Exits 1 on errors (setup, a failed check, any non-2xx or socket error under load); missing the
goal (N=1000 >= 90 % of N=1) is reported, not an error.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):  # `python bench/rules.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as base

RULE_COUNTS = (1, 100, 1000)
SCOPE = "bench:read"
GRANT = "client_credentials"
SERVER_NAME = "bench-rules-{n}"
POLICY_NAME = "bench rules"
LAYOUT = "bench/rules.py layout 1: {n} rules, only the last matches the benchmark request"
CLIENT_LABEL = "bench-rules"
MATCH_MINUTES = 30  # only the matching rule has it: expires_in 1800 proves rule N decided
OTHER_MINUTES = 60
# How rules 1..N-1 miss the request, in turn: most fail on scopes (the last condition checked, so
# the costliest miss), the others on grant type, people (a real group, not EVERYONE) or status.
MISS_CYCLE = ("scopes", "grant_type", "scopes", "people", "scopes", "inactive")
RESULTS_FILE = "rules.json"


def main(args=None) -> int:
    args = args or base._parse_args()
    os.chdir(base.BASE_DIR)
    if str(base.BASE_DIR) not in sys.path:
        sys.path.insert(0, str(base.BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    report: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "ok": False,
                    "benchmark": "rules"}
    server = None
    try:
        base._load_env()
        report["database"] = base._resolve_database()
        scenario = _prepare()
        report["servers"] = scenario["servers"]
        targets = {str(item["rules"]): f"/oauth2/{item['server_id']}/v1/token" for item in scenario["servers"]}
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
                                 label=lambda name: f"{name:>4} rules,")
        report["segments"] = segments
        report["summary"] = _summarize(segments, list(targets))
        base._fail_on_load_errors(segments, lambda s: f"{s['target']} rules round {s['round']}")
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
    except SystemExit:  # config.startup printed why (e.g. a key-encryption key that does not match)
        raise base.BenchError("setup stopped by Castellan's start-up check (message above)") from None


def _prepare_scenario() -> dict:
    from django.db import connections

    from bench.scenario import _flush_system_log
    from clients.services import client_create

    client, secret = client_create(label=CLIENT_LABEL, grant_types=[GRANT])
    servers = []
    for n in RULE_COUNTS:
        started = time.perf_counter()
        server, built = _rules_server(n)
        setup_s = time.perf_counter() - started
        check = _evaluate_in_process(server, n, client.client_id)
        servers.append({"rules": n, "server_id": server.pk, "name": server.name, "built": built,
                        "setup_s": round(setup_s, 3), **check})
        base._say(f"server {server.name} ({server.pk}): {n} rules, "
                  f"{'built' if built else 'reused'} in {setup_s:.2f}s; in-process check: rule {n} decides "
                  f"after {n - 1} misses {check['misses']}; one unmemoised walk "
                  f"{check['cold_walk_us']:.1f} us")
    _flush_system_log()
    connections.close_all()
    return {"client_id": client.client_id, "client_secret": secret, "servers": servers}


def _rules_server(n: int):
    """The server for N rules, reused when its layout is right, else (re)built. Returns (server, built)."""
    from django.db import transaction

    from authservers import changefeed
    from authservers.models import AuthorizationServer, Scope
    from authservers.services import authserver_create, scope_create
    from policies.models import AccessPolicy, PolicyRule

    name = SERVER_NAME.format(n=n)
    server = AuthorizationServer.objects.filter(name=name).order_by("created").first()
    if server is None:
        server = authserver_create(name=name, audiences=[f"api://bench-rules-{n}"],
                                   description=f"Created by bench/rules.py: {n} rules, the last matches.",
                                   default_policy=False)
    if not Scope.objects.filter(server=server, name=SCOPE).exists():
        scope_create(server=server, name=SCOPE, description="Created by bench/rules.py")
    if _layout_is_right(server, n):
        return server, False
    rules = _rule_rows(n)
    with transaction.atomic():
        AuthorizationServer.objects.select_for_update().get(pk=server.pk)  # as the services lock it
        AccessPolicy.objects.filter(server=server).delete()
        policy = AccessPolicy.objects.create(server=server, name=POLICY_NAME, description=LAYOUT.format(n=n),
                                             clients=["ALL_CLIENTS"], priority=1)
        for rule in rules:
            rule.policy = policy
        PolicyRule.objects.bulk_create(rules, batch_size=500)
        # bulk_create sends no post_save, so no NOTIFY: one for the whole server, delivered on commit.
        changefeed.publish("server", server.pk)
    return server, True


def _layout_is_right(server, n: int) -> bool:
    from policies.models import AccessPolicy, PolicyRule

    policies = list(AccessPolicy.objects.filter(server=server))
    if len(policies) != 1 or policies[0].description != LAYOUT.format(n=n) or not policies[0].is_active:
        return False
    expected = [(rule.priority, rule.status, sorted(rule.grant_types), sorted(rule.scopes),
                 sorted(rule.groups_include), rule.access_token_lifetime_minutes) for rule in _rule_rows(n)]
    actual = [(rule.priority, rule.status, sorted(rule.grant_types), sorted(rule.scopes),
               sorted(rule.groups_include), rule.access_token_lifetime_minutes)
              for rule in PolicyRule.objects.filter(policy=policies[0]).order_by("priority")]
    return actual == expected


def _rule_rows(n: int) -> list:
    """N unsaved rules with priorities 1..N, each valid by the services' own checks."""
    from accounts.services import everyone_group
    from policies.models import EVERYONE, PolicyRule, Status
    from policies.services import RULE_GRANT_TYPES
    from policies.validation import rule_problems

    group_id = everyone_group().pk  # a real group: a client-credentials request has no user to be in it
    rows = []
    for priority in range(1, n + 1):
        fields = {"grant_types": [GRANT], "scopes": [SCOPE], "groups_include": [EVERYONE],
                  "status": Status.ACTIVE, "access_token_lifetime_minutes": OTHER_MINUTES}
        if priority == n:
            fields.update(name="bench match", access_token_lifetime_minutes=MATCH_MINUTES)
        else:
            miss = MISS_CYCLE[(priority - 1) % len(MISS_CYCLE)]
            fields["name"] = f"bench miss {priority} ({miss})"
            if miss == "scopes":
                fields["scopes"] = [f"bench:never:{priority}"]
            elif miss == "grant_type":
                fields["grant_types"] = ["authorization_code", "password"]
            elif miss == "people":
                fields["groups_include"] = [group_id]
            else:  # an inactive copy of the matching rule
                fields["status"] = Status.INACTIVE
        problems = rule_problems(name=fields["name"], priority=priority, grant_types=fields["grant_types"],
                                 scopes=fields["scopes"], groups_include=fields["groups_include"],
                                 users_include=[], access_minutes=fields["access_token_lifetime_minutes"],
                                 refresh_minutes=0, window_minutes=10080, known_grant_types=RULE_GRANT_TYPES)
        if problems:
            raise base.BenchError(f"bench rule {priority} is invalid: {problems}")
        rows.append(PolicyRule(priority=priority, refresh_token_lifetime_minutes=0,
                               refresh_token_window_minutes=10080, **fields))
    return rows


def _evaluate_in_process(server, n: int, client_id: str) -> dict:
    """Rule N decides after N-1 misses, and what one walk costs without the memo (the cold path)."""
    from collections import Counter

    from policies.evaluation import Decision, RequestContext, evaluate
    from policies.models import AccessPolicy
    from policies.selectors import compile_policies

    compiled = compile_policies(AccessPolicy.objects.filter(server=server).prefetch_related("rules"))
    context = RequestContext(client_id=client_id, grant_type=GRANT, scopes=(SCOPE,))
    decision = evaluate(compiled.policies, context)
    if not isinstance(decision, Decision):
        raise base.BenchError(f"{server.name}: the request is denied in-process: {decision.reason}")
    rules = decision.trace[-1]["rules"]
    misses = Counter(item["failed"] for item in rules if item["outcome"] == "no_match")
    last = compiled.policies[0].rules[-1]
    if decision.rule_id != last.id or last.priority != n or sum(misses.values()) != n - 1 or \
            decision.access_token_lifetime != MATCH_MINUTES * 60:
        raise base.BenchError(f"{server.name}: expected rule {n} to decide after {n - 1} misses, got rule "
                              f"{decision.rule_name!r} after {dict(misses)}")
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < 0.2 or calls < 5:
        evaluate(compiled.policies, context)
        calls += 1
    return {"rule_id": decision.rule_id, "misses": dict(sorted(misses.items())),
            "cold_walk_us": elapsed / calls * 1e6}


# --- checks before load --------------------------------------------------------------------------

def _check_targets(port: int, servers: list[dict], authorization: str, body: str) -> dict:
    """Each server answers 200, expires_in 1800, a JWT with exp - iat 1800 that verifies against its keys."""
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
            raise base.BenchError(f"{item['rules']} rules ({path}) answered {status}: {answer}")
        if answer.get("expires_in") != MATCH_MINUTES * 60:
            raise base.BenchError(f"{item['rules']} rules: expires_in {answer.get('expires_in')}, expected "
                                  f"{MATCH_MINUTES * 60}: rule {item['rules']} did not decide")
        token = jws.JWS()
        try:
            token.deserialize(answer["access_token"])
            key = keyset.get_key(token.jose_header.get("kid"))
            if key is None:
                raise base.BenchError(f"{item['rules']} rules: token kid is not in the server's /v1/keys")
            token.verify(key)
        except JWException as exc:
            raise base.BenchError(f"{item['rules']} rules: the token does not verify: {exc}") from None
        claims = json_decode(token.payload)
        if claims["exp"] - claims["iat"] != MATCH_MINUTES * 60 or claims.get("scp") != [SCOPE]:
            raise base.BenchError(f"{item['rules']} rules: unexpected claims {claims}")
        checks[str(item["rules"])] = {"status": status, "expires_in": answer["expires_in"],
                                      "exp_minus_iat": claims["exp"] - claims["iat"],
                                      "scope": answer.get("scope"), "token_length": len(answer["access_token"])}
    base._say(f"checked: every server answers 200 with expires_in {MATCH_MINUTES * 60} "
              f"(rule N decided) and a JWT that verifies against its /v1/keys")
    return checks


# --- reporting -----------------------------------------------------------------------------------

def _summarize(segments: list[dict], names: list[str]) -> dict:
    summary = base._target_summaries(segments, names)
    first, last = names[0], names[-1]
    firsts = [s for s in segments if s["target"] == first]
    lasts = [s for s in segments if s["target"] == last]
    summary["ratios"] = {
        f"{name}/{first}": summary[name]["rps"] / summary[first]["rps"] for name in names[1:]}
    summary["ratio"] = summary[last]["rps"] / summary[first]["rps"]
    summary["ratio_per_round"] = [b["rps"] / a["rps"] for a, b in zip(firsts, lasts, strict=False)]
    summary["ratio_per_cpu"] = (summary[last]["rps_per_cpu"] / summary[first]["rps_per_cpu"]
                                if summary[last]["rps_per_cpu"] and summary[first]["rps_per_cpu"] else None)
    summary["contended_segments"] = [f"{s['target']} rules round {s['round']}" for s in segments
                                     if s["server_cpu_pct"] < base.MIN_SERVER_CPU_PCT]
    summary["goal"] = base.GOAL
    summary["goal_met"] = summary["ratio"] >= base.GOAL
    return summary


def _print_table(report: dict) -> None:
    summary = report["summary"]
    names = list(report["config"]["targets"])
    first, last = names[0], names[-1]
    lines = base._segment_table(report, "rules", names)
    per_round = ", ".join(f"{ratio:.3f}" for ratio in summary["ratio_per_round"])
    verdict = "goal met" if summary["goal_met"] else "BELOW GOAL"
    lines.append("")
    lines.append(f"{last}/{first} rules = {summary['ratio']:.3f} (goal >= {base.GOAL:.2f}: {verdict}; "
                 f"per round: {per_round})")
    others = ", ".join(f"{key} = {value:.3f}" for key, value in summary["ratios"].items() if key != f"{last}/{first}")
    if others:
        lines.append(others)
    if summary["ratio_per_cpu"] is not None:
        lines.append(f"{last}/{first} rules per server CPU-second = {summary['ratio_per_cpu']:.3f}")
    walks = ", ".join(f"{item['rules']}: {item['cold_walk_us']:.1f} us" for item in report["servers"])
    lines.append(f"one unmemoised policy walk (in the bench process, not under load): {walks}")
    lines += base._table_footer(report)
    base._say("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
