"""Time of the whole proof suite and of a diff, against baselines measured in the same run.

Baselines: one decision by clingo (the example case, warm) and one trivial Z3 query. The suite is
`visa-rules prove` on the shipped policy and proofs, in process (loading, obligations, solving,
replays); the diff compares the shipped policy with a copy whose 2024-02-28 median is changed.
Target: the suite under 30 s on a 2-core machine. Run: python bench/bench_prove.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import z3

from visarules.dsl import load_policy, load_proofs
from visarules.solver.analyses.diff import diff
from visarules.solver.analyses.prove import obligations, prove, summarise
from visarules.solver.backends.asp import solve as solve_clingo
from visarules.solver.case import load_case, read_case_file

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, repeat: int) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def trivial_smt() -> z3.CheckSatResult:
    x = z3.Int("x")
    s = z3.Solver()
    s.add(x > 1, x < 3)
    return s.check()


def suite():
    loaded = load_proofs(ROOT / "policy", ROOT / "proofs")
    return prove(loaded.policy, obligations(loaded.policy, loaded.properties))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    policy = load_policy(ROOT / "policy")
    case = load_case(policy, read_case_file(ROOT / "examples" / "smc-eligible.json"))
    solve_clingo(policy, case)  # warm the program cache
    decide_s, _ = timed(lambda: solve_clingo(policy, case), 20)
    smt_s, _ = timed(trivial_smt, 20)
    print(f"baseline: one clingo decision {decide_s * 1000:.1f} ms; one trivial Z3 query {smt_s * 1000:.2f} ms")

    suite_s, results = timed(suite, args.repeat)
    s = summarise(results)
    props = [r for r in results if not r.obligation.builtin]
    print(f"proof suite: {suite_s:.2f} s for {len(props)} properties and {len(results) - len(props)} built-in checks "
          f"({s.held} hold, {s.failed} fail, {s.unknown} unknown); = {suite_s / decide_s:.0f} decisions, "
          f"{suite_s / smt_s:.0f} trivial queries; target < 30 s on 2 cores")  # fmt: skip
    print(
        f"  properties {sum(r.seconds for r in props):.2f} s, built-in checks "
        f"{sum(r.seconds for r in results if r.obligation.builtin):.2f} s; slowest:"
    )
    for r in sorted(results, key=lambda r: -r.seconds)[:5]:
        print(f"    {r.seconds:6.2f} s  {r.obligation.id}")

    with tempfile.TemporaryDirectory() as tmp:
        changed = Path(tmp) / "policy"
        shutil.copytree(ROOT / "policy", changed)
        params = changed / "parameters.rules"
        params.write_text(params.read_text().replace("from 2024-02-28: $31.61", "from 2024-02-28: $32.50"))
        new = load_policy(changed)
        diff_s, report = timed(lambda: diff(policy, new), 1)
        same_s, _ = timed(lambda: diff(policy, policy), args.repeat)
    verdicts = ", ".join(f"{w.window.start}: {w.verdict}" for w in report.windows)
    print(f"diff, median changed on 2024-02-28: {diff_s:.2f} s ({verdicts})")
    print(f"diff, policy against itself: {same_s:.2f} s (= {same_s / decide_s:.0f} decisions)")


if __name__ == "__main__":
    main()
