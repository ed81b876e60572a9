"""IR expressions as an analyst reads them: source-like descriptions, values in their units, and
comparisons shown unscaled (`2 × pay ≥ 3 × median` is shown as `pay ≥ 1.5 × median`).

Pure helpers shared by the explanation, the why-not margins, the what-if search and the renderers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ....dsl import ir
from ....dsl.units import UNITS_PER_MONTH, UNITS_PER_YEAR, format_value
from ...case import CaseData

SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}
NEGATION = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}
MIRROR = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


# ---------------------------------------------------------------- values with their units


def is_last_day(policy: ir.Policy, e: ir.Expr) -> bool:
    """Inclusive last days are stored as the day after; they must be shown as written."""
    if isinstance(e, ir.Input):
        return policy.input_field(e.path).last_day
    if isinstance(e, ir.Field):
        return policy.list_field(e.list, e.name).last_day
    return False


def is_known(case: CaseData, e: ir.Expr, item: int | None) -> bool:
    if isinstance(e, ir.Input):
        return case.known[e.path]
    if isinstance(e, ir.Field) and item is not None:
        return case.items[e.list][item].known[e.name]
    return True


def show(policy: ir.Policy, case: CaseData, e: ir.Expr, value, item: int | None = None) -> str:
    """A value of `e` (as the back ends compute it) in its unit: $45.00, 2024-05-01, 12 months."""
    if not is_known(case, e, item):
        return "not given"
    return show_typed(policy, e.type, value, last_day=is_last_day(policy, e))


def show_typed(policy: ir.Policy, t: ir.Type, value, last_day: bool = False) -> str:
    """A value of a type in its unit, text in quotes (as it stands beside other values)."""
    labels = policy.enum_by_name[t.enum].labels if t.kind == "enum" else ()
    return format_value(t.kind, value, labels=labels, last_day=last_day, quote_text=True)


def show_exact(policy: ir.Policy, t: ir.Type, value: Fraction) -> str:
    """A threshold that may fall between whole units (1.5 × $31.61 = $47.415), shown exactly."""
    if value.denominator == 1:
        return show_typed(policy, t, int(value))
    if t.kind == "money":
        return _decimal(value / 100, prefix="$")
    if t.kind == "decimal":
        return _decimal(value / ir.TENTHS)
    if t.kind == "duration":
        return _decimal(value / UNITS_PER_MONTH) + " months"
    return _decimal(value)


def _decimal(value: Fraction, prefix: str = "") -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    for digits in range(7):
        scaled = value * 10**digits
        if scaled.denominator == 1:
            text = f"{Decimal(scaled.numerator).scaleb(-digits):,f}"
            if prefix == "$" and digits < 2:
                text = f"{Decimal(scaled.numerator).scaleb(-digits):,.2f}"
            return f"{sign}{prefix}{text}"
    return f"{sign}≈{prefix}{float(value):,.4f}"


def factor_text(ratio: Fraction) -> str:
    """`1.5 × ` for a ratio of 3/2; nothing for 1."""
    if ratio == 1:
        return ""
    if (ratio * 10**6).denominator == 1:
        return f"{_decimal(ratio)} × "
    return f"{ratio.numerator}/{ratio.denominator} × "


# ---------------------------------------------------------------- comparisons, unscaled


@dataclass(frozen=True)
class Sides:
    """`subject op ratio × threshold`, with the compiler's whole-number scaling undone."""

    subject: ir.Expr
    op: str
    ratio: Fraction
    threshold: ir.Expr


def _unscale(e: ir.Expr) -> tuple[ir.Expr, int]:
    if isinstance(e, ir.Scale) and e.factor > 0:
        return e.operand, e.factor
    return e, 1


def sides(c: ir.Compare) -> Sides:
    """The case's value on the left as written, unless the left is a constant (`30 <= hours`)."""
    left, a = _unscale(c.left)
    right, b = _unscale(c.right)
    if isinstance(left, ir.Const) and not isinstance(right, ir.Const):
        return Sides(right, MIRROR[c.op], Fraction(a, b), left)
    return Sides(left, c.op, Fraction(b, a), right)


# ---------------------------------------------------------------- expressions as text


def describe(policy: ir.Policy, e: ir.Expr, item: int | None = None) -> str:
    """An expression close to how the policy writes it; list items by index when known."""
    return Describer(policy, item).text(e)


