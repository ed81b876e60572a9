"""Why not: which conditions of a rule must change for a better result, and by how much.

A *gap* says what failed and the margin: "$47.41 < 1.5 × $31.61 = $47.415; short by $0.01". The
margin is the distance to the nearest value of the case's side of a comparison that meets it, in
whole units of its type (cents, days of a date code, months), so adding it really does meet the
threshold. Values come from a `value(expr, item)` function (the Python evaluator, read at the
same point of the assessment as the rule), so this module is pure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from ....dsl import ir
from ....dsl.units import (
    UNITS_PER_MONTH,
    UNITS_PER_YEAR,
    date_code,
    decode_date,
    is_exact_date,
)
from ...case import CaseData
from .text import NEGATION, SYMBOL, describe, factor_text, ordinal, show, show_exact, show_typed, sides

Value = Callable[[ir.Expr, "int | None"], "int | str"]
ORDERED = ("int", "decimal", "money", "duration", "date")


@dataclass(frozen=True)
class Margin:
    """How far the case's value is from meeting a comparison."""

    unit: str  # money | int | duration | date | age | enum | bool | text
    value: str  # the case's value, shown in its unit
    needed: str  # what it must be: "≥ $47.415", "under 56", "permanent"
    gap: str  # "$0.01", "1 month", "3 days"; "" when not a distance
    direction: str  # increase | decrease | change | none (cannot be met)
    raw_value: int | str
    raw_needed: int | str | None  # the nearest value that meets it, in the back ends' units
    raw_gap: int | None

    def to_json(self) -> dict:
        return {
            "unit": self.unit,
            "value": self.value,
            "needed": self.needed,
            "gap": self.gap,
            "direction": self.direction,
            "raw": {"value": self.raw_value, "needed": self.raw_needed, "gap": self.raw_gap},
        }


@dataclass(frozen=True)
class Gap:
    """A condition that has the wrong result. `kind`: condition (a leaf), all (every part must
    change), any (changing any one part would do), branch (a better points branch)."""

    kind: str
    condition: str
    text: str
    want: bool
    item: str = ""
    margin: Margin | None = None
    parts: tuple[Gap, ...] = ()

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "condition": self.condition,
            "text": self.text,
            "must_hold": self.want,
            "item": self.item,
            "margin": self.margin.to_json() if self.margin else None,
            "parts": [p.to_json() for p in self.parts],
        }

    def leaves(self):
        if not self.parts:
            yield self
        for p in self.parts:
            yield from p.leaves()


def flatten(e: ir.Expr, op: str) -> list[ir.Expr]:
    """`a or b or c` (nested pairs in the IR) as one list of operands."""
    if isinstance(e, ir.BoolOp) and e.op == op:
        return flatten(e.left, op) + flatten(e.right, op)
    return [e]


def if_chain(e: ir.If) -> tuple[list[tuple[ir.Expr, ir.Expr]], ir.Expr]:
    """`if c1 then v1 else if c2 then v2 else v3` as [(c1, v1), (c2, v2)] and v3."""
    branches = []
    while isinstance(e, ir.If):
        branches.append((e.cond, e.then))
        e = e.orelse
    return branches, e


def possible_values(e: ir.Expr) -> set[int] | None:
    """Every value a points expression can give, when it is a table of constants; else None."""
    if isinstance(e, ir.Const):
        return {e.value}
    if isinstance(e, ir.Named):
        return possible_values(e.expr)
    if isinstance(e, ir.If):
        a, b = possible_values(e.then), possible_values(e.orelse)
        return None if a is None or b is None else a | b
    return None


