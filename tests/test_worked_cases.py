"""Worked cases: every tests/cases/*.json decided by both the clingo and the Python engine.

Each case file is a normal case plus two reserved keys: `about` (what it tests) and `expect`:

    {"outcome": "eligible|concerns|not_eligible",
     "points": {"income": N, "work_experience": N},
     "effects": {"rule.id": "met|not_met|raised|clear|stopped|passed|awarded", ...},
     "not_assessed": [rule ids],        # optional; left out means "none"
     "not_applicable": [rule ids],      # optional; checked only when given
     "deferred": [rule ids],            # optional; the decision's deferrals, checked only when given
     "version": "name"}                 # optional; the instruction version the decision names

The expectations were worked out by hand from the policy files, not copied from the tool.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from visarules.dsl import load_policy
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import decide

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))
ENGINES = ("clingo", "python")
MIN_CASES = 25
EFFECTS = {"met", "not_met", "raised", "clear", "stopped", "passed", "awarded", "deferred", "included"}
OUTCOMES = {"eligible", "concerns", "not_eligible"}


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_enough_worked_cases():
    """The glob must never be silently empty (or nearly so)."""
    assert len(CASE_FILES) >= MIN_CASES, (
        f"only {len(CASE_FILES)} worked cases in {CASES_DIR}; expected at least {MIN_CASES}"
    )


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case_file_is_well_formed(path: Path, policy):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data.get("about"), str) and data["about"].strip(), "every worked case says what it tests"
    exp = data.get("expect")
    assert isinstance(exp, dict), "every worked case has an `expect`"
    assert exp.get("outcome") in OUTCOMES
    assert set(exp.get("points", {})) == {c.name for c in policy.categories}
    rule_ids = {r.id for r in policy.rules}
    assert exp.get("effects"), "`effects` lists at least the rules the case is about"
    for rule_id, effect in exp["effects"].items():
        assert rule_id in rule_ids, f"unknown rule {rule_id}"
        assert effect in EFFECTS, f"{rule_id}: unknown effect {effect}"
    if "version" in exp:
        assert exp["version"] in {v.name for v in policy.versions}, f"unknown version {exp['version']}"
    for key in ("not_assessed", "not_applicable", "deferred"):
        for rule_id in exp.get(key, []):
            assert rule_id in rule_ids, f"{key}: unknown rule {rule_id}"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_worked_case(path: Path, engine: str, policy):
    data = read_case_file(path)
    exp = data["expect"]
    case = load_case(policy, data, str(path))
    decision = decide(policy, case, engine=engine)

    effects = {r.rule: r.effect for r in decision.reasons}
    summary = (
        f"{path.name} [{engine}]: outcome={decision.outcome} points={decision.points} effects={effects} "
        f"not_assessed={[rid for rid, _ in decision.not_assessed]} "
        f"not_applicable={[rid for rid, _ in decision.not_applicable]}"
    )

    assert decision.outcome == exp["outcome"], summary
    assert decision.points == exp["points"], summary
    for rule_id, effect in exp["effects"].items():
        assert effects.get(rule_id) == effect, f"{rule_id}: expected {effect}, got {effects.get(rule_id)}; {summary}"
    assert sorted(rid for rid, _ in decision.not_assessed) == sorted(exp.get("not_assessed", [])), summary
    if "not_applicable" in exp:
        assert sorted(rid for rid, _ in decision.not_applicable) == sorted(exp["not_applicable"]), summary
    if "deferred" in exp:
        assert sorted(r.rule for r in decision.deferred) == sorted(exp["deferred"]), summary
    # the version named is the latest one declared for the case's own category begun by lodgement
    category = case.scalars["category"]
    in_force = policy.version_at(dt.date.fromisoformat(data["lodgement_date"]), category)
    assert in_force is not None and category in in_force.categories, f"no version of the case's own category; {summary}"
    assert decision.version == in_force.name, f"{decision.version} != {in_force.name}; {summary}"
    if "version" in exp:
        assert decision.version == exp["version"], summary
    # a rule is reported once: as a reason, not assessed or not applicable
    reported = (
        [r.rule for r in decision.reasons]
        + [rid for rid, _ in decision.not_assessed]
        + [rid for rid, _ in decision.not_applicable]
    )
    assert len(reported) == len(set(reported)), summary

    for reason in decision.reasons:
        assert reason.cites and all(str(c).strip() for c in reason.cites), f"{reason.rule} has no citation"
        assert reason.version, f"{reason.rule} names no instruction version"
        assert reason.version == decision.version, f"{reason.rule}: version {reason.version} != {decision.version}"
