"""Mutation testing of a policy: how many small wrong changes to its rules the case tests catch.

`mutants` makes the changes from the IR (`mutants.py`); `mutation_test` judges each against the
case tests and, for each one they miss, asks Z3 for a boundary case or proves it equivalent
(`judge.py`). The score counts only mutants that are not equivalent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ....dsl import ir
from ..case_tests import CaseTest
from ..diff import EQUIVALENT, UNKNOWN, DiffLimits
from .judge import Boundary, CaseSet, Sample, boundary, case_set, killed_by, sample, sampled_boundary
from .local import locally_equivalent
from .mutants import MUTANT_KINDS, Mutant, mutants

__all__ = [
    "Mutant",
    "MUTANT_KINDS",
    "mutants",
    "CaseSet",
    "Boundary",
    "Sample",
    "sample",
    "sampled_boundary",
    "case_set",
    "killed_by",
    "boundary",
    "MutantResult",
    "MutationReport",
    "mutation_test",
    "KILLED",
    "SURVIVED",
    "EQUIVALENT",
    "UNKNOWN",
    "DEFAULT_SAMPLE",
    "expectation_of",
]

KILLED, SURVIVED = "killed", "survived"
DEFAULT_SAMPLE = 20_000  # generated cases a survivor is tried on before Z3 (about a minute to draw)
# Z3 units for each define `local.locally_equivalent` compares (a changed define in the family
# rules takes some 100,000; the visa stretches' readers run out at this, in about 5 s)
LOCAL_RLIMIT = 20_000_000
# list slots those comparisons take (at least `max_items`): four, as many visas as a case may give,
# so that a change to the visa stretches is compared on every visa history
LOCAL_ITEMS = 4


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    status: str  # killed | survived | equivalent | unknown (no witness found, none proved absent)
    killed_by: str = ""  # the first case test that fails on it
    boundary: Boundary | None = None  # for a mutant no case test kills


@dataclass(frozen=True)
class MutationReport:
    results: tuple[MutantResult, ...]
    max_items: int  # the bound that equivalence is proved within

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def score(self) -> float:
        """Killed over the mutants not proved equivalent (1.0 when there are none)."""
        judged = len(self.results) - self.count(EQUIVALENT)
        return self.count(KILLED) / judged if judged else 1.0


def mutation_test(
    policy: ir.Policy,
    tests: Sequence[CaseTest],
    limits: DiffLimits | None = DiffLimits(max_items=2),
    chosen: Sequence[Mutant] | None = None,
    jobs: int = 1,
    on_result: Callable[[MutantResult], None] | None = None,
    sample_size: int | None = None,
    seed: int = 0,
) -> MutationReport:
    """Each mutant chosen (default: every mutant of the policy), judged against the case tests.
    A survivor is tried on `sample_size` generated cases (default: 20,000 with `limits`, none
    without; drawn with `seed`) for a boundary case; with `limits`, one the sample does not tell
    apart is first checked where it changes the policy (`local.locally_equivalent`: the defines it
    changes still agree for every case), then compared with the original by Z3 over whole
    decisions (None: no Z3, so none is proved equivalent)."""
    cases = case_set(policy, tests)
    size = sample_size if sample_size is not None else (DEFAULT_SAMPLE if limits is not None else 0)
    generated: Sample | None = None  # drawn when the first survivor needs it
    known = [t.data for t in tests]  # the sample's variants are of these
    local_items = max(limits.max_items, LOCAL_ITEMS) if limits is not None else 0
    results = []
    for m in mutants(policy) if chosen is None else chosen:
        by = killed_by(cases, m)
        found = None
        if by:
            result = MutantResult(m, KILLED, killed_by=by)
        elif size and (
            found := sampled_boundary(policy, m, generated := generated or sample(policy, size, seed, bases=known))
        ):
            result = MutantResult(m, found.status, boundary=found)
        elif limits is None:
            result = MutantResult(m, SURVIVED)
        elif why := locally_equivalent(policy, m.policy, local_items, LOCAL_RLIMIT, limits.timeout):
            result = MutantResult(m, EQUIVALENT, boundary=Boundary(EQUIVALENT, reason=why))
        else:
            b = boundary(policy, m, limits, jobs)
            result = MutantResult(m, b.status, boundary=b)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return MutationReport(tuple(results), limits.max_items if limits is not None else 0)


def expectation_of(policy: ir.Policy, d, stated: Iterable[str] = ()) -> dict:
    """A decision as a worked case's `expect`: its outcome, every category's points and the result of
    each rule in `stated` (the rules a mutant decides differently), including not assessed, not
    applicable or not in force, and the rules skipped after a stop. Other rules are left unchecked,
    so that the case pins what the mutant changed and does not break on every unrelated edit."""
    state = {r.rule: r.effect for r in d.reasons}
    state.update((rid, "not_assessed") for rid, _ in d.not_assessed)
    state.update((rid, "not_applicable") for rid, _ in d.not_applicable)
    out: dict = {
        "outcome": d.outcome,
        "points": {c.name: d.points.get(c.name, 0) for c in policy.categories},
        "effects": {rid: state.get(rid, "not_in_force") for rid in sorted(set(stated))},
    }
    if d.not_assessed:  # a worked case without the list says no rule was skipped
        out["not_assessed"] = sorted(rid for rid, _ in d.not_assessed)
    return out
