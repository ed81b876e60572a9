"""Equivalence proved where a mutant changes the policy, not over its whole decision.

A mutant that changes a `define` changes nothing a case test can see if that define still gives
the same value for every case, or, failing that, if every define reading it does. So instead of
comparing two whole decisions (`diff`: every rule, every date window, many seconds of Z3 for the
visa stretches), Z3 is asked whether the changed defines themselves differ for some case within
the domain assumptions: the lowest first, then, for each that does differ, the defines that read
it, up to a few levels. When a rule reads a define that differs, or the mutant changes a rule
itself, this gives up and `diff` decides. The proof holds for cases with up to `max_items` items
per list, like `diff`'s.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import z3

from ....dsl import ir
from ...backends.smt.case import SymbolicCase
from ...backends.smt.lower import SmtLowering
from ..prove.budget import Budget
from ..prove.parallel import run_each

__all__ = ["locally_equivalent"]

_LEVELS = 6  # defines read in a chain above the change, before `diff` is left to decide


def locally_equivalent(
    original: ir.Policy, mutant: ir.Policy, max_items: int, rlimit: int, timeout: float
) -> str | None:
    """Why the two decide every case alike (the defines proved to agree), or None when that is not
    shown here. Every query draws on one budget of `rlimit` Z3 units (`timeout` seconds are a
    safety net), in a process of its own, so the answer does not depend on earlier queries."""
    plan = _plan(original, mutant)
    if plan is None:
        return None
    work = partial(_prove, original, mutant, plan, max_items, rlimit, timeout)
    ((_, answer),) = run_each(1, work, 1)
    return answer.get("reason")


@dataclasses.dataclass(frozen=True)
class _Plan:
    lowest: frozenset[str]  # defines whose own text the mutant changed
    readers: dict[str, frozenset[str]]  # define → the defines that read it directly
    read_by_rules: frozenset[str]  # defines a rule's condition or scope reads directly


def _plan(original: ir.Policy, mutant: ir.Policy) -> _Plan | None:
    """Where the mutant changes the policy, or None if it changes more than defines' expressions."""
    for f in dataclasses.fields(original):
        if f.name not in ("rules", "defines", "params") and getattr(original, f.name) is not getattr(mutant, f.name):
            return None
    if len(original.rules) != len(mutant.rules) or len(original.defines) != len(mutant.defines):
        return None
    memo: dict[int, tuple] = {}
    for a, b in zip(original.rules, mutant.rules):
        if dataclasses.replace(b, expr=a.expr, applies=a.applies, texts=a.texts) != a:
            return None  # its effect, dates or points changed
        if any(_shape(x, memo) != _shape(y, memo) for x, y in zip(_deciding(a), _deciding(b))):
            return None  # the change is in the rule, not in a define it reads
    old, new = _named(original), _named(mutant)
    if old is None or new is None or old.keys() != new.keys():
        return None
    lowest = frozenset(n for n in old if _shape(old[n].expr, memo) != _shape(new[n].expr, memo))
    if not lowest:
        return None
    readers: dict[str, set[str]] = {n: set() for n in old}
    for n, d in new.items():
        for read in _reads(d.expr):
            readers[read].add(n)
    by_rules = frozenset(read for r in mutant.rules for root in _deciding(r) for read in _reads(root))
    return _Plan(lowest, {n: frozenset(s) for n, s in readers.items()}, by_rules)


def _named(policy: ir.Policy) -> dict[str, ir.Named] | None:
    """Every define by name, the case-level ones and those for each item of a list (which are
    reached only through the expressions reading them); None if one name means two things."""
    out: dict[str, ir.Named] = {}
    seen: set[int] = set()
    stack: list[ir.Expr] = [*policy.defines, *(root for r in policy.rules for root in _deciding(r))]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, ir.Named):
            if out.setdefault(x.name, x) != x:
                return None
        stack.extend(x.children)
    return out


def _deciding(rule: ir.Rule) -> tuple[ir.Expr, ...]:
    """What decides a rule's result (its texts only explain it)."""
    return (rule.expr,) if rule.applies is None else (rule.expr, rule.applies)


def _shape(e: ir.Expr, memo: dict[int, tuple]) -> tuple:
    """The expression with every define it reads cut to its name: equal shapes compute the same
    from the same defines' values."""
    if isinstance(e, ir.Named):
        return ("define", e.name)
    hit = memo.get(id(e))
    if hit is None or hit[0] is not e:
        own = tuple(
            (f.name, getattr(e, f.name)) for f in dataclasses.fields(e) if f.name not in e.operands and f.name != "span"
        )
        hit = memo[id(e)] = (e, (type(e).__name__, own, tuple(_shape(c, memo) for c in e.children)))
    return hit[1]


def _reads(e: ir.Expr) -> set[str]:
    """The defines an expression reads directly (not those they read in turn)."""
    out: set[str] = set()
    seen: set[int] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, ir.Named) and x is not e:
            out.add(x.name)
            continue
        stack.extend(x.children)
    return out


def _prove(
    original: ir.Policy, mutant: ir.Policy, plan: _Plan, max_items: int, rlimit: int, timeout: float, _: int
) -> dict:
    """In the task's process: walk up from the changed defines until every one in reach agrees."""
    sym = SymbolicCase(original, max_items)
    # one symbolic case and one lowering for both: the policies have the same inputs, and the parts
    # the mutant left alone are the same IR objects, lowered once
    lowering = SmtLowering(sym)
    old, new = _named(original), _named(mutant)
    assert old is not None and new is not None  # as _plan found them
    assumptions = [c for _, c in sym.domain_assumptions()]
    agreed: list[str] = []
    frontier = set(plan.lowest)
    for _level in range(_LEVELS):
        differing = set()
        for name in sorted(frontier):
            budget = Budget(rlimit, timeout)  # each query its own: one hard define does not starve the rest
            try:
                answer = _differs(old[name], new[name], sym, lowering, assumptions, budget)
            except ValueError:  # not loweable on its own (points of a category): leave it to diff
                return {}
            if answer == z3.unknown:  # not shown either way: the defines above it would be harder still
                return {}
            if answer == z3.unsat:
                agreed.append(name)
            else:
                differing.add(name)
        if not differing:
            return {"reason": f"proved by Z3: {', '.join(sorted(agreed))} unchanged for every case "
                              f"with at most {max_items} items per list"}  # fmt: skip
        if differing & plan.read_by_rules:
            return {}
        frontier = set().union(*(plan.readers[n] for n in differing))
        if not frontier:
            return {}
    return {}


def _differs(
    a: ir.Named, b: ir.Named, sym: SymbolicCase, lowering: SmtLowering, assumptions, budget: Budget
) -> z3.CheckSatResult:
    """unsat when the two defines are equal for every case within the assumptions, sat when they
    differ for some, unknown when the budget ran out first."""
    if a.scope is None:
        differs = lowering.lower(a.expr) != lowering.lower(b.expr)
    else:
        differs = z3.Or(
            [
                z3.And(slot.present, lowering.lower(a.expr, i) != lowering.lower(b.expr, i))
                for i, slot in enumerate(sym.slots[a.scope])
            ]
        )
    solver = z3.Solver()
    solver.add(*assumptions)
    solver.add(differs)
    return budget.check(solver)
