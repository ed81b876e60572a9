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


# ---------------------------------------------------------------- optional blocks, per-category inputs

CASES = sorted((ROOT / "tests" / "cases").glob("*.json")) + sorted((ROOT / "examples").glob("*.json"))
WTR = next(json.loads(f.read_text()) for f in CASES if json.loads(f.read_text())["category"] == "wtr")
# what the worked cases gave before the blocks could be left out (issue 9): a placeholder
PLACEHOLDERS = {
    "qualification": {"type": "other", "evidence": "none"},
    "registration": {"status": "full", "evidence_provided": False},
    "claims_income_points": False,
    "claims_qualification_points": False,
    "claims_registration_points": False,
    "partners": [],
    "children": [],
    "work": [],
}


def summary(policy, data) -> tuple:
    """What a decision decides (not its texts): outcome, points, each rule's effect."""
    from visarules.solver.decision import decide

    d = decide(policy, load_case(policy, data), engine="python").to_json()
    effects = sorted((r["rule"], r["effect"], r.get("points")) for r in d["reasons"] + d["concerns"])
    return d["outcome"], d["points"], effects, sorted(r["rule"] for r in d["not_applicable"])


@pytest.mark.parametrize("path", CASES, ids=[f.stem for f in CASES])
def test_a_block_left_out_decides_as_the_placeholder_it_replaced(policy, path):
    data = {k: v for k, v in json.loads(path.read_text()).items() if k not in ("about", "expect")}
    absent = {k: v for k, v in PLACEHOLDERS.items() if k not in data}
    if not absent:
        pytest.skip("leaves nothing out")
    assert summary(policy, data) == summary(policy, {**data, **copy.deepcopy(absent)})


def test_a_wtr_case_needs_no_smc_block(policy):
    assert not {"qualification", "registration", "claims_income_points"} & set(WTR)
    lean = {k: v for k, v in WTR.items() if k not in ("partners", "children", "about", "expect")}
    load_case(policy, lean)


def test_a_category_names_what_its_cases_must_give(policy):
    data = copy.deepcopy(WTR)
    del data["employment"]["sector"]
    assert problems(policy, data) == [
        "employment.sector: missing; a case of category wtr must give it (WTR: the sector of the role)"
    ]
    smc = copy.deepcopy(EXAMPLE)
    del smc["claims_income_points"]
    assert problems(policy, smc)[0].startswith("claims_income_points: missing; a case of category smc must give it")


def test_a_block_given_holds_its_required_fields(policy):
    data = copy.deepcopy(EXAMPLE)
    data["registration"] = {"name": "Registered Nurse"}
    assert problems(policy, data) == [
        f"registration.{f}: missing; the registration block, when given, must hold it (or leave the block out)"
        for f in ("status", "evidence_provided")
    ]


def test_the_schema_says_what_each_category_needs(policy):
    from visarules.solver.case import case_schema

    s = case_schema(policy)
    assert "qualification" not in s["required"] and "registration" not in s["required"]
    assert s["properties"]["qualification"]["required"] == ["type", "evidence"]
    then = {c["if"]["properties"]["category"]["const"]: c["then"] for c in s["allOf"]}
    assert then["wtr"] == {"properties": {"employment": {"required": ["sector"]}}}
    assert then["smc"]["required"] == [
        "claims_income_points",
        "claims_qualification_points",
        "claims_registration_points",
    ]


def test_points_claimed_without_the_block_give_none_and_a_concern(policy):
    from visarules.solver.decision import decide

    data = copy.deepcopy(EXAMPLE)
    data["claims_qualification_points"] = True
    data.pop("qualification", None)
    d = decide(policy, load_case(policy, data), engine="python").to_json()
    assert d["points"]["by_category"]["qualification"] == 0
    assert any(c["rule"] == "smc.qualification.recognised" for c in d["concerns"])


def test_a_case_written_back_leaves_out_the_blocks_it_left_out(policy):
    from visarules.solver.case import case_to_json

    lean = {k: v for k, v in WTR.items() if k not in ("about", "expect")}
    back = case_to_json(policy, load_case(policy, lean))
    assert "qualification" not in back and "registration" not in back
    assert summary(policy, back) == summary(policy, lean)
