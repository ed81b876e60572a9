"""Obligations in Z3: the symbolic cases a claim is stated over, its formula as a term, models as cases.

Shared by `prove` and `diff`. A `Scene` holds one symbolic case per case the claim names (each
with its decision), the quantified values, and what ties them down: each rule's definitions (kept
per rule, so an unsat core can name the rules a proof relied on), the domain assumptions (each
with its description), and the `same except` equalities between cases.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import z3

from ....dsl import ir
from ....dsl.units import decode_date
from ...backends import smt
from ...case import CaseData, Item, case_to_json, load_case

# ---------------------------------------------------------------- the decision, rule by rule


class RuleDefinitions:
    """A `smt.PartHook` that puts each rule's own parts (its `applies when` condition and its
    expression) behind fresh constants, defined by equalities kept per rule.

    Asserted together the definitions give exactly the decision `smt.build_decision` gives;
    asserting them per rule behind an indicator lets an unsat core name the rules a proof needed.
    """

    def __init__(self, policy: ir.Policy, tag: str):
        self.tag = tag  # names its constants apart from another decision's over the same case
        self.definitions: dict[str, list[z3.BoolRef]] = {r.id: [] for r in policy.rules}
        self._named: dict[tuple[str, str], z3.ExprRef] = {}

    def __call__(self, rule: ir.Rule, part: str, t: ir.Type, term: Callable[[], z3.ExprRef]) -> z3.ExprRef:
        key = (rule.id, part)
        if key not in self._named:
            defined = term()  # first, so that the builder's guard against self-reference still runs
            fresh = smt.variable(f"{self.tag}{rule.id}.{part}", t)
            self.definitions[rule.id].append(fresh == defined)
            self._named[key] = fresh
        return self._named[key]


# ---------------------------------------------------------------- the scene


@dataclass(frozen=True, eq=False)
class _Values:
    """Quantified values, shaped like a symbolic case for `SmtLowering` (which reads `scalars`)."""

    scalars: dict[str, z3.ExprRef]
    known: dict[str, z3.BoolRef]
    slots: dict[str, tuple]


@dataclass(frozen=True, eq=False)
class Scene:
    policy: ir.Policy
    max_items: int
    decisions: dict[str, smt.SymbolicDecision]  # case name → its decision
    values: dict[str, z3.ExprRef]
    value_lowering: smt.SmtLowering
    definitions: dict[str, list[z3.BoolRef]]  # rule id → its definitions, over every case
    assumptions: tuple[tuple[str, z3.BoolRef], ...]  # (description, condition)
    relations: tuple[z3.BoolRef, ...]  # `same except`: what the cases share


def build_scene(
    policy: ir.Policy,
    cases: tuple[str, ...],
    values: tuple[tuple[str, ir.Type], ...],
    same_except: tuple[str, ...] | None,
    max_items: int,
    policies: dict[str, ir.Policy] | None = None,
    share_case: bool = False,
) -> Scene:
    """The symbolic world of a claim. `policies` gives a case its own policy (for `diff`), and
    `share_case` reads every named case off one symbolic case (both policies, one case)."""
    decisions: dict[str, smt.SymbolicDecision] = {}
    definitions: dict[str, list[z3.BoolRef]] = {}
    assumptions: list[tuple[str, z3.BoolRef]] = []
    shared: smt.SymbolicCase | None = None
    for name in cases:
        pol = (policies or {}).get(name, policy)
        if share_case and shared is not None:
            sym = shared
        else:
            sym = shared = smt.SymbolicCase(pol, max_items, "" if share_case else f"{name}.")
            assumptions += sym.domain_assumptions()  # the same text for every case: each case satisfies it
        tracked = RuleDefinitions(pol, f"{name}." if share_case or len(cases) > 1 else sym.prefix)
        decisions[name] = smt.DecisionBuilder(pol, sym, tracked).build()
        for rule_id, defs in tracked.definitions.items():
            key = rule_id if not policies else f"{name}:{rule_id}"
            definitions.setdefault(key, []).extend(defs)
    value_vars = {n: smt.variable(n, t) for n, t in values}
    for n, t in values:
        field = ir.InputField(n, t, False, "")
        assumptions += smt.field_assumptions(policy, field, n, value_vars[n], z3.BoolVal(True))
    relations = _same_except(policy, [decisions[c].case for c in cases], same_except) if same_except is not None else ()
    return Scene(
        policy=policy,
        max_items=max_items,
        decisions=decisions,
        values=value_vars,
        value_lowering=smt.SmtLowering(_Values(value_vars, {}, {})),
        definitions=definitions,
        assumptions=tuple(assumptions),
        relations=tuple(relations),
    )


def _same_except(policy: ir.Policy, syms: list[smt.SymbolicCase], differ: tuple[str, ...]) -> list[z3.BoolRef]:
    """Every input equal across the cases, but those that may differ (a list, or one of its fields)."""
    out: list[z3.BoolRef] = []
    first, rest = syms[0], syms[1:]
    for other in rest:
        for f in policy.inputs:
            if f.path not in differ:
                out += [first.scalars[f.path] == other.scalars[f.path], first.known[f.path] == other.known[f.path]]
        for lst in policy.lists:
            if lst.name in differ:
                continue
            for a, b in zip(first.slots[lst.name], other.slots[lst.name]):
                out.append(a.present == b.present)
                for f in lst.fields:
                    if f"{lst.name}.{f.path}" not in differ:
                        out += [a.values[f.path] == b.values[f.path], a.known[f.path] == b.known[f.path]]
    return out


# ---------------------------------------------------------------- formulas


_COMPARE = ir.COMPARE_OPS


class FormulaLowering(ir.FormulaVisitor):
    """One method per formula node; `slot` is the list slot inside `each`, else None."""

    reader = "the Z3 formula lowering"

    def __init__(self, scene: Scene):
        self.scene = scene

    def lower(self, f: ir.Formula, slot: int | None = None) -> z3.ExprRef:
        return self.dispatch(f, slot)

    def _CaseExpr(self, f: ir.CaseExpr, slot):
        lowering = self.scene.decisions[f.case].lowering if f.case else self.scene.value_lowering
        return lowering.lower(f.expr, slot if f.expr.scope is not None else None)

    def _OutcomeIs(self, f: ir.OutcomeIs, slot):
        return self.scene.decisions[f.case].outcome_is(f.outcome)

    def _RuleIs(self, f: ir.RuleIs, slot):
        t = self.scene.decisions[f.case].rules[f.rule]
        states = {
            "assessed": lambda: t.assessed,
            "not_assessed": lambda: t.not_assessed,
            "not_applicable": lambda: t.not_applicable,
            "not_in_force": lambda: z3.Not(t.in_force),
        }
        return states[f.status]() if f.status in states else t.result(f.status)

    def _AwardOf(self, f: ir.AwardOf, slot):
        return self.scene.decisions[f.case].rules[f.rule].awarded

    def _FNot(self, f: ir.FNot, slot):
        return z3.Not(self.lower(f.operand, slot))

    def _Connective(self, f: ir.Connective, slot):
        a, b = self.lower(f.left, slot), self.lower(f.right, slot)
        return {"and": z3.And, "or": z3.Or, "implies": z3.Implies}[f.op](a, b)

    def _Relation(self, f: ir.Relation, slot):
        return _COMPARE[f.op](self.lower(f.left, slot), self.lower(f.right, slot))

    def _EachItem(self, f: ir.EachItem, slot):
        cases = [d.case for d in self.scene.decisions.values()]
        out = []
        for i in range(self.scene.max_items):
            present = z3.And([sym.slots[f.list][i].present for sym in cases])
            out.append(z3.Implies(present, self.lower(f.body, i)))
        return z3.And(out) if out else z3.BoolVal(True)


def lower_formula(scene: Scene, f: ir.Formula) -> z3.BoolRef:
    return FormulaLowering(scene).lower(f)


# ---------------------------------------------------------------- models back to cases


def read_model(model: z3.ModelRef) -> Callable[[z3.ExprRef], int | str]:
    return lambda t: smt.py_value(model.eval(t, model_completion=True))


def case_from_model(policy: ir.Policy, sym: smt.SymbolicCase, read) -> CaseData:
    scalars = {f.path: read(sym.scalars[f.path]) for f in policy.inputs}
    known = {f.path: bool(read(sym.known[f.path])) for f in policy.inputs}
    items: dict[str, tuple[Item, ...]] = {}
    for lst in policy.lists:
        present = [slot for slot in sym.slots[lst.name] if read(slot.present)]
        items[lst.name] = tuple(
            Item(
                {f.path: read(s.values[f.path]) for f in lst.fields},
                {f.path: bool(read(s.known[f.path])) for f in lst.fields},
            )
            for s in present
        )
    return CaseData(scalars, known, items, {}, decode_date(scalars["lodgement_date"]))


def as_case_file(policy: ir.Policy, case: CaseData) -> tuple[dict, CaseData]:
    """The case file of a case read from a model, and that file read back as any user's would be.

    Raises ValueError when the file does not decide like the model's case (a bug in visa-rules).
    """
    data = case_to_json(policy, case)
    loaded = load_case(policy, data, "<counterexample>")
    if (loaded.scalars, loaded.known, loaded.items) != (case.scalars, case.known, case.items):
        raise ValueError("the model's case changes when written as a case file and read back")
    return data, loaded


def z3_verdict(decision: smt.SymbolicDecision, read) -> ir.Verdict:
    """The decision as Z3's model has it, for comparison with clingo and the Python evaluator."""
    return smt.read_verdict(decision, read)


