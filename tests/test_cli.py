"""The command line as a user meets it: exit codes, JSON shape, and no tracebacks for user errors."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "smc-eligible.json"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "visarules", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_decide_json_has_the_documented_keys():
    r = run("decide", EXAMPLE, "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) >= {"outcome", "category", "instruction_version", "points", "reasons", "concerns", "not_assessed"}
    assert d["outcome"] == "eligible"
    assert d["points"]["total"] == sum(d["points"]["by_category"].values())
    for reason in d["reasons"]:
        assert set(reason) >= {"rule", "cites", "text", "effect", "version"}
        assert reason["cites"] and reason["version"] == d["instruction_version"]["name"]


def test_decide_text_is_readable():
    r = run("decide", EXAMPLE)
    assert r.returncode == 0, r.stderr
    assert "ELIGIBLE" in r.stdout
    assert "SR3.10(b)(i)" in r.stdout and "Aged 35 on 2024-05-01" in r.stdout


@pytest.mark.parametrize("engine", ["clingo", "python", "z3"])
def test_every_engine_gives_the_same_json(engine):
    reference = json.loads(run("decide", EXAMPLE, "--format", "json").stdout)
    r = run("decide", EXAMPLE, "--format", "json", "--engine", engine)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    reference.pop("engine"), got.pop("engine")
    assert got == reference


def test_hostile_names_decide_normally(tmp_path):
    """Quotes, parentheses, `:-` and `#` in text reach clingo as Symbols, never as program text."""
    case = json.loads(EXAMPLE.read_text())
    case["applicant"]["name"] = 'x"). #show. p :- q. % "'
    case["employment"]["employer"] = '#include "/etc/passwd". a :- b.'
    case["work"][0]["employer"] = "(()) :- not x."
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(case))
    r = run("decide", path, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["outcome"] == "eligible"


def test_bad_case_file_names_the_field(tmp_path):
    case = json.loads(EXAMPLE.read_text())
    case["employment"]["hours_per_week"] = "forty"
    case["work"][0]["start"] = "2021-02-30"
    del case["lodgement_date"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case))
    r = run("decide", path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "employment.hours_per_week: expected a whole number" in r.stderr
    assert "work[0].start: expected a date as YYYY-MM-DD" in r.stderr
    assert "lodgement_date: missing" in r.stderr


def test_case_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"category": "smc",\n  "lodgement_date": }')
    r = run("decide", path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{path}:2:21: " in r.stderr and "not valid JSON" in r.stderr


def test_lodgement_before_the_first_version_is_a_case_error(tmp_path):
    case = json.loads(EXAMPLE.read_text())
    case["lodgement_date"] = "2020-01-01"
    path = tmp_path / "early.json"
    path.write_text(json.dumps(case))
    r = run("decide", path)
    assert r.returncode == 2 and "before the first instruction version" in r.stderr


@pytest.mark.parametrize(
    "file, old, new, error_at, message",
    [
        ("parameters.rules", "from 2024-02-28: $31.61", "from 2023-01-01: $31.61", "from", "overlaps"),
        (
            "smc/employment.rules",
            "employment.hours_per_week >= 30",
            "employment.hours_per_wek >= 30",
            "employment",
            "no field 'hours_per_wek'",
        ),
        ("smc/overall.rules", "stage 2\n", "stage 2 ::\n", "::", "unexpected"),
    ],
)
def test_bad_policy_is_reported_with_position(tmp_path, file, old, new, error_at, message):
    pol = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", pol)
    text = (pol / file).read_text()
    assert old in text
    edited = text.replace(old, new, 1)
    (pol / file).write_text(edited)
    # where the error must point: the first `error_at` inside the edited text
    at = edited.index(error_at, edited.index(new))
    line = edited[:at].count("\n") + 1
    col = at - (edited.rfind("\n", 0, at) + 1) + 1
    where = f"{Path(file).name}:{line}:{col}:"
    r = run("check", pol)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert where in r.stderr and message in r.stderr and "^" in r.stderr
    r = run("decide", EXAMPLE, "--policy", pol)
    assert r.returncode == 2 and where in r.stderr


def test_check_and_schema():
    r = run("check")
    assert r.returncode == 0 and "ok:" in r.stdout
    schema = json.loads(run("schema").stdout)
    assert schema["properties"]["employment"]["properties"]["hours_per_week"]["type"] == "integer"
    assert "employment" in schema["required"]
    assert "work" not in schema["required"]  # a list left out holds no items


def test_schema_accepts_the_example():
    import jsonschema

    schema = json.loads(run("schema").stdout)
    jsonschema.validate(json.loads(EXAMPLE.read_text()), schema)


def test_missing_case_file_is_a_clear_error():
    r = run("decide", "no-such-case.json")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no-such-case.json" in r.stderr
