"""One obligation → Z3 → holds (with the rules relied on), fails (with a counterexample) or unknown.

Z3 sees only the obligation's slice (`slicing`): the rules it reads and the lists they read. A
claim about every case (`forall`) is stated for cases with at most `max_items` items per list
that it reads; a claim that some case exists looks for a witness with no list items first, then
one item, then `max_items` (a witness with fewer items is one with more slots as well, and is
found much faster, and easier to read). Every check draws on one resource budget (`budget`).

A counterexample is read back as a case file and made small: one case by trying simpler values
(`shrink`: each step decided by the Python evaluator), two cases or quantified values by Z3
(`scene.minimise`, which keeps them tied). It is replayed through clingo, the Python evaluator and
Z3's model (`replay`); when they disagree the result carries `bug`: a fault in visa-rules, not in
the policy.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import z3

from ....dsl import ir
from .budget import Budget
from .obligations import Obligation
from .replay import replay
from .results import FAILS, HOLDS, UNKNOWN, Limits, Result
from .scene import Scene, build_scene, lower_formula, minimise, new_solver, summarise_assumptions
from .slicing import Slice, slice_of, sliced_policy, witness_lists

__all__ = ["prove_one"]


def prove_one(policy: ir.Policy, ob: Obligation, limits: Limits) -> Result:
    started = time.process_time()
    budget = Budget(limits.rlimit, limits.timeout)
    sl = slice_of(policy, ob.formula, ob.same_except)
    part = sliced_policy(policy, sl)
    prove_claim = _forall if ob.claim == "forall" else _exists
    result = prove_claim(policy, part, ob, limits, budget, sl)
    return dataclasses.replace(result, seconds=time.process_time() - started, units=budget.spent, rules=len(sl.rules))


def _hard(scene: Scene, goal: z3.BoolRef) -> list[z3.BoolRef]:
    hard = [c for defs in scene.definitions.values() for c in defs] + [c for _, c in scene.assumptions]
    return hard + [*scene.relations, goal]


def _unknown(ob: Obligation, limits: Limits, budget: Budget) -> Result:
    return Result(ob, UNKNOWN, limits.max_items, 0.0, reason=budget.reason, limit=budget.limit)


def _forall(policy: ir.Policy, part: ir.Policy, ob: Obligation, limits: Limits, budget: Budget, sl: Slice) -> Result:
    scene = build_scene(part, ob.cases, ob.values, ob.same_except, limits.max_items, inputs=sl.inputs)
    goal = z3.Not(lower_formula(scene, ob.formula))  # sat: a counterexample
    if limits.smtlib_dir is not None:
        _write_smtlib(limits.smtlib_dir, ob, scene, _hard(scene, goal))
    # plainly first: indicators slow the search for a counterexample many times over, while an
    # unsat answer is found again with them (for its core) in a fraction of the time
    plain = new_solver(scene)
    plain.add(_hard(scene, goal))
    answer = budget.check(plain)
    if answer == z3.unsat:
        solver, rules, assumed = _tracked(scene, goal)
        answer = budget.check(solver, *rules, *assumed)
        if answer == z3.unsat:
            relied, used = _core(solver, rules, assumed, budget)
            return Result(ob, HOLDS, limits.max_items, 0.0, relied, used)
        if answer == z3.sat:  # never expected: the same constraints, with every indicator on
            return Result(ob, UNKNOWN, limits.max_items, 0.0, bug="Z3 found no counterexample, then found one")
    if answer == z3.unknown:
        return _unknown(ob, limits, budget)
    # the fewest list items by Z3 (a greedy search cannot trade an item for other values); the
    # values of one case are then shrunk in `replay`; two tied cases, or values, by Z3 as well
    single = len(ob.cases) == 1 and not ob.values
    small = budget.part(limits.minimise_share)
    model, minimised = minimise(scene, _hard(scene, goal), plain.model(), small, items_only=single)
    budget.absorb(small)
    example, bug = replay(policy, scene, ob, model, minimised, expect=False, shrink_case=single)
    return Result(ob, FAILS, limits.max_items, 0.0, (), _all_assumptions(scene), example, bug=bug)


def _exists(policy: ir.Policy, part: ir.Policy, ob: Obligation, limits: Limits, budget: Budget, sl: Slice) -> Result:
    scenes: dict[int, tuple[Scene, z3.BoolRef]] = {}
    for sizes in _witness_sizes(part, ob, limits.max_items, sl):
        k = max(sizes.values(), default=limits.max_items)
        if k not in scenes:
            built = build_scene(part, ob.cases, ob.values, ob.same_except, k, inputs=sl.inputs)
            scenes[k] = (built, lower_formula(built, ob.formula))  # sat: a witness
        scene, goal = scenes[k]
        solver = new_solver(scene)
        solver.add(_hard(scene, goal) + _at_most(scene, sizes))
        answer = budget.check(solver)
        if answer == z3.unknown:
            return _unknown(ob, limits, budget)
        if answer == z3.sat:
            if limits.smtlib_dir is not None:
                _write_smtlib(limits.smtlib_dir, ob, scene, _hard(scene, goal) + _at_most(scene, sizes))
            example, bug = replay(policy, scene, ob, solver.model(), False, expect=True, clingo=False)
            return Result(ob, HOLDS, limits.max_items, 0.0, (), _all_assumptions(scene), example, bug=bug)
    # no witness even with every slot: which rules rule it out (an unsat core over indicators)
    if limits.smtlib_dir is not None:
        _write_smtlib(limits.smtlib_dir, ob, scene, _hard(scene, goal))
    solver, rules, assumed = _tracked(scene, goal)
    answer = budget.check(solver, *rules, *assumed)
    if answer != z3.unsat:  # unknown, or (never expected) sat with the indicators on
        return _unknown(ob, limits, budget) if answer == z3.unknown else _exists_after_all(ob, limits)
    relied, used = _core(solver, rules, assumed, budget)
    return Result(ob, FAILS, limits.max_items, 0.0, relied, used, reason="no case can satisfy it")


def _tracked(scene: Scene, goal: z3.BoolRef) -> tuple[z3.Solver, dict, dict]:
    """A solver with each rule's definitions and each assumption behind an indicator, for unsat cores."""
    rules = {z3.Bool(f"rule {rid}"): rid for rid in scene.definitions}
    assumed = {z3.Bool(f"assume {i}"): text for i, (text, _) in enumerate(scene.assumptions)}
    solver = z3.Solver()
    for tracker, rid in rules.items():
        solver.add(z3.Implies(tracker, z3.And(scene.definitions[rid])))
    for tracker, (_, cond) in zip(assumed, scene.assumptions):
        solver.add(z3.Implies(tracker, cond))
    solver.add(*scene.relations, goal)
    return solver, rules, assumed


