"""Issue 11: bounds in the language, and no overflow, proved.

One declaration of an input's range (and of the constraints across inputs) reaches the JSON
Schema, the case loader, the Z3 domain assumptions and the test strategies; from the ranges the
checker proves that no number the ASP program computes leaves clingo's 32-bit range. The extreme
corners of every bound are decided by all three readings, which must agree. The README's table
of input bounds is generated from the declarations (`python tests/test_bounds.py` writes it).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from visarules.dsl import CaseError, PolicyError, ir, load_policy
from visarules.dsl.check.bounds import Interval, RangeAnalysis
from visarules.dsl.units import date_code, decode_date
from visarules.solver.backends import registry, smt
from visarules.solver.case import bounds_table, case_schema, load_case, read_case_file
from visarules.testing import cases

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- bounds:start -->", "<!-- bounds:end -->"
MINIMAL = (Path(__file__).parent / "dsl" / "good" / "minimal.rules").read_text()


@pytest.fixture(scope="module")
def example():
    return read_case_file(ROOT / "examples" / "smc-eligible.json")


def _policy(tmp_path, text: str) -> ir.Policy:
    (tmp_path / "p.rules").write_text(text)
    return load_policy(tmp_path)


# ---------------------------------------------------------------- the declarations


def test_ranges_become_bounds_in_the_units_of_the_ir(policy):
    hours = policy.input_field("employment.hours_per_week")
    assert (hours.bounds.low, hours.bounds.high, hours.bounds.declared) == (0, 168, True)
    assert [str(c) for c in hours.bounds.cites] == ["inferred: a week has 168 hours"]
    pay = policy.input_field("employment.pay_per_hour")
    assert (pay.bounds.low, pay.bounds.high) == (0, 1_000_000)  # cents
    born = policy.input_field("applicant.date_of_birth")  # no range of its own: the span of case dates
    assert not born.bounds.declared and born.bounds.low == date_code(dt.date(1900, 1, 1))
    assert policy.dates.declared and policy.dates.high == date_code(dt.date(2100, 12, 31))
    assert policy.list_by_name["partners"].items == ir.Bounds(0, 1, policy.list_by_name["partners"].items.cites)
    assert policy.input_field("english.test").bounds is None  # an enumeration is bounded by its members


def test_every_number_and_date_of_the_shipped_policy_declares_its_bounds(policy):
    """Bar 3 for bounds: every range cites where it comes from (or `inferred` with why)."""
    fields = list(policy.inputs) + [f for lst in policy.lists for f in lst.fields]
    for f in fields:
        if f.type.kind in ("int", "money", "duration"):
            assert f.bounds.declared and f.bounds.cites, f.path
        if f.type.kind == "date":
            assert f.bounds.cites, f.path  # its own, or the declared span's
    for lst in policy.lists:
        assert lst.items.declared and lst.items.cites, lst.name
    assert policy.constraints and all(c.cites and c.message for c in policy.constraints)


def test_a_duration_range_and_a_list_length_parse(tmp_path):
    text = MINIMAL.replace(
        "input start: date\n",
        'input start: date 2000-01-01..2050-12-31 cites inferred "x"\n'
        'input gap: optional duration 0 months..2 years cites inferred "y"\n'
        'record Job { hours: integer 0..40 cites inferred "z" }\n'
        'input jobs: list of Job 1..3 cites inferred "w"\n',
    )
    p = _policy(tmp_path, text)
    assert (p.input_field("gap").bounds.low, p.input_field("gap").bounds.high) == (0, 24 * 32)
    assert p.input_field("start").bounds.high == date_code(dt.date(2050, 12, 31))
    assert (p.list_by_name["jobs"].items.low, p.list_by_name["jobs"].items.high) == (1, 3)


@pytest.mark.parametrize(
    "edit, line, column, message",
    [
        (("input hours: integer 0..168", "input hours: integer 0..168 changeable"), 5, 14, None),
        (("cites inferred \"a week has 168 hours\"", ""), 5, 14, "the range of 'hours' has no source"),
        (("input start: date", 'input start: date cites inferred "x"'), 7, 25, "'start' cites a source but declares"),
        (("integer 0..168", "integer $0..$168"), 5, 22, "a bound of hours must be an int"),
        (("integer 0..168", "integer 0..4294967296"), 5, 25, "ends above 2147483647, the largest number clingo"),
        (("input start: date", 'input start: date 2000-01-01..9999-12-31 cites inferred "x"'), 7, 31,
         "the range of 'start' ends after 9998-12-31"),
        (("input start: date", 'input start: list of X 0..2 cites inferred "x"'), 7, 14, None),
    ],
    ids=["changeable-after-a-range", "no-source", "source-without-range", "money-for-integer", "beyond-clingo",
         "past-9998", "list-of-no-record"],
)  # fmt: skip
def test_a_bad_range_is_reported_where_it_is_written(tmp_path, edit, line, column, message):
    text = MINIMAL.replace(*edit)
    if message is None:  # a well-formed edit, or one whose own error is not about ranges
        try:
            _policy(tmp_path, text)
        except PolicyError as e:
            assert all("range" not in d.message for d in e.diagnostics)
        return
    with pytest.raises(PolicyError) as info:
        _policy(tmp_path, text)
    found = [(d.span.line, d.span.column, d.message) for d in info.value.diagnostics]
    assert any(ln == line and c == column and message in m for ln, c, m in found), found


# ---------------------------------------------------------------- no overflow, proved


def test_the_range_that_let_15_million_an_hour_wrap_is_rejected(tmp_path):
    text = MINIMAL.replace("money $0..$10,000", "money $0..$15,000,000")
    with pytest.raises(PolicyError) as info:
        _policy(tmp_path, text)
    [d] = info.value.diagnostics
    assert (d.span.line, d.span.column) == (20, 11)  # the comparison, scaled to 2 × pay >= 3 × needed
    assert d.message.startswith("2 × pay can reach $30,000,000.00 (3,000,000,000 in cents) for some case")
    assert "pay is $0.00..$15,000,000.00" in d.hint


def test_the_largest_range_that_fits_is_accepted_and_one_cent_more_is_not(tmp_path):
    # 2 × pay must stay at most 2,147,483,647 cents: pay up to $10,737,418.23
    assert _policy(tmp_path, MINIMAL.replace("money $0..$10,000", "money $0..$10,737,418.23"))
    with pytest.raises(PolicyError, match="2 × pay can reach"):
        _policy(tmp_path, MINIMAL.replace("money $0..$10,000", "money $0..$10,737,418.24"))


def test_an_unknown_optional_input_reads_as_zero_in_the_analysis(tmp_path):
    p = _policy(tmp_path, MINIMAL.replace("input hours: integer 0..168", "input hours: optional integer 5..168"))
    hours = next(n for r in p.rules for n in ir.walk(r.expr) if isinstance(n, ir.Input) and n.path == "hours")
    assert RangeAnalysis(p).of(hours) == Interval(0, 168)


def test_the_flooring_of_a_negative_number_is_proved_too(tmp_path):
    """ASP emits `-((-X+k-1)/k)` for X < 0: -X+k-1 must fit as well as the result."""
    text = MINIMAL.replace("input hours: integer 0..168", "input hours: integer 0..2147483647").replace(
        "require pay >= 1.5 * needed and hours >= 30", "require years(lodgement_date - start) >= 0 and hours >= 30"
    )
    p = _policy(tmp_path, text)  # dates are small: the step fits
    analysis = RangeAnalysis(p)
    div = next(n for r in p.rules for n in ir.walk(r.expr) if isinstance(n, ir.FloorDiv))
    analysis.of(div)
    assert analysis.steps[id(div)] and all(s.fits() for s in analysis.steps[id(div)])


def test_a_sum_over_a_list_without_a_length_counts_as_many_items_as_a_case_file_holds(tmp_path):
    """No length declared: the list holds at most MAX_LIST_ITEMS (the loader's size limit), so
    10,000 an item can reach 3.3 billion; declaring a length is the fix the hint names."""
    text = MINIMAL.replace(
        "input start: date\n", 'input start: date\nrecord Job { hours: integer 0..10000 cites inferred "h" }\n'
        "input jobs: list of Job\n"
    ).replace("hours >= 30", "hours + sum(j.hours for each j in jobs) >= 30")  # fmt: skip
    with pytest.raises(PolicyError, match=r"sum\(… for each item of jobs\) can reach 3,333,330,000") as err:
        _policy(tmp_path, text)
    assert f"jobs holds up to {ir.MAX_LIST_ITEMS:,} items (no length declared)" in str(err.value)
    assert _policy(tmp_path, text.replace("0..10000", "0..168"))  # 168 × 333,333 fits
    assert _policy(tmp_path, text.replace("list of Job\n", 'list of Job 0..1000 cites inferred "j"\n'))


def test_the_shipped_policy_fits_with_room_to_spare(policy):
    """The largest magnitude any node of the shipped policy's ASP program can reach."""
    analysis = RangeAnalysis(policy)
    for r in policy.rules:
        for root in (*r.roots, *r.placeholders):
            for node in ir.walk(root):
                analysis.of(node)
    largest = max(max(abs(i.low), abs(i.high)) for _, i in analysis.memo.values() if i is not None)
    assert largest < ir.CLINGO_MAX // 10, largest


# ---------------------------------------------------------------- one declaration, four readers


def test_the_schema_carries_the_ranges(policy):
    s = case_schema(policy)
    hours = s["properties"]["employment"]["properties"]["hours_per_week"]
    assert (hours["minimum"], hours["maximum"]) == (0, 168)
    pay = s["properties"]["employment"]["properties"]["pay_per_hour"]["anyOf"][0]  # optional: or null
    assert (pay["minimum"], pay["maximum"], pay["multipleOf"]) == (0, 10000, 0.01)
    assert (s["properties"]["partners"]["minItems"], s["properties"]["partners"]["maxItems"]) == (0, 1)
    assert "a date of birth is on or before the day the application was made" in s["$comment"]


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("employment.pay_per_hour", -5, "expected an amount of money from $0.00 to $10,000.00"),
        ("employment.pay_per_hour", "45.001", "expected an amount of money"),
        ("employment.hours_per_week", 169, "expected a whole number from 0 to 168, found 169"),
        ("applicant.date_of_birth", "2101-01-01", "2101-01-01 is after the latest date this policy accepts"),
        ("applicant.date_of_birth", "2024-05-02", "a date of birth is on or before the day the application "
                                                  "was made (found applicant.date_of_birth 2024-05-02, "
                                                  "lodgement_date 2024-05-01)"),
    ],
)  # fmt: skip
def test_the_loader_names_the_field_and_the_bound(policy, example, path, value, message):
    data = copy.deepcopy(example)
    rec, name = path.split(".")
    data[rec][name] = value
    with pytest.raises(CaseError) as info:
        load_case(policy, data)
    assert any(p.startswith(path) and message in p for p in info.value.problems), info.value.problems


