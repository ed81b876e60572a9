"""Case files a person can write (issue 9, section 2): a key that is not an input gets the input
it most likely meant, blocks a category does not use may be left out, and a category's own
required inputs are named when missing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from visarules.dsl import CaseError, closest
from visarules.solver.case import load_case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = json.loads((ROOT / "examples" / "smc-eligible.json").read_text())


def problems(policy, data) -> list[str]:
    with pytest.raises(CaseError) as e:
        load_case(policy, data, "case.json")
    return e.value.problems


@pytest.mark.parametrize(
    ("word", "choices", "meant"),
    [
        ("hours", ["hours_per_week", "pay_per_hour"], "hours_per_week"),  # the one choice it begins
        ("lodgment_date", ["lodgement_date", "invitation_date"], "lodgement_date"),  # a misspelling
        ("salary", ["hours_per_week", "pay_per_hour"], None),  # nothing close
        ("pay", ["pay_per_hour", "pay_per_week"], None),  # two choices begin with it: no guess
    ],
)
def test_the_one_did_you_mean(word, choices, meant):
    assert closest(word, choices) == meant


def test_an_unknown_case_key_gets_the_input_it_most_likely_meant(policy):
    data = copy.deepcopy(EXAMPLE)
    data["employment"]["hours"] = data["employment"].pop("hours_per_week")
    data["lodgment_date"] = data.pop("lodgement_date")
    found = problems(policy, data)
    assert "employment.hours: not an input of this policy (did you mean employment.hours_per_week?)" in found
    assert "lodgment_date: not an input of this policy (did you mean lodgement_date?)" in found
