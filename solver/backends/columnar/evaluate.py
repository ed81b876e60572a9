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

Cases are independent, so a large caseload is decided a chunk of cases at a time (`CHUNK`) and the
chunks' verdicts joined: within a chunk each node is computed once (nodes are memoised by
structure), a constant is a 0-d array numpy broadcasts, and yes/no values are bool arrays.
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
    return np.asarray(ir.COMPARE_OPS[op](a, b), dtype=bool)


def _constant(value: int | str, t: ir.Type) -> np.ndarray:
    """A constant as a 0-d array: numpy broadcasts it, so no column of copies is ever filled."""
    if t.kind == "text":
        return np.array(value, dtype=object)
    return np.array(value, dtype=bool if t.kind == "bool" else np.int64)


def _cells(values: list[int | str], t: ir.Type) -> np.ndarray:
    """A table column (or a parameter's series) as an array of its type."""
    if t.kind == "text":
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.array(values, dtype=bool if t.kind == "bool" else np.int64)


def _segment_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per case, the sum of its items' values (`offsets` as in ListColumns)."""
    running = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=running[1:])
    return running[offsets[1:]] - running[offsets[:-1]]


@dataclass(frozen=True)
class _TableIndex:
    """A table's keys in sorted order, for looking many keys up at once."""

    order: np.ndarray  # row positions in key order
    keys: np.ndarray  # the keys in that order
    position: dict[int | str, int]  # key → row position (text keys: a dict beats comparing objects)

    @staticmethod
    def of(table: ir.Table) -> _TableIndex:
        keys = _cells([k for k, _ in table.rows], table.key_type)
        order = np.argsort(keys, kind="stable")
        return _TableIndex(order, keys[order], {k: i for i, (k, _) in enumerate(table.rows)})

    def rows(self, keys: np.ndarray, text: bool) -> np.ndarray:
        """Per key, its row's position, or the number of rows where the table has no such row."""
        missing = len(self.position)
        if text:
            found = [self.position.get(k, missing) for k in keys.ravel().tolist()]
            return np.array(found, dtype=np.int64).reshape(keys.shape)
        if missing == 0:
            return np.zeros(keys.shape, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, keys), missing - 1)
        return np.where(self.keys[at] == keys, self.order[at], missing)


class Shared:
    """What depends on the policy alone, kept from one chunk of cases to the next: which nodes read
    points, each table's index and columns, each parameter's series."""

    def __init__(self) -> None:
        self._volatile: dict[ir.Expr, bool] = {}
        self._tables: dict[int, tuple[ir.Table, _TableIndex]] = {}  # by identity: a table's hash is deep
        self._cells: dict[tuple[int, str], tuple[ir.Table, np.ndarray]] = {}
        self._params: dict[int, tuple[ir.Param, np.ndarray, np.ndarray]] = {}

    def volatile(self, e: ir.Expr) -> bool:
        """Whether a node reads points(…), which change as the rules run (never memoised)."""
        hit = self._volatile.get(e)
        if hit is None:
            hit = self._volatile[e] = isinstance(e, ir.PointsOf) or any(self.volatile(c) for c in e.children)
        return hit

    def index(self, table: ir.Table) -> _TableIndex:
        hit = self._tables.get(id(table))
        if hit is None:
            hit = self._tables[id(table)] = (table, _TableIndex.of(table))
        return hit[1]

    def cells(self, table: ir.Table, column: str, t: ir.Type) -> np.ndarray:
        """A column's cells, and one past the last row: the zero a key with no row reads."""
        hit = self._cells.get((id(table), column))
        if hit is None:
            col = table.column_index(column)
            cells = _cells([values[col] for _, values in table.rows] + [ir.zero_of(t)], t)
            hit = self._cells[(id(table), column)] = (table, cells)
        return hit[1]

    def series(self, param: ir.Param) -> tuple[np.ndarray, np.ndarray]:
        """A parameter's starts (but the first) and its values."""
        hit = self._params.get(id(param))
        if hit is None:
            starts = np.array([date_code(entry.start) for entry in param.entries[1:]], dtype=np.int64)
            hit = self._params[id(param)] = (param, starts, _cells([e.value for e in param.entries], param.type))
        return hit[1], hit[2]


