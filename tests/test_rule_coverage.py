"""Rule coverage: which results, points branches, comparisons (true, false, at the boundary), dated
values and table rows a set of cases reaches, each uncovered item named with file:line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from visarules.dsl import load_policy
from visarules.solver.analyses.rule_coverage import CoverageRecorder
from visarules.solver.case import load_case
from visarules.solver.decision import decide

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "tests" / "dsl" / "good" / "features.rules"


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    folder = tmp_path_factory.mktemp("features") / "policy"
    others = shutil.ignore_patterns(*(p.name for p in FEATURES.parent.glob("*.rules") if p != FEATURES))
    shutil.copytree(FEATURES.parent, folder, ignore=others)  # with the data files it reads (CSV tables)
    return load_policy(folder)


def _case(lodged="2024-06-01", born="1990-01-01", jobs=(), category="smc", flag=False, **extra) -> dict:
    data = {"category": category, "lodgement_date": lodged, "person": {"name": "A", "born": born, "level": "low"},
            "jobs": list(jobs), "flag": flag}  # fmt: skip
    data.update(extra)
    return data


JOB = {"start": "2023-06-01", "hours": 40, "pay": "40.00", "code": 100}


def _record(policy, *cases):
    recorder = CoverageRecorder(policy)
    for data in cases:
        case = load_case(policy, data)
        recorder.record(case, decide(policy, case, engine="python"))
    return recorder.report()


def _item(report, kind, name):
    (item,) = [i for i in report.items if i.kind == kind and i.name == name]
    return item


def test_every_goal_is_listed_before_any_case(features):
    report = _record(features)
    assert report.covered == 0 and report.cases == 0
    kinds = {i.kind for i in report.items}
    assert kinds == {"result", "branch", "comparison", "dated_value", "table_row"}
    assert _item(report, "result", "f.stop").goals == ("stopped", "passed")
    assert _item(report, "result", "f.concern").goals == ("raised", "clear")
    rate = [i for i in report.items if i.kind == "dated_value" and i.name.startswith("rate ")]
    assert [i.name for i in rate] == ["rate from 2023-01-01", "rate from 2024-01-01"]
    rows = {i.name: i for i in report.items if i.kind == "table_row"}
    assert set(rows) == {"codes[100]", "codes[200]", "levels[100]", "levels[200]", "levels[300]"}
    # a row read from a CSV file is placed at its table's declaration
    declared = FEATURES.read_text().splitlines().index(next(x for x in FEATURES.read_text().splitlines()
                                                            if x.startswith("table levels"))) + 1  # fmt: skip
    assert rows["levels[300]"].span.line == declared and rows["levels[300]"].span.file.endswith("features.rules")
    base = [i.name for i in report.items if i.kind == "branch" and i.name.startswith("f.base")]
    assert base == ["f.base #1 (when n_good > 1 → 3)", "f.base #2 (when n_good == 1 → 1)", "f.base #3 (otherwise → 0)"]


def test_results_branches_comparisons_values_and_rows_reached(features):
    report = _record(features, _case(jobs=[JOB]))
    assert _item(report, "result", "f.stop").reached == {"passed"}
    assert _item(report, "branch", "f.base #2 (when n_good == 1 → 1)").reached == {"taken"}
    assert not _item(report, "branch", "f.base #1 (when n_good > 1 → 3)").reached
    assert _item(report, "dated_value", "rate from 2023-01-01").reached == {"used"}  # the job began in 2023
    assert _item(report, "dated_value", "rate from 2024-01-01").reached == {"used"}  # lodged in 2024
    assert _item(report, "table_row", "codes[100]").reached == {"looked up"}
    assert not _item(report, "table_row", "codes[200]").reached
    hours = _item(report, "comparison", "j.hours >= 28 + factor at j.start")
    assert hours.goals == ("true", "false", "boundary") and hours.reached == {"true"}
    # 30 hours is exactly 28 + 2: the comparison is seen at its boundary
    report = _record(features, _case(jobs=[JOB]), _case(jobs=[{**JOB, "hours": 30}, {**JOB, "hours": 20}]))
    assert _item(report, "comparison", "j.hours >= 28 + factor at j.start").reached == {"true", "false", "boundary"}


def test_a_stopped_case_reads_nothing_after_the_stop(features):
    report = _record(features, _case(born="1980-01-01", flag=True))  # 44 with the flag: stopped at stage 1
    assert _item(report, "result", "f.stop").reached == {"stopped"}
    assert not _item(report, "result", "f.total").reached
    assert not _item(report, "comparison", "points(base) + points(extra) >= 2").reached


def test_the_report_names_uncovered_items_with_file_and_line(features):
    report = _record(features, _case(jobs=[JOB]))
    text = report.text()
    line = FEATURES.read_text().splitlines().index('rule f.stop "Stops when the flag is set" {') + 1
    assert f"features.rules:{line}:1: rule f.stop: never stopped" in text
    assert "comparison `j.hours >= 28 + factor at j.start`: never false or at its boundary (both sides equal)" in text
    assert "table row codes[200]: never looked up" in text
    head = f"Rule coverage: {report.percent:.1f}% ({report.covered} of {report.total} goals, 1 decisions)"
    assert text.startswith(head)
    data = report.to_json()
    assert data["schema"] == "visa-rules/rule-coverage/1" and data["covered"] == report.covered
    stop = next(i for i in data["items"] if i["kind"] == "result" and i["name"] == "f.stop")
    assert stop["goals"] == {"stopped": False, "passed": True} and stop["line"] == line


def test_coverage_of_the_shipped_policy_by_the_worked_cases_on_the_command_line(tmp_path):
    """What CI prints; --fail-under fails above what is reached, passes at or below it."""
    cases = sorted((ROOT / "tests" / "cases").glob("*.json"))[:12]
    out = tmp_path / "coverage.json"
    r = subprocess.run([sys.executable, "-m", "visarules", "test", *cases, "--coverage-json", out],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Rule coverage:" in r.stdout and "Not covered:" in r.stdout
    percent = json.loads(out.read_text())["percent"]
    assert 0 < percent < 100
    r = subprocess.run([sys.executable, "-m", "visarules", "test", *cases, "--fail-under", str(min(percent + 1, 100))],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 1 and "is under --fail-under" in r.stderr
    r = subprocess.run([sys.executable, "-m", "visarules", "test", *cases, "--fail-under", str(int(percent))],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0
