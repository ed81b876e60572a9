"""Decision latency, per engine, on the example and worked cases.

Prints the median and 95th-percentile time per case for clingo and Z3, against the plain Python
evaluator measured in the same run as the baseline, and the CLI's cold start against a bare
Python start. Run: python bench/bench_decide.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from visarules.dsl import load_policy
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decide import verdict

ROOT = Path(__file__).resolve().parent.parent


def timings(policy, cases, engine: str, repeat: int) -> list[float]:
    verdict(policy, cases[0], engine)  # warm caches (program text, symbolic decision)
    out = []
    for _ in range(repeat):
        for case in cases:
            t = time.perf_counter()
            verdict(policy, case, engine)
            out.append(time.perf_counter() - t)
    return out


def cold(cmd: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    policy = load_policy(ROOT / "policy")
    files = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "tests" / "cases").glob("*.json"))
    cases = [load_case(policy, read_case_file(f), str(f)) for f in files]
    print(f"{len(cases)} cases x {args.repeat} repeats, warm, in-process")
    baseline = statistics.median(timings(policy, cases, "python", args.repeat))
    print(f"{'engine':<8} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for engine in ("python", "clingo", "z3"):
        t = sorted(timings(policy, cases, engine, args.repeat))
        med, p95 = statistics.median(t), t[int(0.95 * (len(t) - 1))]
        print(f"{engine:<8} {med * 1000:>10.2f} {p95 * 1000:>8.2f} {med / baseline:>11.1f}")
    bare = cold([sys.executable, "-c", "pass"], 3)
    cli = cold([sys.executable, "-m", "visarules", "decide", str(files[0]), "--format", "json"], 3)
    print(f"cold start: visa-rules decide {cli * 1000:.0f} ms; bare python {bare * 1000:.0f} ms (baseline)")


if __name__ == "__main__":
    main()
