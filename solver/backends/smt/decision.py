"""The decision over a symbolic case as Z3 terms, per `dsl/ir/semantics.py`, and Z3's reading of
one case (every input bound to its value, the decision read from the model)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import z3

from ....dsl import ir
from ....dsl.units import date_code
from ...case import CaseData
from .case import LODGEMENT, SymbolicCase
from .lower import SmtLowering
from .values import any_of, sum_of, text_of, text_val

CATEGORY = ir.CATEGORY
OUTCOMES = ir.OUTCOMES
DEFAULT_MAX_ITEMS = 4  # list slots of a cached decision; a longer case gets as many as it needs


@dataclass(frozen=True, eq=False)
class RuleTerms:
    """One rule's part of the decision, per `dsl/ir/semantics.py`."""

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

    def result(self, rule_id: str, outcome: str) -> z3.BoolRef:
        return self.rules[rule_id].result(outcome)


def build_decision(policy: ir.Policy, sym: SymbolicCase) -> SymbolicDecision:
    return DecisionBuilder(policy, sym).build()


# Names a rule's part (its `applies when` condition, its expression) in the decision; given the
# rule, the part's name, its type and a way to make its term. The default uses the term itself.
PartHook = Callable[[ir.Rule, str, ir.Type, Callable[[], z3.ExprRef]], z3.ExprRef]


def _term_itself(rule: ir.Rule, part: str, t: ir.Type, term: Callable[[], z3.ExprRef]) -> z3.ExprRef:
    return term()


class DecisionBuilder:
    """Rule terms made on demand: points(…) in a rule pulls in the points rules of earlier stages.

    `part` (a `PartHook`) sees each rule's `applies when` term and its expression's term before
    they are used, and gives what the decision uses in their place: `prove` puts each behind a
    fresh constant defined per rule, so that an unsat core can name the rules a proof relied on.
    """

    def __init__(self, policy: ir.Policy, sym: SymbolicCase, part: PartHook = _term_itself):
        self.policy = policy
        self.sym = sym
        self.part = part
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
            with self._guard(rule):
                applies = z3.BoolVal(True)
                if rule.applies is not None:
                    condition = rule.applies
                    applies = self.part(rule, "applies", ir.BOOL, lambda: self.lowering.lower(condition))
                self._applicable[rule.id] = z3.And(self.in_force(rule), z3.Not(self.blocked(rule)), applies)
        return self._applicable[rule.id]

    def value(self, rule: ir.Rule) -> z3.ExprRef:
        t = ir.INT if rule.kind == "points" else ir.BOOL

        def term() -> z3.ExprRef:
            with self._guard(rule):
                return self.lowering.lower(rule.expr)

        return self.part(rule, "value", t, term)

    def _guard(self, rule: ir.Rule) -> _Pending:
        return _Pending(self._pending, rule.id)

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
        outcome = z3.If(
            any_of(failed),
            OUTCOMES.index("not_eligible"),
            z3.If(any_of(raised), OUTCOMES.index("concerns"), OUTCOMES.index("eligible")),
        )
        version = z3.IntVal(-1)
        for i, v in enumerate(p.versions):  # ordered by start: the latest one started (of the category) wins
            begun = self.lodged >= date_code(v.start)
            if v.categories:
                begun = z3.And(begun, any_of(self.category == c for c in v.categories))
            version = z3.If(begun, i, version)
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
    reads: tuple[z3.ExprRef, ...]  # every term `read_verdict` may read, each once
    packed: z3.ExprRef  # all of `reads` as the fields of one datatype value, to evaluate in one pass
    kinds: tuple[str, ...]  # per read: "bool", "text" or "int", how to take its value apart


_CACHE: dict[tuple[int, int], _Compiled] = {}
_CACHE_SIZE = 8
_PACKS = itertools.count()  # a fresh datatype name per compiled decision


def compiled_decision(policy: ir.Policy, max_items: int) -> SymbolicDecision:
    """The decision for `policy` over `max_items` slots per list, built once and cached."""
    return _compiled(policy, max_items).decision


def _compiled(policy: ir.Policy, max_items: int) -> _Compiled:
    key = (id(policy), max_items)
    hit = _CACHE.get(key)
    if hit is None or hit.policy is not policy:
        if len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]  # oldest first
        hit = _CACHE[key] = _compile(policy, build_decision(policy, SymbolicCase(policy, max_items)))
    return hit


