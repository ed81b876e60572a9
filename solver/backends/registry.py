"""The readings of the IR, by name: what `--engine` offers and the differential test compares.

A back end is a module with `evaluate(policy, case) -> Verdict`; adding one is that module plus
one entry below. A module may also offer `evaluate_many(policy, cases) -> [Verdict]` where deciding
a list together is cheaper (one clingo grounding, one pass over columns); each Verdict must be the
one `evaluate` gives for that case alone. Modules are imported when first used, so a command that never reads Z3 never
imports it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...dsl import ir
from ..case import CaseData


@dataclass(frozen=True)
class Backend:
    name: str
    module: str  # the module with evaluate(policy, case) -> Verdict
    description: str

    def evaluate(self, policy: ir.Policy, case: CaseData) -> ir.Verdict:
        fn: Callable[[ir.Policy, CaseData], ir.Verdict] = importlib.import_module(self.module).evaluate
        return fn(policy, case)

    def evaluate_many(self, policy: ir.Policy, cases: Sequence[CaseData]) -> list[ir.Verdict]:
        module = importlib.import_module(self.module)
        if hasattr(module, "evaluate_many"):
            return list(module.evaluate_many(policy, list(cases)))
        return [module.evaluate(policy, case) for case in cases]


BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        Backend("clingo", "visarules.solver.backends.asp", "answer-set programming: the decision engine"),
        Backend("python", "visarules.solver.backends.python", "the IR read directly: the simplest reading"),
        Backend("z3", "visarules.solver.backends.smt", "SMT: every input bound, the decision read from a model"),
        Backend("columnar", "visarules.solver.backends.columnar", "numpy over whole columns of cases: for caseloads"),
    )
}
DEFAULT = "clingo"
ENGINES = tuple(BACKENDS)


def backend(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(BACKENDS)}") from None


def verdict(policy: ir.Policy, case: CaseData, engine: str = DEFAULT) -> ir.Verdict:
    """The Verdict of one reading of the policy on one case."""
    return backend(engine).evaluate(policy, case)


def verdicts(policy: ir.Policy, cases: Sequence[CaseData], engine: str = DEFAULT) -> list[ir.Verdict]:
    """The Verdicts of one reading on a list of cases, in order (decided together where that is cheaper)."""
    return backend(engine).evaluate_many(policy, cases)
