"""Obligations in Z3: the symbolic cases a claim is stated over, its formula as a term, models as cases.

Shared by `prove` and `diff`. A `Scene` holds one symbolic case per case the claim names (each
with its decision), the quantified values, and what ties them down: each rule's definitions (kept
per rule, so an unsat core can name the rules a proof relied on), the domain assumptions (each
with its description), and the `same except` equalities between cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import z3

from ....dsl import ir
from ....dsl.units import date_code, decode_date
from ...backends import smt
from ...case import CaseData, Item, case_to_json, load_case
from .budget import Budget

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


class _Outside:
    """A `smt.PartHook` that leaves the rules in `keep` as they are and gives every other rule's
    parts free values, the same for every decision it builds."""

    def __init__(self, keep: frozenset[str]):
        self.keep = keep
        self.free: dict[tuple[str, str], z3.ExprRef] = {}

    def __call__(self, rule: ir.Rule, part: str, t: ir.Type, term: Callable[[], z3.ExprRef]) -> z3.ExprRef:
        if rule.id in self.keep:
            return term()
        if (rule.id, part) not in self.free:
            self.free[rule.id, part] = smt.variable(f"outside {rule.id}.{part}", t)
        return self.free[rule.id, part]


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
    # values for the variables no query constraint mentions (inputs outside a slice), keyed by the
    # variable's id: a model is read with these, so that its case meets every domain assumption
    fill: dict[int, z3.ExprRef] = field(default_factory=dict)


def build_scene(
    policy: ir.Policy,
    cases: tuple[str, ...],
    values: tuple[tuple[str, ir.Type], ...],
    same_except: tuple[str, ...] | None,
    max_items: int,
    policies: dict[str, ir.Policy] | None = None,
    share_case: bool = False,
    inputs: frozenset[str] | None = None,
    track_rules: bool = True,
    abstract_outside: frozenset[str] | None = None,
) -> Scene:
    """The symbolic world of a claim. `policies` gives a case its own policy (for `diff`), and
    `share_case` reads every named case off one symbolic case (both policies, one case).

    `inputs` are the scalar inputs the claim and the rules read (None: all of them). The domain
    assumptions that neither mention one of them nor are tied to them through other assumptions
    are left out of the query: they cost Z3 time (a calendar day is arithmetic modulo 32, 12 and
    4) and settle nothing. The variables they alone mention get fixed values that meet them.

    `track_rules` puts each rule's parts behind constants defined per rule (for unsat cores);
    without it the decision's terms are used as they are, so that two policies deciding one case
    share every term of the rules they have in common (for `diff`), and `definitions` is empty.
    `abstract_outside` (with `share_case`, without `track_rules`) keeps only these rules as they
    are: every other rule's parts become free values, shared by the policies, so that a rule both
    policies hold alike is one unknown to Z3 (an over-approximation: for proving that no case
    differs, where a found case must be checked)."""
    decisions: dict[str, smt.SymbolicDecision] = {}
    definitions: dict[str, list[z3.BoolRef]] = {}
    assumptions: list[tuple[str, z3.BoolRef]] = []
    shared: smt.SymbolicCase | None = None
    hook = _Outside(abstract_outside) if abstract_outside is not None else None
    first: smt.SymbolicCase | None = None
    for name in cases:
        pol = (policies or {}).get(name, policy)
        if share_case and shared is not None:
            sym = shared
        else:
            sym = shared = smt.SymbolicCase(pol, max_items, "" if share_case else f"{name}.")
            if same_except is not None and first is not None:
                _alias(pol, sym, first, same_except)
            first = first or sym
            assumptions += sym.domain_assumptions()  # the same text for every case: each case satisfies it
        tracked = RuleDefinitions(pol, f"{name}." if share_case or len(cases) > 1 else sym.prefix)
        if track_rules:
            decisions[name] = smt.DecisionBuilder(pol, sym, tracked).build()
        else:
            decisions[name] = smt.DecisionBuilder(pol, sym, hook).build() if hook else smt.build_decision(pol, sym)
        for rule_id, defs in (tracked.definitions if track_rules else {}).items():
            key = rule_id if not policies else f"{name}:{rule_id}"
            definitions.setdefault(key, []).extend(defs)
    value_vars = {n: smt.variable(n, t) for n, t in values}
    for n, t in values:
        quantified = ir.InputField(n, t, False, "")
        assumptions += smt.field_assumptions(policy, quantified, n, value_vars[n], z3.BoolVal(True))
    relations = _same_except(policy, [decisions[c].case for c in cases], same_except) if same_except is not None else ()
    fill: dict[int, z3.ExprRef] = {}
    if inputs is not None and same_except is None:
        syms = list(dict.fromkeys(d.case for d in decisions.values()))
        assumptions, fill = _prune(policy, syms, inputs, list(value_vars.values()), assumptions)
    return Scene(
        policy=policy,
        max_items=max_items,
        decisions=decisions,
        values=value_vars,
        value_lowering=smt.SmtLowering(_Values(value_vars, {}, {})),
        definitions=definitions,
        assumptions=tuple(assumptions),
        relations=tuple(relations),
        fill=fill,
    )


def new_solver(scene: Scene) -> z3.Solver:
    """A solver for the scene's queries: Z3's linear-integer solver when no text is read (about
    twice as fast on these queries as the general one), else the general one."""
    syms = list(dict.fromkeys(d.case for d in scene.decisions.values()))
    reads_text = any(
        f.type.kind == "text" and sym.scalars[f.path].get_id() not in scene.fill
        for sym in syms
        for f in sym.policy.inputs
    ) or any(f.type.kind == "text" for sym in syms for lst in sym.policy.lists for f in lst.fields)
    return z3.Solver() if reads_text else z3.SolverFor("QF_LIA")


def _constants(term: z3.ExprRef, memo: dict[int, frozenset[int]]) -> frozenset[int]:
    """The ids of the variables in a term (through Z3's C interface: the Python wrappers are slow)."""
    ctx = term.ctx_ref()

    def visit(a) -> frozenset[int]:
        key = z3.Z3_get_ast_id(ctx, a)
        hit = memo.get(key)
        if hit is None:
            n = z3.Z3_get_app_num_args(ctx, a) if z3.Z3_is_app(ctx, a) else 0
            if n == 0:
                uninterpreted = z3.Z3_is_app(ctx, a) and (
                    z3.Z3_get_decl_kind(ctx, z3.Z3_get_app_decl(ctx, a)) == z3.Z3_OP_UNINTERPRETED
                )
                hit = frozenset((key,)) if uninterpreted else frozenset()
            else:
                hit = frozenset().union(*(visit(z3.Z3_get_app_arg(ctx, a, i)) for i in range(n)))
            memo[key] = hit
        return hit

    return visit(term.as_ast())


def _prune(policy, syms, inputs, values, assumptions):
    """The assumptions tied (through shared variables) to the variables read, and fixed values for
    the variables only the others mention, checked to meet those others."""
    memo: dict[int, frozenset[int]] = {}
    inside: set[int] = {v.get_id() for v in values}
    variables: dict[int, tuple[z3.ExprRef, ir.Type | None, bool]] = {}  # id → (variable, type, optional)
    for sym in syms:
        for f in sym.policy.inputs:
            pairs = [(sym.scalars[f.path], f.type), (sym.known[f.path], None)]
            for v, t in pairs:
                if z3.is_const(v) and v.decl().kind() == z3.Z3_OP_UNINTERPRETED:
                    variables[v.get_id()] = (v, t, f.optional)
                    if f.path in inputs:
                        inside.add(v.get_id())
        for slots in sym.slots.values():  # a list in the scene is read
            for slot in slots:
                for v in (slot.present, *slot.values.values(), *slot.known.values()):
                    inside |= _constants(v, memo)
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    mentions = [_constants(cond, memo) for _, cond in assumptions]
    for ids in mentions:
        first = next(iter(ids), None)
        for other in ids:
            parent[root(other)] = root(first)  # type: ignore[arg-type]
    tied = {root(i) for i in inside}
    kept = [a for a, ids in zip(assumptions, mentions) if not ids or any(root(i) in tied for i in ids)]
    dropped = [cond for (_, cond), ids in zip(assumptions, mentions) if ids and not any(root(i) in tied for i in ids)]
    # a variable tied to one read (a category's required input, known when the category is) is Z3's to choose
    outside = {i for ids in mentions for i in ids if root(i) not in tied}
    outside |= {i for i in variables if i not in inside and root(i) not in tied}
    fill = {i: _plain_value(policy, *variables[i]) for i in outside if i in variables}
    pairs = [(variables[i][0], v) for i, v in fill.items()]
    if not all(z3.is_true(z3.simplify(z3.substitute(c, *pairs) if pairs else c)) for c in dropped):
        solver = z3.Solver()  # plain values do not meet them (never for the shipped assumptions): ask Z3
        solver.set("rlimit", 20_000_000)  # deterministic: if Z3 cannot say, keep every assumption
        solver.add(dropped)
        if solver.check() != z3.sat:
            return list(assumptions), {}
        model = solver.model()
        fill = {i: model.eval(variables[i][0], model_completion=True) for i in fill}
    return kept, fill


def _plain_value(policy: ir.Policy, v: z3.ExprRef, t: ir.Type | None, optional: bool) -> z3.ExprRef:
    """A value any case may hold: unknown if optional; zero, or the first version's start for a date."""
    if t is None:  # whether an optional input is known
        return z3.BoolVal(False)
    if t.kind == "date" and not optional:
        return z3.IntVal(date_code(policy.versions[0].start))
    return smt.literal(t, ir.zero_of(t))


def _alias(policy: ir.Policy, sym: smt.SymbolicCase, first: smt.SymbolicCase, differ: tuple[str, ...]) -> None:
    """`same except`: every input that may not differ is the first case's own variable, so that Z3
    sees one term where the cases agree (the months of four work periods counted once, read by
    both cases, are one term, not two to be proved equal). The equalities stay, trivially true."""
    for f in policy.inputs:
        if f.path not in differ:
            sym.scalars[f.path], sym.known[f.path] = first.scalars[f.path], first.known[f.path]
    for lst in policy.lists:
        if lst.name in differ:
            continue
        own = {f.path for f in lst.fields if f"{lst.name}.{f.path}" in differ}
        sym.slots[lst.name] = tuple(
            smt.Slot(
                present=a.present,
                values={p: (b.values[p] if p in own else v) for p, v in a.values.items()},
                known={p: (b.known[p] if p in own else k) for p, k in a.known.items()},
            )
            for a, b in zip(first.slots[lst.name], sym.slots[lst.name])
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


def read_model(model: z3.ModelRef, fill: dict[int, z3.ExprRef] | None = None) -> Callable[[z3.ExprRef], int | str]:
    """Values from a model; a variable in `fill` (see `Scene.fill`) reads as its fixed value."""
    fixed = fill or {}

    def read(t: z3.ExprRef) -> int | str:
        hit = fixed.get(t.get_id())
        return smt.py_value(hit if hit is not None else model.eval(t, model_completion=True))

    return read


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


def full_case(policy: ir.Policy, case: CaseData) -> CaseData:
    """A case read from a sliced scene, with no items in the lists the slice left out."""
    items = {lst.name: case.items.get(lst.name, ()) for lst in policy.lists}
    return CaseData(case.scalars, case.known, items, case.raw, case.lodgement)


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
            if v.get_id() in scene.fill:  # outside the slice: a fixed value, nothing to minimise
                continue
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
            elif kind in ("int", "decimal", "duration"):
                numbers.append(z3.If(given, v, 0))
            elif kind == "enum":
                members.append(z3.If(given, v, 0))
            elif kind == "text":
                text.append(z3.Length(v))
    for v in scene.values.values():
        if not z3.is_bool(v):
            numbers.append(v)
    return [z3.Sum(g) for g in (known, flags, lodged, dates, money, numbers, members, text) if g]


def minimise(
    scene: Scene, hard: list[z3.BoolRef], model: z3.ModelRef, budget: Budget, items_only: bool = False
) -> tuple[z3.ModelRef, bool]:
    """A model of `hard` made small within `budget`: the fewest list items (only that with
    `items_only`: a case's values are then shrunk by `shrink`), then least by
    `objectives`, one objective after another (Z3's own lexicographic optimisation is much slower
    here, and less predictable). A step that runs out of units keeps the value it has; the budget
    is in resource units, so the same model comes out on any machine.

    Gives the model and whether every step reached its least.
    """
    held: list[z3.BoolRef] = []
    complete = True

    def check(solver: z3.Solver | z3.Optimize, share: float) -> z3.CheckSatResult:
        part = budget.part(share)
        answer = part.check(solver)
        budget.absorb(part)
        return answer

    for sym in _symbolic_cases(scene):  # items fill the first slots, so "slot n absent" is "at most n"
        for slots in sym.slots.values():
            for slot in slots:
                if is_true(model, z3.Not(slot.present)):
                    held.append(z3.Not(slot.present))
                    break
                solver = z3.Solver()
                solver.add(hard + held + [z3.Not(slot.present)])
                answer = check(solver, 0.2)
                if answer == z3.sat:
                    model = solver.model()
                    held.append(z3.Not(slot.present))
                    break
                complete = complete and answer == z3.unsat
    if items_only:
        return model, complete
    terms = objectives(scene)
    for i, term in enumerate(terms):
        if budget.left <= 0:
            return model, False
        opt = z3.Optimize()
        opt.add(hard + held)
        opt.minimize(term)
        if check(opt, 2 / (len(terms) - i + 1)) == z3.sat:  # a share of what is left, with slack
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


# What kinds of assumption there are, each said briefly; anything else is shown as written.
_KINDS = (
    (re.compile(r"reads as"), "an unknown value reads as zero"),
    (re.compile(r"is one of the \d+ \w+ members"), "members of their enumerations"),
    (re.compile(r"is not negative"), "numbers and money not negative"),
    (re.compile(r"calendar day from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)"), r"dates are calendar days from \1 to \2"),
    (re.compile(r"is present only if"), "items fill the first slots"),
    (re.compile(r"^an absent"), "absent items are blank"),
)
_SUBJECT = re.compile(r"[A-Za-z_][\w]*")


def group_assumptions(descriptions) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Assumptions by input group (a record, a list, a scalar input), each kind said once:
    ("employment", ("an unknown value reads as zero", "numbers and money not negative", …))."""
    groups: dict[str, dict[str, int]] = {}  # group → what it assumes → its place in _KINDS
    for d in summarise_assumptions(descriptions):
        text = d[3:] if d.startswith("an ") else d
        text = text[7:] if text.startswith("absent ") else text
        subject = _SUBJECT.match(text.replace("unknown ", "", 1))
        group = subject.group(0) if subject else ""
        said, rank = d, len(_KINDS)
        for i, (pattern, short) in enumerate(_KINDS):
            found = pattern.search(d)
            if found:
                said, rank = found.expand(short), i
                break
        groups.setdefault(group, {})[said] = rank
    return tuple((g, tuple(sorted(kinds, key=lambda k: kinds[k]))) for g, kinds in groups.items())
