"""The IR lowered to Z3: one symbolic case, the decision over it as terms, and a Z3 reading of a case.

Values: a bool-typed IR expression becomes a Z3 Bool (interp's 0/1), a text one a Z3 String, and
every other one a Z3 Int in the units of `encoding` (cents, date codes). The decision terms follow
the semantics in `verdict.py` exactly, so a prover can state properties over them; `evaluate`
binds every input to a case's values and reads the same terms back from a model, which lets the
lowering be cross-checked against `interp.evaluate` case by case.
"""

from __future__ import annotations

import ctypes
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import z3

from ..dsl import ir
from ..dsl.encoding import UNITS_PER_MONTH, date_code
from .case import CaseData, zero_of
from .verdict import OUTCOMES, Verdict

LODGEMENT = "lodgement_date"  # the inputs the decision itself reads, as in interp.evaluate
CATEGORY = "category"

DEFAULT_MAX_ITEMS = 4  # list slots of a cached decision; a longer case gets as many as it needs
EARLIEST_DATE = dt.date(1900, 1, 1)  # the "sane range" of the date assumptions
LATEST_DATE = dt.date(2100, 12, 31)


# ---------------------------------------------------------------- Z3 values


def text_val(s: str) -> z3.SeqRef:
    """A Z3 string of exactly these characters (z3.StringVal would read a backslash-u as an escape)."""
    ctx = z3.main_ctx()
    codes = (ctypes.c_uint * max(len(s), 1))(*map(ord, s))
    return z3.SeqRef(z3.Z3_mk_u32string(ctx.ref(), len(s), codes), ctx)


def text_of(v: z3.SeqRef) -> str:
    """The characters of a Z3 string value (as_string() escapes some of them, ambiguously)."""
    n = z3.Z3_get_string_length(v.ctx_ref(), v.as_ast())
    codes = (ctypes.c_uint * max(n, 1))()
    z3.Z3_get_string_contents(v.ctx_ref(), v.as_ast(), n, codes)
    return "".join(map(chr, codes[:n]))


def literal(t: ir.Type, value: int | str) -> z3.ExprRef:
    if t.kind == "bool":
        return z3.BoolVal(bool(value))
    if t.kind == "text":
        return text_val(str(value))
    return z3.IntVal(value)


def variable(name: str, t: ir.Type) -> z3.ExprRef:
    if t.kind == "bool":
        return z3.Bool(name)
    if t.kind == "text":
        return z3.String(name)
    return z3.Int(name)


def py_value(v: z3.ExprRef) -> int | str:
    """A model value the way interp gives it: bools as 0/1, text as str, the rest as int."""
    if z3.is_bool(v):
        return int(z3.is_true(v))
    if z3.is_string_value(v):
        return text_of(v)
    return v.as_long()


def any_of(terms) -> z3.BoolRef:
    terms = list(terms)
    return z3.Or(terms) if terms else z3.BoolVal(False)


def sum_of(terms) -> z3.ArithRef:
    terms = list(terms)
    return z3.Sum(terms) if terms else z3.IntVal(0)


def is_calendar_day(code: z3.ArithRef) -> z3.BoolRef:
    """The code is a real day (no 30 February), like `encoding.is_exact_date`."""
    day = code % UNITS_PER_MONTH
    months = code / UNITS_PER_MONTH
    month0, year = months % 12, months / 12
    leap = z3.And(year % 4 == 0, z3.Or(year % 100 != 0, year % 400 == 0))
    last = z3.If(month0 == 1, z3.If(leap, 29, 28), z3.If(z3.Or([month0 == m for m in (3, 5, 8, 10)]), 30, 31))
    return z3.And(day >= 1, day <= last)


# ---------------------------------------------------------------- the symbolic case


@dataclass(frozen=True, eq=False)
class Slot:
    """One possible item of a list; `present` says whether the case has it."""

    present: z3.BoolRef
    values: dict[str, z3.ExprRef]
    known: dict[str, z3.BoolRef]  # constant true for a required field


