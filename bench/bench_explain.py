"""Explanation latency on the example and worked cases, against plain `decide` in the same run.

Warm and in-process, per case: why (clingo's decision, the tree, JSON), why-not (the same with
the shortfalls), what-if (the search, with every alternative decided again) and, as the baseline,
`decide` alone. Then the CLI's cold start for `explain` and for `decide`. Targets: why and why-not
under 50 ms, what-if under 1 s. Run: python bench/bench_explain.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from timing import ROOT, cold, load_cases, timings

from visarules.dsl import load_policy
from visarules.solver.analyses.explain import explain
from visarules.solver.analyses.whatif import what_if
from visarules.solver.decision import decide, verdict
from visarules.solver.report import Report, render_json

TARGETS_MS = {"why": 50, "why-not": 50, "what-if": 1000}


def _why(policy, case, sections=("why",)):
    return render_json(Report(explain(policy, case, verdict(policy, case, "clingo")), sections))


def _what_if(policy, case):
    v = verdict(policy, case, "clingo")
    return render_json(Report(explain(policy, case, v), ("what_if",), what_if(policy, case, 3, v)))


MODES = {
    "decide": lambda p, c: decide(p, c),
    "why": _why,
    "why-not": lambda p, c: _why(p, c, ("why_not",)),
    "what-if": _what_if,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    policy = load_policy(ROOT / "policy")
    cases = load_cases(policy)
    print(f"{len(cases)} cases x {args.repeat} repeats, warm, in-process; baseline: decide (clingo)")
    print(f"{'mode':<9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'x decide':>9} {'target (p95)':>13}")
    baseline = None
    for mode, run in MODES.items():
        t = sorted(timings(policy, cases, run, args.repeat))
        med, p95, worst = statistics.median(t), t[int(0.95 * (len(t) - 1))], t[-1]
        baseline = baseline or med
        target = TARGETS_MS.get(mode)
        verdict_text = "" if target is None else f"{'met' if p95 * 1000 < target else 'MISSED'} <{target}"  # at p95
        print(
            f"{mode:<9} {med * 1000:>10.2f} {p95 * 1000:>8.2f} {worst * 1000:>8.2f} "
            f"{med / baseline:>9.1f} {verdict_text:>13}"
        )
    case = str(ROOT / "tests" / "cases" / "smc-pay-level4-one-cent-under-1.5x.json")
    base = [sys.executable, "-m", "visarules"]
    bare = cold([sys.executable, "-c", "pass"], 3)
    dec = cold(base + ["decide", case, "--format", "json"], 3)
    why = cold(base + ["explain", case, "--format", "json"], 3)
    every = cold(base + ["explain", case, "--format", "json", "--why", "--why-not", "--what-if"], 3)
    print(
        f"cold start: explain {why * 1000:.0f} ms, explain --why --why-not --what-if {every * 1000:.0f} ms; "
        f"decide {dec * 1000:.0f} ms (baseline); bare python {bare * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
