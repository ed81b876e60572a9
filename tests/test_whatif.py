"""`explain --what-if`: the cheapest sets of changes to the changeable facts that make a case
eligible, each decided again (here, independently) by clingo and the Python evaluator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visarules.solver.analyses.whatif import what_if
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import decide
from visarules.testing import cases

CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES.glob("*.json"))
FAILING = [p for p in CASE_FILES if json.loads(p.read_text())["expect"]["outcome"] != "eligible"]


def _load(policy, name: str):
    return load_case(policy, read_case_file(CASES / f"{name}.json"))


def _assert_sound(policy, case, w):
    """What every what-if answer must satisfy, whatever the case."""
    changeable = {f.path: f for f in policy.inputs if f.change_cost is not None}
    sets = []
    for a in w.alternatives:
        rerun = load_case(policy, json.loads(json.dumps(a.case)))  # the case file as saved, read back
        for engine in ("clingo", "python"):
            assert decide(policy, rerun, engine=engine).outcome == "eligible", (engine, a.changes)
        changed = {c.input for c in a.changes}
        assert changed and changed <= set(changeable), changed  # only changeable facts are proposed
        assert a.cost == sum(changeable[p].change_cost for p in changed)
        for f in policy.inputs:  # every other fact is exactly as it was
            if f.path not in changed:
                assert (rerun.scalars[f.path], rerun.known[f.path]) == (case.scalars[f.path], case.known[f.path]), (
                    f.path
                )
        assert rerun.items == case.items
        if "lodgement_date" in changed:
            assert rerun.lodgement > case.lodgement  # applying later, never earlier
        sets.append(frozenset(changed))
    for i, s in enumerate(sets):  # distinct smallest sets: none contains an earlier one
        assert not any(t <= s for t in sets[:i]), sets
    assert [a.cost for a in w.alternatives] == sorted(a.cost for a in w.alternatives)


@pytest.mark.parametrize("path", FAILING, ids=[p.stem for p in FAILING])
def test_every_alternative_for_a_failing_worked_case_is_eligible(policy, path):
    case = load_case(policy, read_case_file(path))
    w = what_if(policy, case, max_alternatives=3)
    assert w.status in ("found", "none")
    assert w.status == "none" or w.alternatives
    _assert_sound(policy, case, w)


@settings(max_examples=30)
@given(data=st.data())
def test_every_alternative_for_a_generated_case_is_eligible(policy, seed_cases, data):
    case = load_case(policy, data.draw(cases(policy, seeds=seed_cases)))
    w = what_if(policy, case, max_alternatives=3)
    _assert_sound(policy, case, w)
    if w.status == "none":
        assert w.blockers  # and it says which rule stands in the way


def test_one_cent_more_pay(policy):
    w = what_if(policy, _load(policy, "smc-pay-level4-one-cent-under-1.5x"))
    first = w.alternatives[0]
    assert [(c.input, c.old, c.new, c.old_json, c.new_json) for c in first.changes] == [
        ("employment.pay_per_hour", "$47.41", "$47.42", "47.41", "47.42")
    ]
    assert first.cost == 1 and first.points == {
        "income": 3,
        "qualification": 0,
        "registration": 0,
        "work_experience": 3,
    }
    assert first.case["employment"]["pay_per_hour"] == "47.42" and "expect" not in first.case


def test_alternatives_include_applying_later(policy):
    """Lodging a month later brings the 24th month of ongoing work inside the 4-year window."""
    w = what_if(policy, _load(policy, "smc-wx-23-months-in-4-years"), max_alternatives=3)
    changes = [[(c.input, c.new) for c in a.changes] for a in w.alternatives]
    assert [("employment.pay_per_hour", "$94.83")] in changes
    assert [("lodgement_date", "2024-06-01")] in changes


def test_max_limits_the_alternatives(policy):
    case = _load(policy, "smc-fixed-term-11-months")
    assert len(what_if(policy, case, max_alternatives=1).alternatives) == 1
    both = what_if(policy, case, max_alternatives=3).alternatives
    assert [[c.input for c in a.changes] for a in both] == [["employment.fixed_term_months"], ["employment.term"]]


@pytest.mark.parametrize(
    "name, rule, fixed",
    [
        ("smc-age-56-on-birthday", "smc.age", "applicant.date_of_birth"),
        ("smc-false-eoi-stops", "smc.false_eoi", "applicant.false_or_misleading_eoi"),
    ],
)
def test_a_case_no_change_can_rescue_names_the_blocking_rule(policy, name, rule, fixed):
    w = what_if(policy, _load(policy, name))
    assert w.status == "none" and not w.alternatives
    assert [b.rule for b in w.blockers] == [rule] and w.blockers[0].effect == "stopped"
    assert rule in w.note
    uses = {i.input: i for i in w.blockers[0].inputs}
    assert uses[fixed].changeable is False and uses[fixed].note == "cannot change"


def test_an_eligible_case_needs_no_change(policy):
    w = what_if(policy, _load(policy, "smc-eligible-baseline"))
    assert w.status == "eligible" and not w.alternatives and not w.blockers


def test_hostile_names_reach_clingo_as_symbols_and_survive_into_the_alternative(policy):
    data = read_case_file(CASES / "smc-pay-level4-one-cent-under-1.5x.json")
    data["applicant"]["name"] = 'x"). #show. p :- q. % "'
    data["employment"]["employer"] = '#include "/etc/passwd". a :- b.'
    w = what_if(policy, load_case(policy, data))
    (first,) = w.alternatives
    assert first.case["applicant"]["name"] == 'x"). #show. p :- q. % "'
    assert first.case["employment"]["employer"] == '#include "/etc/passwd". a :- b.'
