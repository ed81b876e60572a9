"""The IR read directly in Python: the simplest reading, used to cross-check clingo and Z3."""

from __future__ import annotations

from ..dsl import ir
from ..dsl.encoding import date_code
from .case import CaseData
from .verdict import Verdict, outcome_of

_COMPARE = ir.COMPARE_OPS


class _Evaluator:
    """One method per IR node; `item` is the index of the current list item, or None."""

    def __init__(self, policy: ir.Policy, case: CaseData):
        self.policy = policy
        self.case = case
        self.points: dict[str, int] = {c.name: 0 for c in policy.categories}
        # keyed by node identity: hashing a frozen tree node is deep, identity is enough here
        self.memo: dict[tuple[int, int | None], int | str] = {}

    def eval(self, e: ir.Expr, item: int | None = None):
        key = (id(e), item if e.scope is not None else None)
        if isinstance(e, ir.PointsOf):  # changes as rules run: never memoised
            return self.points[e.category]
        if key not in self.memo:
            self.memo[key] = getattr(self, "_" + type(e).__name__)(e, item)
        return self.memo[key]

    def _Const(self, e: ir.Const, item):
        return e.value

    def _Input(self, e: ir.Input, item):
        return self.case.scalars[e.path]

    def _InputKnown(self, e: ir.InputKnown, item):
        return int(self.case.known[e.path])

    def _Field(self, e: ir.Field, item):
        return self.case.items[e.list][item].values[e.name]

    def _FieldKnown(self, e: ir.FieldKnown, item):
        return int(self.case.items[e.list][item].known[e.name])

    def _Named(self, e: ir.Named, item):
        return self.eval(e.expr, item)

    def _Not(self, e: ir.Not, item):
        return 1 - self.eval(e.operand, item)

    def _Neg(self, e: ir.Neg, item):
        return -self.eval(e.operand, item)

    def _Arith(self, e: ir.Arith, item):
        a, b = self.eval(e.left, item), self.eval(e.right, item)
        return a + b if e.op == "+" else a - b

    def _Scale(self, e: ir.Scale, item):
        return e.factor * self.eval(e.operand, item)

    def _FloorDiv(self, e: ir.FloorDiv, item):
        return self.eval(e.operand, item) // e.divisor

    def _Compare(self, e: ir.Compare, item):
        return int(_COMPARE[e.op](self.eval(e.left, item), self.eval(e.right, item)))

    def _BoolOp(self, e: ir.BoolOp, item):
        a, b = self.eval(e.left, item), self.eval(e.right, item)
        return a * b if e.op == "and" else max(a, b)

    def _MinMax(self, e: ir.MinMax, item):
        a, b = self.eval(e.left, item), self.eval(e.right, item)
        return min(a, b) if e.op == "min" else max(a, b)

    def _If(self, e: ir.If, item):
        return self.eval(e.then, item) if self.eval(e.cond, item) else self.eval(e.orelse, item)

    def _ParamAt(self, e: ir.ParamAt, item):
        day = self.eval(e.date, item)
        value = e.param.entries[0].value
        for entry in e.param.entries[1:]:
            if date_code(entry.start) <= day:
                value = entry.value
        return value

    def _Lookup(self, e: ir.Lookup, item):
        key = self.eval(e.key, item)
        column = e.table.column_index(e.column)
        for row_key, values in e.table.rows:
            if row_key == key:
                return values[column]
        return "" if e.type.kind == "text" else 0

    def _InTable(self, e: ir.InTable, item):
        key = self.eval(e.key, item)
        return int(any(row_key == key for row_key, _ in e.table.rows))

    def _Aggregate(self, e: ir.Aggregate, item):
        chosen = [self.eval(e.body, i) for i in range(len(self.case.items[e.list])) if self.eval(e.where, i)]
        if e.func in ("sum", "count"):
            return sum(chosen)
        if not chosen:
            return 0
        return max(chosen) if e.func == "max" else min(chosen)

    def _PointsOf(self, e: ir.PointsOf, item):  # pragma: no cover - handled in eval
        return self.points[e.category]


def evaluate(policy: ir.Policy, case: CaseData) -> Verdict:
    ev = _Evaluator(policy, case)
    lodged = case.scalars["lodgement_date"]
    category = case.scalars["category"]
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    values: dict[str, tuple] = {}
    not_assessed: list[str] = []
    not_applicable: list[str] = []
    stopped_stages: list[int] = []
    # rules are ordered by stage, so every earlier stop and every points rule read later has run
    for rule in policy.rules:
        if not in_force(rule, lodged, category):
            continue
        if any(s < rule.stage for s in stopped_stages):
            not_assessed.append(rule.id)
            continue
        if rule.applies is not None and not ev.eval(rule.applies):
            not_applicable.append(rule.id)
            continue
        value = ev.eval(rule.expr)
        if rule.kind == "points":
            results[rule.id] = "awarded"
            awarded[rule.id] = value
            ev.points[rule.points_category] += value
        else:
            results[rule.id] = _RESULT[rule.kind][value]
            if rule.kind == "stop" and value:
                stopped_stages.append(rule.stage)
        values[rule.id] = ()
    # placeholders are read after every rule ran, so points(…) in a text shows the final total
    for rule_id in values:
        values[rule_id] = tuple(ev.eval(p) for p in policy.rule_by_id[rule_id].placeholders)
    version = policy.version_at(case.lodgement)
    return Verdict(
        outcome=outcome_of(results),
        version=version.name,
        points=dict(ev.points),
        results=results,
        awarded=awarded,
        not_assessed=tuple(not_assessed),
        not_applicable=tuple(not_applicable),
        values=values,
    )


_RESULT = {
    "require": {1: "met", 0: "not_met"},
    "concern": {1: "raised", 0: "clear"},
    "stop": {1: "stopped", 0: "passed"},
}


def in_force(rule: ir.Rule, lodged: int, category: int) -> bool:
    if category not in rule.categories:
        return False
    if rule.start is not None and lodged < date_code(rule.start):
        return False
    return rule.until is None or lodged <= date_code(rule.until)  # until is the last day in force