class SymbolicCase:
    """Every input of a policy as a Z3 variable, lists as `max_items` slots each.

    Variables are named by input path (`employment.hours_per_week`, `work[0].start`,
    `known(invitation_date)`, `work[0].present`) after `prefix`, so that two cases can be
    compared in one formula.
    """

    def __init__(self, policy: ir.Policy, max_items: int, prefix: str = ""):
        if max_items < 0:
            raise ValueError("max_items must not be negative")
        self.policy = policy
        self.max_items = max_items
        self.prefix = prefix
        self.scalars: dict[str, z3.ExprRef] = {f.path: variable(prefix + f.path, f.type) for f in policy.inputs}
        self.known: dict[str, z3.BoolRef] = {f.path: self._known(f, prefix + f.path) for f in policy.inputs}
        self.slots: dict[str, tuple[Slot, ...]] = {
            lst.name: tuple(self._slot(lst, f"{prefix}{lst.name}[{i}]") for i in range(max_items)) for lst in policy.lists
        }

    @staticmethod
    def _known(f: ir.InputField, name: str) -> z3.BoolRef:
        return z3.Bool(f"known({name})") if f.optional else z3.BoolVal(True)

    def _slot(self, lst: ir.InputList, name: str) -> Slot:
        return Slot(
            present=z3.Bool(f"{name}.present"),
            values={f.path: variable(f"{name}.{f.path}", f.type) for f in lst.fields},
            known={f.path: self._known(f, f"{name}.{f.path}") for f in lst.fields},
        )

    def domain_assumptions(self) -> list[tuple[str, z3.BoolRef]]:
        """What any real case satisfies, each with a description to print beside a proof.

        They rule out what a case file cannot express (a gap between list items, an enumeration
        index out of range, a value behind an unknown input, a date that is no calendar day) and
        what no sensible case holds (negative numbers or money, dates outside 1900-2100, lodgement
        before the first modelled version, birth after lodgement). `evaluate` uses none of them:
        a case fixes every input.
        """
        out: list[tuple[str, z3.BoolRef]] = []
        for f in self.policy.inputs:
            out += _field_assumptions(self.policy, f, f.path, self.scalars[f.path], self.known[f.path])
        for lst in self.policy.lists:
            slots = self.slots[lst.name]
            for i, slot in enumerate(slots):
                where = f"{lst.name}[{i}]"
                if i > 0:
                    out.append((f"{where} is present only if {lst.name}[{i - 1}] is (items fill the first slots)",
                                z3.Implies(slot.present, slots[i - 1].present)))
                blank = [slot.values[f.path] == literal(f.type, zero_of(f.type)) for f in lst.fields]
                blank += [z3.Not(slot.known[f.path]) for f in lst.fields if f.optional]
                out.append((f"an absent {where} has zero, unknown fields", z3.Implies(z3.Not(slot.present), z3.And(blank))))
                for f in lst.fields:
                    for text, c in _field_assumptions(self.policy, f, f"{where}.{f.path}", slot.values[f.path], slot.known[f.path]):
                        out.append((f"{text}, when {where} is present", z3.Implies(slot.present, c)))
        lodged = self.scalars[LODGEMENT]
        first = self.policy.versions[0]
        out.append((f"{LODGEMENT} is on or after {first.start}, when the first modelled version ({first.name}) starts",
                    lodged >= date_code(first.start)))
        for f in self.policy.inputs:
            if f.path.rsplit(".", 1)[-1] == "date_of_birth":
                out.append((f"{f.path} is on or before {LODGEMENT} (ages are not negative)",
                            z3.Implies(self.known[f.path], self.scalars[f.path] <= lodged)))
        return out

    def bind(self, case: CaseData) -> list[z3.BoolRef]:
        """Equalities fixing every variable to `case` (slots past a list's end absent and blank)."""
        out: list[z3.BoolRef] = []
        for f in self.policy.inputs:
            out.append(self.scalars[f.path] == literal(f.type, case.scalars[f.path]))
            if f.optional:
                out.append(self.known[f.path] == z3.BoolVal(case.known[f.path]))
        for lst in self.policy.lists:
            items = case.items[lst.name]
            if len(items) > self.max_items:
                raise ValueError(f"{lst.name} has {len(items)} items; this symbolic case has {self.max_items} slots")
            for i, slot in enumerate(self.slots[lst.name]):
                item = items[i] if i < len(items) else None
                out.append(slot.present == z3.BoolVal(item is not None))
                for f in lst.fields:
                    value = item.values[f.path] if item is not None else zero_of(f.type)
                    out.append(slot.values[f.path] == literal(f.type, value))
                    if f.optional:
                        out.append(slot.known[f.path] == z3.BoolVal(item is not None and item.known[f.path]))
        return out


