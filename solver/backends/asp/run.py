"""Deciding cases with clingo: the policy's program, the case's facts as Symbols, one model.

`solve` decides one case; `solve_many` grounds many cases in one Control (the batched program,
every case-dependent atom numbered by case), so that the program is parsed and its tables are
grounded once per chunk of cases rather than once per case. Both read the same emission, and
each case's Verdict is built by the same `verdict_from_atoms`.
"""

from __future__ import annotations

from collections.abc import Sequence

import clingo
import clingo.ast

from ....dsl import ir
from ...case import CaseData
from .emit import batch_program, program, reads
from .predicates import (
    CASE,
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
    Predicate,
)


class SolverError(RuntimeError):
    """The solver did something the semantics rule out (no model, two models): a bug in visa-rules."""


def case_symbols(policy: ir.Policy, case: CaseData) -> list[clingo.Symbol]:
    """The case as clingo facts, built as Symbols (never as program text)."""
    return _case_facts(policy, case, (INPUT, KNOWN, ITEM, FIELD, FIELD_KNOWN), ())


_NUMBERED = tuple(p.for_cases() for p in (INPUT, KNOWN, ITEM, FIELD, FIELD_KNOWN))


def numbered_case_symbols(policy: ir.Policy, case: CaseData, number: int) -> list[clingo.Symbol]:
    """The case's facts for the batched program: the same atoms with the case number first."""
    return [CASE.symbol(number)] + _case_facts(policy, case, _NUMBERED, (number,))


def _case_facts(policy: ir.Policy, case: CaseData, preds: tuple[Predicate, ...], first: tuple[int, ...]):
    """The facts of `predicates`' case vocabulary that the program reads (`emit.reads`), built
    directly as Symbols (the same values that `Predicate.symbol` encodes, without its per-field
    dispatch: this runs for every case of a batch)."""
    inp, known, item_p, field, field_known = (p.name for p in preds)
    read = reads(policy)
    pre = [clingo.Number(n) for n in first]
    fn, num, text = clingo.Function, clingo.Number, clingo.String
    facts = []
    for f in policy.inputs:
        path = text(f.path)
        if f.path in read.inputs:
            facts.append(fn(inp, [*pre, path, _symbol(case.scalars[f.path])]))
        if f.path in read.known:
            facts.append(fn(known, [*pre, path, num(int(case.known[f.path]))]))
    for lst in policy.lists:
        name = text(lst.name)
        for i, item in enumerate(case.items[lst.name]):
            index = num(i)
            facts.append(fn(item_p, [*pre, name, index]))
            for f in lst.fields:
                path = text(f.path)
                if (lst.name, f.path) in read.fields:
                    facts.append(fn(field, [*pre, name, index, path, _symbol(item.values[f.path])]))
                if (lst.name, f.path) in read.fields_known:
                    facts.append(fn(field_known, [*pre, name, index, path, num(int(item.known[f.path]))]))
    return facts


def _symbol(value: int | str) -> clingo.Symbol:
    """A case value: text as a clingo String, anything else as a Number (as `predicates.VALUE`)."""
    return clingo.String(value) if isinstance(value, str) else clingo.Number(value)


_PARSED: dict[tuple[int, bool], tuple[ir.Policy, tuple[clingo.ast.AST, ...]]] = {}


def _parsed(policy: ir.Policy, batched: bool) -> tuple[clingo.ast.AST, ...]:
    """The program's statements, parsed once per policy object (immutable): parsing the text cost
    more than a third of a one-case decision, and replaying the parsed statements is cheaper."""
    key = (id(policy), batched)
    hit = _PARSED.get(key)
    if hit is None or hit[0] is not policy:
        statements: list[clingo.ast.AST] = []
        clingo.ast.parse_string(batch_program(policy) if batched else program(policy), statements.append)
        hit = _PARSED[key] = (policy, tuple(statements))
    return hit[1]


def _control(policy: ir.Policy, batched: bool) -> clingo.Control:
    """A Control holding the program: the same statements `Control.add` would parse from its text."""
    ctl = clingo.Control(["--warn=none", "--models=2"])
    with clingo.ast.ProgramBuilder(ctl) as builder:
        for statement in _parsed(policy, batched):
            builder.add(statement)
    return ctl


def solve(policy: ir.Policy, case: CaseData) -> ir.Verdict:
    ctl = _control(policy, False)
    with ctl.backend() as backend:
        for symbol in case_symbols(policy, case):
            backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    models: list[list[clingo.Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(list(m.symbols(shown=True))))
    if len(models) != 1:
        raise SolverError(f"clingo found {len(models)} answer sets for one case; the program must have exactly one")
    return verdict_from_atoms(policy, models[0])


def solve_many(policy: ir.Policy, cases: Sequence[CaseData]) -> list[ir.Verdict]:
    """Decide many cases in one Control; each Verdict is the one `solve` gives for that case alone."""
    if not cases:
        return []
    ctl = _control(policy, True)
    with ctl.backend() as backend:
        for number, case in enumerate(cases):
            for symbol in numbered_case_symbols(policy, case, number):
                backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    models: list[list[clingo.Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(list(m.symbols(shown=True))))
    if len(models) != 1:
        raise SolverError(f"clingo found {len(models)} answer sets for {len(cases)} cases; the program must have one")
    per_case: list[list[tuple[str, Sequence[clingo.Symbol]]]] = [[] for _ in cases]
    for atom in models[0]:
        args = atom.arguments
        per_case[args[0].number].append((atom.name, args))
    return [_verdict(policy, atoms, 1) for atoms in per_case]


def verdict_from_atoms(policy: ir.Policy, atoms: Sequence[clingo.Symbol]) -> ir.Verdict:
    """The Verdict of a model's shown atoms."""
    return _verdict(policy, [(a.name, a.arguments) for a in atoms], 0)


def _value(arg: clingo.Symbol) -> int | str:
    return arg.string if arg.type == clingo.SymbolType.String else arg.number


def _verdict(policy: ir.Policy, atoms: list[tuple[str, Sequence[clingo.Symbol]]], skip: int) -> ir.Verdict:
    """The Verdict of shown atoms given as (name, arguments), the first `skip` arguments being the
    case number (the predicates' fields follow, as `predicates` declares them)."""
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    points = {c.name: 0 for c in policy.categories}
    raw_values: dict[str, dict[int, int | str]] = {}
    outcome, version = None, None
    not_assessed, not_applicable = set(), set()
    for name, args in atoms:
        if skip:
            args = args[skip:]
        if name == RESULT.name:
            results[args[0].string] = args[1].name
        elif name == POINTS_AWARDED.name:
            n = args[2].number
            awarded[args[0].string] = n
            points[args[1].string] += n
        elif name == SHOW_VALUE.name:
            raw_values.setdefault(args[0].string, {})[args[1].number] = _value(args[2])
        elif name == OUTCOME.name:
            outcome = args[0].name
        elif name == VERSION.name:
            version = args[0].string
        elif name == NOT_ASSESSED.name:
            not_assessed.add(args[0].string)
        elif name == NOT_APPLICABLE.name:
            not_applicable.add(args[0].string)
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
