"""A witness case made small by trying simpler values one input at a time, keeping each that still
makes it a witness (as the Python evaluator decides it): fewer list items, optional inputs left
out, yes/no inputs off, the earliest lodgement date allowed, other dates close to lodgement, and
the smallest amounts, numbers and enumeration members.

Numbers are searched by halving, so an amount that must clear a threshold ends on it: the
smallest pay for which NEW still decides the case differently. Every step is a decision by the
Python evaluator (about a millisecond), so a witness shrinks in well under a second, and the same
witness always shrinks to the same case. `prove` minimises its counterexamples with Z3 instead
(`scene.minimise`); `diff` and `mutate` use this, on cases found in much larger queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from ....dsl import ir
from ....dsl.units import date_code, decode_date
from ...case import CaseData, Item, broken_constraints

__all__ = ["shrink"]

Keep = Callable[[CaseData], bool]
_EARLIEST, _LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def _day(code: int) -> int:
    return decode_date(code).toordinal()


def _code(ordinal: int) -> int:
    return date_code(dt.date.fromordinal(ordinal))


def _smallest(lo: int, hi: int, fits: Callable[[int], bool]) -> int:
    """The least value in [lo, hi] that fits, assuming hi fits (halving; not every value is tried)."""
    if fits(lo):
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def shrink(
    policy: ir.Policy, case: CaseData, keep: Keep, earliest: dt.date | None = None, budget: int = 4000
) -> CaseData:
    """The smallest case found from `case` that `keep` still accepts; `earliest`: the first lodgement
    date allowed (the start of a window). At most `budget` tries of `keep`. Every step stays a case
    the loader accepts: within each input's bounds and meeting the policy's constraints (a work
    period moved to end before it starts is no witness, however it is decided)."""
    tries = [0]

    def fits(candidate: CaseData) -> bool:
        if tries[0] >= budget or (earliest is not None and candidate.lodgement < earliest):
            return False
        tries[0] += 1
        try:
            return not broken_constraints(policy, candidate) and keep(candidate)
        except (ValueError, KeyError, IndexError, ArithmeticError):  # a value no reading accepts
            return False

    # lists: drop items, last first
    for lst in policy.lists:
        items = list(case.items[lst.name])
        for i in reversed(range(len(items))):
            trial = items[:i] + items[i + 1 :]
            candidate = replace(case, items={**case.items, lst.name: tuple(trial)})
            if fits(candidate):
                case, items = candidate, trial
    # optional inputs left out (an invitation date given may hold the lodgement date back), the
    # lodgement date as early as allowed, then every other value; then the lodgement date again
    for f in policy.inputs:
        if f.may_be_left_out and case.known[f.path] and fits(c := _set(case, f, None, ir.zero_of(f.type), False)):
            case = c
    if earliest is not None:
        case = _earliest_lodgement(policy, case, earliest, fits)
    case = _shrink_values(policy, case, fits)
    if earliest is not None:
        case = _earliest_lodgement(policy, case, earliest, fits)
    return case


def _earliest_lodgement(policy: ir.Policy, case: CaseData, earliest: dt.date, fits: Keep) -> CaseData:
    """First every date a number of years earlier (ages and periods stay as they are), then the
    lodgement date alone."""
    lodged_field = ir.LODGEMENT
    years = case.lodgement.year - earliest.year
    if years > 0:
        best = _smallest(0, years, lambda n: fits(_years_earlier(policy, case, years - n)))
        case = _years_earlier(policy, case, years - best)
    now = _day(case.scalars[lodged_field])
    first = earliest.toordinal()
    if first < now:  # every date the same number of days earlier (dates tied to lodgement move with it)
        best = _smallest(0, now - first, lambda n: fits(_days_earlier(policy, case, (now - first) - n)))
        case = _days_earlier(policy, case, (now - first) - best)
        now = _day(case.scalars[lodged_field])
    if first < now:

        def lodged_on(day: int) -> CaseData:
            code = _code(day)
            return replace(case, scalars={**case.scalars, lodged_field: code}, lodgement=decode_date(code))

        best = _smallest(first, now, lambda d: fits(lodged_on(d)))
        case = lodged_on(best)
    return case


def _shrink_values(policy: ir.Policy, case: CaseData, fits: Keep) -> CaseData:
    # scalar inputs, then each item's fields
    for f in policy.inputs:
        if f.path not in (ir.LODGEMENT, ir.CATEGORY):
            case = _shrink_value(policy, case, f, None, fits)
    for lst in policy.lists:
        for i in range(len(case.items[lst.name])):
            for f in lst.fields:
                case = _shrink_value(policy, case, f, (lst.name, i), fits)
    return case


def _days_earlier(policy: ir.Policy, case: CaseData, n: int) -> CaseData:
    """Every date of the case `n` days earlier (none before 1900-01-01)."""
    if n == 0:
        return case

    def earlier(code: int) -> int:
        return _code(max(_day(code) - n, _EARLIEST.toordinal()))

    return _each_date(policy, case, earlier)


def _each_date(policy: ir.Policy, case: CaseData, move) -> CaseData:
    """The case with `move` applied to every known date."""
    scalars = {f.path: move(v) if f.type.kind == "date" and case.known[f.path] else v
               for f in policy.inputs for v in [case.scalars[f.path]]}  # fmt: skip
    items = {}
    for lst in policy.lists:
        dates = [f.path for f in lst.fields if f.type.kind == "date"]
        items[lst.name] = tuple(
            Item({k: move(v) if k in dates and item.known[k] else v for k, v in item.values.items()}, item.known)
            for item in case.items[lst.name]
        )
    return replace(case, scalars=scalars, items=items, lodgement=decode_date(scalars[ir.LODGEMENT]))


def _years_earlier(policy: ir.Policy, case: CaseData, n: int) -> CaseData:
    """Every date of the case `n` years earlier (29 February becomes the 28th), within 1900-2100."""
    if n == 0:
        return case

    def earlier(code: int) -> int:
        day = decode_date(code)
        year = max(day.year - n, _EARLIEST.year)
        return date_code(day.replace(year=year, day=min(day.day, 28 if day.month == 2 else day.day)))

    return _each_date(policy, case, earlier)


def _get(case: CaseData, f: ir.InputField, where) -> tuple[int | str, bool]:
    if where is None:
        return case.scalars[f.path], case.known[f.path]
    item = case.items[where[0]][where[1]]
    return item.values[f.path], item.known[f.path]


def _set(case: CaseData, f: ir.InputField, where, value, known: bool) -> CaseData:
    if where is None:
        return replace(case, scalars={**case.scalars, f.path: value}, known={**case.known, f.path: known})
    name, i = where
    items = list(case.items[name])
    items[i] = Item({**items[i].values, f.path: value}, {**items[i].known, f.path: known})
    return replace(case, items={**case.items, name: tuple(items)})


def _shrink_value(policy: ir.Policy, case: CaseData, f: ir.InputField, where, fits: Keep) -> CaseData:
    value, known = _get(case, f, where)
    if not known:
        return case
    zero = ir.zero_of(f.type)
    if f.may_be_left_out:  # left out altogether (a field its block or its category requires stays)
        candidate = _set(case, f, where, zero, False)
        if fits(candidate):
            return candidate
    kind = f.type.kind
    if kind == "bool" or kind == "enum":
        for smaller in range(int(value)):
            candidate = _set(case, f, where, smaller, True)
            if fits(candidate):
                return candidate
        return case
    if kind == "text":
        candidate = _set(case, f, where, "", True)
        return candidate if value != "" and fits(candidate) else case
    if kind in ("int", "decimal", "money", "duration"):
        least = max(0, f.bounds.low) if f.bounds is not None else 0  # towards zero, never below the bounds
        if int(value) <= least:
            return case
        best = _smallest(least, int(value), lambda v: fits(_set(case, f, where, v, True)))
        return _set(case, f, where, best, True)
    if kind == "date":  # towards the lodgement date, from whichever side it is on
        lodged, day = _day(case.scalars[ir.LODGEMENT]), _day(int(value))
        if day == lodged:
            return case
        distance = _smallest(0, abs(day - lodged), lambda d: fits(_set(case, f, where, _near(lodged, day, d), True)))
        return _set(case, f, where, _near(lodged, day, distance), True)
    return case


def _near(lodged: int, day: int, distance: int) -> int:
    """The date code `distance` days from lodgement on the side `day` is on, within 1900-2100."""
    target = lodged + distance if day > lodged else lodged - distance
    return _code(min(max(target, _EARLIEST.toordinal()), _LATEST.toordinal()))
