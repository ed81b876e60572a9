"""`explain --why-not`: every unmet requirement and points shortfall, with the failed condition and
its margin in the value's unit; margins that really meet the threshold when added."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visarules.dsl import ir
from visarules.solver.analyses.explain import explain
from visarules.solver.analyses.explain.text import sides
from visarules.solver.analyses.explain.whynot import compare_margin
from visarules.solver.backends.python import Evaluator
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import verdict
from visarules.testing import cases

CASES = Path(__file__).parent / "cases"


def shortfalls(policy, name: str):
    case = load_case(policy, read_case_file(CASES / f"{name}.json"))
    e = explain(policy, case, verdict(policy, case, "clingo"))
    return {s.rule: s for s in e.shortfalls}


def leaves(shortfall):
    return [leaf for g in shortfall.gaps for leaf in g.leaves()]


def test_pay_one_cent_under_one_and_a_half_times_the_median(policy):
    s = shortfalls(policy, "smc-pay-level4-one-cent-under-1.5x")
    (leaf,) = leaves(s["smc.employment.pay"])
    assert leaf.condition == "employment_hourly_pay ≥ 1.5 × favourable_median"
    assert leaf.text == "$47.41 < 1.5 × $31.61 = $47.415; short by $0.01"
    m = leaf.margin
    assert (m.unit, m.raw_value, m.raw_needed, m.raw_gap, m.gap) == ("money", 4741, 4742, 1, "$0.01")
    # the same threshold decides 3 income points, and the six-point total is 3 short
    income = {leaf.text for leaf in leaves(s["smc.points.income"])}
    assert "$47.41 < 1.5 × $31.61 = $47.415; short by $0.01" in income
    assert s["smc.points.income"].summary == "0 of a possible 6 points"
    assert [leaf.text for leaf in leaves(s["smc.six_points"])] == ["3 < 6; short by 3"]


def test_twenty_nine_hours(policy):
    s = shortfalls(policy, "smc-hours-29-part-time")
    hours = [leaf for leaf in leaves(s["smc.employment.full_time"]) if leaf.margin.unit == "int"]
    (leaf,) = hours  # the other way to meet it, the independent-midwife route, is a yes/no fact
    assert leaf.text == "29 < 30; short by 1" and leaf.margin.raw_needed == 30
    # income points: the `under 30 hours → 0` branch held, and must not for 6 points
    (to_six,) = s["smc.points.income"].gaps
    assert to_six.text == "to get 6 points"
    (blocker,) = to_six.parts
    assert blocker.condition == "employment.hours_per_week < 30" and not blocker.want
    assert blocker.text == "29 < 30; it must be ≥ 30: short by 1"


def test_age_fifty_six_on_the_birthday(policy):
    s = shortfalls(policy, "smc-age-56-on-birthday")
    assert list(s) == ["smc.age"]  # nothing after the stop was assessed, so nothing else fell short
    (leaf,) = leaves(s["smc.age"])
    assert leaf.text == "aged 56 on 2024-05-01; the limit is under 56 (turned 56 on 2024-05-01, the 56th birthday)"
    assert (leaf.margin.unit, leaf.margin.value, leaf.margin.needed) == ("age", "56", "under 56")


def test_work_experience_months(policy):
    s = shortfalls(policy, "smc-wx-23-months-in-4-years")
    texts = [leaf.text for leaf in leaves(s["smc.points.work_experience"])]
    assert "23 months of the 24 months required; short by 1 month" in texts
    assert s["smc.points.work_experience"].summary == "1 of a possible 3 points"


def test_fixed_term_too_short_and_the_other_ways_to_meet_the_term_rule(policy):
    (gap,) = shortfalls(policy, "smc-fixed-term-11-months")["smc.employment.term"].gaps
    assert gap.kind == "any"  # permanent, or a long enough fixed term, or a backed contract
    texts = [leaf.text for leaf in gap.leaves()]
    assert "11 < 12; short by 1" in texts
    assert "employment.term is fixed term, not permanent" in texts


def test_points_not_claimed(policy):
    # unclaimed income is assessed when the claims give under 6 (SOP smc_overall step 4); a doctorate gives 6
    s = shortfalls(policy, "smc2-qual-doctorate-alone-six-points")
    income = s["smc.points.income"]
    assert income.effect == "not_applicable" and income.summary == "not applicable, so 0 of a possible 6 points"
    assert [leaf.text for leaf in leaves(income)] == ["claims_income_points is no; it must be yes", "6 ≥ 6; over by 1"]


def test_an_eligible_case_has_no_unmet_requirement(policy):
    s = shortfalls(policy, "smc-eligible-baseline")
    assert not any(x.effect in ("not_met", "stopped", "raised") for x in s.values())


# ---------------------------------------------------------------- margins meet the threshold


def _input_compares(policy):
    """Comparisons whose case side is an input of a number type (where a margin can be applied)."""
    out, seen = [], set()
    for rule in policy.rules:
        for node in ir.walk(rule.expr):
            if isinstance(node, ir.Compare) and id(node) not in seen and node.scope is None:
                seen.add(id(node))
                subject = sides(node).subject
                if isinstance(subject, ir.Input) and subject.type.kind in ("int", "money"):
                    out.append(node)
    return out


def _check_margins(policy, case):
    checked = 0
    ev = Evaluator(policy, case)
    for c in _input_compares(policy):
        path = sides(c).subject.path
        now = bool(ev.eval(c))
        m = compare_margin(policy, case, c, ev.eval, None, not now).margin
        if m.raw_needed is None or m.raw_needed < 0:
            continue
        moved = dataclasses.replace(
            case, scalars={**case.scalars, path: m.raw_needed}, known={**case.known, path: True}
        )
        assert bool(Evaluator(policy, moved).eval(c)) is not now, (path, m)  # adding the gap flips it
        assert m.raw_needed - m.raw_value == m.raw_gap
        one_less = m.raw_needed - (1 if m.raw_gap > 0 else -1)
        if one_less >= 0 and one_less != m.raw_value:  # and it is the smallest change that does
            less = dataclasses.replace(case, scalars={**case.scalars, path: one_less})
            assert bool(Evaluator(policy, less).eval(c)) is now, (path, m)
        checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(p.stem for p in CASES.glob("*.json")))
def test_margins_flip_their_comparison_on_worked_cases(policy, name):
    case = load_case(policy, read_case_file(CASES / f"{name}.json"))
    assert _check_margins(policy, case) > 0


@settings(max_examples=40)
@given(data=st.data())
def test_margins_flip_their_comparison_on_generated_cases(policy, seed_cases, data):
    case = load_case(policy, data.draw(cases(policy, seeds=seed_cases)))
    _check_margins(policy, case)
