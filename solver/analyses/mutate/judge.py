"""Judging mutants: does some case test decide differently under the mutant than it expects? And
for a mutant no case test kills, a boundary case from Z3 (or a proof that none exists).

The case tests are decided by the columnar reading, the whole set in one pass per mutant; only the
cases whose verdict moves are turned into decisions and compared with their `expect` (the original
policy passes them all, so a case decided exactly as before cannot fail). A survivor is first
tried on a sample of generated cases (drawn near the policy's thresholds, decided in one columnar
pass, milliseconds): the first the two decide differently, shrunk onto the change, is its boundary
case. Only a survivor the sample does not tell apart is compared with the original by `diff`
(seconds of Z3): a witness where the two decide differently, or every window proved equivalent
(for cases with at most `max_items` items per list).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ....dsl import UserError, ir
from ...backends.columnar import Columns, decide_columns, evaluate_many
from ...backends.python import evaluate as python_evaluate
from ...batch.generate import generate, variants
from ...case import CaseData, load_case
from ...decision import Decision, build_decision, decide
from ..case_tests import CaseTest, compare
from ..diff import EQUIVALENT, UNKNOWN, DiffLimits, diff
from ..prove.replay import rule_state
from ..prove.scene import as_case_file
from ..prove.shrink import shrink
from .mutants import Mutant

__all__ = ["CaseSet", "Boundary", "Sample", "case_set", "killed_by", "boundary", "sample", "sampled_boundary"]


@dataclass(frozen=True)
class CaseSet:
    """The case tests, loaded once, with the original policy's verdict of each."""

    tests: tuple[CaseTest, ...]
    cases: tuple[CaseData, ...]
    verdicts: tuple[ir.Verdict, ...]


@dataclass(frozen=True)
class Boundary:
    status: str  # survived (with a witness) | equivalent | unknown
    case: dict | None = None  # a case the two decide differently
    original: Decision | None = None  # clingo's decisions of it
    mutant: Decision | None = None
    rules: tuple[str, ...] = ()  # the rules whose result differs on it
    reason: str = ""  # why unknown; for equivalent, the bound it holds within


def case_set(policy: ir.Policy, tests: Sequence[CaseTest]) -> CaseSet:
    """The tests against the original policy; every one must pass, or no mutant can be judged."""
    cases = tuple(load_case(policy, t.data, t.where) for t in tests)
    verdicts = tuple(evaluate_many(policy, list(cases)))
    failing = [
        t.where
        for t, c, v in zip(tests, cases, verdicts)
        if compare(t.expect, build_decision(policy, c, v, "columnar"))
    ]
    if failing:
        raise UserError(f"{len(failing)} case test(s) fail on the policy itself, first {failing[0]}: "
                        "fix them before mutation testing (visa-rules test)")  # fmt: skip
    return CaseSet(tuple(tests), cases, verdicts)


def killed_by(cases: CaseSet, mutant: Mutant) -> str:
    """The first case test (file:line) the mutant fails, or "" when it passes them all."""
    for test, case, before, after in zip(cases.tests, cases.cases, cases.verdicts,
                                         evaluate_many(mutant.policy, list(cases.cases))):  # fmt: skip
        if after != before and compare(test.expect, build_decision(mutant.policy, case, after, "columnar")):
            return test.where
    return ""


@dataclass(frozen=True)
class Sample:
    """Generated cases as columns, with the original policy's decision of them (columnar)."""

    cases: tuple[CaseData, ...]
    columns: Columns
    outcome: np.ndarray
    points: dict[str, np.ndarray]
    status: dict[str, np.ndarray]