def _field_assumptions(policy: ir.Policy, f: ir.InputField, where: str, v: z3.ExprRef, known: z3.BoolRef):
    out: list[tuple[str, z3.BoolRef]] = []
    t = f.type
    if f.optional:
        zero = zero_of(t)
        out.append((f"an unknown {where} reads as {zero!r}", z3.Implies(z3.Not(known), v == literal(t, zero))))
    if t.kind == "enum":
        size = len(policy.enum_by_name[t.enum].members)
        out.append((f"{where} is one of the {size} {t.enum} members", z3.And(v >= 0, v < size)))
    elif t.kind in ("int", "money", "duration"):
        out.append((f"{where} is not negative", v >= 0))
    elif t.kind == "date":
        stored = " (coded as the day after the last day)" if f.last_day else ""
        in_range = z3.And(is_calendar_day(v), v >= date_code(EARLIEST_DATE), v <= date_code(LATEST_DATE))
        out.append((f"{where}, when known, is a calendar day from {EARLIEST_DATE} to {LATEST_DATE}{stored}",
                    z3.Implies(known, in_range)))
    return out


# ---------------------------------------------------------------- expressions

_COMPARE = ir.COMPARE_OPS


class SmtLowering:
    """One method per IR node class, as in interp; `slot` is the current list slot, or None.

    `points_of(category)` gives the term for `points(category)`; `build_decision` supplies it, and
    without it a PointsOf node cannot be lowered.
    """

    def __init__(self, sym: SymbolicCase, points_of: Callable[[str], z3.ArithRef] | None = None):
        self.sym = sym
        self.points_of = points_of
        # keyed by id (hashing a frozen IR tree rehashes all of it); the node is kept with its term
        # so that its id cannot be reused while the entry lives
        self._memo: dict[tuple[int, int | None], tuple[ir.Expr, z3.ExprRef]] = {}

    def lower(self, e: ir.Expr, slot: int | None = None) -> z3.ExprRef:
        key = (id(e), slot if e.scope is not None else None)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = (e, getattr(self, "_" + type(e).__name__)(e, slot))
        return hit[1]

    def _Const(self, e: ir.Const, slot):
        return literal(e.type, e.value)

    def _Input(self, e: ir.Input, slot):
        return self.sym.scalars[e.path]

    def _InputKnown(self, e: ir.InputKnown, slot):
        return self.sym.known[e.path]

    def _Field(self, e: ir.Field, slot):
        return self.sym.slots[e.list][slot].values[e.name]

    def _FieldKnown(self, e: ir.FieldKnown, slot):
        return self.sym.slots[e.list][slot].known[e.name]

    def _Named(self, e: ir.Named, slot):
        return self.lower(e.expr, slot)

    def _Not(self, e: ir.Not, slot):
        return z3.Not(self.lower(e.operand, slot))

    def _Neg(self, e: ir.Neg, slot):
        return -self.lower(e.operand, slot)

    def _Arith(self, e: ir.Arith, slot):
        a, b = self.lower(e.left, slot), self.lower(e.right, slot)
        return a + b if e.op == "+" else a - b

    def _Scale(self, e: ir.Scale, slot):
        return e.factor * self.lower(e.operand, slot)

    def _FloorDiv(self, e: ir.FloorDiv, slot):
        if e.divisor <= 0:
            raise ValueError(f"FloorDiv by {e.divisor}: the IR only divides by a positive constant")
        # SMT-LIB integer div by a positive constant rounds down, like Python's //, also below zero
        return self.lower(e.operand, slot) / e.divisor

    def _Compare(self, e: ir.Compare, slot):
        if e.left.type.kind == "text" and e.op not in ("==", "!="):
            raise ValueError(f"text can only be compared with == or !=, not {e.op}")
        return _COMPARE[e.op](self.lower(e.left, slot), self.lower(e.right, slot))

    def _BoolOp(self, e: ir.BoolOp, slot):
        a, b = self.lower(e.left, slot), self.lower(e.right, slot)
        return z3.And(a, b) if e.op == "and" else z3.Or(a, b)

    def _MinMax(self, e: ir.MinMax, slot):
        a, b = self.lower(e.left, slot), self.lower(e.right, slot)
        return z3.If(a <= b, a, b) if e.op == "min" else z3.If(a >= b, a, b)

    def _If(self, e: ir.If, slot):
        return z3.If(self.lower(e.cond, slot), self.lower(e.then, slot), self.lower(e.orelse, slot))

    def _ParamAt(self, e: ir.ParamAt, slot):
        day = self.lower(e.date, slot)
        entries = e.param.entries
        out = literal(e.type, entries[0].value)  # also before the first start
        for entry in entries[1:]:  # later entries wrap earlier ones, so the latest start wins
            out = z3.If(day >= date_code(entry.start), literal(e.type, entry.value), out)
        return out

    def _Lookup(self, e: ir.Lookup, slot):
        key = self.lower(e.key, slot)
        column = e.table.column_index(e.column)
        out = literal(e.type, zero_of(e.type))  # a key with no row
        for row_key, values in reversed(e.table.rows):
            out = z3.If(key == literal(e.table.key_type, row_key), literal(e.type, values[column]), out)
        return out

    def _InTable(self, e: ir.InTable, slot):
        key = self.lower(e.key, slot)
        return any_of(key == literal(e.table.key_type, row_key) for row_key, _ in e.table.rows)

    def _Aggregate(self, e: ir.Aggregate, slot):
        slots = self.sym.slots[e.list]
        chosen = [(z3.And(s.present, self.lower(e.where, i)), self.lower(e.body, i)) for i, s in enumerate(slots)]
        if e.func in ("sum", "count"):
            return sum_of(z3.If(c, body, 0) for c, body in chosen)
        better = (lambda a, b: a > b) if e.func == "max" else (lambda a, b: a < b)
        out, seen = z3.IntVal(0), z3.BoolVal(False)  # an empty choice gives 0
        for c, body in chosen:
            out = z3.If(c, z3.If(z3.Or(z3.Not(seen), better(body, out)), body, out), out)
            seen = z3.Or(seen, c)
        return out

    def _PointsOf(self, e: ir.PointsOf, slot):
        if self.points_of is None:
            raise ValueError(f"points({e.category}) can only be lowered within a decision (build_decision)")
        return self.points_of(e.category)