def _compile(policy: ir.Policy, d: SymbolicDecision) -> _Compiled:
    unique: dict[int, z3.ExprRef] = {}
    for t in d.rules.values():
        for term in (t.in_force, t.blocked, t.applicable, t.value, *t.placeholders):
            unique.setdefault(term.get_id(), term)
    for term in (d.outcome, d.version, *d.points.values()):
        unique.setdefault(term.get_id(), term)
    reads = tuple(unique.values())
    pack = z3.Datatype(f"reads{next(_PACKS)}")
    pack.declare("reads", *[(f"r{i}", term.sort()) for i, term in enumerate(reads)])
    kinds = tuple("bool" if z3.is_bool(t) else "text" if z3.is_string(t) else "int" for t in reads)
    return _Compiled(policy, d, reads, pack.create().reads(*reads), kinds)


def evaluate(policy: ir.Policy, case: CaseData, max_items: int | None = None) -> ir.Verdict:
    """Decide a case with Z3: a model giving every input the case's value, the decision read from it.

    Z3's own C calls do the work: the model is made directly (no solver needed for a model that
    fixes every input) and every term is evaluated in one pass, as fields of one datatype value;
    the Python wrappers for each equality and each term cost three times as much.
    """
    longest = max((len(items) for items in case.items.values()), default=0)
    k = max(longest, DEFAULT_MAX_ITEMS if max_items is None else max_items)
    c = _compiled(policy, k)
    ctx = z3.main_ctx()
    ref = ctx.ref()
    model = z3.Model(ctx)
    int_sort = z3.IntSort(ctx).ast
    texts = []  # keeps each text value's reference alive until the model holds it
    for var, t, value in c.decision.case.assignment(case):
        if t.kind == "bool":
            interp = z3.Z3_mk_true(ref) if value else z3.Z3_mk_false(ref)
        elif t.kind == "text":
            texts.append(text_val(str(value)))
            interp = texts[-1].as_ast()
        else:
            interp = z3.Z3_mk_numeral(ref, str(int(value)), int_sort)
        z3.Z3_add_const_interp(ref, model.model, z3.Z3_get_app_decl(ref, var.as_ast()), interp)
    packed = model.eval(c.packed, model_completion=True)
    fields = packed.as_ast()
    values: dict[int, int | str] = {}
    for i, (term, kind) in enumerate(zip(c.reads, c.kinds, strict=True)):
        arg = z3.Z3_get_app_arg(ref, fields, i)
        if kind == "bool":
            truth = z3.Z3_get_bool_value(ref, arg)
            if truth == z3.Z3_L_UNDEF:
                raise RuntimeError(f"Z3 left {term} unevaluated in a model fixing every input")
            values[term.get_id()] = int(truth == z3.Z3_L_TRUE)
        elif kind == "text":
            values[term.get_id()] = text_of(z3.SeqRef(arg, ctx))
        else:
            values[term.get_id()] = int(z3.Z3_get_numeral_string(ref, arg))
    return read_verdict(c.decision, lambda term: values[term.get_id()])


def read_verdict(d: SymbolicDecision, read: Callable[[z3.ExprRef], int | str]) -> ir.Verdict:
    """The decision as a model (or any reading of the terms) has it."""
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    values: dict[str, tuple[int | str, ...]] = {}
    not_assessed: list[str] = []
    not_applicable: list[str] = []
    for rule in d.policy.rules:  # the order the Python evaluator reports them in
        t = d.rules[rule.id]
        if not read(t.in_force):
            continue
        if read(t.blocked):
            not_assessed.append(rule.id)
            continue
        if not read(t.applicable):
            not_applicable.append(rule.id)
            continue
        value = int(read(t.value))
        if rule.kind == "points":
            results[rule.id] = "awarded"
            awarded[rule.id] = value
        else:
            results[rule.id] = ir.EFFECT_OUTCOMES[rule.kind][0 if value else 1]
        values[rule.id] = tuple(read(x) for x in t.placeholders)
    version = int(read(d.version))
    if version < 0:
        raise ValueError("the lodgement date is before the first instruction version")
    return ir.Verdict(
        outcome=OUTCOMES[int(read(d.outcome))],
        version=d.policy.versions[version].name,
        points={name: int(read(term)) for name, term in d.points.items()},
        results=results,
        awarded=awarded,
        not_assessed=tuple(not_assessed),
        not_applicable=tuple(not_applicable),
        values=values,
    )


class _Pending:
    """Marks a rule as being lowered, so that a rule depending on its own result fails loudly
    (the checker's stage rule for points(…) prevents it)."""

    def __init__(self, pending: set[str], rule_id: str):
        self.pending, self.rule_id = pending, rule_id

    def __enter__(self) -> None:
        if self.rule_id in self.pending:
            raise ValueError(f"rule {self.rule_id} depends on its own result")
        self.pending.add(self.rule_id)

    def __exit__(self, *exc: object) -> None:
        self.pending.discard(self.rule_id)
