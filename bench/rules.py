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

import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/rules.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as base
from bench import variants

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
    return variants.main(VARIANT, args)


# --- scenario (in this process, before the server starts) --------------------------------------

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

def _check(port: int, item: dict, authorization: str, body: str) -> dict:
    """The server answers 200, expires_in 1800, a JWT with exp - iat 1800 that verifies against its keys."""
    name = f"{item['rules']} rules"
    status, answer, keyset = variants.request_token(port, item["server_id"], name, authorization, body)
    if answer.get("expires_in") != MATCH_MINUTES * 60:
        raise base.BenchError(f"{item['rules']} rules: expires_in {answer.get('expires_in')}, expected "
                              f"{MATCH_MINUTES * 60}: rule {item['rules']} did not decide")
    claims = variants.verified_claims(keyset, answer["access_token"], name)
    if claims["exp"] - claims["iat"] != MATCH_MINUTES * 60 or claims.get("scp") != [SCOPE]:
        raise base.BenchError(f"{item['rules']} rules: unexpected claims {claims}")
    return {"status": status, "expires_in": answer["expires_in"], "exp_minus_iat": claims["exp"] - claims["iat"],
            "scope": answer.get("scope"), "token_length": len(answer["access_token"])}


def _checked(checks: dict) -> str:
    return (f"checked: every server answers 200 with expires_in {MATCH_MINUTES * 60} "
            f"(rule N decided) and a JWT that verifies against its /v1/keys")


# --- reporting -----------------------------------------------------------------------------------

def _table(report: dict) -> list[str]:
    summary = report["summary"]
    first, last = variants.first_last(report)
    verdict = "goal met" if summary["goal_met"] else "BELOW GOAL"
    lines = [f"{last}/{first} rules = {summary['ratio']:.3f} (goal >= {base.GOAL:.2f}: {verdict}; "
             f"per round: {variants.per_round(summary)})"]
    others = ", ".join(f"{key} = {value:.3f}" for key, value in summary["ratios"].items() if key != f"{last}/{first}")
    if others:
        lines.append(others)
    if summary["ratio_per_cpu"] is not None:
        lines.append(f"{last}/{first} rules per server CPU-second = {summary['ratio_per_cpu']:.3f}")
    walks = ", ".join(f"{item['rules']}: {item['cold_walk_us']:.1f} us" for item in report["servers"])
    lines.append(f"one unmemoised policy walk (in the bench process, not under load): {walks}")
    return lines


VARIANT = variants.Variant(name="rules", results_file=RESULTS_FILE, scope=SCOPE, grant=GRANT,
                           prepare=_prepare_scenario, check=_check, checked=_checked, table=_table,
                           ratios=True, goal=base.GOAL)


if __name__ == "__main__":
    sys.exit(main())
