"""The driver bench/rules.py and bench/claims.py share: one token endpoint per server, N against N.

A variant names its servers by a count (rules, claims) and supplies only what is its own: how the
servers are prepared, how one server is checked before load, and the lines its table ends with.
The rest is common: `.env` and the database as bench/run.py, granian, the checks, alternating
measured segments, the summary (last/first ratio, per round and per CPU-second), the table and
bench/results/<variant>.json.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from bench import run as base


@dataclass(frozen=True)
class Variant:
    """What differs between the count benchmarks; `name` is also the servers' count key ("rules")."""

    name: str  # report["benchmark"], each server's count key, the table's first column, "<n> rules"
    results_file: str  # under bench/results/
    scope: str
    grant: str
    # In this process, after migrate/bootstrap: {"client_id", "client_secret", "servers": [...]}, each
    # server a dict with its count under `name` and its `server_id`.
    prepare: Callable[[], dict]
    # One server before load: check(port, server, authorization, body) -> its entry in report["checks"].
    check: Callable[[int, dict, str, str], dict]
    checked: Callable[[dict], str]  # the line said once every server passed
    table: Callable[[dict], list[str]]  # the lines after the segment table's blank line
    ratios: bool = False  # also summary["ratios"]: every count against the first
    goal: float | None = None  # summary["goal"] and ["goal_met"] (ratio >= goal)


def main(variant: Variant, args=None) -> int:
    args = args or base._parse_args()
    os.chdir(base.BASE_DIR)
    if str(base.BASE_DIR) not in sys.path:
        sys.path.insert(0, str(base.BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    report: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "ok": False,
                    "benchmark": variant.name}
    server = None
    try:
        base._load_env()
        report["database"] = base._resolve_database()
        scenario = _prepare(variant.prepare)
        report["servers"] = scenario["servers"]
        targets = {str(item[variant.name]): f"/oauth2/{item['server_id']}/v1/token"
                   for item in scenario["servers"]}
        authorization = base._basic_authorization(scenario["client_id"], scenario["client_secret"])
        body = urlencode({"grant_type": variant.grant, "scope": variant.scope})
        generator = base._generator(args)
        blocking_threads = args.blocking_threads or base._default_blocking_threads()
        report.update(machine=base._machine_info(generator),
                      config=base._run_config(args, generator, blocking_threads, targets))
        base._warn_about_fidelity(generator)

        port = base._free_port()
        server = base._start_server(port, blocking_threads)
        checks = {str(item[variant.name]): variant.check(port, item, authorization, body)
                  for item in scenario["servers"]}
        base._say(variant.checked(checks))
        report["checks"] = checks

        width = max(len(name) for name in targets)
        segments = base._measure(args, generator, server, port, targets, authorization, body,
                                 label=lambda name: f"{name:>{width}} {variant.name},")
        report["segments"] = segments
        report["summary"] = _summarize(variant, segments, list(targets))
        base._fail_on_load_errors(segments, lambda s: _segment_name(variant, s))
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
        _print_table(variant, report)
    path = base._write_results(report, variant.results_file)
    base._say(f"Results written to {path.relative_to(base.BASE_DIR)}")
    return 0 if report["ok"] else 1


# --- scenario (in this process, before the server starts) --------------------------------------

def _prepare(prepare_scenario: Callable[[], dict]) -> dict:
    from django.core.management import CommandError

    from bench.scenario import setup_database

    try:
        setup_database()
        from authservers.services import ServiceError

        try:
            return prepare_scenario()
        except ServiceError as exc:
            raise base.BenchError(f"setup failed: {exc}") from None
    except CommandError as exc:
        raise base.BenchError(f"setup failed: {exc}") from None
    except SystemExit:  # config.startup printed why (e.g. a key-encryption key that does not match)
        raise base.BenchError("setup stopped by Castellan's start-up check (message above)") from None


# --- checks before load (helpers for a variant's `check`) ---------------------------------------

def request_token(port: int, server_id: str, name: str, authorization: str, body: str):
    """The server's /v1/keys, then one token request that must answer 200 with an access token.

    Returns (status, answer, keyset); `name` ("20 claims") prefixes the error.
    """
    import http.client

    from jwcrypto import jwk

    path = f"/oauth2/{server_id}/v1/token"
    conn = http.client.HTTPConnection(base.HOST, port, timeout=30)
    conn.request("GET", f"/oauth2/{server_id}/v1/keys")
    keyset = jwk.JWKSet.from_json(conn.getresponse().read())
    conn.close()
    status, answer = base._post(port, path, authorization, body)
    if status != 200 or "access_token" not in answer:
        raise base.BenchError(f"{name} ({path}) answered {status}: {answer}")
    return status, answer, keyset


def verified_claims(keyset, access_token: str, name: str) -> dict:
    """The token's payload, once its signature verifies against a key of `keyset`."""
    from jwcrypto import jws
    from jwcrypto.common import JWException, json_decode

    token = jws.JWS()
    try:
        token.deserialize(access_token)
        key = keyset.get_key(token.jose_header.get("kid"))
        if key is None:
            raise base.BenchError(f"{name}: token kid is not in the server's /v1/keys")
        token.verify(key)
    except JWException as exc:
        raise base.BenchError(f"{name}: the token does not verify: {exc}") from None
    return json_decode(token.payload)


# --- reporting -----------------------------------------------------------------------------------

def _segment_name(variant: Variant, segment: dict) -> str:
    return f"{segment['target']} {variant.name} round {segment['round']}"


def _summarize(variant: Variant, segments: list[dict], names: list[str]) -> dict:
    summary = base._target_summaries(segments, names)
    first, last = names[0], names[-1]
    firsts = [s for s in segments if s["target"] == first]
    lasts = [s for s in segments if s["target"] == last]
    if variant.ratios:
        summary["ratios"] = {
            f"{name}/{first}": summary[name]["rps"] / summary[first]["rps"] for name in names[1:]}
    summary["ratio"] = summary[last]["rps"] / summary[first]["rps"]
    summary["ratio_per_round"] = [b["rps"] / a["rps"] for a, b in zip(firsts, lasts, strict=False)]
    summary["ratio_per_cpu"] = (summary[last]["rps_per_cpu"] / summary[first]["rps_per_cpu"]
                                if summary[last]["rps_per_cpu"] and summary[first]["rps_per_cpu"] else None)
    summary["contended_segments"] = [_segment_name(variant, s) for s in segments
                                     if s["server_cpu_pct"] < base.MIN_SERVER_CPU_PCT]
    if variant.goal is not None:
        summary["goal"] = variant.goal
        summary["goal_met"] = summary["ratio"] >= variant.goal
    return summary


def _print_table(variant: Variant, report: dict) -> None:
    lines = base._segment_table(report, variant.name, list(report["config"]["targets"]))
    lines.append("")
    lines += variant.table(report)
    lines += base._table_footer(report)
    base._say("\n".join(lines))


def first_last(report: dict) -> tuple[str, str]:
    """The first and last target names (the counts compared), for a variant's table lines."""
    names = list(report["config"]["targets"])
    return names[0], names[-1]


def per_round(summary: dict) -> str:
    return ", ".join(f"{ratio:.3f}" for ratio in summary["ratio_per_round"])
