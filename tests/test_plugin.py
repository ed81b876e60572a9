"""A policy team's own repository: a copy of the policy, three YAML case files and a Python test,
run by `visa-rules test` and by plain `pytest` through the installed plugin (pytest11)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = json.loads((ROOT / "examples" / "smc-eligible.json").read_text(encoding="utf-8"))


def _case(about: str, expect: dict, born: str | None = None, pay: str | None = None) -> dict:
    data = copy.deepcopy(EXAMPLE)
    data["about"] = about
    if born:
        data["applicant"]["date_of_birth"] = born
    if pay:
        data["employment"]["pay_per_hour"] = pay
    data["expect"] = expect
    return data


@pytest.fixture(scope="module")
def team_repo(tmp_path_factory) -> Path:
    """The team's policy raises the age limit to 57, so their cases pass only against their copy."""
    repo = tmp_path_factory.mktemp("team")
    shutil.copytree(ROOT / "policy", repo / "policy")
    overall = repo / "policy" / "smc" / "overall.rules"
    text = overall.read_text(encoding="utf-8")
    assert "stop when age_at_lodgement >= 56" in text
    overall.write_text(text.replace("stop when age_at_lodgement >= 56", "stop when age_at_lodgement >= 57"))
    cases = repo / "cases"
    cases.mkdir()
    dump = lambda data: yaml.safe_dump(data, sort_keys=False, allow_unicode=True)  # noqa: E731
    (cases / "eligible.yaml").write_text(dump(_case("the example case", {"outcome": "eligible", "points": 7})))
    (cases / "age.yaml").write_text(
        dump(
            [
                _case("56 on the day: under the team's limit of 57", {"passed": ["smc.age"]}, born="1968-05-01"),
                _case("57 on the day: stopped", {"outcome": "not_eligible", "stopped": ["smc.age"]}, born="1967-05-01"),
            ]
        )
    )
    (cases / "income.yaml").write_text(
        dump(_case("paid $50.00: 1.5 times the median, 3 income points", {"points": {"income": 3}}, pay="50.00"))
    )
    (repo / "test_own.py").write_text("def test_their_own_python_test():\n    assert 1 + 1 == 2\n")
    (repo / "pytest.ini").write_text("[pytest]\nvisarules_policy = policy\n")
    return repo


def _env() -> dict:
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=repo,
                          capture_output=True, text=True, env=_env())  # fmt: skip


def test_plain_pytest_runs_the_yaml_cases_beside_python_tests(team_repo: Path):
    r = _pytest(team_repo, "-q", "-rA")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "5 passed" in r.stdout  # 4 cases in 3 files, and the Python test
    for item in ("cases/age.yaml::1-56-on-the-day-under-the-team-s-limit-of-57", "cases/eligible.yaml::eligible",
                 "cases/income.yaml::income", "test_own.py::test_their_own_python_test"):  # fmt: skip
        assert f"PASSED {item}" in r.stdout, r.stdout


def test_visa_rules_test_runs_the_same_cases(team_repo: Path):
    r = subprocess.run([sys.executable, "-m", "visarules", "test", "cases", "--policy", "policy"], cwd=team_repo,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 passed, 0 failed, 0 errors" in r.stdout


def test_the_shipped_policy_fails_the_teams_cases(team_repo: Path):
    """Without the team's policy the 56-year-old is stopped: the setting is really what decides."""
    r = _pytest(team_repo, "-q", f"--visarules-policy={ROOT / 'policy'}", "cases/age.yaml")
    assert r.returncode == 1
    assert "1 failed, 1 passed" in r.stdout
    assert "smc.age  expected passed, got stopped" in r.stdout
    assert "smc.age: stopped: Aged 56 on 2024-05-01" in r.stdout


def test_engines_and_a_bad_case_file_under_pytest(team_repo: Path, tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(team_repo, repo)
    r = _pytest(repo, "-q", "--visarules-engine", "clingo", "--visarules-engine", "python", "cases/income.yaml")
    assert r.returncode == 0 and "2 passed" in r.stdout, r.stdout
    (repo / "cases" / "typo.yaml").write_text(yaml.safe_dump(_case("typo", {"outcom": "eligible"})))
    r = _pytest(repo, "-q", "cases/typo.yaml")
    assert r.returncode == 1
    assert "expect.outcom: not a known expectation; did you mean outcome?" in r.stdout
    r = _pytest(repo, "-q", "-p", "no:visarules", "cases")
    assert r.returncode == 5  # the plugin turned off: nothing to collect
