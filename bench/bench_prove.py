"""What a policy author waits for on every change, in CPU seconds (this process and the processes
it forks), with ratios against a baseline measured in the same run:

- `prove` on the shipped policy and proofs, from an empty cache: CPU seconds and unknown count
  (target: at most 60 s, 0 unknown);
- proving again after a one-rule change (a threshold of smc.employment.full_time), with the cache
  the first run filled: only the obligations that read the rule are proved again;
- `diff` of the shipped policy against a copy whose 2024-02-28 median is changed (target: at most
  30 s, no unknown window);
- the mutation score of the shipped case tests, tests/cases and its boundaries/ (mutants judged
  by the cases only: survivors are not compared by Z3 here, so none is counted equivalent and the
  score is a lower bound).

Baseline: one clingo decision of the example case and one small Z3 query, CPU seconds each.
Run: python bench/bench_prove.py [--only GLOB] [--jobs N] (`--only` proves a part, for a quick CI run)
"""

from __future__ import annotations

import argparse
import fnmatch
import shutil
import tempfile
from pathlib import Path

import z3

from visarules.dsl import load_policy, load_proofs
from visarules.solver.analyses.case_tests import find_case_test_files, load_case_tests
from visarules.solver.analyses.diff import DiffLimits, diff
from visarules.solver.analyses.mutate import KILLED, mutation_test
from visarules.solver.analyses.prove import (
    Limits,
    ResultCache,
    cpu_seconds,
    default_jobs,
    obligations,
    prove,
    summarise,
)
from visarules.solver.analyses.prove.known import known_cases
from visarules.solver.backends.asp import solve as solve_clingo
from visarules.solver.case import load_case, read_case_file

ROOT = Path(__file__).resolve().parent.parent


def cpu_of(fn, repeat: int = 1):
    start = cpu_seconds()
    for _ in range(repeat):
        result = fn()
    return (cpu_seconds() - start) / repeat, result


def small_query() -> z3.CheckSatResult:
    x, y = z3.Ints("x y")
    s = z3.Solver()
    s.add(x * x + y * y == 25, x > 0, y > 0)
    return s.check()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append", help="prove only obligations whose id matches (a glob)")
    ap.add_argument("--jobs", type=int, default=0)
    args = ap.parse_args()
    jobs = args.jobs or default_jobs()

    policy = load_policy(ROOT / "policy")
    case = load_case(policy, read_case_file(ROOT / "examples" / "smc-eligible.json"))
    solve_clingo(policy, case)  # warm the program cache
    decide_s, _ = cpu_of(lambda: solve_clingo(policy, case), 20)
    smt_s, _ = cpu_of(small_query, 20)
    print(f"baseline: one clingo decision {decide_s * 1000:.1f} ms CPU; one small Z3 query {smt_s * 1000:.2f} ms CPU")

    loaded = load_proofs(ROOT / "policy", ROOT / "proofs")
    chosen = tuple(
        o for o in obligations(loaded.policy, loaded.properties)
        if not args.only or any(fnmatch.fnmatchcase(o.id, g) for g in args.only)
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cache = ResultCache(Path(tmp) / "cache")
        prove_s, results = cpu_of(lambda: prove(loaded.policy, chosen, Limits(), jobs=jobs, cache=cache))
        s = summarise(results)
        what = "part of the suite" if args.only else "whole suite"
        print(f"prove ({what}, {len(chosen)} obligations, {jobs} processes): {prove_s:.1f} s CPU, "
              f"{s.unknown} unknown, {s.failed} fail; = {prove_s / decide_s:.0f} decisions; "
              "target <= 60 s, 0 unknown")  # fmt: skip
        for r in sorted(results, key=lambda r: -r.seconds)[:3]:
            print(f"    slowest: {r.seconds:5.2f} s  {r.obligation.id}")

        def with_known():  # as `visa-rules prove` runs from the repository root: worked cases first
            known, _ = known_cases(loaded.policy, [ROOT / "tests" / "cases"])
            fresh = ResultCache(Path(tmp) / "fresh")
            return prove(loaded.policy, chosen, Limits(), jobs=jobs, cache=fresh, known=known)

        known_s, known_results = cpu_of(with_known)
        k = summarise(known_results)
        witnessed = sum(1 for r in known_results if r.reason.startswith("witnessed by"))
        print(f"prove with the worked cases as known witnesses: {known_s:.1f} s CPU, {k.unknown} unknown, "
              f"{k.failed} fail; {witnessed} exists claims witnessed by a worked case; "
              f"= {known_s / prove_s:.2f} of Z3 alone")  # fmt: skip

        folder = Path(tmp) / "policy"
        shutil.copytree(ROOT / "policy", folder)
        rules = folder / "smc" / "employment.rules"
        rules.write_text(rules.read_text().replace("hours_per_week >= 30 or", "hours_per_week >= 31 or"))
        changed = load_proofs(folder, ROOT / "proofs")
        again = tuple(o for o in obligations(changed.policy, changed.properties) if o.id in {c.id for c in chosen})
        reprove_s, after = cpu_of(lambda: prove(changed.policy, again, Limits(), jobs=jobs, cache=cache))
        proved = sum(1 for r in after if not r.cached)
        print(f"prove again after a one-rule change: {reprove_s:.1f} s CPU ({proved} of {len(after)} proved again, "
              f"the rest from the cache); = {reprove_s / prove_s:.2f} of the first run")  # fmt: skip

        params = folder / "parameters.rules"
        shutil.copy(ROOT / "policy" / "smc" / "employment.rules", rules)
        params.write_text(params.read_text().replace("from 2024-02-28: $31.61", "from 2024-02-28: $32.50"))
        new = load_policy(folder)
        diff_s, report = cpu_of(lambda: diff(policy, new, DiffLimits(max_items=2), jobs=jobs))
    unknown = sum(1 for w in report.windows if w.verdict == "unknown")
    print(f"diff, one threshold changed (the 2024-02-28 median; lists of at most 2 items): {diff_s:.1f} s CPU, "
          f"{unknown} unknown of {len(report.windows)} windows; = {diff_s / smt_s:.0f} small queries; "
          "target <= 30 s")  # fmt: skip

    # the worked cases and the boundary cases `mutate --write-cases` wrote for earlier survivors
    tests = [t for f in find_case_test_files([ROOT / "tests" / "cases"]) for t in load_case_tests(f, policy)]
    mutate_s, mutation = cpu_of(lambda: mutation_test(policy, tests, None))
    killed = mutation.count(KILLED)
    print(f"mutation score: {killed} of {len(mutation.results)} mutants killed by {len(tests)} worked cases "
          f"({mutation.score:.1%}; survivors not compared by Z3, so a lower bound), {mutate_s:.1f} s CPU; "
          "target >= 95%")  # fmt: skip


if __name__ == "__main__":
    main()