def test_the_bounds_and_constraints_are_the_z3_domain_assumptions(policy):
    """Under the assumptions no case has 169 hours, a birth after lodgement, or a second partner."""
    sym = smt.SymbolicCase(policy, 2)
    s = z3.Solver()
    s.set("rlimit", 50_000_000)  # a deterministic bound: unknown fails the asserts below
    s.add([c for _, c in sym.domain_assumptions()])
    assert s.check() == z3.sat
    for claim in (
        sym.scalars["employment.hours_per_week"] > 168,
        sym.scalars["applicant.date_of_birth"] > sym.scalars["lodgement_date"],
        sym.slots["partners"][1].present,
        z3.And(sym.slots["work"][0].present, sym.slots["work"][0].known["end"],
               sym.slots["work"][0].values["end"] <= sym.slots["work"][0].values["start"]),
    ):  # fmt: skip
        s.push()
        s.add(claim)
        assert s.check() == z3.unsat, claim
        s.pop()
    texts = [t for t, _ in sym.domain_assumptions()]
    assert "employment.hours_per_week, when known, is from 0 to 168" in texts
    assert "partners[1] is absent (partners holds at most 1 items)" in texts


@settings(max_examples=60)
@given(data=st.data())
def test_generated_cases_lie_within_the_bounds(policy, seed_cases, data):
    case = load_case(policy, data.draw(cases(policy, seeds=seed_cases)))  # raises on any bound or constraint
    for f in policy.inputs:
        if case.known[f.path] and f.bounds is not None and not f.last_day:
            assert case.scalars[f.path] in f.bounds, f.path


