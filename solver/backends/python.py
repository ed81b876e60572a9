"""The IR read directly in Python: the simplest reading, used to cross-check clingo and Z3.

`Evaluator.eval` gives any expression's value for a case (list-item expressions for one item);
`Evaluator.assess` runs the rules in order as an officer would, and is the one loop the
explanation, what-if and proof replays share: while it stops at a rule, `points(…)` reads the
points awarded by the rules before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ...dsl import ir
from ..case import CaseData

_COMPARE = ir.COMPARE_OPS


@dataclass(frozen=True)
class Assessment:
    """One rule as the assessment reached it: its status, and its expression's value if assessed."""

    rule: ir.Rule
    status: str  # not_in_force | not_assessed | not_applicable | a result (met, not_met, …, awarded)
    value: int | None = None

    @property
    def assessed(self) -> bool:
        return self.status not in ("not_in_force", "not_assessed", "not_applicable")


class Evaluator(ir.ExprVisitor):
    """One method per IR node; `item` is the index of the current list item, or None.

    `points` fixes what points(category) reads (e.g. a decision's final totals); without it they
    start at zero and `assess` adds each awarded amount as it goes.
    """

    reader = "the Python evaluator"

    def __init__(self, policy: ir.Policy, case: CaseData, points: dict[str, int] | None = None):
        self.policy = policy
        self.case = case
        self._points: dict[str, int] = dict(points) if points is not None else {c.name: 0 for c in policy.categories}
        # keyed by node identity (hashing a frozen tree node is deep); the node is kept with its value
        # so that its id cannot be reused by another node while the entry lives
        self._memo: dict[tuple[int, int | None], tuple[ir.Expr, int | str]] = {}

    @property
    def points(self) -> dict[str, int]:
        """The points per category awarded so far (a copy)."""
        return dict(self._points)

    def eval(self, e: ir.Expr, item: int | None = None):
        if isinstance(e, ir.PointsOf):  # changes as rules run: never memoised
            return self._points[e.category]
        key = (id(e), item if e.scope is not None else None)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = (e, self.dispatch(e, item))
        return hit[1]

    def assess(self) -> Iterator[Assessment]:
        """Every rule of the policy, in order (rules are ordered by stage, so every earlier stop and
        every points rule a later one reads has run). An awarded rule's points count once the
        caller moves on from it."""
        lodged = self.case.scalars[ir.LODGEMENT]
        category = self.case.scalars[ir.CATEGORY]
        stopped_stages: list[int] = []
        for rule in self.policy.rules:
            if not ir.in_force(rule, lodged, category):
                yield Assessment(rule, "not_in_force")
                continue
            if any(s < rule.stage for s in stopped_stages):
                yield Assessment(rule, "not_assessed")
                continue
            if rule.applies is not None and not self.eval(rule.applies):
                yield Assessment(rule, "not_applicable")
                continue
            value = self.eval(rule.expr)
            result = ir.result_of(rule, value)
            if result == "stopped":
                stopped_stages.append(rule.stage)
            yield Assessment(rule, result, value)
            if rule.kind == "points":
                self._points[rule.points_category] += value

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

    def _Divide(self, e: ir.Divide, item):
        a, b = self.eval(e.left, item), self.eval(e.right, item)
        return a // b if b > 0 else 0

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
        return e.param.entry_at(self.eval(e.date, item)).value

    def _Lookup(self, e: ir.Lookup, item):
        row = e.table.row_by_key.get(self.eval(e.key, item))
        return row[e.table.column_index(e.column)] if row is not None else ir.zero_of(e.type)

    def _InTable(self, e: ir.InTable, item):
        return int(self.eval(e.key, item) in e.table.row_by_key)

    def _Aggregate(self, e: ir.Aggregate, item):
        chosen = [self.eval(e.body, i) for i in range(len(self.case.items[e.list])) if self.eval(e.where, i)]
        if e.func in ("sum", "count"):
            return sum(chosen)
        if not chosen:
            return 0
        return max(chosen) if e.func == "max" else min(chosen)

    def _Covered(self, e: ir.Covered, item):
        # the union of the intervals, merged in order of start: the plainest reading
        spans = sorted(
            (self.eval(e.start, i), self.eval(e.end, i))
            for i in range(len(self.case.items[e.list]))
            if self.eval(e.where, i)
        )
        total, reach = 0, None
        for start, end in spans:
            if end <= start:
                continue
            if reach is None or start >= reach:
                total, reach = total + end - start, end
            elif end > reach:
                total, reach = total + end - reach, end
        return total

    def _PointsOf(self, e: ir.PointsOf, item):
        return self._points[e.category]


def evaluate(policy: ir.Policy, case: CaseData) -> ir.Verdict:
    ev = Evaluator(policy, case)
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    not_assessed: list[str] = []
    not_applicable: list[str] = []
    for a in ev.assess():
        if a.status == "not_assessed":
            not_assessed.append(a.rule.id)
        elif a.status == "not_applicable":
            not_applicable.append(a.rule.id)
        elif a.assessed:
            results[a.rule.id] = a.status
            if a.rule.kind == "points" and a.value is not None:
                awarded[a.rule.id] = a.value
    # placeholders are read after every rule ran, so points(…) in a text shows the final total
    values = {rid: tuple(ev.eval(p) for p in policy.rule_by_id[rid].placeholders) for rid in results}
    version = policy.version_at(case.lodgement, case.scalars[ir.CATEGORY])
    if version is None:  # the case loader rules this out
        raise ValueError(f"no instruction version is in force on {case.lodgement} for this category")
    return ir.Verdict(
        outcome=ir.outcome_of(results),
        version=version.name,
        points=ev.points,
        results=results,
        awarded=awarded,
        not_assessed=tuple(not_assessed),
        not_applicable=tuple(not_applicable),
        values=values,
    )