# ---------------------------------------------------------------- the decision


@dataclass(frozen=True, eq=False)
class RuleTerms:
    """One rule's part of the decision, per `verdict.py`."""

    rule: ir.Rule
    in_force: z3.BoolRef  # its window contains the lodgement date and the category is one of its own
    blocked: z3.BoolRef  # a stop rule of a strictly earlier stage fired (whether or not in force)
    applicable: z3.BoolRef  # in force, not blocked and its `applies when` holds: it is assessed
    value: z3.ExprRef  # its expression: a Bool (require, concern, stop) or an Int (points)
    placeholders: tuple[z3.ExprRef, ...]  # `rule.placeholders`, with final point totals

    @property
    def assessed(self) -> z3.BoolRef:
        return self.applicable

    @property
    def not_assessed(self) -> z3.BoolRef:
        return z3.And(self.in_force, self.blocked)

    @property
    def not_applicable(self) -> z3.BoolRef:
        return z3.And(self.in_force, z3.Not(self.blocked), z3.Not(self.applicable))

    @property
    def awarded(self) -> z3.ArithRef:
        """Points it gives (0 when not assessed); points rules only."""
        if self.rule.kind != "points":
            raise ValueError(f"{self.rule.id} is a {self.rule.kind} rule, not a points rule")
        return z3.If(self.applicable, self.value, 0)

    def result(self, outcome: str) -> z3.BoolRef:
        """The rule was assessed with this result (met, not_met, raised, …)."""
        outcomes = ir.EFFECT_OUTCOMES[self.rule.kind]
        if outcome not in outcomes:
            raise ValueError(f"a {self.rule.kind} rule has no result {outcome!r}; its results: {', '.join(outcomes)}")
        if self.rule.kind == "points":
            return self.applicable
        return z3.And(self.applicable, self.value if outcome == outcomes[0] else z3.Not(self.value))


