"""Case tests kept as data: reading JSON and YAML, every kind of expectation passing and failing,
clear errors for case tests that cannot run, JUnit and JSON reports, and `visa-rules test`."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from visarules.solver.analyses.case_tests import (
    CaseTestError,
    compare,
    junit_xml,
    load_case_tests,
    results_json,
    run_case_test,
    run_case_tests,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = json.loads((ROOT / "examples" / "smc-eligible.json").read_text(encoding="utf-8"))
VERSION = "SMC median wage update (2024-02-28)"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "visarules", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def case(expect: dict, **changes) -> dict:
    """The example case (a software engineer lodged 2024-05-01, born 1988-07-14) with changes."""
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, key = path.split("__")
        target = data
        for p in parents:
            target = target[p]
        target[key] = value
    data["expect"] = expect
    return data


def write_yaml(path: Path, content) -> Path:
    path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


AGED_56 = {"applicant__date_of_birth": "1968-05-01"}  # 56 on the lodgement day


def test_every_expectation_kind_passes_when_it_holds(policy, tmp_path):
    expect = {
        "outcome": "eligible",
        "category": "smc",
        "version": VERSION,
        "points": {"income": 4, "work_experience": 3},
        "effects": {"smc.age": "passed", "smc.detailed.genuine": "not_applicable"},
        "passed": ["smc.false_eoi"],
        "met": ["smc.six_points"],
        "clear": ["general.family_included"],
        "awarded": ["smc.points.income"],
        "not_assessed": [],
        "reasons": {"smc.age": "aged 35 ON 2024-05-01", "smc.false_eoi": ["no false", "misleading"]},
    }
    path = write_yaml(tmp_path / "one.yaml", case(expect))
    (test,) = load_case_tests(path, policy)
    assert test.name == "one" and test.line == 1
    result = run_case_test(policy, test, "clingo")
    assert result.status == "passed", result.report()
    total = write_yaml(tmp_path / "total.yaml", case({"points": 7, "version": "2024-02-28"}))
    (test,) = load_case_tests(total, policy)
    assert run_case_test(policy, test, "python").status == "passed"


def test_each_expectation_that_does_not_hold_is_a_mismatch(policy, tmp_path):
    expect = {
        "outcome": "eligible",
        "category": "wtr",
        "version": "SMC 6-point system (2023-10-09)",
        "points": 6,
        "effects": {"smc.age": "passed", "smc.six_points": "met", "wtr.age": "passed"},
        "not_assessed": ["smc.points.income"],
        "reasons": {"smc.age": "under the limit", "smc.points.income": "points"},
    }
    path = write_yaml(tmp_path / "aged.yaml", case(expect, **AGED_56))
    (test,) = load_case_tests(path, policy)
    result = run_case_test(policy, test, "clingo")
    assert result.status == "failed"
    got = {m.what: (m.expected, m.actual) for m in result.mismatches}
    assert got["outcome"] == ("eligible", "not_eligible")
    assert got["category"] == ("wtr", "smc")
    assert got["version"][0] == "'SMC 6-point system (2023-10-09)'" and VERSION in got["version"][1]
    assert got["points"] == ("6", "0")
    assert got["smc.age"] == ("passed", "stopped")
    assert got["smc.six_points"] == ("met", "not_assessed")
    assert got["wtr.age"] == ("passed", "not_in_force")
    assert got["not_assessed"][0] == "smc.points.income" and got["not_assessed"][1].startswith("also ")
    assert "Aged 56 on 2024-05-01" in got["reasons.smc.age"][1]
    assert got["reasons.smc.points.income"][1] == "no reason (not_assessed)"
    report = result.report()
    assert "outcome" in report and "expected eligible, got not_eligible" in report
    # the reason lines behind the mismatches: the stop that decided the outcome, with its clause
    assert any(line.startswith("smc.age: stopped: Aged 56") and "SR3.10(b)(i)" in line for line in result.reason_lines)


def test_a_list_file_gives_one_test_per_case_with_its_line(policy, tmp_path):
    path = write_yaml(
        tmp_path / "ages.yaml",
        [
            {**case({"effects": {"smc.age": "passed"}}), "about": "35: passes the age limit"},
            {**case({"stopped": ["smc.age"]}, **AGED_56), "about": "56 on the day: stopped"},
        ],
    )
    tests = load_case_tests(path, policy)
    assert [t.name for t in tests] == ["1-35-passes-the-age-limit", "2-56-on-the-day-stopped"]
    text = path.read_text()
    assert tests[1].line == text.splitlines().index(next(x for x in text.splitlines() if "56 on the day" in x)) + 1
    assert [run_case_test(policy, t, "clingo").status for t in tests] == ["passed", "passed"]
    first, second = json.dumps(case({"outcome": "eligible"})), json.dumps(case({"outcome": "not_eligible"}, **AGED_56))
    json_path = tmp_path / "ages.json"
    json_path.write_text(f"[\n  {first},\n\n  {second}\n]\n")
    tests = load_case_tests(json_path, policy)
    assert [t.line for t in tests] == [2, 4]
    assert [run_case_test(policy, t, "python").status for t in tests] == ["passed", "passed"]


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        (
            {"effects": {"smc.agee": "passed"}},
            'expect.effects.smc.agee: "smc.agee" is not a rule of the policy; did you mean smc.age?',
        ),  # noqa: E501
        (
            {"effects": {"smc.age": "met"}},
            'expect.effects.smc.age: "met" is not a result of smc.age (a stop rule: stopped, passed',
        ),  # noqa: E501
        ({"outcom": "eligible"}, "expect.outcom: not a known expectation; did you mean outcome?"),
        ({"outcome": "approved"}, 'expect.outcome: expected one of eligible, concerns, not_eligible, found "approved"'),
        ({"points": {"incme": 3}}, "expect.points.incme: not a points category; did you mean income?"),
        ({"version": "2024"}, 'expect.version: "2024" is not an instruction version of the policy'),
        ({"met": ["smc.six_points"], "not_met": ["smc.six_points"]}, "smc.six_points is also expected to be met"),
        ({"reasons": {"smc.age": 3}}, "expect.reasons.smc.age: expected a phrase or a list of phrases"),
    ],
)
def test_a_bad_expectation_is_an_error_naming_the_file_line_and_key(policy, tmp_path, expect, message):
    path = write_yaml(tmp_path / "bad.yaml", [case({"outcome": "eligible"}), case(expect)])
    with pytest.raises(CaseTestError) as e:
        load_case_tests(path, policy)
    rendered = e.value.render()
    assert f"{path}:" in rendered and message in rendered, rendered


def test_files_that_cannot_be_read_say_where(policy, tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text("category: smc\ncategory: wtr\nexpect: {outcome: eligible}\n")
    with pytest.raises(
        CaseTestError,
        match=r"dup.yaml:2:1: the case test is not valid:\n  - not valid YAML: the key 'category' is given twice",
    ):  # noqa: E501
        load_case_tests(dup, policy)
    bad = tmp_path / "bad.json"
    bad.write_text('{"expect": {"outcome": "eligible"},\n "x": }')
    with pytest.raises(CaseTestError, match=r"(?s)bad.json:2:7: .*not valid JSON"):
        load_case_tests(bad, policy)
    missing = tmp_path / "no_expect.yaml"
    write_yaml(missing, {k: v for k, v in EXAMPLE.items()})
    with pytest.raises(CaseTestError, match="every case test has an `expect` object"):
        load_case_tests(missing, policy)


def test_a_case_that_does_not_fit_the_policy_is_an_error_not_a_failure(policy, tmp_path):
    path = write_yaml(tmp_path / "unfit.yaml", case({"outcome": "eligible"}, employment__hours_per_week="forty"))
    (test,) = load_case_tests(path, policy)
    result = run_case_test(policy, test, "clingo")
    assert result.status == "error" and "employment.hours_per_week" in result.error


def test_yaml_dates_and_decimals_read_as_a_case_file_does(policy, tmp_path):
    text = yaml.safe_dump(case({"outcome": "eligible"}), sort_keys=False).replace("'2024-05-01'", "2024-05-01")
    text = text.replace("pay_per_hour: '65.00'", "pay_per_hour: 65.00")
    assert "lodgement_date: 2024-05-01" in text and "pay_per_hour: 65.00" in text
    path = tmp_path / "unquoted.yaml"
    path.write_text(text)
    (test,) = load_case_tests(path, policy)
    assert test.data["lodgement_date"] == "2024-05-01"
    assert run_case_test(policy, test, "clingo").status == "passed"


def test_junit_and_json_reports(policy, tmp_path):
    path = write_yaml(tmp_path / "two.yaml", [case({"outcome": "eligible"}), case({"outcome": "eligible"}, **AGED_56)])
    results = [run_case_test(policy, t, "clingo") for t in load_case_tests(path, policy)]
    root = ET.fromstring(junit_xml(results))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    failure = root.find("./testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == "outcome: expected eligible, got not_eligible"
    cases = root.findall("./testsuite/testcase")
    assert cases[1].get("file") == str(path) and cases[1].get("name").endswith("[clingo]")
    data = results_json(results)
    assert data["summary"] == {"tests": 2, "passed": 1, "failed": 1, "error": 0}
    assert data["tests"][1]["mismatches"][0] == {"what": "outcome", "expected": "eligible", "actual": "not_eligible"}


def test_compare_is_silent_on_what_is_not_expected(policy, tmp_path):
    path = write_yaml(tmp_path / "empty.yaml", case({}, **AGED_56))
    (test,) = load_case_tests(path, policy)
    result = run_case_test(policy, test, "clingo")
    assert result.status == "passed" and compare(test.expect, result.decision) == []


def test_the_command_exit_codes_and_formats(tmp_path):
    (tmp_path / "cases").mkdir()
    good = write_yaml(tmp_path / "cases" / "good.yaml", case({"outcome": "eligible"}))
    r = run("test", cwd=tmp_path)  # ./cases by default
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed, 0 failed, 0 errors" in r.stdout
    failing = write_yaml(tmp_path / "cases" / "failing.yaml", case({"outcome": "eligible"}, **AGED_56))
    r = run("test", tmp_path / "cases", "--engine", "clingo", "--engine", "python")
    assert r.returncode == 1
    assert "2 passed, 2 failed, 0 errors" in r.stdout and "expected eligible, got not_eligible" in r.stdout
    r = run("test", good, failing, "--format", "junit")
    assert r.returncode == 1 and ET.fromstring(r.stdout).get("failures") == "1"
    r = run("test", good, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["summary"]["passed"] == 1
    (tmp_path / "cases" / "broken.yaml").write_text("expect: [\n")
    r = run("test", tmp_path / "cases")
    assert r.returncode == 2 and "broken.yaml:2:1" in r.stdout and "Traceback" not in r.stderr
    assert "2 passed" not in r.stdout and "1 passed, 1 failed, 1 errors" in r.stdout  # the others still ran
    r = run("test", tmp_path / "nowhere")
    assert r.returncode == 2 and "no such file or folder" in r.stderr


def test_case_tests_decided_together_report_as_each_alone(policy, tmp_path):
    """`visa-rules test` and the plugin decide a list of case tests at once: each result (passed,
    failed with its mismatches, or an error for a case that does not load) is the one it gets alone."""
    entries = [
        case({"outcome": "eligible", "points": 7}),
        case({"outcome": "eligible"}, **AGED_56),  # fails: 56 on the lodgement day
        case({"outcome": "eligible"}, employment__hours_per_week="forty"),  # does not load
        case({"outcome": "not_eligible"}, **AGED_56),
    ]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    tests = load_case_tests(path, policy)
    for engine in ("clingo", "python"):
        together = run_case_tests(policy, tests, engine)
        alone = [run_case_test(policy, t, engine) for t in tests]
        assert [r.status for r in together] == ["passed", "failed", "error", "passed"]
        assert [(r.status, r.mismatches, r.error, r.report()) for r in together] == [
            (r.status, r.mismatches, r.error, r.report()) for r in alone
        ]
