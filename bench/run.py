"""`make bench`: client_credentials tokens/s and latency against the floor, in one run.

1. `.env`, the database (embedded PostgreSQL unless DATABASE_URL), migrate, bootstrap, the scope
   `bench:read` and a fresh client_credentials client (bench/scenario.py);
2. granian serving config.wsgi as `make run` does (WSGI, 1 worker), pinned to CPU 0, with the
   floor view mounted (`CASTELLAN_BENCH_FLOOR=1`, bench/floor.py);
3. both targets checked once (200, a JWT that verifies against /v1/keys), then load from CPU 1 —
   wrk if installed, else bench/loadgen.py (lower fidelity) — alternating token, floor, token,
   floor, each segment after its own warm-up;
4. a table on stdout and bench/results/latest.json.

Exits 1 on errors (setup, a failed check, any non-2xx or socket error under load); missing the
goal (token >= 90 % of the floor) is reported, not an error.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"
GOAL = 0.90
SERVER_CPU = "0"
LOAD_CPU = "1"
STARTUP_TIMEOUT = 60.0
# Below this share of CPU 0 during a segment, something else ran there and req/s understate the server.
MIN_SERVER_CPU_PCT = 90


class BenchError(Exception):
    """A failure that makes the figures meaningless; run.py reports it and exits 1."""


def main() -> int:
    args = _parse_args()
    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    if args.rules:  # the policy-rules benchmark (bench/rules.py) instead of token vs floor
        from bench.rules import main as rules_main

        return rules_main(args)
    if args.claims:  # the claims benchmark (bench/claims.py): 20 expression claims against none
        from bench.claims import main as claims_main

        return claims_main(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    report: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "ok": False}
    server = None
    try:
        _load_env()
        report["database"] = _resolve_database()
        scenario = _prepare_scenario()
        port = _free_port()
        authorization = _basic_authorization(scenario.client_id, scenario.client_secret)
        body = urlencode({"grant_type": "client_credentials", "scope": scenario.scope})
        targets = {
            "token": f"/oauth2/{scenario.server_id}/v1/token",
            "floor": "/bench/floor",
        }
        generator = _generator(args)
        blocking_threads = args.blocking_threads or _default_blocking_threads()
        report.update(machine=_machine_info(generator),
                      config=_run_config(args, generator, blocking_threads, targets))
        _warn_about_fidelity(generator)

        server = _start_server(port, blocking_threads)
        report["checks"] = _check_targets(port, targets, authorization, body, scenario.server_id)

        segments = _measure(args, generator, server, port, targets, authorization, body,
                            label=lambda name: f"{name:5}")
        report["segments"] = segments
        report["summary"] = _summarize(segments, list(targets))
        _fail_on_load_errors(segments, lambda s: f"{s['target']} round {s['round']}")
        report["ok"] = True
    except BenchError as exc:
        report["error"] = str(exc)
        _say(f"!! bench failed: {exc}")
    except KeyboardInterrupt:
        report["error"] = "interrupted"
        _say("!! interrupted")
    finally:
        if server is not None:
            _stop_server(server)
    if report.get("summary"):
        _print_table(report)
    path = _write_results(report, "latest.json")
    _say(f"Results written to {path.relative_to(BASE_DIR)}")
    return 0 if report["ok"] else 1


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Token endpoint vs floor throughput (see bench/README.md).")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds of unmeasured load before each segment")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per segment")
    parser.add_argument("--rounds", type=int, default=2, help="token/floor pairs, alternated")
    parser.add_argument("--blocking-threads", help="granian --blocking-threads (default: as make run)")
    parser.add_argument("--python-loadgen", action="store_true",
                        help="use bench/loadgen.py even if wrk is installed")
    parser.add_argument("--rules", action="store_true",
                        help="instead: token throughput with 1, 100 and 1,000 policy rules (bench/rules.py)")
    parser.add_argument("--claims", action="store_true",
                        help="instead: token throughput with 20 expression claims against none (bench/claims.py)")
    return parser.parse_args()


def _generator(args: argparse.Namespace) -> str:
    return "wrk" if shutil.which("wrk") and not args.python_loadgen else "python"


def _run_config(args: argparse.Namespace, generator: str, blocking_threads: str, targets: dict) -> dict:
    """The run's settings as the results file records them."""
    return {"connections": args.connections, "warmup_s": args.warmup, "duration_s": args.duration,
            "rounds": args.rounds, "generator": generator, "granian_workers": 1,
            "granian_blocking_threads": int(blocking_threads),
            "system_log_writer": os.environ.get("CASTELLAN_SYSTEM_LOG_WRITER", "batched"),
            "server_cpu": SERVER_CPU if _can_pin() else None,
            "load_cpu": LOAD_CPU if _can_pin() else None, "targets": targets}