# ---------------------------------------------------------------- minimising a model


def _symbolic_cases(scene: Scene) -> list[smt.SymbolicCase]:
    return list(dict.fromkeys(d.case for d in scene.decisions.values()))


def objectives(scene: Scene) -> list[z3.ArithRef]:
    """What a small, readable case minimises once it has as few list items as it can.

    In order: fewest optional inputs given, fewest yes/no inputs set, the earliest lodgement,
    other dates as close to lodgement as possible, then the smallest amounts, numbers and
    enumeration members, and empty text. A case at the edge of what it must show then sits on the
    threshold it crosses: the smallest pay that still earns the points, the first day of a window.
    """
    policy = scene.policy
    known, flags, lodged, dates, money, numbers, members, text = ([] for _ in range(8))
    for sym in _symbolic_cases(scene):
        lodgement = sym.scalars["lodgement_date"]
        lodged.append(lodgement)
        fields = [(f, sym.scalars[f.path], sym.known[f.path], z3.BoolVal(True)) for f in policy.inputs]
        for lst in policy.lists:
            for slot in sym.slots[lst.name]:
                fields += [(f, slot.values[f.path], slot.known[f.path], slot.present) for f in lst.fields]
        for f, v, k, present in fields:
            given = z3.And(present, k)
            if f.optional:
                known.append(z3.If(given, 1, 0))
            kind = f.type.kind
            if kind == "bool":
                flags.append(z3.If(z3.And(given, v), 1, 0))
            elif kind == "date" and f.path != "lodgement_date":
                dates.append(z3.If(given, z3.If(v >= lodgement, v - lodgement, lodgement - v), 0))
            elif kind == "money":
                money.append(z3.If(given, v, 0))
            elif kind in ("int", "duration"):
                numbers.append(z3.If(given, v, 0))
            elif kind == "enum":
                members.append(z3.If(given, v, 0))
            elif kind == "text":
                text.append(z3.Length(v))
    for v in scene.values.values():
        if not z3.is_bool(v):
            numbers.append(v)
    return [z3.Sum(g) for g in (known, flags, lodged, dates, money, numbers, members, text) if g]


