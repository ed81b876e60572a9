"""What-if candidates: per choice of the changeable dates (a context), the values worth trying
for every other changeable input. Pure: reads the IR and the case with the Python evaluator."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from fractions import Fraction

from ....dsl import ir
from ....dsl.units import UNITS_PER_MONTH, UNITS_PER_YEAR, date_code, decode_date
from ...backends.python import Evaluator
from ...case import CaseData
from ..explain.text import MIRROR, NEGATION, sides
from ..explain.whynot import age_parts, first_day_at, nearest

HORIZON_YEARS = 10  # how much later a date may move
STEPS = 8  # how many times a date is stepped towards a comparison's boundary


@dataclass(frozen=True)
class Candidate:
    value: int | str
    known: bool
    rank: int  # 0 for the current value; then by distance from it


@dataclass(frozen=True)
class Choice:
    path: str
    cost: int
    later_only: bool
    candidates: tuple[Candidate, ...]  # the first is the current value


@dataclass(frozen=True)
class Context:
    """One choice of the changeable dates, with the candidates of every other changeable input."""

    case: CaseData
    dates: tuple[tuple[str, int], ...]  # (path, date code) of every date that moved
    cost: int
    rank: int
    choices: tuple[Choice, ...]


def with_value(case: CaseData, path: str, value, known: bool = True) -> CaseData:
    scalars = {**case.scalars, path: value}
    known_map = {**case.known, path: known}
    lodgement = decode_date(scalars["lodgement_date"]) if path == "lodgement_date" else case.lodgement
    return dataclasses.replace(case, scalars=scalars, known=known_map, lodgement=lodgement)


def _compares(policy: ir.Policy) -> list[ir.Compare]:
    """Every comparison in the rules, each once, in a stable order."""
    seen: set[int] = set()
    out = []
    for r in policy.rules:
        for root in r.roots:
            for node in ir.walk(root):
                if isinstance(node, ir.Compare) and id(node) not in seen:
                    seen.add(id(node))
                    out.append(node)
    return out


def _reads(e: ir.Expr) -> set[str]:
    return {n.path for n in ir.walk(e) if isinstance(n, (ir.Input, ir.InputKnown))}


def _input_of(e: ir.Expr, case: CaseData) -> str | None:
    while True:
        if isinstance(e, ir.Named):
            e = e.expr
        elif (given := _given_else(e)) is not None and case.known.get(given.path):
            e = given  # `if known(x) then x else …` is x for a case giving x
        elif isinstance(e, ir.Arith) and e.op == "+" and _absent(e.right, case):
            e = e.left  # the pay per hour plus the rate of a salary the case does not give
        elif isinstance(e, ir.Arith) and e.op == "+" and _absent(e.left, case):
            e = e.right
        else:
            return e.path if isinstance(e, ir.Input) else None


def _absent(e: ir.Expr, case: CaseData) -> bool:
    """`if known(y) then … else 0` for a case that does not give y: 0, whatever y would be."""
    while isinstance(e, ir.Named):
        e = e.expr
    return (
        isinstance(e, ir.If)
        and isinstance(e.cond, ir.InputKnown)
        and not case.known.get(e.cond.path, True)
        and isinstance(e.orelse, ir.Const)
        and e.orelse.value == 0
    )


def _given_else(e: ir.Expr) -> ir.Input | None:
    """x, for `if known(x) then x else …`."""
    if isinstance(e, ir.If) and isinstance(e.cond, ir.InputKnown) and isinstance(e.then, ir.Input):
        return e.then if e.then.path == e.cond.path else None
    return None


def _later_dates(policy: ir.Policy, case: CaseData, f: ir.InputField, compares) -> list[int]:
    now = case.scalars[f.path]
    last = now + HORIZON_YEARS * UNITS_PER_YEAR
    found = {date_code(day) for day in policy.change_days()}
    for c in compares:
        if c.scope is None and f.path in _reads(c):
            for want in (True, False):
                found.add(_step_to_flip(policy, case, f.path, c, want))
    return sorted(d for d in found if d is not None and now < d <= last)


def _step_to_flip(policy: ir.Policy, case: CaseData, path: str, c: ir.Compare, want: bool) -> int | None:
    """The first later date (found by stepping by the shortfall) on which `c` becomes `want`."""
    s = sides(c)
    op = s.op if want else NEGATION[s.op]
    unit = _date_unit(s.subject)
    day = case.scalars[path]
    for _ in range(STEPS):
        ev = Evaluator(policy, with_value(case, path, day))
        if bool(ev.eval(c)) == want:
            return day if day != case.scalars[path] else None
        x, y = ev.eval(s.subject), ev.eval(s.threshold)
        n = nearest(op, s.ratio * y, x)
        if unit is None or n is None or n <= x:
            return None  # not measured in time, or it would need an earlier date
        step = day + (n - x) * unit
        if step > case.scalars[path] + HORIZON_YEARS * UNITS_PER_YEAR:
            return None  # beyond the horizon (or the date moves the threshold too): no later date helps
        day = date_code(first_day_at(step))
    return None


def _date_unit(e: ir.Expr) -> int | None:
    """How many date units one unit of `e` is, when `e` is a time (a date, duration, age, months)."""
    while isinstance(e, ir.Named):
        e = e.expr
    if e.type.kind in ("date", "duration"):
        return 1
    if age_parts(e) is not None:
        return UNITS_PER_YEAR
    if isinstance(e, ir.FloorDiv) and e.divisor == UNITS_PER_MONTH:
        return UNITS_PER_MONTH
    return None


def _threshold_values(policy: ir.Policy, case: CaseData, path: str, compares) -> set[int]:
    """For each comparison of the input with something else, the values just either side of it."""
    out: set[int] = set()
    ev = Evaluator(policy, case)
    for c in compares:
        s = sides(c)
        if _input_of(s.subject, case) == path:
            other, op, ratio = s.threshold, s.op, s.ratio
        elif _input_of(s.threshold, case) == path:  # k × input on the right: input mirror(op) subject / k
            other, op, ratio = s.subject, MIRROR[s.op], 1 / s.ratio
        else:
            continue
        items = range(len(case.items[other.scope])) if other.scope is not None else [None]
        for item in items:
            t = ratio * Fraction(ev.eval(other, item))
            for o in (op, NEGATION[op]):
                n = nearest(o, t, case.scalars[path])
                if n is not None and n >= 0:  # case values are never negative
                    out.add(n)
    return out


def _choice(policy: ir.Policy, case: CaseData, f: ir.InputField, compares) -> Choice:
    now, known = case.scalars[f.path], case.known[f.path]
    kind = f.type.kind
    if kind == "bool":
        values = [0, 1]
    elif kind == "enum":
        values = list(range(len(policy.enum_by_name[f.type.enum].members)))
    elif kind in ("int", "decimal", "money", "duration"):
        values = sorted(_threshold_values(policy, case, f.path, compares))
    else:
        values = []  # text is never proposed
    others = sorted({v for v in values if v != now or not known}, key=lambda v: (abs(v - now), v))
    ranked = [Candidate(v, True, 1 if kind in ("bool", "enum") else i + 1) for i, v in enumerate(others)]
    return Choice(f.path, f.change_cost, False, (Candidate(now, known, 0), *ranked))


def contexts(policy: ir.Policy, case: CaseData) -> tuple[Context, ...]:
    """Every choice of the changeable dates (the current ones first), with the candidates of the
    other changeable inputs at those dates. Pure: reads the IR and the case."""
    compares = _compares(policy)
    fields = [f for f in policy.inputs if f.change_cost is not None]
    dated = [f for f in fields if f.type.kind == "date"]
    others = [f for f in fields if f.type.kind != "date"]
    options = [[None, *_later_dates(policy, case, f, compares)] for f in dated]
    out = []
    for combo in itertools.product(*(range(len(o)) for o in options)):
        ctx_case, moved, cost, rank = case, [], 0, 0
        for f, days, i in zip(dated, options, combo):
            if i:  # 0: the current date; later ones are ranked by how much later
                ctx_case = with_value(ctx_case, f.path, days[i])
                moved.append((f.path, days[i]))
                cost, rank = cost + f.change_cost, rank + i
        chs = tuple(_choice(policy, ctx_case, f, compares) for f in others)
        out.append(Context(ctx_case, tuple(moved), cost, rank, chs))
    return tuple(sorted(out, key=lambda c: (c.cost, c.rank)))