def _warn_about_fidelity(generator: str) -> None:
    if generator == "python":
        _say("!! load from bench/loadgen.py (Python threads): LOWER FIDELITY than wrk; "
             "install wrk (apt-get install wrk) for comparable figures.")
    if not _can_pin():
        _say("!! fewer than 2 CPUs (or no taskset): server and load generator share CPUs; "
             "figures are not comparable with pinned runs.")


# --- environment and database -------------------------------------------------------------------

def _load_env() -> None:
    """`.env` as `make run` writes and reads it; variables already set win."""
    try:
        from config.dotenv import ensure_dotenv
    except ImportError:
        pass
    else:
        ensure_dotenv(BASE_DIR)
    import environ

    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _resolve_database() -> str:
    if os.environ.get("DATABASE_URL"):
        return "DATABASE_URL"
    from config.embedded_postgres import database_url

    os.environ["DATABASE_URL"] = database_url(BASE_DIR)
    return "embedded PostgreSQL (.castellan/pgdata)"


def _prepare_scenario():
    from django.core.management import CommandError

    from bench.scenario import prepare

    try:
        return prepare()
    except CommandError as exc:
        raise BenchError(f"setup failed: {exc}") from None
    except SystemExit:  # config.startup printed why (e.g. a key-encryption key that does not match)
        raise BenchError("setup stopped by Castellan's start-up check (message above)") from None


# --- the server under test -----------------------------------------------------------------------

def _default_blocking_threads() -> str:
    """What `make run` uses (config/launcher.py), so the figures describe that deployment."""
    if os.environ.get("GRANIAN_BLOCKING_THREADS"):
        return os.environ["GRANIAN_BLOCKING_THREADS"]
    try:
        from config.launcher import DEFAULT_BLOCKING_THREADS
    except ImportError:
        return str(min(8, 2 * (os.cpu_count() or 1) + 1))
    return DEFAULT_BLOCKING_THREADS


def _can_pin() -> bool:
    return shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) >= 2


def _pinned(cpu: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *argv] if _can_pin() else argv


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _start_server(port: int, blocking_threads: str) -> subprocess.Popen:
    env = {**os.environ, "CASTELLAN_BENCH_FLOOR": "1", "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "HOST": HOST, "PORT": str(port)}
    env.setdefault("CASTELLAN_SYSTEM_LOG_WRITER", "batched")
    env["CASTELLAN_RATE_LIMITS"] = "off"  # the bench measures throughput, far past any per-IP limit
    argv = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", HOST, "--port", str(port),
            "--workers", "1", "--blocking-threads", str(blocking_threads), "--log-level", "warning",
            "--no-access-log"]
    static_root = BASE_DIR / "staticfiles"
    if static_root.is_dir():  # as make run: granian serves /static itself
        argv += ["--static-path-route", "/static", "--static-path-mount", str(static_root)]
    argv += ["config.wsgi:application"]
    server = subprocess.Popen(_pinned(SERVER_CPU, argv), cwd=BASE_DIR, env=env, start_new_session=True)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"granian exited with code {server.returncode} during start-up")
        try:
            with socket.create_connection((HOST, port), 0.5):
                return server
        except OSError:
            time.sleep(0.1)
    _stop_server(server)
    raise BenchError(f"granian did not listen on {HOST}:{port} within {STARTUP_TIMEOUT:.0f}s")


def _stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # granian's worker process, if it outlived the main one
    except (ProcessLookupError, PermissionError):
        pass
    server.wait()