class WhyNot(ir.ExprVisitor):
    """Gaps of one rule's conditions, read with the values the evaluator gives. A condition
    without a handler of its own is a leaf: a yes/no that must change."""

    reader = "the why-not analysis"
    families = ("_g_",)
    fallbacks = {"_g_": "_g_leaf"}

    def __init__(self, policy: ir.Policy, case: CaseData, value: Value):
        self.policy = policy
        self.case = case
        self.raw = value

    def value(self, e: ir.Expr, item: int | None):
        return self.raw(e, item if e.scope is not None else None)

    def truth(self, e: ir.Expr, item: int | None) -> bool:
        return bool(self.value(e, item))

    def label(self, e: ir.Expr, item: int | None) -> str:
        return describe(self.policy, e, item)

    def _item(self, e: ir.Expr, item: int | None) -> str:
        return f"{e.scope}[{item}]" if e.scope is not None and item is not None else ""

    # ------------------------------------------------------------ conditions

    def gap(self, e: ir.Expr, want: bool, item: int | None = None) -> Gap | None:
        """Why `e` is not `want`, or None when it already is."""
        if self.truth(e, item) == want:
            return None
        return self.dispatch(e, want, item, family="_g_")

    def _g_Compare(self, e: ir.Compare, want: bool, item):
        m = compare_margin(self.policy, self.case, e, self.value, item, want)
        return Gap("condition", self.label(e, item), m.text, want, self._item(e, item), m.margin)

    def _g_Not(self, e: ir.Not, want: bool, item):
        return self.gap(e.operand, not want, item)

    def _g_BoolOp(self, e: ir.BoolOp, want: bool, item):
        ops = flatten(e, e.op)
        wrong = [g for g in (self.gap(o, want, item) for o in ops) if g is not None]
        if len(wrong) == 1:
            return wrong[0]
        # `and` wanted true / `or` wanted false: every wrong operand must change; otherwise any one
        every = (e.op == "and") == want
        text = "all of these must change" if every else "changing any one of these would do"
        return Gap("all" if every else "any", self.label(e, item), text, want, self._item(e, item), None, tuple(wrong))

    def _g_If(self, e: ir.If, want: bool, item):
        c = self.truth(e.cond, item)
        taken, other = (e.then, e.orelse) if c else (e.orelse, e.then)
        because = f"{self.label(e.cond, item)} is {'yes' if c else 'no'}, so {self.label(taken, item)} decides"
        inner = self.gap(taken, want, item)
        if isinstance(taken, ir.Const):  # the branch itself is fixed: only the condition can change
            parts = [self.gap(e.cond, not c, item), self.gap(other, want, item)]
            return Gap(
                "all", self.label(e, item), because, want, self._item(e, item), None, tuple(p for p in parts if p)
            )
        return Gap("all", self.label(e, item), because, want, self._item(e, item), None, (inner,))

    def _g_Named(self, e: ir.Named, want: bool, item):
        inner = self.gap(e.expr, want, item)
        text = f"{e.name} is {'no' if want else 'yes'}" + (f" ({e.doc})" if e.doc else "")
        return Gap("all", e.name, text, want, self._item(e, item), None, (inner,))

    def _g_leaf(self, e: ir.Expr, want: bool, item):
        shown = show(self.policy, self.case, e, self.value(e, item), item)
        needed = "yes" if want else "no"
        label = self.label(e, item)
        if isinstance(e, (ir.InputKnown, ir.FieldKnown)):
            shown, needed = ("given" if self.truth(e, item) else "not given"), ("given" if want else "not given")
            label = label[len("known(") : -1]
        if isinstance(e, ir.Const):
            return Gap("condition", label, "always so; no case can change it", want, "", None)
        text = f"{label} is {shown}; it must be {needed}"
        margin = Margin("bool", shown, needed, "", "change", int(self.truth(e, item)), int(want), None)
        return Gap("condition", label, text, want, self._item(e, item), margin)

    # ------------------------------------------------------------ rules

    def rule_gaps(self, rule: ir.Rule, result: str | None, awarded: int | None) -> tuple[Gap, ...]:
        """What would give the rule a better result: met, passed, clear or more points."""
        if result is None:  # not applicable: its condition must hold first
            return tuple(g for g in [self.gap(rule.applies, True)] if g) if rule.applies is not None else ()
        if result == "not_met":
            return tuple(g for g in [self.gap(rule.expr, True)] if g)
        if result in ("stopped", "raised"):
            return tuple(g for g in [self.gap(rule.expr, False)] if g)
        if result == "awarded" and isinstance(rule.expr, ir.If):
            return self._points_gaps(rule.expr, awarded)
        return ()

    def _points_gaps(self, e: ir.If, awarded: int | None) -> tuple[Gap, ...]:
        """For each branch that gives more points: its condition must hold and no earlier one."""
        branches, _ = if_chain(e)
        out = []
        for j, (cond, val) in enumerate(branches):
            if not isinstance(val, ir.Const) or awarded is None or val.value <= awarded:
                continue
            earlier = branches[:j]
            if any(_at_least(v, val.value) and self.truth(c, None) for c, v in earlier):
                continue  # an earlier branch worth as much already holds: its gaps say it all
            parts = [self.gap(cond, True)]
            parts += [self.gap(c, False) for c, _ in earlier]  # a worse branch taken first blocks it
            parts = [p for p in parts if p]
            n = val.value
            text = f"to get {n} point{'s' if n != 1 else ''}"
            out.append(Gap("branch", self.label(cond, None), text, True, "", None, tuple(parts)))
        return tuple(out)


