"""visarules.testing: the public Hypothesis strategies give valid cases, near the policy's thresholds."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings

from visarules import decide, load_case, load_policy
from visarules.solver.analyses.thresholds import thresholds
from visarules.testing import cases

POLICY = load_policy()
LIMITS = thresholds(POLICY)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(POLICY))
def test_every_generated_case_is_a_valid_case_file(data):
    case = load_case(POLICY, data, "generated")  # raises CaseError on anything the schema refuses
    assert decide(POLICY, case, engine="python").outcome in ("eligible", "concerns", "not_eligible")


def test_the_example_in_the_docstring_runs():
    """The documented example, as a user would write it: age 56 or over at lodgement is not eligible."""

    def age_at_lodgement(data: dict) -> int:
        born = dt.date.fromisoformat(data["applicant"]["date_of_birth"])
        lodged = dt.date.fromisoformat(data["lodgement_date"])
        return lodged.year - born.year - ((lodged.month, lodged.day) < (born.month, born.day))

    seen = []

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(cases(POLICY))
    def test_no_one_aged_56_or_over_is_eligible(data):
        decision = decide(POLICY, load_case(POLICY, data), engine="python")
        seen.append(decision.category)
        if decision.category == "smc" and age_at_lodgement(data) >= 56:
            assert decision.outcome == "not_eligible"

    test_no_one_aged_56_or_over_is_eligible()
    assert len(seen) == 40


def test_boundary_values_are_reached():
    """Over a fixed number of draws, the generator hits 30 hours exactly and a money threshold exactly."""
    found = {"hours_30": False, "money_at_threshold": False}
    money_thresholds = {f"{c // 100}.{c % 100:02d}" for c in LIMITS.money}

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)  # the same draws every run
    @given(cases(POLICY))
    def look(case):
        employment = case["employment"]
        found["hours_30"] |= employment.get("hours_per_week") == 30
        found["money_at_threshold"] |= employment.get("pay_per_hour") in money_thresholds

    look()
    assert found == {"hours_30": True, "money_at_threshold": True}