def minimise(scene: Scene, hard: list[z3.BoolRef], model: z3.ModelRef, seconds: float) -> tuple[z3.ModelRef, bool]:
    """A model of `hard` made small within `seconds`: the fewest list items, then least by
    `objectives`, one objective after another (Z3's own lexicographic optimisation is much slower
    here, and less predictable). What runs out of time keeps the value it has.

    Gives the model and whether every step reached its least.
    """
    deadline = time.perf_counter() + seconds
    held: list[z3.BoolRef] = []
    complete = True

    def budget(share: float) -> int:
        return max(1, int(1000 * max(0.0, deadline - time.perf_counter()) * share))

    for sym in _symbolic_cases(scene):  # items fill the first slots, so "slot n absent" is "at most n"
        for slots in sym.slots.values():
            for slot in slots:
                if is_true(model, z3.Not(slot.present)):
                    held.append(z3.Not(slot.present))
                    break
                solver = z3.Solver()
                solver.set("timeout", budget(0.2))
                solver.add(hard + held + [z3.Not(slot.present)])
                answer = solver.check()
                if answer == z3.sat:
                    model = solver.model()
                    held.append(z3.Not(slot.present))
                    break
                complete = complete and answer == z3.unsat
    terms = objectives(scene)
    for i, term in enumerate(terms):
        if deadline <= time.perf_counter():
            return model, False
        opt = z3.Optimize()
        opt.set("timeout", budget(2 / (len(terms) - i)))  # a share of what is left, with slack
        opt.add(hard + held)
        opt.minimize(term)
        if opt.check() == z3.sat:
            model = opt.model()
        else:
            complete = False
        held.append(term <= model.eval(term, model_completion=True))
    return model, complete


def is_true(model: z3.ModelRef, term: z3.BoolRef) -> bool:
    return z3.is_true(model.eval(term, model_completion=True))


# ---------------------------------------------------------------- describing assumptions

_SLOT = re.compile(r"\[\d+\]")
_TWO_SLOTS = re.compile(r"\[(\d+)\](.*)\[(\d+)\]")


def summarise_assumptions(descriptions) -> tuple[str, ...]:
    """One line per kind of assumption, list slots folded into [i] (and [i-1]), in first-seen order."""

    def fold(d: str) -> str:
        two = _TWO_SLOTS.search(d)
        if two and int(two[3]) == int(two[1]) - 1:
            d = d[: two.start()] + f"[i]{two[2]}[i-1]" + d[two.end() :]
        return _SLOT.sub("[i]", d)

    return tuple(dict.fromkeys(fold(d) for d in descriptions))
