"""Judging mutants: does some case test decide differently under the mutant than it expects? And
for a mutant no case test kills, a boundary case from Z3 (or a proof that none exists).

The case tests are decided by the columnar reading, the whole set in one pass per mutant; only the
cases whose verdict moves are turned into decisions and compared with their `expect` (the original
policy passes them all, so a case decided exactly as before cannot fail). A survivor is compared
with the original by `diff`: a witness where the two decide differently, or every window proved
equivalent (for cases with at most `max_items` items per list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ....dsl import UserError, ir
from ...backends.columnar import evaluate_many
from ...case import CaseData, load_case
from ...decision import Decision, build_decision
from ..case_tests import CaseTest, compare
from ..diff import EQUIVALENT, UNKNOWN, DiffLimits, diff
from .mutants import Mutant

__all__ = ["CaseSet", "Boundary", "case_set", "killed_by", "boundary"]


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


def boundary(policy: ir.Policy, mutant: Mutant, limits: DiffLimits, jobs: int = 1) -> Boundary:
    """A case where the mutant and the original decide differently (shrunk onto the change), or
    a proof that there is none for cases within the limits."""
    report = diff(policy, mutant.policy, limits, jobs=jobs, lodged=mutant.lodged)
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
