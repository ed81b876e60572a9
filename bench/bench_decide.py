"""Decision latency, per engine, on the example and worked cases.

Prints the median and 95th-percentile time per case for clingo and Z3, against the plain Python
evaluator measured in the same run as the baseline, and the CLI's cold start against a bare
Python start. Run: python bench/bench_decide.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from timing import ROOT, case_files, cold, load_cases, timings

from visarules.dsl import load_policy
from visarules.solver.decision import verdict


def engine(name: str):
    return lambda policy, case: verdict(policy, case, name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    policy = load_policy(ROOT / "policy")
    files = case_files()
    cases = load_cases(policy)
    print(f"{len(cases)} cases x {args.repeat} repeats, warm, in-process")
    baseline = statistics.median(timings(policy, cases, engine("python"), args.repeat))
    print(f"{'engine':<8} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name in ("python", "clingo", "z3"):
        t = sorted(timings(policy, cases, engine(name), args.repeat))
        med, p95 = statistics.median(t), t[int(0.95 * (len(t) - 1))]
        print(f"{name:<8} {med * 1000:>10.2f} {p95 * 1000:>8.2f} {med / baseline:>11.1f}")
    bare = cold([sys.executable, "-c", "pass"], 3)
    cli = cold([sys.executable, "-m", "visarules", "decide", str(files[0]), "--format", "json"], 3)
    print(f"cold start: visa-rules decide {cli * 1000:.0f} ms; bare python {bare * 1000:.0f} ms (baseline)")


if __name__ == "__main__":
    main()
