"""Fallback load generator for bench/run.py when wrk is not installed. LOWER FIDELITY.

One thread per connection, each a keep-alive `http.client` connection POSTing the same form in a
closed loop. Python's GIL and http.client's overhead mean it may saturate its own CPU before the
server's, so req/s can be understated and latencies include client-side queueing; ratios within
one run remain comparable. Prints the same `BENCH_RESULT {...}` line as bench/post.lua.

    BENCH_BODY='grant_type=...' BENCH_AUTHORIZATION='Basic ...' \
        python bench/loadgen.py --url http://127.0.0.1:8000/bench/floor --connections 16 --duration 10

Body and Authorization come from the environment, as for post.lua, so the secret is not in argv.
"""

import argparse
import http.client
import json
import os
import threading
import time
from urllib.parse import urlsplit


def run(*, url: str, connections: int, duration: float, body: str, authorization: str) -> dict:
    parts = urlsplit(url)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": authorization}
    payload = body.encode()
    start_gate = threading.Event()
    deadline = [0.0]
    per_thread: list[dict] = []

    def worker(stats: dict) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        start_gate.wait()
        while True:
            began = time.perf_counter()
            if began >= deadline[0]:
                break
            try:
                conn.request("POST", parts.path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                stats["socket_errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            stats["latencies"].append(time.perf_counter() - began)
            if not 200 <= response.status <= 299:
                stats["non_2xx"] += 1
        conn.close()

    threads = []
    for _ in range(connections):
        stats = {"latencies": [], "non_2xx": 0, "socket_errors": 0}
        per_thread.append(stats)
        threads.append(threading.Thread(target=worker, args=(stats,), daemon=True))
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + duration
    start_gate.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    latencies = sorted(lat for stats in per_thread for lat in stats["latencies"])

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1e3

    return {
        "requests": len(latencies),
        "duration_s": elapsed,
        "non_2xx": sum(stats["non_2xx"] for stats in per_thread),
        "socket_errors": sum(stats["socket_errors"] for stats in per_thread),
        "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
        "max_ms": latencies[-1] * 1e3 if latencies else 0.0,
        "mean_ms": sum(latencies) / len(latencies) * 1e3 if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    result = run(url=args.url, connections=args.connections, duration=args.duration,
                 body=os.environ["BENCH_BODY"], authorization=os.environ["BENCH_AUTHORIZATION"])
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