def _session_cpu_seconds(session_id: int) -> float:
    """User + system CPU time of every process in the server's session (granian main and worker)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session_id:  # fields after "(comm)": state ppid pgrp session ... utime stime
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- checks before load --------------------------------------------------------------------------

def _basic_authorization(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: Basic base64(urlencode(id):urlencode(secret))."""
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _post(port: int, path: str, authorization: str, body: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"Authorization": authorization,
                                                       "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, {"raw": raw[:200].decode("utf-8", "replace")}


def _check_targets(port: int, targets: dict, authorization: str, body: str, server_id: str) -> dict:
    """Each target answers 200 with a JWT signed by a key the server publishes, with the same claims."""
    from jwcrypto import jwk, jws
    from jwcrypto.common import JWException, json_decode

    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", f"/oauth2/{server_id}/v1/keys")
    keyset = jwk.JWKSet.from_json(conn.getresponse().read())
    conn.close()
    checks = {}
    for name, path in targets.items():
        status, answer = _post(port, path, authorization, body)
        if status != 200 or "access_token" not in answer:
            raise BenchError(f"{name} ({path}) answered {status}: {answer}")
        token = jws.JWS()
        try:
            token.deserialize(answer["access_token"])
            header = token.jose_header
            key = keyset.get_key(header.get("kid"))
            if key is None:
                raise BenchError(f"{name}: token kid {header.get('kid')!r} is not in /v1/keys")
            token.verify(key)
        except JWException as exc:
            raise BenchError(f"{name}: the access token does not verify against /v1/keys: {exc}") from None
        claims = json_decode(token.payload)
        checks[name] = {"status": status, "response_fields": sorted(answer), "kid": header["kid"],
                        "typ": header.get("typ"), "claims": sorted(claims),
                        "token_length": len(answer["access_token"])}
    token, floor = checks["token"], checks["floor"]
    if (token["response_fields"], token["kid"], token["claims"]) != (floor["response_fields"], floor["kid"],
                                                                      floor["claims"]):
        raise BenchError(f"the floor's answer differs in shape from the token endpoint's: {checks}")
    _say(f"checked: both targets answer 200 with an RS256 JWT (kid {token['kid']}, "
         f"{token['token_length']} vs {floor['token_length']} chars) that verifies against /v1/keys")
    return checks


# --- load ----------------------------------------------------------------------------------------

def _load(generator: str, url: str, authorization: str, body: str, connections: int, seconds: float) -> dict:
    env = {**os.environ, "BENCH_AUTHORIZATION": authorization, "BENCH_BODY": body}
    if generator == "wrk":
        duration = f"{max(1, round(seconds))}s"
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration}", "--timeout", "5s", "--latency",
                "-s", str(BENCH_DIR / "post.lua"), url]
    else:
        argv = [sys.executable, str(BENCH_DIR / "loadgen.py"), "--url", url,
                "--connections", str(connections), "--duration", str(seconds)]
    done = subprocess.run(_pinned(LOAD_CPU, argv), check=False, env=env, capture_output=True, text=True,
                          timeout=seconds + 60)
    match = re.search(r"^BENCH_RESULT (\{.*\})$", done.stdout, flags=re.MULTILINE)
    if done.returncode != 0 or match is None:
        output = done.stderr.strip() or done.stdout.strip()
        raise BenchError(f"{argv[0]} failed (exit {done.returncode}): {output}")
    return json.loads(match.group(1))


def _measure(args: argparse.Namespace, generator: str, server: subprocess.Popen, port: int, targets: dict,
             authorization: str, body: str, label) -> list[dict]:
    """`args.rounds` rounds over the targets, in order; each segment after its own warm-up.

    `label(name)` names a target in the progress lines.
    """
    base_url = f"http://{HOST}:{port}"
    segments = []
    for round_no in range(1, args.rounds + 1):
        for name, path in targets.items():
            _say(f"round {round_no}/{args.rounds}: {label(name)} warm-up {args.warmup:g}s, "
                 f"measure {args.duration:g}s ...")
            _load(generator, base_url + path, authorization, body, args.connections, args.warmup)
            cpu_before = _session_cpu_seconds(server.pid)
            result = _load(generator, base_url + path, authorization, body, args.connections,
                           args.duration)
            cpu_used = _session_cpu_seconds(server.pid) - cpu_before
            result.update(target=name, round=round_no, rps=result["requests"] / result["duration_s"],
                          server_cpu_s=cpu_used, server_cpu_pct=100.0 * cpu_used / result["duration_s"],
                          rps_per_cpu=result["requests"] / cpu_used if cpu_used else None)
            segments.append(result)
    return segments


def _fail_on_load_errors(segments: list[dict], describe) -> None:
    """BenchError if any segment saw a non-2xx answer or a socket error; `describe(segment)` names it."""
    failures = [s for s in segments if s["non_2xx"] or s["socket_errors"]]
    if failures:
        raise BenchError("non-2xx answers or socket errors under load: " + ", ".join(
            f"{describe(s)}: {s['non_2xx']} non-2xx, "
            f"{s['socket_errors']} socket errors" for s in failures))


# --- reporting -----------------------------------------------------------------------------------

