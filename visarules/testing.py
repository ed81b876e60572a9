"""Hypothesis strategies for property tests of a policy: valid case files built from the policy's
own input declarations (needs Hypothesis: `pip install hypothesis`, or the `test` extra).

Values are drawn near the policy's own thresholds (`visarules.solver.analyses.thresholds`: every
constant its rules compare with, every dated value times the usual multiples and a cent either
side, every table key, every date a series or version starts on), because that is where decisions
change and where readings of the rules could disagree. Dates fall whole months or years before
the lodgement date (give or take a day) or next to a date the policy changes on.

An example, in a policy team's own tests:

    from hypothesis import given, settings
    from visarules import decide, load_case, load_policy
    from visarules.testing import cases

    POLICY = load_policy("policy")

    @settings(max_examples=200, deadline=None)
    @given(cases(POLICY))
    def test_no_one_aged_56_or_over_is_eligible(data):
        case = load_case(POLICY, data)
        decision = decide(POLICY, case)
        if decision.category == "smc" and age_at_lodgement(data) >= 56:
            assert decision.outcome == "not_eligible"

`cases(policy, max_items=3, seeds=())` gives a dict that `load_case` accepts: every value within
its input's declared bounds and every `constraint` met, so nothing drawn is refused as nonsense.
With `seeds` (real case files as dicts) half the examples are a seed with one to three values
redrawn, which reaches every outcome far more often than cases made from nothing.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from .dsl import ir
from .dsl.units import UNITS_PER_MONTH
from .solver.analyses.thresholds import thresholds

__all__ = ["cases", "FIRST_DAY", "LAST_DAY"]

FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2027, 12, 31)


def _constants(policy: ir.Policy) -> dict[str, set]:
    """The policy's thresholds, found once per policy (walking the rules for every draw is slow);
    under "field" the whole numbers each input is compared with."""
    found = _THRESHOLDS.get(id(policy))
    if found is None or found[0] is not policy:
        consts: dict = thresholds(policy).by_kind()
        consts["field"] = _compared_with(policy)
        found = _THRESHOLDS[id(policy)] = (policy, consts)
    return found[1]


_THRESHOLDS: dict[int, tuple[ir.Policy, dict]] = {}  # the policy is kept, so its id stays its own


def _compared_with(policy: ir.Policy) -> dict[str, set[int]]:
    """For each whole-number input (a dotted path, or a list item's field name), the constants the
    rules compare it with: `hours_per_week >= 30` gives {30}."""

    def bare(e: ir.Expr) -> ir.Expr:
        while isinstance(e, (ir.Scale, ir.Named)):
            e = e.operand if isinstance(e, ir.Scale) else e.expr
        return e

    out: dict[str, set[int]] = {}
    seen: set[int] = set()
    stack = [root for r in policy.rules for root in r.roots]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node.children)
        if not isinstance(node, ir.Compare) or node.left.type.kind != "int":
            continue
        for side, other in ((bare(node.left), bare(node.right)), (bare(node.right), bare(node.left))):
            if isinstance(other, ir.Const) and isinstance(side, (ir.Input, ir.Field)):
                key = side.path if isinstance(side, ir.Input) else side.name
                out.setdefault(key, set()).add(int(other.value))
    return out


def _once(consts, key, make):
    """A strategy built once per policy, kept beside its constants: building one sorts the
    thresholds, and Hypothesis validates every new strategy on its first draw (together most of
    the cost of drawing a case)."""
    built = consts.setdefault("strategies", {})
    if key not in built:
        built[key] = make()
    return built[key]


def _money(consts):
    def make():
        near = st.sampled_from(sorted(consts["money"])) if consts["money"] else st.nothing()
        return st.one_of(near, st.integers(1500, 12000)).map(lambda c: f"{c // 100}.{c % 100:02d}")

    return _once(consts, "money", make)


def _decimal(consts):
    """Tenths: at or a tenth either side of a decimal the policy holds (IELTS 6.5), or any."""

    def make():
        near = st.sampled_from(sorted(consts["decimal"])) if consts["decimal"] else st.nothing()
        near = near.flatmap(lambda v: st.sampled_from([max(v - 1, 0), v, v + 1]))
        return st.one_of(near, near, st.integers(0, 1000))

    return _once(consts, "decimal", make)


def _int(consts, name: str):
    return _once(consts, ("int", name), lambda: _make_int(consts, name))


def _make_int(consts, name: str):
    # the threshold itself first: Hypothesis leans to the first choice of a list, and the threshold
    # is the value a wrong `>` against `>=` decides differently
    exact = sorted(consts["field"].get(name, ()))
    limits = list(dict.fromkeys(exact + sorted({v + d for v in exact for d in (-1, 1)})))
    small = sorted(v for v in consts["int"] if abs(v) < 1000)
    big = sorted(v for v in consts["int"] if abs(v) >= 1000)
    near_small = st.sampled_from(small).flatmap(lambda v: st.sampled_from([v, v - 1, v + 1])) if small else st.nothing()
    if "anzsco" in name and big:
        return st.one_of(st.sampled_from(big), st.integers(100000, 999999))
    own = st.sampled_from(limits) if limits else st.nothing()  # at, or a unit either side of, its own thresholds
    return st.one_of(own, own, near_small, st.integers(0, 60)).map(lambda v: max(v, 0))  # inputs are never negative


def _months_before(consts):
    """How many months before the anchor a relative date falls."""

    def make():
        from_policy = st.sampled_from(
            sorted({m // UNITS_PER_MONTH for m in consts["duration"]} | {12 * y for y in consts["int"] if 0 < y < 100})
        )
        return st.one_of(st.sampled_from([0, 1, 11, 12, 13, 23, 24, 25, 35, 36, 37, 48, 60]),
                         from_policy, from_policy, st.integers(0, 80))  # fmt: skip

    return _once(consts, "months", make)


@st.composite
def _date_near(draw, anchor: dt.date, consts) -> dt.date:
    """A date some whole years/months before the anchor, nudged by a day, or any date in range."""
    kind = draw(_DATE_KINDS)
    if kind == "relative":
        months = draw(_months_before(consts))
        y, m = divmod(anchor.year * 12 + anchor.month - 1 - months, 12)
        day = min(anchor.day, 28)
        base = dt.date(y, m + 1, day)
        return base + dt.timedelta(days=draw(_NUDGE))
    if kind == "boundary" and consts["date"]:
        d = draw(_once(consts, "dates", lambda: st.sampled_from(sorted(consts["date"]))))
        return d + dt.timedelta(days=draw(_ONE_DAY))
    return draw(_ANY_DATE)


# strategies that depend on no policy, built once
_DATE_KINDS = st.sampled_from(["relative", "relative", "boundary", "any"])
_NUDGE = st.sampled_from([-1, 0, 0, 1])
_ONE_DAY = st.sampled_from([-1, 0, 1])
_ANY_DATE = st.dates(FIRST_DAY, LAST_DAY)
_LEFT_OUT = st.integers(0, 4)
_TEXTS = st.sampled_from(['Ana "Al" O\'Neil', "x) :- y. #show", "Kiwi (NZ) Ltd", ""])
_MONTHS = st.integers(0, 60)


def cases(policy: ir.Policy, max_items: int = 3, seeds: tuple[dict, ...] = ()) -> st.SearchStrategy[dict]:
    """A case file (as a dict) for `policy`: either made from nothing, or one of `seeds` (real
    cases) with a few of its values changed, which reaches every outcome far more often. Either
    way it is brought within the policy's bounds and constraints (`_within_bounds`)."""

    # The arguments are closed over, not passed: Hypothesis builds a strategy's repr from its
    # arguments, and the repr of hundreds of seed cases cost a third of a second a draw.
    @st.composite
    def case_of_policy(draw) -> dict:
        if seeds and draw(st.booleans()):
            data = draw(_mutated(policy, draw(st.sampled_from(seeds)), max_items))
        else:
            data = draw(_fresh(policy, max_items))
        return draw(_within_bounds(policy, data))

    return case_of_policy()


def _value_strategy(policy: ir.Policy, consts, lodged: dt.date):
    """A function drawing a value for one input field."""

    def value(draw, f: ir.InputField, name: str):
        if f.may_be_left_out and draw(_LEFT_OUT) == 0:
            return None
        k = f.type.kind
        if k == "bool":
            return draw(st.booleans())
        if k == "int":
            return draw(_int(consts, name))
        if k == "money":
            return draw(_money(consts))
        if k == "decimal":
            return _json_value(f, draw(_decimal(consts)))
        if k == "date":
            if name == "lodgement_date":
                return lodged.isoformat()
            return draw(_date_near(lodged, consts)).isoformat()
        if k == "duration":
            return draw(_MONTHS)
        if k == "text":
            return draw(_TEXTS)
        enum = policy.enum_by_name[f.type.enum]
        return draw(_once(consts, ("enum", enum.name), lambda: st.sampled_from(enum.members)))

    return value


def _lodged(policy: ir.Policy):
    first_version = policy.versions[0].start
    return st.one_of(st.dates(first_version, LAST_DAY), st.sampled_from([v.start for v in policy.versions]))


@st.composite
def _fresh(draw, policy: ir.Policy, max_items: int) -> dict:
    consts = _constants(policy)
    lodged = draw(_lodged(policy))
    value = _value_strategy(policy, consts, lodged)
    data: dict = {}
    for f in policy.inputs:
        v = value(draw, f, f.path)
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            data.setdefault(rec, {})
            if v is not None:
                data[rec][name] = v
        elif v is not None:
            data[f.path] = v
    data["lodgement_date"] = lodged.isoformat()
    for lst in policy.lists:
        items = []
        for _ in range(draw(st.integers(0, max_items))):
            entry = {}
            for f in lst.fields:
                v = value(draw, f, f.path)
                if v is not None:
                    entry[f.path] = v
            items.append(entry)
        data[lst.name] = items
    for block in _optional_blocks(policy):
        if draw(st.integers(0, 3)) == 0:  # an optional block left out: not claimed
            data.pop(block, None)
    return data


def _optional_blocks(policy: ir.Policy) -> list[str]:
    return sorted({f.path.split(".", 1)[0] for f in policy.inputs if f.optional_block})


def _without_empty_blocks(policy: ir.Policy, data: dict) -> dict:
    """An optional block left with no field is left out (`{}` would lack its required fields)."""
    for block in _optional_blocks(policy):
        if data.get(block) == {}:
            del data[block]
    return data


@st.composite
def _mutated(draw, policy: ir.Policy, seed: dict, max_items: int) -> dict:
    """The seed case with one to three values redrawn (and maybe a list item dropped), so that
    the result stays near a real case whatever the number of inputs."""
    import copy

    data = copy.deepcopy({k: v for k, v in seed.items() if k not in ("about", "expect")})
    consts = _constants(policy)
    lodged = dt.date.fromisoformat(data["lodgement_date"])
    if draw(st.integers(0, 4)) == 0:
        lodged = draw(_lodged(policy))
        data["lodgement_date"] = lodged.isoformat()
    value = _value_strategy(policy, consts, lodged)
    # every place a value can be changed: (container, key, field)
    places = []
    for f in policy.inputs:
        if f.path == "lodgement_date":
            continue
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            if f.optional_block and rec not in data:
                continue  # a block the seed leaves out stays out
            places.append((data.setdefault(rec, {}), name, f))
        else:
            places.append((data, f.path, f))
    for lst in policy.lists:
        for entry in data.get(lst.name, []):
            places.extend((entry, f.path, f) for f in lst.fields)
    for _ in range(draw(st.integers(1, 3))):
        container, key, f = draw(st.sampled_from(places))
        v = value(draw, f, f.path)
        if v is None:
            container.pop(key, None)
        else:
            container[key] = v
    for lst in policy.lists:
        items = list(data.get(lst.name, []))
        if items and draw(st.integers(0, 5)) == 0:
            items.pop(draw(st.integers(0, len(items) - 1)))
        data[lst.name] = items[:max_items]
    return _without_empty_blocks(policy, data)


# ---------------------------------------------------------------- within the policy's bounds


@st.composite
def _within_bounds(draw, policy: ir.Policy, data: dict) -> dict:
    """The case with every value inside its input's bounds (one outside is redrawn inside, often
    at a bound), every list within its length, and the constraints met: the inputs a broken one
    reads are drawn again, and at last left out when optional. A case the policy refuses is
    never generated; Hypothesis is told to give up on one that cannot be mended."""
    from hypothesis import reject

    from visarules.dsl import CaseError
    from visarules.solver.case import broken_constraints, load_case

    def inside(f: ir.InputField, raw):
        b = f.bounds
        if raw is None or b is None or f.type.kind not in ("int", "decimal", "money", "date", "duration"):
            return raw
        code = _code(f, raw)
        if code in b:
            return raw
        return _json_value(f, draw(st.one_of(st.sampled_from([b.low, b.high]), st.integers(b.low, b.high))))

    for f, container, key in _places(policy, data):
        if key in container:
            container[key] = inside(f, container[key])
    for lst in policy.lists:
        if lst.items is not None:
            if len(data[lst.name]) < lst.items.low:
                reject()
            data[lst.name] = data[lst.name][: lst.items.high]
    consts = _constants(policy)
    value = _value_strategy(policy, consts, dt.date.fromisoformat(data["lodgement_date"]))
    for attempt in range(10):
        try:
            case = load_case(policy, data, constraints=False)
        except CaseError:
            reject()
        broken = broken_constraints(policy, case)
        if not broken:
            return data
        for c, item in broken:
            places = [
                (policy.input_field(p), *_slot(data, p)) for p in c.inputs if p not in ("lodgement_date", "category")
            ]
            if item is not None:
                entry = data[c.list][item]
                places += [(policy.list_field(c.list, n), entry, n) for n in c.fields]
            for f, container, key in places:
                if (
                    attempt >= 6 and f.may_be_left_out
                ):  # an unknown value meets any constraint written `not known(x) or …`
                    container.pop(key, None)
                    continue
                v = inside(f, value(draw, f, key))
                if v is None:
                    container.pop(key, None)
                else:
                    container[key] = v
    reject()


def _places(policy: ir.Policy, data: dict):
    """(field, the dict that holds its value, its key) for every input value of a case file."""
    for f in policy.inputs:
        yield (f, *_slot(data, f.path))
    for lst in policy.lists:
        for entry in data.get(lst.name, []):
            for f in lst.fields:
                yield f, entry, f.path


def _slot(data: dict, path: str):
    if "." in path:
        rec, name = path.split(".", 1)
        return data.get(rec, {}), name  # a block left out stays out (its values are unknown)
    return data, path


def _code(f: ir.InputField, raw) -> int:
    """A JSON value in the IR's codes, as bounds are written (a date as written, not the day after)."""
    from decimal import Decimal

    from visarules.dsl.units import date_code

    k = f.type.kind
    if k == "money":
        return int(Decimal(str(raw).replace("$", "").replace(",", "")) * 100)
    if k == "date":
        return date_code(dt.date.fromisoformat(raw))
    if k == "duration":
        return int(raw) * UNITS_PER_MONTH
    if k == "decimal":
        return int(Decimal(str(raw)) * ir.TENTHS)
    return int(raw)


def _json_value(f: ir.InputField, code: int):
    from visarules.dsl.units import decode_date

    k = f.type.kind
    if k == "money":
        return f"{code // 100}.{code % 100:02d}"
    if k == "date":
        return decode_date(code).isoformat()
    if k == "duration":
        return code // UNITS_PER_MONTH
    if k == "decimal":  # 65 tenths → 6.5, 70 → 7, as a case file writes it
        return code // ir.TENTHS if code % ir.TENTHS == 0 else code / ir.TENTHS
    return code
