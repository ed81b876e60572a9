"""The policy author's toolkit against the work it builds on, in CPU seconds, in the same run.

- case tests: every worked case read as a case test, decided with clingo and compared, against
  `decide` alone on the same cases;
- rule coverage: the same, with every decision recorded for coverage;
- formatting: `fmt` on every policy and proofs file (parse, lay out, parse again to check),
  against parsing them once;
- generated cases: drawing cases with `visarules.testing.cases`, per case, against `decide`.

Run: python bench/bench_toolkit.py [--repeat N]
"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, given, settings
from timing import ROOT

from visarules.dsl import load_policy, parse_module
from visarules.dsl.format import format_source
from visarules.solver.analyses.case_tests import load_case_tests, run_case_test
from visarules.solver.analyses.rule_coverage import CoverageRecorder
from visarules.solver.case import load_case
from visarules.solver.decision import decide
from visarules.testing import cases


def cpu(run, repeat: int) -> float:
    """CPU seconds of this process for `run()`, the fastest of `repeat` runs (after a warm-up)."""
    run()
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--draws", type=int, default=100)
    args = parser.parse_args()

    policy = load_policy(ROOT / "policy")
    files = sorted((ROOT / "tests" / "cases").glob("*.json"))
    tests = [t for f in files for t in load_case_tests(f, policy, complete=True)]
    loaded = [load_case(policy, t.data) for t in tests]

    def decide_all():
        for case in loaded:
            decide(policy, case)

    def case_tests():
        for t in tests:
            assert run_case_test(policy, t, "clingo").status == "passed"

    def with_coverage():
        recorder = CoverageRecorder(policy)
        for t in tests:
            result = run_case_test(policy, t, "clingo")
            recorder.record(result.case, result.decision)
        recorder.report()

    sources = sorted((ROOT / "policy").rglob("*.rules")) + sorted((ROOT / "proofs").glob("*.props"))
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sources]

    def parse_all():
        for name, text in texts:
            parse_module(text, name)

    def format_all():
        for name, text in texts:
            format_source(text, name)

    @settings(max_examples=args.draws, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(cases(policy))
    def draw(data):
        pass

    base = cpu(decide_all, args.repeat)
    n = len(tests)
    print(f"{n} worked cases, CPU seconds (best of {args.repeat}), ratio to the baseline measured here")
    print(f"  decide (clingo), the baseline     {base:7.3f} s   {1000 * base / n:6.1f} ms a case")
    for label, run in (("case tests (decide, compare)", case_tests), ("case tests with rule coverage", with_coverage)):
        t = cpu(run, args.repeat)
        print(f"  {label:<34}{t:7.3f} s   {1000 * t / n:6.1f} ms a case   × {t / base:4.2f}")
    parsed = cpu(parse_all, args.repeat)
    formatted = cpu(format_all, args.repeat)
    print(f"{len(texts)} policy and proofs files")
    print(f"  parse, the baseline               {parsed:7.3f} s")
    print(f"  fmt (parse, lay out, check)       {formatted:7.3f} s   × {formatted / parsed:4.2f}")
    drawn = cpu(draw, 1)
    per_draw = drawn / args.draws
    print(f"{args.draws} generated cases (visarules.testing.cases)")
    ratio = per_draw / (base / n)
    print(f"  per case                          {1000 * per_draw:7.1f} ms   × {ratio:4.2f} of a decision")


if __name__ == "__main__":
    main()