def _target_summaries(segments: list[dict], names: list[str]) -> dict:
    """Per target: req/s over all its measured seconds; p50/p99 as the mean of its segments.

    `rps_per_cpu` (requests per CPU-second of the server) is the cost per request; unlike req/s it
    holds up when another process takes part of CPU 0, which `contended` flags.
    """
    summary = {}
    for name in names:
        mine = [s for s in segments if s["target"] == name]
        cpu_seconds = sum(s["server_cpu_s"] for s in mine)
        summary[name] = {
            "rps": sum(s["requests"] for s in mine) / sum(s["duration_s"] for s in mine),
            "p50_ms": sum(s["p50_ms"] for s in mine) / len(mine),
            "p99_ms": sum(s["p99_ms"] for s in mine) / len(mine),
            "server_cpu_pct": sum(s["server_cpu_pct"] for s in mine) / len(mine),
            "rps_per_cpu": sum(s["requests"] for s in mine) / cpu_seconds if cpu_seconds else None,
            "requests": sum(s["requests"] for s in mine),
        }
    return summary


def _summarize(segments: list[dict], names: list[str]) -> dict:
    """The per-target figures (`_target_summaries`) and token/floor, per round and per CPU-second."""
    summary = _target_summaries(segments, names)
    token_rounds = [s for s in segments if s["target"] == "token"]
    floor_rounds = [s for s in segments if s["target"] == "floor"]
    token, floor = summary["token"], summary["floor"]
    summary["ratio"] = token["rps"] / floor["rps"]
    summary["ratio_per_round"] = [t["rps"] / f["rps"] for t, f in zip(token_rounds, floor_rounds, strict=False)]
    summary["ratio_per_cpu"] = (token["rps_per_cpu"] / floor["rps_per_cpu"]
                                if token["rps_per_cpu"] and floor["rps_per_cpu"] else None)
    summary["contended_segments"] = [f"{s['target']} {s['round']}" for s in segments
                                     if s["server_cpu_pct"] < MIN_SERVER_CPU_PCT]
    summary["goal"] = GOAL
    summary["goal_met"] = summary["ratio"] >= GOAL
    return summary


def _print_table(report: dict) -> None:
    summary = report["summary"]
    lines = _segment_table(report, "target", ("token", "floor"))
    per_round = ", ".join(f"{ratio:.3f}" for ratio in summary["ratio_per_round"])
    verdict = "goal met" if summary["goal_met"] else "BELOW GOAL"
    lines.append("")
    lines.append(f"token/floor = {summary['ratio']:.3f} (goal >= {GOAL:.2f}: {verdict}; "
                 f"per round: {per_round})")
    if summary["ratio_per_cpu"] is not None:
        lines.append(f"token/floor per server CPU-second = {summary['ratio_per_cpu']:.3f}")
    lines += _table_footer(report)
    _say("\n".join(lines))


def _segment_table(report: dict, first_column: str, names) -> list[str]:
    """The table's opening lines: a row per segment, a rule, then a row per target over all its segments."""
    header = (f"{first_column:8} {'round':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'server CPU':>10} {'req/CPU-s':>9}")
    lines = ["", header]
    lines += [_row(s["target"], s["round"], s) for s in report["segments"]]
    lines.append("-" * 63)
    lines += [_row(name, "all", report["summary"][name]) for name in names]
    return lines


def _table_footer(report: dict) -> list[str]:
    """The table's closing lines: a warning if another process took the server's CPU, then the setup."""
    summary, lines = report["summary"], []
    if summary["contended_segments"]:
        lines.append(f"!! the server had less than {MIN_SERVER_CPU_PCT}% of its CPU in "
                     f"{', '.join(summary['contended_segments'])}: another process competed for it, so req/s "
                     "and their ratio are unreliable; trust the per-CPU-second ratio or rerun on a quiet "
                     "machine.")
    config, machine = report["config"], report["machine"]
    lines.append(f"{config['generator']}, {config['connections']} connections, "
                 f"server on CPU {config['server_cpu']} / load on CPU {config['load_cpu']}, "
                 f"{machine['nproc']} CPUs, Python {machine['python']}, granian {machine['granian']}")
    return lines


def _row(target: str, round_no, s: dict) -> str:
    per_cpu = f"{s['rps_per_cpu']:>9.0f}" if s["rps_per_cpu"] else f"{'-':>9}"
    return (f"{target:8} {round_no:>5} {s['rps']:>9.0f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} "
            f"{s['server_cpu_pct']:>9.0f}% {per_cpu}")


def _machine_info(generator: str) -> dict:
    info = {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "granian": _version("granian"),
        "django": _version("django"),
        "load_generator": (_wrk_version() if generator == "wrk"
                           else "bench/loadgen.py (Python, lower fidelity)"),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain")),
    }
    return info


def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    match = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else None


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], check=False, capture_output=True, text=True)
    return (done.stdout or done.stderr).splitlines()[0].strip() if (done.stdout or done.stderr) else "wrk"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], check=False, cwd=BASE_DIR, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _write_results(report: dict, filename: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / filename
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def _say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