class Describer(ir.ExprVisitor):
    """An expression as text: one method per IR node."""

    reader = "the expression describer"

    def __init__(self, policy: ir.Policy, item: int | None):
        self.policy = policy
        self.item = item

    def text(self, e: ir.Expr) -> str:
        return self.dispatch(e)

    def wrapped(self, e: ir.Expr, loose=(ir.BoolOp, ir.Arith, ir.If, ir.Compare)) -> str:
        t = self.text(e)
        return f"({t})" if isinstance(e, loose) else t

    def _element(self, lst: str) -> str:
        return f"{lst}[{self.item}]" if self.item is not None else f"{lst}[i]"

    def _Const(self, e: ir.Const):
        k = e.type.kind
        if k == "enum":
            return self.policy.enum_by_name[e.type.enum].members[e.value]
        if k == "bool":
            return "true" if e.value else "false"
        if k == "text":
            return f'"{e.value}"'
        return show_typed(self.policy, e.type, e.value)

    def _Input(self, e: ir.Input):
        return e.path

    def _InputKnown(self, e: ir.InputKnown):
        return f"known({e.path})"

    def _Field(self, e: ir.Field):
        return f"{self._element(e.list)}.{e.name}"

    def _FieldKnown(self, e: ir.FieldKnown):
        return f"known({self._element(e.list)}.{e.name})"

    def _Named(self, e: ir.Named):
        return e.name

    def _Not(self, e: ir.Not):
        return f"not {self.wrapped(e.operand)}"

    def _Neg(self, e: ir.Neg):
        return f"-{self.wrapped(e.operand)}"

    def _Arith(self, e: ir.Arith):
        right = self.wrapped(e.right) if isinstance(e.right, ir.Arith) else self.text(e.right)
        return f"{self.text(e.left)} {'+' if e.op == '+' else '−'} {right}"

    def _Scale(self, e: ir.Scale):
        return f"{e.factor} × {self.wrapped(e.operand)}"

    def _FloorDiv(self, e: ir.FloorDiv):
        if e.divisor == UNITS_PER_YEAR:
            return f"years({self.text(e.operand)})"
        if e.divisor == UNITS_PER_MONTH:
            return f"months({self.text(e.operand)})"
        return f"{self.wrapped(e.operand)} ÷ {e.divisor} (rounded down)"

    def _Divide(self, e: ir.Divide):
        # a ÷ 52 ÷ b rounded down twice is a ÷ (52 × b) rounded down once: say it once
        left = e.left
        if isinstance(left, ir.FloorDiv) and left.divisor not in (UNITS_PER_YEAR, UNITS_PER_MONTH):
            return f"{self.wrapped(left.operand)} ÷ {left.divisor} ÷ {self.wrapped(e.right)} (rounded down)"
        return f"{self.wrapped(left)} ÷ {self.wrapped(e.right)} (rounded down)"

    def _Compare(self, e: ir.Compare):
        s = sides(e)
        side = (ir.BoolOp, ir.If, ir.Compare)  # sums read fine unbracketed beside a comparison
        threshold = self.wrapped(s.threshold, side if s.ratio == 1 else side + (ir.Arith,))  # 1.5 × (a − b)
        return f"{self.wrapped(s.subject, side)} {SYMBOL[s.op]} {factor_text(s.ratio)}{threshold}"

    def _BoolOp(self, e: ir.BoolOp):
        def part(x):
            return self.wrapped(x) if isinstance(x, ir.BoolOp) and x.op != e.op else self.text(x)

        return f"{part(e.left)} {e.op} {part(e.right)}"

    def _MinMax(self, e: ir.MinMax):
        return f"{e.op}({self.text(e.left)}, {self.text(e.right)})"

    def _If(self, e: ir.If):
        return f"if {self.text(e.cond)} then {self.text(e.then)} else {self.text(e.orelse)}"

    def _ParamAt(self, e: ir.ParamAt):
        return f"{e.param.name} at {self.wrapped(e.date)}"

    def _Lookup(self, e: ir.Lookup):
        return f"{e.table.name}[{self.text(e.key)}].{e.column}"

    def _InTable(self, e: ir.InTable):
        return f"{self.wrapped(e.key)} in {e.table.name}"

    def _Aggregate(self, e: ir.Aggregate):
        inner = Describer(self.policy, None)
        where = "" if _always(e.where) else f" where {inner.text(e.where)}"
        if e.func == "count":
            return f"count(each {e.list}[i]{where})"
        return f"{e.func}({inner.text(e.body)} for each {e.list}[i]{where})"

    def _Covered(self, e: ir.Covered):
        inner = Describer(self.policy, None)
        where = "" if _always(e.where) else f" where {inner.text(e.where)}"
        return f"covered({inner.text(e.start)}, {inner.text(e.end)} for each {e.list}[i]{where})"

    def _PointsOf(self, e: ir.PointsOf):
        return f"points({e.category})"


def _always(e: ir.Expr) -> bool:
    return isinstance(e, ir.Const) and e.value == 1


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
