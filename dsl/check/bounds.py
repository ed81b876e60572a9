"""No overflow, proved: the range of every number the ASP program computes, from the input bounds.

clingo's numbers are 32-bit signed integers and its arithmetic wraps silently, so a policy whose
ASP program could compute a number outside -2^31..2^31-1 for some case would decide that case
wrongly under clingo while Z3 and Python (unbounded integers) decide it right. This pass is an
interval analysis over the checked IR: each input's interval is its declared range (or its type's
default), each node's interval follows from its operands', exactly as the ASP emitter computes the
node (including the flooring division it emits for negative values), and a list aggregate
counts up to the list's declared number of items. Any node whose interval can leave clingo's
range is an error at the expression that computes it. Intervals over-approximate: a policy
that passes can never overflow; one that fails may be tightened with narrower declared ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ast, ir
from ..diagnostics import Span
from ..units import decode_date, format_value, last_day_code
from .scope import Diagnostics, Scope

__all__ = ["Interval", "RangeAnalysis", "check_bounds", "describe"]

_LOW, _HIGH = ir.CLINGO_MIN, ir.CLINGO_MAX


@dataclass(frozen=True)
class Interval:
    """Every value a node can take lies in low..high (both included)."""

    low: int
    high: int

    def fits(self) -> bool:
        return _LOW <= self.low and self.high <= _HIGH

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high)

    def __neg__(self) -> Interval:
        return Interval(-self.high, -self.low)

    def __sub__(self, other: Interval) -> Interval:
        return self + -other

    def times(self, k: int) -> Interval:
        ends = (self.low * k, self.high * k)
        return Interval(min(ends), max(ends))

    def join(self, other: Interval) -> Interval:
        return Interval(min(self.low, other.low), max(self.high, other.high))

    def floor_div(self, k: int) -> Interval:
        return Interval(self.low // k, self.high // k)


_BOOL = Interval(0, 1)
_ZERO = Interval(0, 0)


def _field_interval(policy: ir.Policy, f: ir.InputField) -> Interval | None:
    """The values a back end holds for this input: its bounds (a last day stored as the day after),
    and zero when an optional input is unknown."""
    t = f.type
    if t.kind == "text":
        return None
    if t.kind == "bool":
        return _BOOL
    if t.kind == "enum":
        out = Interval(0, len(policy.enum_by_name[t.enum].members) - 1)
    elif f.bounds is None:  # IR built without the checker: only clingo's own range is known
        out = Interval(_LOW, _HIGH)
    elif t.kind == "date" and f.last_day:
        out = Interval(last_day_code(decode_date(f.bounds.low)), last_day_code(decode_date(f.bounds.high)))
    else:
        out = Interval(f.bounds.low, f.bounds.high)
    return out.join(_ZERO) if f.optional else out


class RangeAnalysis(ir.ExprVisitor):
    """One handler per IR node: the interval of its value in the ASP program (None for text).

    `steps` collects, per node, the intervals of the numbers the emitted rule computes on the way
    to the node's value (the flooring division of a negative number adds a step), so that those
    are proved to fit as well."""

    reader = "the range analysis"

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        # keyed by id (hashing a frozen tree rehashes all of it); the node is kept with its interval
        self.memo: dict[int, tuple[ir.Expr, Interval | None]] = {}
        self.steps: dict[int, list[Interval]] = {}
        self._points: dict[str, Interval] = {}

    def of(self, e: ir.Expr) -> Interval | None:
        hit = self.memo.get(id(e))
        if hit is None:
            hit = self.memo[id(e)] = (e, self.dispatch(e))
        return hit[1]

    def _num(self, e: ir.Expr) -> Interval:
        out = self.of(e)
        return out if out is not None else Interval(_LOW, _HIGH)

    def _Const(self, e: ir.Const):
        return Interval(e.value, e.value) if isinstance(e.value, int) else None

    def _Input(self, e: ir.Input):
        return _field_interval(self.policy, self.policy.input_field(e.path))

    def _InputKnown(self, e: ir.InputKnown):
        return _BOOL

    def _Field(self, e: ir.Field):
        return _field_interval(self.policy, self.policy.list_field(e.list, e.name))

    def _FieldKnown(self, e: ir.FieldKnown):
        return _BOOL

    def _PointsOf(self, e: ir.PointsOf):
        return self.points(e.category)

    def points(self, category: str) -> Interval:
        """What `#sum` of the points awarded in a category can be: each rule gives its value or 0."""
        if category not in self._points:
            self._points[category] = Interval(_LOW, _HIGH)  # a cycle (the checker rules it out) proves nothing
            total = _ZERO
            for r in self.policy.rules:
                if r.kind == "points" and r.points_category == category:
                    total = total + self._num(r.expr).join(_ZERO)
            self._points[category] = total
        return self._points[category]

    def _Named(self, e: ir.Named):
        return self.of(e.expr)

    def _Not(self, e: ir.Not):
        return _BOOL

    def _Neg(self, e: ir.Neg):
        return -self._num(e.operand)

    def _Arith(self, e: ir.Arith):
        a, b = self._num(e.left), self._num(e.right)
        return a + b if e.op == "+" else a - b

    def _Scale(self, e: ir.Scale):
        return self._num(e.operand).times(e.factor)

    def _FloorDiv(self, e: ir.FloorDiv):
        x, k = self._num(e.operand), e.divisor
        # emitted as ((X - ((X \ k) + k) \ k) / k): X less a remainder in 0..k-1, and (X \ k) + k
        self.steps[id(e)] = [Interval(x.low - (k - 1), x.high), Interval(1, 2 * k - 1)]
        return x.floor_div(k)

    def _Divide(self, e: ir.Divide):
        x, d = self._num(e.left), self._num(e.right)
        k = max(d.high, 1)  # only a positive divisor is used (the other rule gives 0)
        # emitted as in _FloorDiv with the divisor D: (X \ D) + D in 1..2D-1, X less a remainder below D
        self.steps[id(e)] = [Interval(x.low - (k - 1), x.high), Interval(1, 2 * k - 1)]
        # dividing by 1 or more never moves a whole number further from 0
        return Interval(min(x.low, 0), max(x.high, 0))

    def _Compare(self, e: ir.Compare):
        a, b = self.of(e.left), self.of(e.right)
        if a is not None and b is not None:
            # [x >= 0] is emitted as (|x+1| - |x| + 1)/2, x being a - b for >=, a - b - 1 for >,
            # b - a for <=, b - a - 1 for <, and both a - b and b - a for == and !=
            one = Interval(1, 1)
            forward = [a - b, a - b + one] if e.op in (">=", "==", "!=") else []
            forward += [a - b - one, a - b] if e.op == ">" else []
            backward = [b - a, b - a + one] if e.op in ("<=", "==", "!=") else []
            backward += [b - a - one, b - a] if e.op == "<" else []
            self.steps[id(e)] = forward + backward
        return _BOOL

    def _BoolOp(self, e: ir.BoolOp):
        self.of(e.left), self.of(e.right)
        return _BOOL

    def _MinMax(self, e: ir.MinMax):
        a, b = self.of(e.left), self.of(e.right)
        if a is None or b is None:
            return None
        # emitted as (a + b ± |a - b|) / 2
        total, gap = a + b, (a - b).join(b - a)
        self.steps[id(e)] = [total, gap, total + gap, total - gap]
        pick = min if e.op == "min" else max
        return Interval(pick(a.low, b.low), pick(a.high, b.high))

    def _If(self, e: ir.If):
        self.of(e.cond)  # emitted as c·t + (1-c)·e with c 0 or 1: each step is t, e or 0
        a, b = self.of(e.then), self.of(e.orelse)
        return a.join(b).join(_ZERO) if a is not None and b is not None else None

    def _ParamAt(self, e: ir.ParamAt):
        self.of(e.date)
        values = [entry.value for entry in e.param.entries]
        return Interval(min(values), max(values)) if values else _ZERO

    def _Lookup(self, e: ir.Lookup):
        self.of(e.key)
        if e.type.kind == "text":
            return None
        column = e.table.column_index(e.column)
        values = [int(v[column]) for _, v in e.table.rows] + [0]  # a key with no row gives zero
        return Interval(min(values), max(values))

    def _InTable(self, e: ir.InTable):
        self.of(e.key)
        return _BOOL

    def _Aggregate(self, e: ir.Aggregate):
        self.of(e.where)
        items = self.policy.list_by_name[e.list].items
        most = items.high if items is not None else _HIGH  # a hand-built IR without a length: clingo's range
        if e.func == "count":
            return Interval(0, most)
        body = self._num(e.body)
        if e.func == "sum":  # any number of items up to `most`, each within the body's interval
            return Interval(min(0, body.low * most), max(0, body.high * most))
        return body.join(_ZERO)  # max or min, 0 for no items

    def _Covered(self, e: ir.Covered):
        self.of(e.where)
        start, end = self._num(e.start), self._num(e.end)
        # each item adds E - L (L its start, or the furthest end before it); the union spans no
        # more than from the earliest start to the latest end
        span = Interval(0, max(0, end.high - start.low))
        self.steps[id(e)] = [end - start.join(end)]
        return span


def check_bounds(policy: ir.Policy, spans: dict[int, tuple[ir.Expr, Span]], scope: Scope, diags: Diagnostics) -> None:
    """Report every expression whose value (or a step to it) can leave clingo's 32-bit range, and
    every dated value or table cell that does not fit; at the innermost such expression, where it
    was written (`spans`, by node id) or else where the nearest enclosing one was."""
    analysis = RangeAnalysis(policy)
    done: dict[int, bool] = {}  # node id → some number at or below it can leave the range

    def visit(e: ir.Expr, where: Span) -> bool:
        if id(e) in done:  # a definition read by many rules is proved (and reported) once
            return done[id(e)]
        here = spans[id(e)][1] if id(e) in spans else where
        below = False
        for child in e.children:
            below = visit(child, here) or below
        value = analysis.of(e)
        steps = [(s, k > 0) for k, s in enumerate([value, *analysis.steps.get(id(e), [])]) if s is not None]
        bad = next(((s, step) for s, step in steps if not s.fits()), None)
        if bad is not None and not below:
            diags.error(here, _message(e, *bad), _hint(policy, e))
        done[id(e)] = below or bad is not None
        return done[id(e)]

    for r in policy.rules:
        for root in (*r.roots, *r.placeholders):
            visit(root, r.span)
    declared = {d.name: d.span for kind in (ast.ParamDecl, ast.TableDecl) for d in scope.of(kind)}
    for p in policy.params:
        for entry in p.entries:
            if not Interval(entry.value, entry.value).fits():
                diags.error(
                    declared.get(p.name, Span("<policy>", 0, 0)),
                    f"{p.name}: the value from {entry.start} is beyond clingo's 32-bit range",
                    f"clingo holds numbers from {_LOW} to {_HIGH}",
                )
    for t in policy.tables:
        for key, values in t.rows:
            if any(isinstance(v, int) and not Interval(v, v).fits() for v in (key, *values)):
                diags.error(
                    declared.get(t.name, Span("<policy>", 0, 0)),
                    f"table {t.name}: the row {key} holds a number beyond clingo's 32-bit range",
                    f"clingo holds numbers from {_LOW} to {_HIGH}",
                )


# ---------------------------------------------------------------- messages


def _message(e: ir.Expr, bad: Interval, step: bool) -> str:
    extreme = bad.high if bad.high > _HIGH else bad.low
    if step:  # a number the emitted ASP computes on the way to the node's value
        return (
            f"{describe(e)}: clingo computes {extreme:,} on the way to its value for some case, beyond its "
            f"32-bit range ({_LOW:,} to {_HIGH:,}): clingo would decide such a case wrongly"
        )
    if isinstance(e, ir.Const):
        unit = {"money": " cents", "decimal": " tenths", "duration": " 32nds of a month"}.get(e.type.kind, "")
        return f"{describe(e)} is held as {extreme:,}{unit}, beyond clingo's 32-bit range ({_LOW:,} to {_HIGH:,})"
    shown = f"{extreme:,}"
    if e.type.kind in ("money", "duration"):
        shown = (
            f"{_show(e.type.kind, extreme)} ({shown} in cents)"
            if e.type.kind == "money"
            else f"{shown} (in 32nds of a month)"
        )
    return (
        f"{describe(e)} can reach {shown} for some case, beyond clingo's 32-bit range "
        f"({_LOW:,} to {_HIGH:,}): clingo would decide such a case wrongly"
    )


def _hint(policy: ir.Policy, e: ir.Expr) -> str:
    """The inputs and lists the value is computed from, with their ranges: what to tighten."""
    parts: list[str] = []
    for node in _numeric_leaves(e):
        if isinstance(node, ir.Input):
            f = policy.input_field(node.path)
        elif isinstance(node, ir.Field):
            f = policy.list_field(node.list, node.name)
        elif isinstance(node, ir.Aggregate):
            items = policy.list_by_name[node.list].items
            declared = items is not None and items.declared
            most = items.high if items is not None else _HIGH
            parts.append(f"{node.list} holds up to {most:,} items" + ("" if declared else " (no length declared)"))
            continue
        else:
            continue
        if f.bounds is None or f.type.kind not in ("int", "decimal", "money", "duration", "date"):
            continue
        name = f.path if isinstance(node, ir.Input) else f"{node.list}[…].{f.path}"
        shown = f"{_show(f.type.kind, f.bounds.low)}..{_show(f.type.kind, f.bounds.high)}"
        parts.append(f"{name} is {shown}" + ("" if f.bounds.declared else " (no range declared)"))
    found = "; ".join(dict.fromkeys(parts))
    return f"declare narrower ranges on the inputs it reads ({found})" if found else "write a smaller number"


def _numeric_leaves(e: ir.Expr) -> list[ir.Expr]:
    """The inputs, fields and aggregates a number is computed from (not those of conditions it tests)."""
    if isinstance(e, (ir.Input, ir.Field)):
        return [e]
    if isinstance(e, ir.Aggregate):
        return [e, *_numeric_leaves(e.body)]
    if isinstance(e, ir.Covered):
        return _numeric_leaves(e.start) + _numeric_leaves(e.end)
    if isinstance(e, ir.If):
        return _numeric_leaves(e.then) + _numeric_leaves(e.orelse)
    if isinstance(e, (ir.Named, ir.Neg, ir.Scale, ir.FloorDiv, ir.Divide, ir.Arith, ir.MinMax)):
        return [leaf for c in e.children for leaf in _numeric_leaves(c)]
    return []  # constants, conditions, dated values and table cells: fixed by the policy


def _show(kind: str, value: int) -> str:
    if kind in ("money", "decimal", "date", "duration"):
        try:
            return format_value(kind, value)
        except (ValueError, OverflowError):
            return str(value)
    return str(value)


def describe(e: ir.Expr, depth: int = 0) -> str:
    """A short reading of an IR expression, as the policy would write it, for messages."""
    if depth > 3:
        return "…"
    d = depth + 1
    if isinstance(e, ir.Const):
        return _show(e.type.kind, e.value) if isinstance(e.value, int) else f'"{e.value}"'
    if isinstance(e, ir.Input):
        return e.path
    if isinstance(e, ir.Field):
        return f"{e.list}[…].{e.name}"
    if isinstance(e, ir.Named):
        return e.name
    if isinstance(e, ir.Scale):
        return f"{e.factor} × {describe(e.operand, d)}"
    if isinstance(e, ir.Arith):
        return f"{describe(e.left, d)} {e.op} {describe(e.right, d)}"
    if isinstance(e, ir.Neg):
        return f"-{describe(e.operand, d)}"
    if isinstance(e, ir.FloorDiv):
        return f"{describe(e.operand, d)} ÷ {e.divisor} (rounded down)"
    if isinstance(e, ir.Divide):
        return f"{describe(e.left, d)} ÷ {describe(e.right, d)} (rounded down)"
    if isinstance(e, ir.MinMax):
        return f"{e.op}({describe(e.left, d)}, {describe(e.right, d)})"
    if isinstance(e, ir.Aggregate):
        return f"{e.func}(… for each item of {e.list})"
    if isinstance(e, ir.Covered):
        return f"covered(… for each item of {e.list})"
    if isinstance(e, ir.ParamAt):
        return f"{e.param.name} at {describe(e.date, d)}"
    if isinstance(e, ir.Lookup):
        return f"{e.table.name}[{describe(e.key, d)}].{e.column}"
    if isinstance(e, ir.PointsOf):
        return f"points({e.category})"
    if isinstance(e, ir.If):
        return f"if {describe(e.cond, d)} then {describe(e.then, d)} else {describe(e.orelse, d)}"
    if isinstance(e, (ir.Compare, ir.BoolOp)):
        return f"{describe(e.left, d)} {e.op} {describe(e.right, d)}"
    return f"this {type(e).__name__.lower()}"