# ---------------------------------------------------------------- the corners of every bound


@pytest.fixture(scope="module")
def base(policy):
    """The example case, with one item in every list (taken from a worked case that has one)."""
    data = read_case_file(ROOT / "examples" / "smc-eligible.json")
    for block in sorted({f.path.split(".", 1)[0] for f in policy.inputs if f.optional_block} - set(data)):
        donor = next(c for c in _worked() if block in c)  # an optional block the example leaves out
        data[block] = copy.deepcopy(donor[block])
    for lst in policy.lists:
        if not data[lst.name]:
            donor = next(c for c in _worked() if c[lst.name])
            data[lst.name] = [copy.deepcopy(donor[lst.name][0])]
    return data


def _worked() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((ROOT / "tests" / "cases").glob("*.json"))]


def _json(f: ir.InputField, code: int):
    """A value in the IR's codes as a case file writes it."""
    if f.type.kind == "money":
        return f"{code // 100}.{code % 100:02d}"
    if f.type.kind == "date":
        return decode_date(code).isoformat()
    if f.type.kind == "decimal":  # tenths: 2300 → 230
        return code // 10 if code % 10 == 0 else code / 10
    return code


def _ends(policy: ir.Policy, f: ir.InputField) -> list:
    if f.type.kind == "enum":
        members = policy.enum_by_name[f.type.enum].members
        return [members[0], members[-1]]
    if f.type.kind == "bool":
        return [False, True]
    if f.bounds is None:
        return []
    return [_json(f, f.bounds.low), _json(f, f.bounds.high)] + ([None] if f.optional else [])


