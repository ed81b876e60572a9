"""Worked cases: every tests/cases/*.json runs through the visa-rules pytest plugin.

The plugin (visarules/pytest_plugin.py) collects each file as a case test and decides it with the
engines set in pyproject.toml (clingo and the Python evaluator); `visarules_complete` makes every
worked case state its whole decision:

    {"outcome": "eligible|concerns|not_eligible",
     "points": {"income": N, "work_experience": N, ...},  # every category
     "effects": {"rule.id": "met|not_met|raised|clear|stopped|passed|awarded", ...},
     "not_assessed": [rule ids],        # optional; left out means "none"
     "not_applicable": [rule ids]}      # optional; checked only when given

The expectations were worked out by hand from the policy files, not copied from the tool. This
module checks that the plugin really runs them all, so that none can silently drop out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from visarules.pytest_plugin import is_case_test_file
from visarules.solver.analyses.case_tests import CaseTestError, load_case_tests, run_case_test

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))
MIN_CASES = 25


def test_enough_worked_cases():
    """The glob must never be silently empty (or nearly so)."""
    assert len(CASE_FILES) >= MIN_CASES, f"only {len(CASE_FILES)} worked cases in {CASES_DIR}"


def test_the_plugin_runs_every_worked_case_with_both_engines(pytestconfig):
    assert pytestconfig.pluginmanager.hasplugin("visarules"), "the visa-rules pytest plugin is not installed"
    assert pytestconfig.getini("visarules_complete") is True
    assert set(pytestconfig.getini("visarules_engines")) == {"clingo", "python"}
    not_collected = [p.name for p in CASE_FILES if not is_case_test_file(pytestconfig, p)]
    assert not not_collected, f"the plugin does not collect {not_collected}"


def test_a_worked_case_fails_when_its_expectation_is_wrong(policy, tmp_path):
    """The comparison the plugin runs can fail: flip one expected effect of a real worked case."""
    original = CASES_DIR / "smc-age-56-on-birthday.json"
    text = original.read_text(encoding="utf-8").replace('"smc.age": "stopped"', '"smc.age": "passed"')
    assert '"smc.age": "passed"' in text
    flipped = tmp_path / original.name
    flipped.write_text(text, encoding="utf-8")
    (test,) = load_case_tests(flipped, policy, complete=True)
    result = run_case_test(policy, test, "clingo")
    assert result.status == "failed"
    assert any(m.what == "smc.age" and (m.expected, m.actual) == ("passed", "stopped") for m in result.mismatches)


def test_a_worked_case_without_points_of_every_category_is_incomplete(policy, tmp_path):
    data = json.loads((CASES_DIR / "smc-eligible-baseline.json").read_text(encoding="utf-8"))
    data["expect"]["points"].pop("income")
    path = tmp_path / "incomplete.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CaseTestError, match="points of every category"):
        load_case_tests(path, policy, complete=True)
