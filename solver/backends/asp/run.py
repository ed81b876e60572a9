"""Deciding one case with clingo: the policy's program, the case's facts as Symbols, one model."""

from __future__ import annotations

import clingo

from ....dsl import ir
from ...case import CaseData
from .emit import program
from .predicates import (
    FIELD,
    FIELD_KNOWN,
    INPUT,
    ITEM,
    KNOWN,
    NOT_APPLICABLE,
    NOT_ASSESSED,
    OUTCOME,
    POINTS_AWARDED,
    RESULT,
    SHOW_VALUE,
    VERSION,
)


class SolverError(RuntimeError):
    """The solver did something the semantics rule out (no model, two models): a bug in visa-rules."""


def case_symbols(policy: ir.Policy, case: CaseData) -> list[clingo.Symbol]:
    """The case as clingo facts, built as Symbols (never as program text)."""
    facts = []
    for f in policy.inputs:
        facts.append(INPUT.symbol(f.path, case.scalars[f.path]))
        facts.append(KNOWN.symbol(f.path, int(case.known[f.path])))
    for lst in policy.lists:
        for i, item in enumerate(case.items[lst.name]):
            facts.append(ITEM.symbol(lst.name, i))
            for f in lst.fields:
                facts.append(FIELD.symbol(lst.name, i, f.path, item.values[f.path]))
                facts.append(FIELD_KNOWN.symbol(lst.name, i, f.path, int(item.known[f.path])))
    return facts


def solve(policy: ir.Policy, case: CaseData) -> ir.Verdict:
    ctl = clingo.Control(["--warn=none", "--models=2"])
    ctl.add("base", [], program(policy))
    with ctl.backend() as backend:
        for symbol in case_symbols(policy, case):
            backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    models: list[list[clingo.Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(list(m.symbols(shown=True))))
    if len(models) != 1:
        raise SolverError(f"clingo found {len(models)} answer sets for one case; the program must have exactly one")
    return verdict_from_atoms(policy, models[0])


def verdict_from_atoms(policy: ir.Policy, atoms: list[clingo.Symbol]) -> ir.Verdict:
    """The Verdict of a model's shown atoms."""
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    points = {c.name: 0 for c in policy.categories}
    raw_values: dict[str, dict[int, int | str]] = {}
    outcome, version = None, None
    not_assessed, not_applicable = set(), set()
    for a in atoms:
        if RESULT.matches(a):
            rule, result = RESULT.decode(a)
            results[str(rule)] = str(result)
        elif POINTS_AWARDED.matches(a):
            rule, category, n = POINTS_AWARDED.decode(a)
            awarded[str(rule)] = int(n)
            points[str(category)] += int(n)
        elif SHOW_VALUE.matches(a):
            rule, k, value = SHOW_VALUE.decode(a)
            raw_values.setdefault(str(rule), {})[int(k)] = value
        elif OUTCOME.matches(a):
            (outcome,) = OUTCOME.decode(a)
        elif VERSION.matches(a):
            (version,) = VERSION.decode(a)
        elif NOT_ASSESSED.matches(a):
            not_assessed.add(NOT_ASSESSED.decode(a)[0])
        elif NOT_APPLICABLE.matches(a):
            not_applicable.add(NOT_APPLICABLE.decode(a)[0])
    order = [r.id for r in policy.rules]
    values = {
        rid: tuple(raw_values.get(rid, {})[k] for k in range(len(policy.rule_by_id[rid].placeholders)))
        for rid in order
        if rid in results
    }
    if outcome != ir.outcome_of(results):
        raise SolverError(f"clingo derived outcome {outcome} but its rule results give {ir.outcome_of(results)}")
    return ir.Verdict(
        outcome=str(outcome),
        version=str(version),
        points=points,
        results={rid: results[rid] for rid in order if rid in results},
        awarded=awarded,
        not_assessed=tuple(r for r in order if r in not_assessed),
        not_applicable=tuple(r for r in order if r in not_applicable),
        values=values,
    )
