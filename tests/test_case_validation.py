"""The fast yes of case validation (a compiled schema, for batches; before it is compiled, the
schema walked in Python) never changes what the loader says: every case it lets through is loaded
to the same data, and every case the schema refuses is refused with the same problems as without it."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visarules.dsl import CaseError
from visarules.solver.case import data as case_data_module
from visarules.solver.case import load_case, parse_case_json, read_case_file
from visarules.solver.case import schema as case_schema_module
from visarules.solver.case.schema import fits_schema, schema_problems
from visarules.testing import cases

ROOT = Path(__file__).resolve().parent.parent
WORKED = sorted((ROOT / "tests" / "cases").glob("*.json")) + sorted((ROOT / "examples").glob("*.json"))


def read(path: Path):
    try:
        return read_case_file(path)
    except CaseError:
        return None  # not JSON a case can be read from (test_safety): the loader is never reached


# the hostile case files that reach validation: a JSON object
HOSTILE = [p for p in sorted((ROOT / "tests" / "hostile" / "cases").glob("*.json")) if isinstance(read(p), dict)]


FAST = ["compiled", "walked"]  # the two fast yeses: the compiled schema, and `_fits` before it is compiled


def use_fast(m, fast: str | None) -> None:
    """The compiled schema from the first case on (kept after); or none, so that cases are walked."""
    if fast == "compiled":
        m.setattr(case_schema_module, "_SLOW_BEFORE_FAST", 0)
    else:
        m.setattr(case_schema_module, "_SLOW_BEFORE_FAST", 10**9)
        m.setattr(case_schema_module, "_FAST", {})


def outcome(policy, data, *, fast: str | None, monkeypatch):
    """What the loader gives: the loaded case's values, or the problems it lists."""
    with monkeypatch.context() as m:
        use_fast(m, fast)
        if not fast:
            m.setattr(case_data_module, "fits_schema", lambda policy, data: False)
        try:
            case = load_case(policy, copy.deepcopy(data), "case.json")
        except CaseError as e:
            return ("refused", tuple(e.problems))
    return ("loaded", case.scalars, case.known, case.items)


@pytest.mark.parametrize("fast", FAST)
def test_the_fast_check_says_yes_to_every_worked_case(policy, fast, monkeypatch):
    use_fast(monkeypatch, fast)
    data = [read_case_file(f) for f in WORKED]
    assert all(fits_schema(policy, d) for d in data)
    assert all(schema_problems(policy, d) == [] for d in data)


@pytest.mark.parametrize("fast", FAST)
@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_a_hostile_case_gets_the_same_answer_with_and_without_the_fast_check(policy, path, fast, monkeypatch):
    data = read(path)
    assert outcome(policy, data, fast=fast, monkeypatch=monkeypatch) == outcome(
        policy, data, fast=None, monkeypatch=monkeypatch
    )


SPOILERS = [
    None,
    "text",
    True,
    -1,
    10**12,
    Decimal("0.005"),
    Decimal("6.55"),
    Decimal("35.123"),
    "$1,00.00",
    "2024-02-30",
    [],
    {},
]


@st.composite
def spoiled(draw, policy):
    """A generated case with one value replaced by something that may not fit where it is."""
    data = json.loads(json.dumps(draw(cases(policy))), parse_float=Decimal)
    places: list[tuple] = []

    def walk(x, path):
        if isinstance(x, dict):
            for k, v in x.items():
                places.append((*path, k))
                walk(v, (*path, k))
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, (*path, i))

    walk(data, ())
    where = draw(st.sampled_from(places))
    target = data
    for step in where[:-1]:
        target = target[step]
    if draw(st.booleans()) and isinstance(target, dict):
        del target[where[-1]]
    else:
        target[where[-1]] = draw(st.sampled_from(SPOILERS))
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_spoiled_case_gets_the_same_answer_with_and_without_the_fast_check(policy, data, monkeypatch):
    case = data.draw(spoiled(policy))
    for fast in FAST:
        assert outcome(policy, case, fast=fast, monkeypatch=monkeypatch) == outcome(
            policy, case, fast=None, monkeypatch=monkeypatch
        )


def test_a_value_with_too_many_decimal_places_is_refused_as_the_schema_says(policy, monkeypatch):
    """`multipleOf` is the one keyword the fast check leaves out: the loader still names it."""
    data = parse_case_json((ROOT / "examples" / "smc-eligible.json").read_bytes(), "case.json")
    data["employment"]["pay_per_hour"] = Decimal("55.005")
    for fast in FAST:
        kind, problems = outcome(policy, data, fast=fast, monkeypatch=monkeypatch)
        assert kind == "refused" and problems == tuple(schema_problems(policy, data))
    assert any(p.startswith("employment.pay_per_hour:") for p in problems)