class ColumnEvaluator(ir.ExprVisitor):
    """One method per IR node, each returning the node's values: over the cases, or over the items
    of the list whose scope the node is in; or a 0-d array where the value is the same everywhere
    (a constant, or computed from constants only), which numpy broadcasts."""

    reader = "the columnar evaluator"

    def __init__(self, policy: ir.Policy, columns: Columns, shared: Shared | None = None):
        self.policy = policy
        self.columns = columns
        self.shared = shared or Shared()
        self.points = {c.name: np.zeros(columns.n, dtype=np.int64) for c in policy.categories}
        # keyed by the node itself (its hash is kept on it): nodes written alike in two places, such
        # as a define's body inlined into several rules, are computed once
        self._memo: dict[ir.Expr, np.ndarray] = {}
        self._spread: dict[tuple[ir.Expr, str], np.ndarray] = {}
        self._rows: dict[tuple[int, ir.Expr], np.ndarray] = {}  # (table, key node) → row positions

    def volatile(self, e: ir.Expr) -> bool:
        return self.shared.volatile(e)

    def eval(self, e: ir.Expr, scope: str | None = None) -> np.ndarray:
        """The node's values in `scope` (None: one per case; a list's name: one per item of it)."""
        values = self._memo.get(e)
        if values is None:
            values = self.dispatch(e)
            if not self.volatile(e):
                self._memo[e] = values
        if scope is None or e.scope is not None or values.ndim == 0:
            return values
        spread = self._spread.get((e, scope))
        if spread is None:
            spread = values[self.columns.lists[scope].owner]
            if not self.volatile(e):
                self._spread[(e, scope)] = spread
        return spread

    def column(self, e: ir.Expr) -> np.ndarray:
        """The node's values as one per case, a constant spread to every case."""
        return np.broadcast_to(self.eval(e), (self.columns.n,))

    def operand(self, parent: ir.Expr, child: ir.Expr) -> np.ndarray:
        return self.eval(child, parent.scope)

    # --- leaves
    def _Const(self, e: ir.Const):
        return _constant(e.value, e.type)

    def _Input(self, e: ir.Input):
        values = self.columns.scalars[e.path]
        return values.astype(bool) if e.type.kind == "bool" else values

    def _InputKnown(self, e: ir.InputKnown):
        return self.columns.known[e.path]

    def _Field(self, e: ir.Field):
        values = self.columns.lists[e.list].values[e.name]
        return values.astype(bool) if e.type.kind == "bool" else values

    def _FieldKnown(self, e: ir.FieldKnown):
        return self.columns.lists[e.list].known[e.name]

    def _PointsOf(self, e: ir.PointsOf):
        return self.points[e.category]  # replaced, never changed in place, as rules award points

    # --- one operand
    def _Named(self, e: ir.Named):
        return self.operand(e, e.expr)

    def _Not(self, e: ir.Not):
        return np.logical_not(self.operand(e, e.operand))

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
        starts, values = self.shared.series(e.param)
        # the entry in force is the last one starting on or before the day (before all: the first)
        return values[np.searchsorted(starts, days, side="right")]

    def _row_positions(self, table: ir.Table, key: ir.Expr, scope: str | None) -> np.ndarray:
        """Per key, its row's position in the table, or the number of rows where there is none;
        found once for every look-up into the same table by the same key."""
        hit = self._rows.get((id(table), key))
        if hit is None:
            hit = self.shared.index(table).rows(self.eval(key, scope), table.key_type.kind == "text")
            if not self.volatile(key):
                self._rows[(id(table), key)] = hit
        return hit

    def _Lookup(self, e: ir.Lookup):
        return self.shared.cells(e.table, e.column, e.type)[self._row_positions(e.table, e.key, e.scope)]

    def _InTable(self, e: ir.InTable):
        return self._row_positions(e.table, e.key, e.scope) < len(e.table.rows)

    # --- two or three operands
    def _Arith(self, e: ir.Arith):
        a, b = self.operand(e, e.left), self.operand(e, e.right)
        return a + b if e.op == "+" else a - b

    def _Compare(self, e: ir.Compare):
        return _compare(e.op, self.operand(e, e.left), self.operand(e, e.right))

    def _BoolOp(self, e: ir.BoolOp):
        a, b = self.operand(e, e.left), self.operand(e, e.right)
        return np.logical_and(a, b) if e.op == "and" else np.logical_or(a, b)

    def _MinMax(self, e: ir.MinMax):
        a, b = self.operand(e, e.left), self.operand(e, e.right)
        if e.type.kind == "text":
            pick_a = _compare("<=" if e.op == "min" else ">=", a, b)
            return np.where(pick_a, a, b)
        return np.minimum(a, b) if e.op == "min" else np.maximum(a, b)

    def _If(self, e: ir.If):
        cond = self.operand(e, e.cond)
        if cond.ndim == 0:  # the same branch everywhere: the other is never needed
            return self.operand(e, e.then if cond else e.orelse)
        return np.where(cond, self.operand(e, e.then), self.operand(e, e.orelse))

    def _items(self, e: ir.Expr, lst: str) -> np.ndarray:
        """An item-scoped operand as one value per item, a constant spread to every item."""
        return np.broadcast_to(self.eval(e, lst), self.columns.lists[lst].owner.shape)

    def _Aggregate(self, e: ir.Aggregate):
        items = self.columns.lists[e.list]
        chosen = self._items(e.where, e.list)
        if e.func == "count":
            return _segment_sums(chosen, items.offsets)
        body = self._items(e.body, e.list)
        if e.func == "sum":
            return _segment_sums(np.where(chosen, body, 0), items.offsets)
        owner = items.owner[chosen]
        picked = body[chosen].astype(np.int64)
        if e.func == "max":
            out = np.full(self.columns.n, np.iinfo(np.int64).min, dtype=np.int64)
            np.maximum.at(out, owner, picked)
        else:
            out = np.full(self.columns.n, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(out, owner, picked)
        out[_segment_sums(chosen, items.offsets) == 0] = 0
        return out.astype(bool) if e.type.kind == "bool" else out

    def _Covered(self, e: ir.Covered):
        # per case, the union of the chosen items' intervals: sorted by (case, start), each item adds
        # what lies past the furthest end reached by the items of its case before it
        items = self.columns.lists[e.list]
        chosen = self._items(e.where, e.list)
        start, end = self._items(e.start, e.list)[chosen], self._items(e.end, e.list)[chosen]
        owner = items.owner[chosen]
        out = np.zeros(self.columns.n, dtype=np.int64)
        if not len(start):
            return out
        low = int(min(start.min(), end.min()))
        span = int(max(start.max(), end.max())) - low + 2
        # one integer key per item orders by case, then start (a stable sort of integers is fast)
        order = np.argsort(owner * span + (start - low), kind="stable")
        s, t, o = start[order], end[order], owner[order]
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


# Cases decided together: a chunk's intermediate arrays stay in the processor's cache and their
# memory is reused, where whole-caseload arrays are fresh memory for every node (page faults cost
# more than the arithmetic); much smaller, and the per-node Python overhead dominates.
CHUNK = 8192


def decide_columns(policy: ir.Policy, columns: Columns, reasons: bool = True, chunk: int = CHUNK) -> ColumnVerdicts:
    """Every case's decision at once. Without `reasons` the placeholders' values are not computed
    (outcomes, points and every rule's status still are). Cases are independent: they are decided
    `chunk` at a time, and the chunks' verdicts joined."""
    shared = Shared()
    if columns.n <= chunk:
        return _decide(policy, columns, reasons, shared)
    return _joined([_decide(policy, columns.slice(i, min(i + chunk, columns.n)), reasons, shared)
                    for i in range(0, columns.n, chunk)])  # fmt: skip


def _joined(parts: list[ColumnVerdicts]) -> ColumnVerdicts:
    def join(arrays: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(arrays)

    first = parts[0]
    return ColumnVerdicts(
        sum(part.n for part in parts),
        join([part.outcome for part in parts]),
        join([part.version for part in parts]),
        {c: join([part.points[c] for part in parts]) for c in first.points},
        {r: join([part.status[r] for part in parts]) for r in first.status},
        {r: join([part.awarded[r] for part in parts]) for r in first.awarded},
        {r: tuple(join([part.values[r][k] for part in parts]) for k in range(len(vs)))
         for r, vs in first.values.items()},
    )  # fmt: skip


def _of_categories(category: np.ndarray, categories: tuple[int, ...]) -> np.ndarray:
    """Whether each case's category is one of a few (np.isin costs more for a handful)."""
    out = np.zeros(len(category), dtype=bool)
    for c in categories:
        out |= category == c
    return out


def _decide(policy: ir.Policy, columns: Columns, reasons: bool, shared: Shared) -> ColumnVerdicts:
    n = columns.n
    ev = ColumnEvaluator(policy, columns, shared)
    lodged = columns.scalars[ir.LODGEMENT]
    category = columns.scalars[ir.CATEGORY]
    never = np.iinfo(np.int64).max
    first_stop = np.full(n, never, dtype=np.int64)  # the earliest stage whose stop fired, per case
    status: dict[str, np.ndarray] = {}
    awarded: dict[str, np.ndarray] = {}
    adverse = np.zeros(n, dtype=bool)
    concern = np.zeros(n, dtype=bool)
    in_force: dict[tuple, np.ndarray] = {}  # rules of the same categories and dates share the mask
    for rule in policy.rules:
        window = (rule.categories, rule.start, rule.until)
        force = in_force.get(window)
        if force is None:
            force = _of_categories(category, rule.categories)
            if rule.start is not None:
                force &= lodged >= date_code(rule.start)
            if rule.until is not None:
                force &= lodged <= date_code(rule.until)
            in_force[window] = force
        blocked = force & (first_stop < rule.stage)
        applicable = force & ~blocked
        if rule.applies is not None:
            applicable &= ev.eval(rule.applies)
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
            met, unmet = applicable & holds, applicable & ~holds
            code[met] = CODE[yes]
            code[unmet] = CODE[no]
            if rule.kind == "stop":
                first_stop = np.where(met, np.minimum(first_stop, rule.stage), first_stop)
                adverse |= met
            elif rule.kind == "require":
                adverse |= unmet
            elif rule.kind == "concern":
                concern |= met
            # a deferral (defer) leaves the outcome alone
        status[rule.id] = code
    values: dict[str, tuple[np.ndarray, ...]] = {}
    if reasons:
        values = {r.id: tuple(ev.column(p) for p in r.placeholders) for r in policy.rules}
    outcome = np.where(adverse, 2, np.where(concern, 1, 0)).astype(np.int8)
    version = np.full(n, -1, dtype=np.int64)
    for i, v in enumerate(policy.versions):  # ordered by start: the latest begun (of the case's category) wins
        begun = lodged >= date_code(v.start)
        if v.categories:
            begun &= _of_categories(category, v.categories)
        version = np.where(begun, i, version)
    return ColumnVerdicts(n, outcome, version, dict(ev.points), status, awarded, values)