def sample(policy: ir.Policy, n: int = 20_000, seed: int = 0, max_items: int = 4,
           bases: Sequence[dict] = ()) -> Sample:  # fmt: skip
    """n cases (the same for the same policy, n, seed and bases), decided by the original: with
    `bases` (known cases), half of them variants of those (lists or an input or two drawn again),
    which reach the rules deep in an assessment; the others drawn afresh. Lists run to 4 items, the
    most the shipped inputs allow: the fourth visa of a stretch joins in its last round, which a
    mutant of that round changes."""
    varied = n // 2 if bases else 0
    drawn = [*generate(policy, n - varied, seed, max_items), *variants(policy, list(bases), varied, seed, max_items)]
    cases = tuple(load_case(policy, c, "<generated>") for c in drawn)
    columns = Columns.from_cases(policy, cases)
    d = decide_columns(policy, columns)
    return Sample(cases, columns, d.outcome, dict(d.points), dict(d.status))


def _moved(mutant: ir.Policy, s: Sample) -> int | None:
    """The first sample case the mutant decides differently (outcome, points or a rule's result)."""
    d = decide_columns(mutant, s.columns)
    differs = d.outcome != s.outcome
    for cat, pts in s.points.items():
        differs |= d.points.get(cat, 0) != pts
    for rid, codes in s.status.items():
        differs |= d.status[rid] != codes if rid in d.status else np.ones(len(codes), dtype=bool)
    found = np.flatnonzero(differs)
    return int(found[0]) if len(found) else None


def _decided(v: ir.Verdict) -> tuple:
    """What a case test can see of a decision (not the values its reasons show)."""
    return (v.outcome, sorted(v.points.items()), sorted(v.results.items()), sorted(v.awarded.items()),
            sorted(v.not_assessed), sorted(v.not_applicable))  # fmt: skip


def _differing(policy: ir.Policy, a: ir.Verdict, b: ir.Verdict) -> tuple[str, ...]:
    def moved(rid: str) -> bool:
        return rule_state(a, rid) != rule_state(b, rid) or a.awarded.get(rid) != b.awarded.get(rid)

    return tuple(r.id for r in policy.rules if moved(r.id))


def sampled_boundary(policy: ir.Policy, mutant: Mutant, s: Sample) -> Boundary | None:
    """A sample case the mutant decides differently, shrunk while it still does and decided by
    clingo under both; None when the sample has no such case."""
    i = _moved(mutant.policy, s)
    if i is None:
        return None

    def keep(c: CaseData) -> bool:
        return _decided(python_evaluate(policy, c)) != _decided(python_evaluate(mutant.policy, c))

    lo = mutant.lodged[0] if mutant.lodged else None
    case = shrink(policy, s.cases[i], keep, earliest=lo) if keep(s.cases[i]) else s.cases[i]
    data, loaded = as_case_file(policy, case)
    before, after = decide(policy, loaded), decide(mutant.policy, load_case(mutant.policy, data, "<boundary>"))
    rules = _differing(policy, python_evaluate(policy, loaded), python_evaluate(mutant.policy, loaded))
    return Boundary("survived", data, before, after, rules)


def boundary(policy: ir.Policy, mutant: Mutant, limits: DiffLimits, jobs: int = 1) -> Boundary:
    """A case where the mutant and the original decide differently (shrunk onto the change), or
    a proof that there is none for cases within the limits, from Z3."""
    one = dataclasses.replace(limits, one_witness=True)  # a witness of any kind is enough here
    report = diff(policy, mutant.policy, one, jobs=jobs, lodged=mutant.lodged)
    for w in report.windows:
        if w.bug:
            return Boundary(UNKNOWN, reason=f"a bug in visa-rules: {w.bug}")
        if w.witnesses:
            x = w.witnesses[0]
            return Boundary("survived", x.case, x.old, x.new, x.rules)
    unknown = [w for w in report.windows if w.verdict == UNKNOWN]
    if unknown:
        return Boundary(UNKNOWN, reason=f"lodged {unknown[0].window}: {unknown[0].reason}")
    assert all(w.verdict == EQUIVALENT for w in report.windows)
    return Boundary(EQUIVALENT, reason=f"for cases with at most {limits.max_items} items per list")
