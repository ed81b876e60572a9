"""Witnesses from cases already written: a claim that some case exists holds as soon as one real
case satisfies it. Before Z3 looks for a witness, each such claim (about one case, no quantified
values) is read on the known cases (the worked cases a project keeps), decided by the Python
evaluator: most built-in reachability checks are settled in a millisecond this way, and Z3 is
left the claims no written case reaches. The known case is the witness, shown as it is written.

Only cases within the proof's list bound count, so every result still speaks of cases with at
most `max_items` items per list; the first known case in file order that fits is the witness, so
the same cases give the same witness on every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ....dsl import CaseError, ir
from ...backends.python import evaluate as python_evaluate
from ...case import CaseData, case_to_json, load_case
from .obligations import Obligation
from .replay import evaluate_formula
from .results import HOLDS, Example, Result

__all__ = ["KnownCase", "known_cases", "known_witness"]


@dataclass(frozen=True)
class KnownCase:
    where: str  # file (and line) it was read from
    data: dict  # the case file, as the loader's inverse writes it (plain JSON values)
    case: CaseData
    verdict: ir.Verdict  # the Python evaluator's decision


def known_cases(policy: ir.Policy, paths: Iterable[Path]) -> tuple[tuple[KnownCase, ...], int]:
    """The case tests in these files and folders that load under the policy, each decided once;
    and how many did not load (a case written for other inputs is no witness here)."""
    from ..case_tests import CaseTestError, find_case_test_files, load_case_tests

    out, skipped = [], 0
    for path in find_case_test_files(paths):
        try:
            tests = load_case_tests(path, policy)
        except CaseTestError:
            skipped += 1
            continue
        for t in tests:
            try:
                case = load_case(policy, t.data, t.where)
            except CaseError:  # a case written for other inputs is simply not a witness here
                skipped += 1
                continue
            out.append(KnownCase(t.where, case_to_json(policy, case), case, python_evaluate(policy, case)))
    return tuple(out), skipped


def known_witness(policy: ir.Policy, ob: Obligation, known: tuple[KnownCase, ...], max_items: int) -> Result | None:
    """HOLDS with the first known case that makes the `exists` claim true; None when none does
    (or the claim is not one a single case can witness)."""
    if ob.claim != "exists" or len(ob.cases) != 1 or ob.values or ob.same_except is not None:
        return None
    (name,) = ob.cases
    for k in known:
        if any(len(items) > max_items for items in k.case.items.values()):
            continue
        if evaluate_formula(policy, ob.formula, {name: k.case}, {name: k.verdict}, {}):
            example = Example({name: k.data}, {}, {name: k.verdict}, minimised=False)
            return Result(ob, HOLDS, max_items, 0.0, example=example, reason=f"witnessed by the known case {k.where}")
    return None
