"""Decisions per CPU-second, per engine, and the CLI's cold start; every figure is CPU time.

In one run: the cold start of `visa-rules decide` (the child's CPU, from getrusage(RUSAGE_CHILDREN))
against a bare Python start; decisions *with reasons* per CPU-second by clingo one case at a time,
by clingo batched (many cases per Control) and by the Python evaluator (the baseline); the columnar
reading's cases per CPU-second for outcomes and points; and, when openfisca-core is installed
(`pip install ".[bench]"`), an OpenFisca model of the same core rules (SMC age and income points)
on the same columns, as a ratio. Cases: the worked cases, then generated ones.

Run: python bench/bench_decide.py [--cases N] [--columnar N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from timing import ROOT, case_files, load_cases

from visarules.dsl import load_policy
from visarules.solver.analyses.prove import Slice, rule_slice, sliced_policy
from visarules.solver.backends.asp import solve, solve_many
from visarules.solver.backends.columnar import Columns, decide_columns
from visarules.solver.backends.python import evaluate as python_evaluate
from visarules.solver.batch import generate
from visarules.solver.case import load_case
from visarules.solver.decision import build_decision

CORE_RULES = ("smc.age", "smc.points.income")  # what the OpenFisca baseline models


def child_cpu(cmd: list[str], repeat: int) -> float:
    """The median CPU seconds (user + system) of a command started afresh each time."""
    runs = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return sorted(runs)[len(runs) // 2]


def per_cpu_second(n: int, run) -> float:
    start = time.process_time()
    run()
    return n / (time.process_time() - start)


def with_reasons(policy, cases, verdicts) -> None:
    for case, v in zip(cases, verdicts):
        build_decision(policy, case, v, "clingo").to_json()


def openfisca_rate(policy, cols) -> float | None:
    """Cases per CPU-second of an OpenFisca model of SMC age and income points, or None without it."""
    try:
        from openfisca_core import periods
        from openfisca_core.entities import build_entity
        from openfisca_core.model_api import YEAR, Variable
        from openfisca_core.simulation_builder import SimulationBuilder
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    except ImportError:
        return None
    import numpy as np

    person = build_entity("person", "persons", "A person", "People", is_person=True)
    median = next(p for p in policy.params if p.name == "median_wage").entries[-1].value

    class age_months(Variable):
        value_type, entity, definition_period = int, person, YEAR

    class pay_cents(Variable):
        value_type, entity, definition_period = int, person, YEAR

    class under_age_limit(Variable):
        value_type, entity, definition_period = bool, person, YEAR

        def formula(p, period):
            return p("age_months", period) < 56 * 12

    class income_points(Variable):
        value_type, entity, definition_period = int, person, YEAR

        def formula(p, period):
            pay = p("pay_cents", period)
            return np.select([2 * pay >= 6 * median, pay >= 2 * median, 2 * pay >= 3 * median], [6, 4, 3], 0)

    system = TaxBenefitSystem([person])
    for v in (age_months, pay_cents, under_age_limit, income_points):
        system.add_variable(v)
    n = cols.n
    born = cols.scalars["applicant.date_of_birth"]
    lodged = cols.scalars["lodgement_date"]
    start = time.process_time()
    sim = SimulationBuilder().build_default_simulation(system, n)
    year = periods.period("2025")
    sim.set_input("age_months", year, (lodged - born) // 32)
    sim.set_input("pay_cents", year, cols.scalars["employment.pay_per_hour"])
    sim.calculate("under_age_limit", year)
    sim.calculate("income_points", year)
    return n / (time.process_time() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=600, help="generated cases for the per-case engines")
    ap.add_argument("--columnar", type=int, default=200_000, help="cases for the columnar reading")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    policy = load_policy(ROOT / "policy")
    worked = load_cases(policy)
    generated = [load_case(policy, json.loads(json.dumps(c))) for c in generate(policy, args.cases, seed=1)]
    cases = worked + generated
    n = len(cases)

    bare = child_cpu([sys.executable, "-c", "pass"], args.repeat)
    decide_cmd = [sys.executable, "-m", "visarules", "decide", str(case_files()[0]), "--format", "json"]
    child_cpu(decide_cmd, 1)  # fill the caches
    cold = child_cpu(decide_cmd, args.repeat)
    print(f"cold start: visa-rules decide {cold:.3f} s CPU; bare python {bare:.3f} s (baseline; x{cold / bare:.1f})")

    solve(policy, cases[0])  # warm: the program emitted once
    print(f"\n{n} cases ({len(worked)} worked, {len(generated)} generated), decisions with reasons, CPU time:")
    single_n = min(n, 150)
    python = per_cpu_second(n, lambda: [build_decision(policy, c, python_evaluate(policy, c), "python") for c in cases])
    few = cases[:single_n]
    single = per_cpu_second(single_n, lambda: with_reasons(policy, few, [solve(policy, c) for c in few]))

    def in_chunks() -> None:
        for i in range(0, n, 200):
            with_reasons(policy, cases[i : i + 200], solve_many(policy, cases[i : i + 200]))

    batched = per_cpu_second(n, in_chunks)
    print(f"{'engine':<16} {'per CPU-s':>10} {'x python':>9}")
    for name, rate in (("python", python), ("clingo single", single), ("clingo batched", batched)):
        print(f"{name:<16} {rate:>10.0f} {rate / python:>9.2f}")

    repeat = max(args.columnar // n, 1)
    cols = Columns.from_cases(policy, cases * repeat)
    decide_columns(policy, Columns.from_cases(policy, cases[:10]), reasons=False)  # warm
    columnar = per_cpu_second(cols.n, lambda: decide_columns(policy, cols, reasons=False))
    print(f"\ncolumnar reading, {cols.n:,} cases (outcomes and points): {columnar:,.0f} cases per CPU-second")
    # the same two rules the OpenFisca model holds, so that the ratio compares like with like
    every_list = tuple(lst.name for lst in policy.lists)
    core = sliced_policy(policy, Slice(rule_slice(policy, CORE_RULES), every_list, frozenset()))
    decide_columns(core, Columns.from_cases(core, cases[:10]), reasons=False)
    core_cols = Columns.from_cases(core, cases * repeat)
    core_rate = per_cpu_second(core_cols.n, lambda: decide_columns(core, core_cols, reasons=False))
    print(f"columnar reading of {' and '.join(CORE_RULES)} only: {core_rate:,.0f} cases per CPU-second")
    fisca = openfisca_rate(policy, cols)
    if fisca is None:
        print('OpenFisca baseline: not installed (pip install ".[bench]")')
    else:
        print(f"OpenFisca model of the same two rules: {fisca:,.0f} cases per CPU-second (baseline); "
              f"columnar, same rules x{core_rate / fisca:.2f}; whole policy x{columnar / fisca:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
