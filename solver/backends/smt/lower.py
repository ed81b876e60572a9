"""IR expressions lowered to Z3 terms over a symbolic case."""

from __future__ import annotations

from collections.abc import Callable

import z3

from ....dsl import ir
from ....dsl.check.bounds import RangeAnalysis
from .case import SymbolicCase
from .values import any_of, literal, sum_of

_COMPARE = ir.COMPARE_OPS
# a divisor read from the case that takes at most this many positive values (hours in a week) is
# lowered as a choice among divisions by constants: linear, where a division by a variable is
# non-linear arithmetic that Z3 often cannot settle within a budget
_SPLIT_DIVISORS = 200


class SmtLowering(ir.ExprVisitor):
    """One method per IR node class, as in the Python evaluator; `slot` is the current list slot, or None.

    `points_of(category)` gives the term for `points(category)`; `build_decision` supplies it, and
    without it a PointsOf node cannot be lowered.
    """

    reader = "the Z3 lowering"

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
            hit = self._memo[key] = (e, self.dispatch(e, slot))
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

    def _Divide(self, e: ir.Divide, slot):
        # SMT-LIB integer div by a positive divisor rounds down, like Python's //; 0 by 0 or less
        a, b = self.lower(e.left, slot), self.lower(e.right, slot)
        span = RangeAnalysis(self.sym.policy).of(e.right)
        if span is not None and span.high - max(span.low, 1) < _SPLIT_DIVISORS:
            out: z3.ArithRef = z3.IntVal(0)
            for k in range(max(span.low, 1), span.high + 1):
                out = z3.If(b == k, a / k, out)
            return out
        return z3.If(b > 0, a / b, 0)

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
        windows = e.param.windows()
        out = literal(e.type, windows[0].entry.value)  # also before the first start
        for w in windows[1:]:  # later windows wrap earlier ones, so the latest start wins
            out = z3.If(day >= w.first, literal(e.type, w.entry.value), out)
        return out

    def _Lookup(self, e: ir.Lookup, slot):
        key = self.lower(e.key, slot)
        column = e.table.column_index(e.column)
        missing = literal(e.type, ir.zero_of(e.type))  # a key with no row
        rows = [(k, literal(e.type, values[column])) for k, values in e.table.rows]
        if e.table.key_type.kind != "int" or len(rows) < _SEARCH_TREE_FROM:
            out = missing
            for row_key, value in reversed(rows):
                out = z3.If(key == literal(e.table.key_type, row_key), value, out)
            return out
        return _search_tree(key, sorted(rows, key=lambda r: r[0]), missing)

    def _InTable(self, e: ir.InTable, slot):
        key = self.lower(e.key, slot)
        if e.table.key_type.kind != "int" or len(e.table.rows) < _SEARCH_TREE_FROM:
            return any_of(key == literal(e.table.key_type, row_key) for row_key, _ in e.table.rows)
        return _search_tree(key, sorted((k, z3.BoolVal(True)) for k, _ in e.table.rows), z3.BoolVal(False))

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

    def _Covered(self, e: ir.Covered, slot):
        # as the ASP program: in order of (start, slot), each adds what lies past the reach before it
        slots = self.sym.slots[e.list]
        chosen = [z3.And(s.present, self.lower(e.where, i)) for i, s in enumerate(slots)]
        starts = [self.lower(e.start, i) for i in range(len(slots))]
        ends = [self.lower(e.end, i) for i in range(len(slots))]
        parts = []
        for i in range(len(slots)):
            reach, seen = z3.IntVal(0), z3.BoolVal(False)
            for j in range(len(slots)):
                if j == i:
                    continue
                earlier = starts[j] <= starts[i] if j < i else starts[j] < starts[i]
                before = z3.And(chosen[j], earlier)
                reach = z3.If(before, z3.If(z3.Or(z3.Not(seen), ends[j] > reach), ends[j], reach), reach)
                seen = z3.Or(seen, before)
            low = z3.If(z3.And(seen, reach > starts[i]), reach, starts[i])
            parts.append(z3.If(z3.And(chosen[i], ends[i] > low), ends[i] - low, 0))
        return sum_of(parts)

    def _PointsOf(self, e: ir.PointsOf, slot):
        if self.points_of is None:
            raise ValueError(f"points({e.category}) can only be lowered within a decision (build_decision)")
        return self.points_of(e.category)


# A table of many integer keys (the 1,023 ANZSCO occupations) is read through a balanced search
# tree on the key: some ten comparisons deep instead of a chain of a thousand equalities, which Z3
# could not get through when two cases' occupations were compared.
_SEARCH_TREE_FROM = 32


def _search_tree(key, rows, missing):
    """The value of the row whose key equals `key` (rows sorted by key), else `missing`."""
    if len(rows) <= 4:
        out = missing
        for row_key, value in reversed(rows):
            out = z3.If(key == row_key, value, out)
        return out
    middle = len(rows) // 2
    pivot = rows[middle][0]
    return z3.If(key < pivot, _search_tree(key, rows[:middle], missing), _search_tree(key, rows[middle:], missing))