def _set(data: dict, path: str, value, item: int | None = None) -> None:
    if item is not None:
        lst, name = path.split("[].")
        target, key = data[lst][item], name
    elif "." in path:
        rec, key = path.split(".", 1)
        target = data[rec]
    else:
        target, key = data, path
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _places(policy: ir.Policy):
    """(path, field) for every scalar input and every list field (as list[].field)."""
    out = [(f.path, f) for f in policy.inputs]
    out += [(f"{lst.name}[].{f.path}", f) for lst in policy.lists for f in lst.fields]
    return out


def _decide_all_everywhere(policy: ir.Policy, decided: list) -> None:
    python = [v.comparable() for v in registry.verdicts(policy, decided, "python")]
    for engine in registry.ENGINES:
        got = [v.comparable() for v in registry.verdicts(policy, decided, engine)]
        assert [i for i, (a, b) in enumerate(zip(got, python, strict=True)) if a != b] == [], engine


def _decide_everywhere(policy: ir.Policy, case) -> str:
    python = registry.verdict(policy, case, "python")
    for engine in registry.ENGINES:
        assert registry.verdict(policy, case, engine).comparable() == python.comparable(), engine
    return python.outcome


def _refused_only_for_a_reason(policy: ir.Policy, err: CaseError) -> None:
    """A corner may break a constraint (a birth in 2100 is after a lodgement in 2024) or precede
    the first modelled version; never a bound, since it lies on one."""
    reasons = [c.message for c in policy.constraints] + ["is before the first instruction version"]
    reasons.append("must give it")  # a category's own required input (employment.sector for wtr)
    reasons.append("must hold it")  # a field its optional block requires, left out of a block given
    assert all(any(r in p for r in reasons) for p in err.problems), err.problems


@pytest.mark.parametrize("index", range(0, 120, 10))  # ten inputs a test, so that xdist spreads them
def test_every_corner_of_every_bound_is_decided_alike(policy, base, index):
    """Each input at each end of its range (and unknown, when optional), the rest as in the example."""
    corners = []
    for path, f in _places(policy)[index : index + 10]:
        for value in _ends(policy, f):
            data = copy.deepcopy(base)
            items = range(len(data[path.split("[].")[0]])) if "[]." in path else [None]
            for item in items:
                _set(data, path, value, item)
            try:
                corners.append(load_case(policy, data))
            except CaseError as err:
                _refused_only_for_a_reason(policy, err)
    _decide_all_everywhere(policy, corners)  # together: deciding together is deciding alone (test_differential)
    assert corners or not _places(policy)[index : index + 10]


@pytest.mark.parametrize("end", ["low", "high"])
def test_every_bound_at_once_is_decided_alike(policy, base, end):
    """Every input at the same end of its range, lists at their longest: the largest numbers the
    ASP program sees (an input is left as it was when its end breaks a constraint)."""
    data = copy.deepcopy(base)
    pick = 0 if end == "low" else 1
    for lst in policy.lists:
        length = lst.items.high if end == "high" else max(lst.items.low, 1)
        data[lst.name] = [copy.deepcopy(data[lst.name][0]) for _ in range(min(length, 8))]
    kept = 0
    for path, f in _places(policy):
        ends = _ends(policy, f)
        if not ends or path == "lodgement_date":
            continue
        trial = copy.deepcopy(data)
        items = range(len(trial[path.split("[].")[0]])) if "[]." in path else [None]
        for item in items:
            _set(trial, path, ends[pick], item)
        try:
            load_case(policy, trial)
        except CaseError as err:
            _refused_only_for_a_reason(policy, err)
            continue
        data, kept = trial, kept + 1
    assert kept > len(_places(policy)) // 2
    _decide_everywhere(policy, load_case(policy, data))


# ---------------------------------------------------------------- the README's table


def readme_block(policy: ir.Policy) -> str:
    return f"{START}\n{bounds_table(policy)}{END}"


def test_the_readme_documents_the_bounds_of_every_input(policy):
    text = README.read_text(encoding="utf-8")
    assert readme_block(policy) in text, "the README's table of input bounds is stale: run python tests/test_bounds.py"
    for f in policy.inputs:
        assert f"| `{f.path}` |" in text


if __name__ == "__main__":  # write the README's table again from the declarations
    text = README.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    README.write_text(before + readme_block(load_policy(ROOT / "policy")) + after, encoding="utf-8")
    print(f"wrote the table of input bounds into {README}")
