"""The API under load: N concurrent clients against a local `visa-rules serve` for S seconds.

Each client posts worked cases to `/v1/decide` in a loop. Printed: requests, errors (any answer
but 200, or no answer), p50 and p95 latency, throughput, against the baseline of the same
decisions made in-process (no HTTP) in the same run; the CPU seconds of the server (a child,
counted once it has exited) and of the clients. Then responsiveness: a slow what-if is sent and,
while it runs, a plain decide; its latency is printed against an idle decide.

Run: python bench/bench_serve.py [--clients 50] [--seconds 30] [--workers 1]
"""

from __future__ import annotations

import argparse
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time

import httpx
from timing import ROOT, case_files

from visarules.dsl import load_policy
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import decide


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "visarules", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def load(url: str, bodies: list[bytes], clients: int, seconds: float) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        nonlocal errors
        mine, bad = [], 0
        with httpx.Client(timeout=120) as http:
            i = k
            while time.monotonic() < stop:
                body = bodies[i % len(bodies)]
                i += clients
                t = time.perf_counter()
                try:
                    ok = http.post(url + "/v1/decide", content=body).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - t)
                bad += not ok
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, len(latencies)


def responsiveness(url: str, slow: bytes, quick: bytes, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """(what-if latencies, decide latencies while each ran, idle decide latencies)."""
    slow_times, during, idle = [], [], []
    with httpx.Client(timeout=300) as http:
        for _ in range(rounds):
            t = time.perf_counter()
            http.post(url + "/v1/decide", content=quick)
            idle.append(time.perf_counter() - t)
            result: dict = {}

            def run_slow(result: dict = result) -> None:
                start = time.perf_counter()
                with httpx.Client(timeout=300) as other:
                    result["status"] = other.post(url + "/v1/explain?what_if=true&max=10", content=slow).status_code
                result["time"] = time.perf_counter() - start

            worker = threading.Thread(target=run_slow)
            worker.start()
            time.sleep(0.1)  # the what-if is under way
            t = time.perf_counter()
            status = http.post(url + "/v1/decide", content=quick).status_code
            during.append(time.perf_counter() - t)
            worker.join()
            assert status == 200 and result["status"] == 200, (status, result)
            slow_times.append(result["time"])
    return slow_times, during, idle


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=1, help="server worker processes")
    ap.add_argument("--rounds", type=int, default=5, help="slow what-if rounds for the responsiveness check")
    args = ap.parse_args()
    files = case_files()
    bodies = [f.read_bytes() for f in files]
    policy = load_policy(ROOT / "policy")

    # the baseline: the same decisions in-process, one at a time
    cases = [load_case(policy, read_case_file(f)) for f in files]
    for c in cases[:5]:
        decide(policy, c)
    inproc = []
    for c in cases:
        t = time.perf_counter()
        decide(policy, c)
        inproc.append(time.perf_counter() - t)
    base = statistics.median(inproc)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port, args.workers)
    cpu_clients = time.process_time()
    try:
        latencies, errors, total = load(url, bodies, args.clients, args.seconds)
        slow_case = next(f for f in files if f.name == "wtr-job-pay-one-cent-under-tier2-median.json").read_bytes()
        slow, during, idle = responsiveness(url, slow_case, bodies[0], args.rounds)
    finally:
        cpu_clients = time.process_time() - cpu_clients
        server.terminate()
        server.wait(timeout=30)
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    p50, p95 = pct(latencies, 0.5), pct(latencies, 0.95)
    print(
        f"{args.clients} clients x {args.seconds:.0f} s against POST /v1/decide ({len(files)} worked cases in turn), "
        f"{args.workers} server worker(s)"
    )
    print(f"  requests {total}, errors {errors}, throughput {total / args.seconds:.1f}/s")
    print(f"  latency p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"  baseline: in-process decide, one at a time, median {base * 1000:.1f} ms (p50 is {p50 / base:.1f}x)")
    print(
        f"  CPU: server {server_cpu.ru_utime + server_cpu.ru_stime:.1f} s (start-up included), "
        f"clients {cpu_clients:.1f} s"
    )
    print(f"responsiveness ({args.rounds} rounds): a what-if (max 10) takes median {statistics.median(slow):.2f} s;")
    print(
        f"  a decide sent while it runs takes median {statistics.median(during) * 1000:.0f} ms "
        f"(max {max(during) * 1000:.0f} ms), idle {statistics.median(idle) * 1000:.0f} ms "
        f"({statistics.median(during) / statistics.median(idle):.1f}x)"
    )
    if errors:
        raise SystemExit(f"{errors} requests failed")


if __name__ == "__main__":
    main()
