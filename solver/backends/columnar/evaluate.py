"""The IR read over whole columns with numpy: every node evaluated once for every case at a time.

A case-level node is an array over the cases; a node in a list's scope is an array over that
list's items (a case-level operand is spread to its items through the items' owners). Both
branches of an `if` are computed for every case and one is chosen, which is safe because no IR
operation can fail (a missing table row reads as zero, division is by positive constants).

The rules run in the policy's order, as in the Python evaluator: a rule is in force for the cases
whose lodgement date and category it covers, blocked where a stop of an earlier stage fired,
applicable where its condition holds; `points(…)` reads the running totals of the points awarded
so far (the checker only lets a rule read points that earlier stages awarded), and the reason
placeholders are read after every rule ran. The result is `ColumnVerdicts`: the outcome, version,
points and every rule's status as arrays, from which one case's `Verdict` is read off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ....dsl import ir
from ....dsl.units import date_code
from .columns import Columns

# a rule's status per case, as a small code; the results follow the three states a rule can be in
STATUSES = ("not_in_force", "not_assessed", "not_applicable", "met", "not_met", "raised", "clear", "stopped",
            "passed", "awarded", "deferred", "included")  # fmt: skip
CODE = {s: i for i, s in enumerate(STATUSES)}
NOT_IN_FORCE, NOT_ASSESSED, NOT_APPLICABLE = 0, 1, 2
OUTCOME_CODES = ir.OUTCOMES  # eligible, concerns, not_eligible


def _compare(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(ir.COMPARE_OPS[op](a, b), dtype=np.int64)


class ColumnEvaluator(ir.ExprVisitor):
    """One method per IR node, each returning the node's values: over the cases, or over the items
    of the list whose scope the node is in."""

    reader = "the columnar evaluator"

    def __init__(self, policy: ir.Policy, columns: Columns):
        self.policy = policy
        self.columns = columns
        self.points = {c.name: np.zeros(columns.n, dtype=np.int64) for c in policy.categories}
        # keyed by node identity (hashing a frozen tree is deep); the node is kept so its id stays its own
        self._memo: dict[int, tuple[ir.Expr, np.ndarray]] = {}
        self._volatile: dict[int, tuple[ir.Expr, bool]] = {}

    def volatile(self, e: ir.Expr) -> bool:
        """Whether a node reads points(…), which change as the rules run (never memoised)."""
        hit = self._volatile.get(id(e))
        if hit is None:
            hit = self._volatile[id(e)] = (e, isinstance(e, ir.PointsOf) or any(self.volatile(c) for c in e.children))
        return hit[1]

    def eval(self, e: ir.Expr, scope: str | None = None) -> np.ndarray:
        """The node's values in `scope` (None: one per case; a list's name: one per item of it)."""
        hit = self._memo.get(id(e))
        if hit is not None:
            values = hit[1]
        else:
            values = self.dispatch(e)
            if not self.volatile(e):
                self._memo[id(e)] = (e, values)
        if scope is not None and e.scope is None:
            return values[self.columns.lists[scope].owner]
        return values

    def operand(self, parent: ir.Expr, child: ir.Expr) -> np.ndarray:
        return self.eval(child, parent.scope)

    # --- leaves
    def _Const(self, e: ir.Const):
        fill = np.empty(self.columns.n, dtype=object) if e.type.kind == "text" else None
        if fill is not None:
            fill[:] = e.value
            return fill
        return np.full(self.columns.n, e.value, dtype=np.int64)

    def _Input(self, e: ir.Input):
        return self.columns.scalars[e.path]

    def _InputKnown(self, e: ir.InputKnown):
        return self.columns.known[e.path].astype(np.int64)

    def _Field(self, e: ir.Field):
        return self.columns.lists[e.list].values[e.name]

    def _FieldKnown(self, e: ir.FieldKnown):
        return self.columns.lists[e.list].known[e.name].astype(np.int64)

    def _PointsOf(self, e: ir.PointsOf):
        return self.points[e.category].copy()

    # --- one operand
    def _Named(self, e: ir.Named):
        return self.operand(e, e.expr)

    def _Not(self, e: ir.Not):
        return 1 - self.operand(e, e.operand)

    def _Neg(self, e: ir.Neg):
        return -self.operand(e, e.operand)

    def _Scale(self, e: ir.Scale):
        return e.factor * self.operand(e, e.operand)

    def _FloorDiv(self, e: ir.FloorDiv):
        return np.floor_divide(self.operand(e, e.operand), e.divisor)

    def _Divide(self, e: ir.Divide):
        a, b = self.operand(e, e.left), self.operand(e, e.right)
        positive = b > 0
        return np.where(positive, np.floor_divide(a, np.where(positive, b, 1)), 0)

    def _ParamAt(self, e: ir.ParamAt):
        days = self.operand(e, e.date)
        starts = np.array([date_code(entry.start) for entry in e.param.entries[1:]], dtype=np.int64)
        values = np.array([entry.value for entry in e.param.entries], dtype=np.int64)
        # the entry in force is the last one starting on or before the day (before all: the first)
        return values[np.searchsorted(starts, days, side="right")]

    def _row_index(self, table: ir.Table, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per key, its row's position in key order, and whether the table has such a row."""
        table_keys = np.array([k for k, _ in table.rows], dtype=object if table.key_type.kind == "text" else np.int64)
        order = np.argsort(table_keys, kind="stable")
        ordered = table_keys[order]
        if len(ordered) == 0:
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        pos = np.clip(np.searchsorted(ordered, keys), 0, len(ordered) - 1)
        return order[pos], ordered[pos] == keys

    def _Lookup(self, e: ir.Lookup):
        row, found = self._row_index(e.table, self.operand(e, e.key))
        col = e.table.column_index(e.column)
        column = [values[col] for _, values in e.table.rows]
        if e.type.kind == "text":
            cells = np.empty(len(column), dtype=object)
            cells[:] = column
            out = cells[row] if len(column) else np.empty(len(row), dtype=object)
            out = out.copy()
            out[~found] = ir.zero_of(e.type)
            return out
        cells = np.array(column, dtype=np.int64) if column else np.zeros(1, dtype=np.int64)
        return np.where(found, cells[row], 0)

    def _InTable(self, e: ir.InTable):
        return self._row_index(e.table, self.operand(e, e.key))[1].astype(np.int64)

    # --- two or three operands
    def _Arith(self, e: ir.Arith):
        a, b = self.operand(e, e.left), self.operand(e, e.right)
        return a + b if e.op == "+" else a - b

    def _Compare(self, e: ir.Compare):
        return _compare(e.op, self.operand(e, e.left), self.operand(e, e.right))

    def _BoolOp(self, e: ir.BoolOp):
        a, b = self.operand(e, e.left), self.operand(e, e.right)
        return a * b if e.op == "and" else np.maximum(a, b)

    def _MinMax(self, e: ir.MinMax):
        a, b = self.operand(e, e.left), self.operand(e, e.right)
        if e.type.kind == "text":
            pick_a = _compare("<=" if e.op == "min" else ">=", a, b).astype(bool)
            return np.where(pick_a, a, b)
        return np.minimum(a, b) if e.op == "min" else np.maximum(a, b)

    def _If(self, e: ir.If):
        cond = self.operand(e, e.cond).astype(bool)
        return np.where(cond, self.operand(e, e.then), self.operand(e, e.orelse))

    def _Aggregate(self, e: ir.Aggregate):
        items = self.columns.lists[e.list]
        chosen = self.eval(e.where, e.list).astype(bool)
        if e.func == "count":
            body = chosen.astype(np.int64)
        else:
            body = self.eval(e.body, e.list)
        if e.func in ("sum", "count"):
            running = np.zeros(len(body) + 1, dtype=np.int64)
            np.cumsum(np.where(chosen, body, 0), out=running[1:])
            return running[items.offsets[1:]] - running[items.offsets[:-1]]
        owner = items.owner[chosen]
        picked = body[chosen]
        if e.func == "max":
            out = np.full(self.columns.n, np.iinfo(np.int64).min, dtype=np.int64)
            np.maximum.at(out, owner, picked)
        else:
            out = np.full(self.columns.n, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(out, owner, picked)
        empty = np.bincount(owner, minlength=self.columns.n) == 0
        out[empty] = 0
        return out

    def _Covered(self, e: ir.Covered):
        # per case, the union of the chosen items' intervals: sorted by (case, start), each item adds
        # what lies past the furthest end reached by the items of its case before it
        items = self.columns.lists[e.list]
        chosen = self.eval(e.where, e.list).astype(bool)
        start, end = self.eval(e.start, e.list)[chosen], self.eval(e.end, e.list)[chosen]
        owner = items.owner[chosen]
        out = np.zeros(self.columns.n, dtype=np.int64)
        if not len(start):
            return out
        order = np.lexsort((start, owner))
        s, t, o = start[order], end[order], owner[order]
        low = int(min(s.min(), t.min()))
        span = int(max(s.max(), t.max())) - low + 2
        key = o * span + (t - low + 1)  # keys of a later case are all larger: one running maximum serves
        before = np.concatenate(([0], np.maximum.accumulate(key)[:-1]))
        first = np.concatenate(([True], o[1:] != o[:-1]))
        reach = np.where(first, s, before - o * span + low - 1)
        gained = np.maximum(0, t - np.maximum(s, reach))
        np.add.at(out, o, gained)
        return out


@dataclass(frozen=True)
class ColumnVerdicts:
    """Every case's decision as arrays over the cases (see `verdict` for one case's Verdict)."""

    n: int
    outcome: np.ndarray  # index into ir.OUTCOMES
    version: np.ndarray  # index into policy.versions
    points: dict[str, np.ndarray]  # per points category
    status: dict[str, np.ndarray]  # rule id → index into STATUSES
    awarded: dict[str, np.ndarray]  # points rule id → points it gave (where awarded)
    values: dict[str, tuple[np.ndarray, ...]]  # rule id → its placeholders' values

    def verdict(self, policy: ir.Policy, i: int) -> ir.Verdict:
        results: dict[str, str] = {}
        awarded: dict[str, int] = {}
        not_assessed: list[str] = []
        not_applicable: list[str] = []
        for rule in policy.rules:
            code = int(self.status[rule.id][i])
            if code == NOT_ASSESSED:
                not_assessed.append(rule.id)
            elif code == NOT_APPLICABLE:
                not_applicable.append(rule.id)
            elif code != NOT_IN_FORCE:
                results[rule.id] = STATUSES[code]
                if rule.kind == "points":
                    awarded[rule.id] = int(self.awarded[rule.id][i])
        # without reasons (decide_columns(reasons=False)) no placeholder was computed
        values = {rid: tuple(_plain(v[i]) for v in self.values[rid]) for rid in results if rid in self.values}
        return ir.Verdict(
            outcome=OUTCOME_CODES[int(self.outcome[i])],
            version=policy.versions[int(self.version[i])].name,
            points={c: int(p[i]) for c, p in self.points.items()},
            results=results,
            awarded=awarded,
            not_assessed=tuple(not_assessed),
            not_applicable=tuple(not_applicable),
            values=values,
        )


def _plain(x) -> int | str:
    return x if isinstance(x, str) else int(x)


def decide_columns(policy: ir.Policy, columns: Columns, reasons: bool = True) -> ColumnVerdicts:
    """Every case's decision at once. Without `reasons` the placeholders' values are not computed
    (outcomes, points and every rule's status still are)."""
    n = columns.n
    ev = ColumnEvaluator(policy, columns)
    lodged = columns.scalars[ir.LODGEMENT]
    category = columns.scalars[ir.CATEGORY]
    never = np.iinfo(np.int64).max
    first_stop = np.full(n, never, dtype=np.int64)  # the earliest stage whose stop fired, per case
    status: dict[str, np.ndarray] = {}
    awarded: dict[str, np.ndarray] = {}
    adverse = np.zeros(n, dtype=bool)
    concern = np.zeros(n, dtype=bool)
    for rule in policy.rules:
        force = np.isin(category, np.array(rule.categories, dtype=np.int64))
        if rule.start is not None:
            force &= lodged >= date_code(rule.start)
        if rule.until is not None:
            force &= lodged <= date_code(rule.until)
        blocked = force & (first_stop < rule.stage)
        live = force & ~blocked
        applicable = live.copy()
        if rule.applies is not None:
            applicable &= ev.eval(rule.applies).astype(bool)
        code = np.where(force, np.where(blocked, NOT_ASSESSED, NOT_APPLICABLE), NOT_IN_FORCE).astype(np.int8)
        value = ev.eval(rule.expr)
        if rule.kind == "points":
            code[applicable] = CODE["awarded"]
            gained = np.where(applicable, value, 0)
            ev.points[rule.points_category] = ev.points[rule.points_category] + gained
            awarded[rule.id] = gained
        else:
            yes, no = ir.EFFECT_OUTCOMES[rule.kind]
            holds = value.astype(bool)
            code[applicable & holds] = CODE[yes]
            code[applicable & ~holds] = CODE[no]
            if rule.kind == "stop":
                fired = applicable & holds
                first_stop = np.where(fired, np.minimum(first_stop, rule.stage), first_stop)
                adverse |= fired
            elif rule.kind == "require":
                adverse |= applicable & ~holds
            elif rule.kind == "concern":
                concern |= applicable & holds
            # a deferral (defer) leaves the outcome alone
        status[rule.id] = code
    values: dict[str, tuple[np.ndarray, ...]] = {}
    if reasons:
        values = {r.id: tuple(ev.eval(p) for p in r.placeholders) for r in policy.rules}
    outcome = np.where(adverse, 2, np.where(concern, 1, 0)).astype(np.int8)
    version = np.full(n, -1, dtype=np.int64)
    for i, v in enumerate(policy.versions):  # ordered by start: the latest begun (of the case's category) wins
        begun = lodged >= date_code(v.start)
        if v.categories:
            begun &= np.isin(category, np.array(v.categories, dtype=np.int64))
        version = np.where(begun, i, version)
    return ColumnVerdicts(n, outcome, version, dict(ev.points), status, awarded, values)