@dataclass(frozen=True, eq=False)
class SymbolicDecision:
    policy: ir.Policy
    case: SymbolicCase
    lowering: SmtLowering  # to lower further expressions over the same case
    rules: dict[str, RuleTerms]  # in policy.rules order
    points: dict[str, z3.ArithRef]  # per category: the sum over assessed points rules
    outcome: z3.ArithRef  # an index into verdict.OUTCOMES
    version: z3.ArithRef  # an index into policy.versions; -1 before the first one starts

    def outcome_is(self, name: str) -> z3.BoolRef:
        return self.outcome == OUTCOMES.index(name)

    def version_is(self, name: str) -> z3.BoolRef:
        return self.version == [v.name for v in self.policy.versions].index(name)

    def result(self, rule_id: str, outcome: str) -> z3.BoolRef:
        return self.rules[rule_id].result(outcome)


def build_decision(policy: ir.Policy, sym: SymbolicCase) -> SymbolicDecision:
    return _DecisionBuilder(policy, sym).build()


class _DecisionBuilder:
    """Rule terms made on demand: points(…) in a rule pulls in the points rules of earlier stages."""

    def __init__(self, policy: ir.Policy, sym: SymbolicCase):
        self.policy = policy
        self.sym = sym
        self.lowering = SmtLowering(sym, self.points)
        self.lodged = sym.scalars[LODGEMENT]
        self.category = sym.scalars[CATEGORY]
        self._applicable: dict[str, z3.BoolRef] = {}
        self._blocked: dict[str, z3.BoolRef] = {}
        self._points: dict[str, z3.ArithRef] = {}
        self._pending: set[str] = set()

    def in_force(self, rule: ir.Rule) -> z3.BoolRef:
        conds = [any_of(self.category == c for c in rule.categories)]
        if rule.start is not None:
            conds.append(self.lodged >= date_code(rule.start))
        if rule.until is not None:  # the last day in force
            conds.append(self.lodged <= date_code(rule.until))
        return z3.And(conds)

    def blocked(self, rule: ir.Rule) -> z3.BoolRef:
        if rule.id not in self._blocked:
            earlier = [s for s in self.policy.rules if s.kind == "stop" and s.stage < rule.stage]
            self._blocked[rule.id] = any_of(z3.And(self.applicable(s), self.value(s)) for s in earlier)
        return self._blocked[rule.id]

    def applicable(self, rule: ir.Rule) -> z3.BoolRef:
        if rule.id not in self._applicable:
            if rule.id in self._pending:  # the checker's stage rule for points(…) prevents this
                raise ValueError(f"rule {rule.id} depends on its own result")
            self._pending.add(rule.id)
            try:
                applies = self.lowering.lower(rule.applies) if rule.applies is not None else z3.BoolVal(True)
                self._applicable[rule.id] = z3.And(self.in_force(rule), z3.Not(self.blocked(rule)), applies)
            finally:
                self._pending.discard(rule.id)
        return self._applicable[rule.id]

    def value(self, rule: ir.Rule) -> z3.ExprRef:
        if rule.id in self._pending:
            raise ValueError(f"rule {rule.id} depends on its own result")
        self._pending.add(rule.id)
        try:
            return self.lowering.lower(rule.expr)
        finally:
            self._pending.discard(rule.id)

    def points(self, category: str) -> z3.ArithRef:
        if category not in self._points:
            awarding = [r for r in self.policy.rules if r.kind == "points" and r.points_category == category]
            self._points[category] = sum_of(z3.If(self.applicable(r), self.value(r), 0) for r in awarding)
        return self._points[category]

    def build(self) -> SymbolicDecision:
        p = self.policy
        rules = {
            r.id: RuleTerms(
                rule=r,
                in_force=self.in_force(r),
                blocked=self.blocked(r),
                applicable=self.applicable(r),
                value=self.value(r),
                # after every rule, so that points(…) in a text is the final total
                placeholders=tuple(self.lowering.lower(x) for x in r.placeholders),
            )
            for r in p.rules
        }
        failed = [t.result("not_met") for t in rules.values() if t.rule.kind == "require"]
        failed += [t.result("stopped") for t in rules.values() if t.rule.kind == "stop"]
        raised = [t.result("raised") for t in rules.values() if t.rule.kind == "concern"]
        outcome = z3.If(any_of(failed), OUTCOMES.index("not_eligible"),
                        z3.If(any_of(raised), OUTCOMES.index("concerns"), OUTCOMES.index("eligible")))
        version = z3.IntVal(-1)
        for i, v in enumerate(p.versions):  # ordered by start: the latest one started wins
            version = z3.If(self.lodged >= date_code(v.start), i, version)
        return SymbolicDecision(
            policy=p,
            case=self.sym,
            lowering=self.lowering,
            rules=rules,
            points={c.name: self.points(c.name) for c in p.categories},
            outcome=outcome,
            version=version,
        )