def _at_least(e: ir.Expr, n: int) -> bool:
    return isinstance(e, ir.Const) and e.value >= n


# ---------------------------------------------------------------- margins of comparisons


@dataclass(frozen=True)
class _Measured:
    text: str
    margin: Margin


def nearest(op: str, t: Fraction, x: int) -> int | None:
    """The whole value nearest to x with `value op t`."""
    if op == ">=":
        return math.ceil(t)
    if op == ">":
        return math.floor(t) + 1
    if op == "<=":
        return math.floor(t)
    if op == "<":
        return math.ceil(t) - 1
    if op == "==":
        return int(t) if t.denominator == 1 else None
    return x + 1  # != : any other value


def _relation(x: Fraction, t: Fraction) -> str:
    return "<" if x < t else ">" if x > t else "="


def age_parts(e: ir.Expr):
    """`years(A − B)` of two dates, under any defines: (A, B), else None."""
    while isinstance(e, ir.Named):
        e = e.expr
    if isinstance(e, ir.FloorDiv) and e.divisor == UNITS_PER_YEAR:
        d = e.operand
        while isinstance(d, ir.Named):
            d = d.expr
        if isinstance(d, ir.Arith) and d.op == "-" and d.left.type.kind == "date" and d.right.type.kind == "date":
            return d.left, d.right
    return None


def _plausible(code: int) -> bool:
    """A code of a date from year 1 to 9998 (unknown dates read as 0 and are not)."""
    return date_code(dt.date(1, 1, 1)) <= code <= date_code(dt.date(9998, 12, 31))


def first_day_at(code: int):
    """The first real calendar day whose code is at least `code` (29 February in other years)."""
    if is_exact_date(code):
        return decode_date(code)
    months = code // UNITS_PER_MONTH
    return decode_date((months + 1) * UNITS_PER_MONTH + 1)