def _core(solver: z3.Solver, rules: dict, assumed: dict, budget: Budget) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The rules and assumptions an unsat answer relied on. Z3's own core minimisation is slow
    here (seconds where the answer took milliseconds); dropping each rule of the core in turn,
    within a small share of the budget, leaves out the rules it does not need."""
    by_name = {str(t): t for t in [*rules, *assumed]}
    core = [str(t) for t in solver.unsat_core()]
    needed = [n for n in core if n.startswith("rule ")]
    others = [by_name[n] for n in core if not n.startswith("rule ")]
    for name in list(needed):
        if len(needed) == 1:
            break
        trial = [n for n in needed if n != name]
        part = budget.part(0.05)
        if part.check(solver, *(by_name[n] for n in trial), *others) == z3.unsat:
            smaller = {str(t) for t in solver.unsat_core()}
            needed = [n for n in trial if n in smaller]
        budget.absorb(part)
    relied = tuple(rid for t, rid in rules.items() if str(t) in needed)
    kept = {str(t) for t in others}
    used = summarise_assumptions(text for t, text in assumed.items() if str(t) in kept)
    return relied, used


def _witness_sizes(part: ir.Policy, ob: Obligation, max_items: int, sl: Slice) -> list[dict[str, int]]:
    """Items per list to look for a witness with, fewest first: none; one, then two, in the lists
    the asserted rules read (the others empty); one, then two, in every list; then every slot.
    Small sizes are found, or ruled out, in a fraction of the time every slot takes, and give
    witnesses easier to read."""
    if not sl.lists:
        return [{}]
    needed = set(witness_lists(part, ob.formula))
    small = [n for n in (1, 2) if n < max_items]
    steps = [{lst: 0 for lst in sl.lists}]
    steps += [{lst: (n if lst in needed else 0) for lst in sl.lists} for n in small if needed]
    steps += [{lst: n for lst in sl.lists} for n in [*small, max_items]]
    return [s for i, s in enumerate(steps) if s not in steps[:i]]


def _at_most(scene: Scene, sizes: dict[str, int]) -> list[z3.BoolRef]:
    """Slots past each list's size absent (items fill the first slots)."""
    out: list[z3.BoolRef] = []
    for sym in dict.fromkeys(d.case for d in scene.decisions.values()):
        for name, slots in sym.slots.items():
            out += [z3.Not(slot.present) for slot in slots[sizes.get(name, len(slots)) :]]
    return out


def _exists_after_all(ob: Obligation, limits: Limits) -> Result:
    return Result(ob, UNKNOWN, limits.max_items, 0.0, bug="Z3 found no witness, then found one with the rules tracked")


def _all_assumptions(scene: Scene) -> tuple[str, ...]:
    return summarise_assumptions(t for t, _ in scene.assumptions)


def _write_smtlib(directory: Path, ob: Obligation, scene: Scene, hard: list[z3.BoolRef]) -> None:
    """The query as SMT-LIB: the slice's rules, the domain assumptions and the negated claim (or the claim)."""
    directory.mkdir(parents=True, exist_ok=True)
    export = z3.Solver()
    export.add(hard)
    meaning = "a counterexample" if ob.claim == "forall" else "a witness"
    head = [
        f"; visa-rules prove: {ob.id}: {ob.title}",
        f"; {ob.claim} claim over {', '.join(ob.cases) or 'values'}, for cases with at most "
        f"{scene.max_items} items per list it reads; {len(scene.definitions)} rules in its slice",
        f"; sat: Z3 found {meaning}; unsat: {'it holds' if ob.claim == 'forall' else 'there is none'}",
    ]
    (directory / f"{ob.id}.smt2").write_text("\n".join(head) + "\n" + export.to_smt2(), encoding="utf-8")
