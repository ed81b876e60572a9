"""A caseload to try things on: plausible applications drawn from the policy's input types.

Values are drawn within each input's bounds, and a case meets the policy's constraints; they are
drawn near the values the policy's rules turn on (`analyses.thresholds`): money a cent
either side of each dated rate and its usual multiples, whole numbers either side of each constant,
dates either side of each change of the rules, dates of birth, test dates and work periods a
whole number of years or months before the lodgement date, nudged by a day; and, often, a list
item's date on or either side of one already drawn for an item of the case (a visa that begins the
day after another ends, work that begins on a visa's first day: the edges where periods join).

Yes/no answers and enumerations lean towards their *usual* value, so that a caseload holds every
outcome rather than mostly refusals: the value that, set in a few drawn cases, leaves the fewest
requirements unmet and concerns raised (found once per policy with the columnar reading, one
input at a time, from cases drawn with a fixed seed). The usual value is drawn 85% of the time,
any value otherwise. A seed makes it reproducible: the same seed and policy give the same cases,
byte for byte. Uses `random`, not Hypothesis.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import replace

from ...dsl import ir
from ...dsl.units import UNITS_PER_MONTH
from ..analyses.thresholds import thresholds
from ..case import CaseData, Item

LAST_LODGEMENT = dt.date(2027, 12, 31)
MONTHS_BACK = (0, 1, 6, 11, 12, 13, 23, 24, 25, 30, 35, 36, 37, 48, 60)
TEXTS = ("Aroha Ngata", 'Ana "Al" O\'Neil', "Kiwi (NZ) Ltd", "Tui Holdings")


_PROBE_SEED = 0
# (id of a policy, list slots) → (that policy, its usual values): choosing them costs seconds, and a
# process (the server, a test session) generates for the same policy again and again
_USUAL: dict[tuple[int, int], tuple[ir.Policy, dict[tuple[str, str], object]]] = {}


class CaseGenerator:
    """Draws case files (as dicts) for a policy; `cases(n)` gives n of them."""

    def __init__(self, policy: ir.Policy, seed: int = 0, max_items: int = 3):
        self.policy = policy
        self.rng = random.Random(seed)
        self.max_items = max_items
        found = thresholds(policy)
        self.money = sorted(found.money)
        self.ints = sorted(v for v in found.ints if 0 <= v < 1000)
        self.codes = sorted(v for v in found.ints if v >= 1000)  # table keys such as ANZSCO codes
        self.dates = sorted(found.dates)
        self.decimals = sorted(found.decimals)  # tenths
        self.months = sorted(set(MONTHS_BACK) | {d // UNITS_PER_MONTH for d in found.durations if d > 0}
                             | {12 * y for y in found.ints if 0 < y < 100})  # fmt: skip
        self.first_lodgement = policy.versions[0].start
        self.usual: dict[tuple[str, str], object] = {}  # (list or "", path) → its usual value
        self.case_dates: list[dt.date] = []  # the list items' dates drawn so far in this case
        key = (id(policy), max_items)
        if key not in _USUAL or _USUAL[key][0] is not policy:
            self.rng = random.Random(_PROBE_SEED)  # the usual values depend on the policy alone, not the seed
            _USUAL[key] = (policy, self._usual_values())
            self.rng = random.Random(seed)
        self.usual = _USUAL[key][1]

    def _choices(self, f: ir.InputField) -> list:
        if f.type.kind == "bool":
            return [True, False]
        return list(self.policy.enum_by_name[f.type.enum].members)

    def _usual_values(self, probes: int = 16, passes: int = 2) -> dict[tuple[str, str], object]:
        """Per yes/no or enumeration input, the value that leaves the fewest adverse results in a
        few drawn cases (of every category), chosen greedily one input at a time."""
        from ..backends.columnar import evaluate_many  # numpy, only when generating
        from ..case import load_case

        categories = self.policy.category_enum.members
        drawn = []
        for i in range(probes):
            case = self.case()
            case[ir.CATEGORY] = categories[i % len(categories)]
            drawn.append(case)
        base = [load_case(self.policy, c) for c in drawn]
        usual: dict[tuple[str, str], object] = {}
        places = [("", f) for f in self.policy.inputs if f.type.kind in ("bool", "enum") and f.path != ir.CATEGORY]
        places += [(lst.name, f) for lst in self.policy.lists for f in lst.fields if f.type.kind in ("bool", "enum")]
        for _ in range(passes):
            for where, f in places:
                choices = self._choices(f)
                variants = [_with(case, where, f.path, self._code(f, v)) for v in choices for case in base]
                verdicts = evaluate_many(self.policy, variants)
                bad = [sum(map(_adversity, verdicts[i * probes : (i + 1) * probes])) for i in range(len(choices))]
                best = choices[bad.index(min(bad))]
                usual[(where, f.path)] = best
                base = [_with(case, where, f.path, self._code(f, best)) for case in base]  # keep the better value
        return usual

    def _code(self, f: ir.InputField, value) -> int:
        if f.type.kind == "bool":
            return int(value)
        return self.policy.enum_by_name[f.type.enum].members.index(value)

    def cases(self, n: int) -> Iterator[dict]:
        for _ in range(n):
            yield self.case()

    def case(self) -> dict:
        """A case within the policy's bounds that meets its constraints (the inputs a broken
        constraint reads are drawn again; an optional one is at last left out)."""
        return self._meeting_constraints(self._draw)

    def variant(self, base: dict) -> dict:
        """A known case (a worked case's facts) with its lists drawn again, or one or two of its
        other inputs: a worked case reaches rules deep in the assessment that a drawn case seldom
        does (1 to 3 in 1,000 drawn cases are eligible), and its variants probe those rules' edges.
        A list's items are drawn on and next to the case's own dates (a visa history ending the day
        before the work begins) and take the base's items' other values half the time."""
        return self._meeting_constraints(lambda: self._vary(base))

    def _meeting_constraints(self, draw) -> dict:
        for _ in range(20):
            data = draw()
            for attempt in range(6):
                broken = self._broken(data)
                if not broken:
                    return data
                for c, item in broken:
                    self._redraw(data, c, item, leave_out=attempt >= 3)
        raise RuntimeError("no case meeting the policy's constraints was drawn in 20 tries")  # a policy bug

    def _broken(self, data: dict) -> list[tuple[ir.Constraint, int | None]]:
        from ..case import broken_constraints, load_case

        if not self.policy.constraints:
            return []
        return broken_constraints(self.policy, load_case(self.policy, data, constraints=False, schema=False))

    def _redraw(self, data: dict, c: ir.Constraint, item: int | None, leave_out: bool) -> None:
        lodged = dt.date.fromisoformat(data[ir.LODGEMENT])
        places = [(self.policy.input_field(p), p, "") for p in c.inputs if p not in (ir.LODGEMENT, ir.CATEGORY)]
        if item is not None:
            places += [(self.policy.list_field(c.list, n), n, c.list) for n in c.fields]
        for f, path, where in places:
            if where:
                container, key = data[where][item], path
            elif "." in path:
                record, key = path.split(".", 1)
                if record not in data:
                    continue  # a block left out: its values are unknown
                container = data[record]
            else:
                container, key = data, path
            value = None if leave_out and f.may_be_left_out else self.value(f, lodged, where)
            if value is None:
                container.pop(key, None)
            else:
                container[key] = value

    def _draw(self) -> dict:
        lodged = self.lodgement()
        data: dict = {}
        self.case_dates = []
        for f in self.policy.inputs:
            value = lodged.isoformat() if f.path == ir.LODGEMENT else self.value(f, lodged)
            if "." in f.path:
                record, name = f.path.split(".", 1)
                data.setdefault(record, {})
                if value is not None:
                    data[record][name] = value
            elif value is not None:
                data[f.path] = value
        for lst in self.policy.lists:
            items = []
            least, most = self._item_bounds(lst)
            for _ in range(self.rng.choice(range(least, most + 1))):
                entry = {}
                for f in lst.fields:
                    value = self.value(f, lodged, lst.name)
                    if value is not None:
                        entry[f.path] = value
                items.append(entry)
            data[lst.name] = items
        blocks = sorted({f.path.split(".", 1)[0] for f in self.policy.inputs if f.optional_block})
        for block in blocks:
            if self.rng.random() < 0.25:  # an optional block left out: not claimed
                del data[block]
        return data

    def _item_bounds(self, lst: ir.InputList) -> tuple[int, int]:
        """The fewest and most items to draw for a list: its own bounds, within `max_items`."""
        most = min(self.max_items, lst.items.high) if lst.items is not None else self.max_items
        return (min(lst.items.low, most) if lst.items is not None else 0), most

    def _vary(self, base: dict) -> dict:
        rng = self.rng
        data = copy.deepcopy({k: v for k, v in base.items() if k not in ("about", "expect")})
        lodged = dt.date.fromisoformat(data[ir.LODGEMENT])
        lists = [lst for lst in self.policy.lists if lst.fields]
        if lists and rng.random() < 0.6:
            self.case_dates = [lodged] + [dt.date.fromisoformat(entry[f.path]) for lst in lists
                                          for entry in data.get(lst.name) or [] for f in lst.fields
                                          if f.type.kind == "date" and f.path in entry]  # fmt: skip
            for lst in rng.sample(lists, rng.randint(1, min(2, len(lists)))):
                data[lst.name] = self._items_like(lst, data.get(lst.name) or [], lodged)
            return data
        self.case_dates = []
        scalars = [f for f in self.policy.inputs if f.path not in (ir.LODGEMENT, ir.CATEGORY)]
        for f in rng.sample(scalars, min(rng.randint(1, 2), len(scalars))):
            record, name = f.path.split(".", 1) if "." in f.path else ("", f.path)
            container = data.get(record) if record else data
            if container is None:
                continue  # a block the base leaves out stays out
            value = self.value(f, lodged)
            if value is None:
                container.pop(name, None)
            else:
                container[name] = value
        return data

    def _items_like(self, lst: ir.InputList, like: list[dict], lodged: dt.date) -> list[dict]:
        rng = self.rng
        least, most = self._item_bounds(lst)
        items = []
        for _ in range(rng.randint(max(least, 1 if most else 0), most)):
            model = rng.choice(like) if like else {}
            entry = {}
            for f in lst.fields:
                if f.type.kind != "date" and f.path in model and rng.random() < 0.5:
                    entry[f.path] = model[f.path]
                elif (value := self.value(f, lodged, lst.name)) is not None:
                    entry[f.path] = value
            items.append(entry)
        return items

    def lodgement(self) -> dt.date:
        rng = self.rng
        if rng.random() < 0.3 and self.dates:  # on or either side of a day the rules change
            day = rng.choice([d for d in self.dates if d >= self.first_lodgement] or [self.first_lodgement])
            return max(day + dt.timedelta(days=rng.choice((-1, 0, 1))), self.first_lodgement)
        span = (LAST_LODGEMENT - self.first_lodgement).days
        return self.first_lodgement + dt.timedelta(days=rng.randrange(span + 1))

    def value(self, f: ir.InputField, lodged: dt.date, where: str = ""):
        value = self._value(f, lodged, where)
        b = f.bounds
        if value is None or b is None or f.type.kind not in ("int", "money", "decimal"):
            return value
        scale = {"money": 100, "decimal": ir.TENTHS}.get(f.type.kind, 1)
        code = int(round(float(value) * scale))
        if code in b:
            return value
        inside = self.rng.choice((b.low, b.high, self.rng.randint(b.low, b.high)))  # often at a bound
        if f.type.kind == "decimal":
            return _decimal_json(inside)
        return f"{inside // 100}.{inside % 100:02d}" if f.type.kind == "money" else inside

    def _value(self, f: ir.InputField, lodged: dt.date, where: str = ""):
        rng = self.rng
        if f.may_be_left_out and rng.random() < 0.2:
            return None
        kind = f.type.kind
        usual = self.usual.get((where, f.path))
        if usual is not None and f.path != ir.CATEGORY and rng.random() < 0.85:
            return usual
        if kind == "bool":
            return rng.random() < 0.5
        if kind == "int":
            if self.codes and ("anzsco" in f.path or "code" in f.path):
                return rng.choice(self.codes) if rng.random() < 0.9 else rng.randrange(100000, 1000000)
            if self.ints and rng.random() < 0.7:
                return max(rng.choice(self.ints) + rng.choice((-1, 0, 0, 1)), 0)
            return rng.randrange(0, 61)
        if kind == "decimal":  # a tenth either side of a threshold (6.4, 6.5, 6.6), or any in range
            if self.decimals and rng.random() < 0.7:
                tenths = max(rng.choice(self.decimals) + rng.choice((-1, 0, 0, 1)), 0)
            else:
                tenths = rng.randrange(0, 1000)
            return _decimal_json(tenths)
        if kind == "money":
            cents = rng.choice(self.money) if self.money and rng.random() < 0.7 else rng.randrange(2000, 12001)
            return f"{cents // 100}.{cents % 100:02d}"
        if kind == "date":
            if where and "birth" not in f.path and self.case_dates and rng.random() < 0.5:
                day = rng.choice(self.case_dates) + dt.timedelta(days=rng.choice((-1, 0, 1)))
            else:
                day = self.date_before(lodged, f.path)
            if where:
                self.case_dates.append(day)
            return day.isoformat()
        if kind == "duration":
            return rng.choice(self.months)
        if kind == "text":
            return rng.choice(TEXTS)
        return rng.choice(self.policy.enum_by_name[f.type.enum].members)

    def date_before(self, lodged: dt.date, path: str) -> dt.date:
        rng = self.rng
        if "birth" in path:  # ages either side of the limits the rules name (years × 12 months)
            years = rng.choice([y for y in self.ints if 16 <= y <= 70] or [35]) + rng.choice((-1, 0, 0, 1))
            months = 12 * max(years, 0)
        elif rng.random() < 0.15 and self.dates:
            return rng.choice(self.dates) + dt.timedelta(days=rng.choice((-1, 0, 1)))
        else:
            months = rng.choice(self.months)
        y, m = divmod(lodged.year * 12 + lodged.month - 1 - months, 12)
        base = dt.date(y, m + 1, min(lodged.day, 28))
        return base + dt.timedelta(days=rng.choice((-1, 0, 0, 1)))


def _decimal_json(tenths: int) -> int | float:
    """A decimal as a case file writes it: 65 tenths → 6.5, 70 → 7."""
    whole, tenth = divmod(tenths, ir.TENTHS)
    return whole if tenth == 0 else tenths / ir.TENTHS


def _with(case: CaseData, where: str, path: str, code: int) -> CaseData:
    """The case with one input (every item's field, for a list) set to a value's code, known."""
    if where:
        items = tuple(Item({**it.values, path: code}, {**it.known, path: True}) for it in case.items[where])
        return replace(case, items={**case.items, where: items})
    return replace(case, scalars={**case.scalars, path: code}, known={**case.known, path: True})


def _adversity(v: ir.Verdict) -> int:
    """How far a decision is from eligible: a stop worst (it also hides every later rule, which
    is why the rules it leaves unassessed count too), then unmet requirements, then concerns."""
    weight = {"stopped": 100, "not_met": 10, "raised": 1}
    return sum(weight.get(r, 0) for r in v.results.values()) + len(v.not_assessed)


def generate(policy: ir.Policy, n: int, seed: int = 0, max_items: int = 3) -> Iterator[dict]:
    """n case files (as dicts), the same for the same policy, seed and list bound."""
    return CaseGenerator(policy, seed, max_items).cases(n)


def variants(policy: ir.Policy, bases: list[dict], n: int, seed: int = 0, max_items: int = 3) -> Iterator[dict]:
    """n variants of known cases (`CaseGenerator.variant`), taking the bases in turn; the same for
    the same policy, bases, seed and list bound."""
    gen = CaseGenerator(policy, seed, max_items)
    for i in range(n if bases else 0):
        yield gen.variant(bases[i % len(bases)])


__all__ = ["CaseGenerator", "generate", "variants"]