def compare_margin(policy: ir.Policy, case: CaseData, c: ir.Compare, value: Value, item, want: bool) -> _Measured:
    s = sides(c)
    x, y = value(s.subject, item), value(s.threshold, item)
    op = s.op if want else NEGATION[s.op]
    kind = s.subject.type.kind
    vx = show(policy, case, s.subject, x, item)
    if kind not in ORDERED:
        return _equality(policy, case, s, x, y, op, item)
    t = s.ratio * y
    rhs = show(policy, case, s.threshold, y, item)
    if s.ratio != 1:
        rhs = f"{factor_text(s.ratio)}{rhs} = {show_exact(policy, s.subject.type, t)}"
    needed_exact = f"{SYMBOL[op]} {show_exact(policy, s.subject.type, t)}"
    if isinstance(s.subject, ir.Input) and not case.known[s.subject.path]:
        vx = "not given (read as 0)"
    age = age_parts(s.subject)
    if age is not None:
        return _age(policy, case, s, value, item, x, t, op, age)
    n = nearest(op, t, x)
    if n is None:
        text = f"{vx} {_relation(Fraction(x), t)} {rhs}; no whole value equals it"
        return _Measured(text, Margin(kind, vx, needed_exact, "", "none", x, None, None))
    g = n - x
    direction = "increase" if g > 0 else "decrease"
    if kind == "date" and not (_plausible(x) and _plausible(n)):
        # an unknown optional date reads as 0: there is no calendar gap to show
        text = f"{vx} is not a date to compare with {rhs}"
        return _Measured(text, Margin(kind, vx, needed_exact, "", "none", x, None, None))
    if kind == "date":
        days = (first_day_at(n) - first_day_at(x)).days
        gap = f"{abs(days)} day{'s' if abs(days) != 1 else ''}"
        word = "is before" if x < t else "is after" if x > t else "is"
        text = f"{vx} {word} {rhs}; {gap} {'later' if g > 0 else 'earlier'} would do"
        return _Measured(text, Margin(kind, vx, needed_exact, gap, direction, x, n, days))
    gap = _amount(policy, s.subject.type, abs(g))
    how = "short by" if g > 0 else "over by"
    if not want:  # it holds and must not: say what it must be instead
        text = f"{vx} {SYMBOL[s.op]} {rhs}; it must be {needed_exact}: {how} {gap}"
    elif kind == "duration" and op in (">=", ">"):
        text = f"{vx} of the {rhs} required; {how} {gap}"
    else:
        text = f"{vx} {SYMBOL[NEGATION[op]]} {rhs}; {how} {gap}"
    return _Measured(text, Margin(kind, vx, needed_exact, gap, direction, x, n, g))


def _amount(policy: ir.Policy, t: ir.Type, units: int) -> str:
    return show_typed(policy, t, units)


def _equality(policy, case, s, x, y, op, item) -> _Measured:
    vx = show(policy, case, s.subject, x, item)
    vy = show(policy, case, s.threshold, y, item)
    needed = vy if op == "==" else f"anything but {vy}"
    text = f"{describe(policy, s.subject, item)} is {vx}, {'not' if op == '==' else 'and must not be'} {vy}"
    return _Measured(text, Margin(s.subject.type.kind, vx, needed, "", "change", x, y if op == "==" else None, None))


_AGE_NEEDED = {
    "<": "under {}",
    "<=": "{} or younger",
    ">=": "at least {}",
    ">": "over {}",
    "==": "exactly {}",
    "!=": "not {}",
}


def _age(policy, case, s, value, item, x, t, op, parts) -> _Measured:
    """`years(on − born) op limit`, told as an age on a day and the birthday that crosses it."""
    on_e, born_e = parts
    on, born = value(on_e, item), value(born_e, item)
    on_day = show(policy, case, on_e, on, item)
    limit = math.ceil(t) if op in (">=", "<") else math.floor(t) + (1 if op in (">", "<=") else 0)
    birthday = first_day_at(born + limit * UNITS_PER_YEAR)
    needed = _AGE_NEEDED[op].format(show_exact(policy, ir.INT, t))
    n = nearest(op, t, x)
    g = None if n is None else n - x
    tense = "turned" if on >= born + limit * UNITS_PER_YEAR else "turns"
    text = (
        f"aged {x} on {on_day}; the limit is {needed} ({tense} {limit} on {birthday.isoformat()}, the "
        f"{ordinal(limit)} birthday)"
    )
    gap = "" if g is None else f"{abs(g)} year{'s' if abs(g) != 1 else ''}"
    direction = "none" if g is None else "increase" if g > 0 else "decrease"
    return _Measured(text, Margin("age", str(x), needed, gap, direction, x, n, g))