# ---------------------------------------------------------------- deciding one case


@dataclass(frozen=True, eq=False)
class _Compiled:
    policy: ir.Policy  # held so that id(policy) in the cache key stays its own
    decision: SymbolicDecision
    solver: z3.Solver


_CACHE: dict[tuple[int, int], _Compiled] = {}
_CACHE_SIZE = 8


def compiled_decision(policy: ir.Policy, max_items: int) -> SymbolicDecision:
    """The decision for `policy` over `max_items` slots per list, built once and cached."""
    return _compiled(policy, max_items).decision


def _compiled(policy: ir.Policy, max_items: int) -> _Compiled:
    key = (id(policy), max_items)
    hit = _CACHE.get(key)
    if hit is None or hit.policy is not policy:
        if len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]  # oldest first
        hit = _CACHE[key] = _Compiled(policy, build_decision(policy, SymbolicCase(policy, max_items)), z3.Solver())
    return hit


def evaluate(policy: ir.Policy, case: CaseData, max_items: int | None = None) -> Verdict:
    """Decide a case with Z3: bind every input to the case and read the decision from the model."""
    longest = max((len(items) for items in case.items.values()), default=0)
    k = max(longest, DEFAULT_MAX_ITEMS if max_items is None else max_items)
    c = _compiled(policy, k)
    d, solver = c.decision, c.solver
    solver.push()
    try:
        solver.add(d.case.bind(case))
        if solver.check() != z3.sat:
            raise RuntimeError("Z3 found the case's own values inconsistent; the bindings are wrong")
        model = solver.model()
        return _verdict(d, lambda t: py_value(model.eval(t, model_completion=True)))
    finally:
        solver.pop()


def _verdict(d: SymbolicDecision, read: Callable[[z3.ExprRef], int | str]) -> Verdict:
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    values: dict[str, tuple[int | str, ...]] = {}
    not_assessed: list[str] = []
    not_applicable: list[str] = []
    for rule in d.policy.rules:  # the order interp reports them in
        t = d.rules[rule.id]
        if not read(t.in_force):
            continue
        if read(t.blocked):
            not_assessed.append(rule.id)
            continue
        if not read(t.applicable):
            not_applicable.append(rule.id)
            continue
        value = read(t.value)
        if rule.kind == "points":
            results[rule.id] = "awarded"
            awarded[rule.id] = value
        else:
            results[rule.id] = ir.EFFECT_OUTCOMES[rule.kind][0 if value else 1]
        values[rule.id] = tuple(read(x) for x in t.placeholders)
    version = read(d.version)
    if version < 0:
        raise ValueError("the lodgement date is before the first instruction version")
    return Verdict(
        outcome=OUTCOMES[read(d.outcome)],
        version=d.policy.versions[version].name,
        points={name: read(term) for name, term in d.points.items()},
        results=results,
        awarded=awarded,
        not_assessed=tuple(not_assessed),
        not_applicable=tuple(not_applicable),
        values=values,
    )
