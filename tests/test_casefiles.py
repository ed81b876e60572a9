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
    effects = sorted((r["rule"], r["effect"], r.get("points")) for r in d["reasons"])
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
        "employment.sector: missing; a case of category wtr must give it, "
        "one of tier2, care, transport, twice_median, other"
    ]
    smc = copy.deepcopy(EXAMPLE)
    del smc["claims_income_points"]
    assert problems(policy, smc) == [
        "claims_income_points: missing; a case of category smc must give it, true or false"
    ]


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


# ---------------------------------------------------------------- English scores as the test reports them


def _english(policy, score, test="ielts"):
    from visarules.solver.decision import decide

    data = copy.deepcopy(EXAMPLE)
    data["english"] |= {"test": test, "score": score}
    return decide(policy, load_case(policy, data), engine="python").to_json()


@pytest.mark.parametrize(("score", "effect"), [(6.5, "clear"), (7, "clear"), (6, "raised"), (6.4, "raised")])
def test_an_ielts_band_is_written_as_the_test_reports_it(policy, score, effect):
    d = _english(policy, score)
    (reason,) = [r for r in d["reasons"] if r["rule"] == "smc.english.principal"]
    assert reason["effect"] == effect


def test_a_reason_shows_the_band_as_written(policy):
    d = _english(policy, 6)
    (concern,) = [c for c in d["concerns"] if c["rule"] == "smc.english.principal"]
    assert "score 6;" in concern["text"]
    d = _english(policy, 5.5)
    (concern,) = [c for c in d["concerns"] if c["rule"] == "smc.english.principal"]
    assert "score 5.5;" in concern["text"]


@pytest.mark.parametrize(
    ("score", "problem"),
    [
        (6.55, "english.score: expected a number from 0 to 230 with at most one decimal place (such as 6.5) or null"),
        (65, "english.score, english.test: an English score is on the scale of the test taken"),
    ],
)
def test_a_score_off_its_scale_or_too_fine_is_refused(policy, score, problem):
    data = copy.deepcopy(EXAMPLE)
    data["english"]["score"] = score
    assert any(p.startswith(problem) for p in problems(policy, data)), problems(policy, data)


def test_the_schema_gives_the_score_in_its_unit(policy):
    from visarules.solver.case import case_schema

    score = case_schema(policy)["properties"]["english"]["properties"]["score"]
    number = score["anyOf"][0]
    assert number["type"] == "number" and number["multipleOf"] == 0.1
    assert (number["minimum"], number["maximum"]) == (0, 230)
    assert "IELTS band (6.5)" in score["description"]


def test_a_band_is_written_back_as_written(policy):
    from visarules.solver.case import case_to_json

    data = copy.deepcopy(EXAMPLE)
    data["english"]["score"] = 6.5
    assert case_to_json(policy, load_case(policy, data))["english"]["score"] == 6.5


def test_what_if_proposes_a_band(policy):
    from visarules.solver.analyses.whatif import what_if

    data = json.loads((ROOT / "tests" / "cases" / "wtr-english-ielts-6.0-concern.json").read_text())
    data = {k: v for k, v in data.items() if k not in ("about", "expect")}
    w = what_if(policy, load_case(policy, data), max_alternatives=3)
    proposed = [c for a in w.alternatives for c in a.changes if c.input == "english.score"]
    assert proposed and all(c.new == "6.5" for c in proposed), [(c.input, c.new) for c in proposed]
    assert all(a.case["english"].get("score") in (None, 6.5) for a in w.alternatives)


def test_decimal_literals_and_table_cells():
    from visarules.dsl.units import format_decimal

    assert [format_decimal(v) for v in (65, 70, 0, 5, 2300)] == ["6.5", "7", "0", "0.5", "230"]


# ---------------------------------------------------------------- the minimal examples


@pytest.mark.parametrize("name", ["wtr-minimal.json", "smc-minimal.json"])
def test_a_minimal_example_is_short_eligible_and_in_the_readme(policy, name):
    from visarules.solver.decision import decide

    path = ROOT / "examples" / name
    assert len(path.read_text().splitlines()) < 40
    assert f"visa-rules decide examples/{name}" in (ROOT / "README.md").read_text()
    data = json.loads(path.read_text())
    assert not {"qualification", "registration", "partners", "children"} & set(data)
    assert decide(policy, load_case(policy, data, str(path)), engine="python").outcome == "eligible"
