"""`visa-rules prove` as a user and CI meet it: the shipped policy proves; deliberately broken copies
fail with counterexample case files that `visa-rules decide` shows to break the property."""

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import z3

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
PROOFS = ROOT / "proofs"


def run(*args, cwd=None, cache=None):
    """The command as a user runs it; results are cached under `cache` (else nowhere: --no-cache)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)} if cache is not None else None
    flags = [] if cache is not None or args[0] != "prove" else ["--no-cache"]
    cmd = [sys.executable, "-m", "visarules", *map(str, args), *flags]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)


def broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(POLICY, target)
    text = (target / file).read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    (target / file).write_text(text.replace(old, new))
    return target


def decide(case: Path, policy: Path) -> dict:
    r = run("decide", case, "--policy", policy, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def prove_json(tmp_path: Path, *args) -> tuple[int, dict]:
    r = run("prove", "--format", "json", "--out", tmp_path / "cx", *args)
    assert r.returncode != 2, r.stderr
    return r.returncode, json.loads(r.stdout)


def status(report: dict) -> dict[str, str]:
    return {x["id"]: x["status"] for x in report["results"]}


# ---------------------------------------------------------------- the shipped policy


# Not yet proved within the default budget (a known gap, see README "Proving properties"): counting
# work periods once however they overlap (covered()), in two cases compared (both held for 3 items
# before the visa history joined the case); and that a missing work visa at lodgement can be the
# first reason a WTR case fails, since the grant day (visas[].granted_on) joined the visa stretches.
# The last is witnessed by the worked case wtr-no-work-visa-at-application when prove reads the known
# cases (as it does from the project folder; this test runs elsewhere, so Z3 alone). The set must not grow.
KNOWN_UNKNOWN = {
    "smc.income_monotone",
    "smc.work_experience_points",
    "builtin.decisive.wtr.work_visa_at_application",
}


@pytest.mark.slow
def test_prove_proves_every_property_of_the_shipped_policy(tmp_path):
    """The whole suite, proved once (the only test that does), then read back from the cache."""
    cache = tmp_path / "cache"
    r = run("prove", "-j", "2", cwd=tmp_path, cache=cache)
    unknown = {m.group(1) for m in re.finditer(r"^\? unknown (\S+):", r.stdout, re.M)}
    assert unknown == KNOWN_UNKNOWN, r.stdout + r.stderr
    assert r.returncode == 3 and f"0 fail, {len(KNOWN_UNKNOWN)} unknown" in r.stdout, r.stdout + r.stderr
    assert "for cases with at most 4 items per list" in r.stdout
    assert "✔ holds smc.age_limit" in r.stdout and "relied on smc.age, wtr.age" in r.stdout
    assert "Domain assumptions, by input" in r.stdout and "\n  applicant: " in r.stdout
    assert not (tmp_path / "counterexamples").exists()
    held = sum(1 for line in r.stdout.splitlines() if line.startswith("✔ holds"))
    assert held == int(re.search(r"(\d+) hold, \d+ fail", r.stdout).group(1))
    # again, with nothing changed (the written properties, to keep it short): every result from the
    # cache, the same verdicts
    again = run("prove", "--format", "json", "--no-builtins", cwd=tmp_path, cache=cache)
    report = json.loads(again.stdout)
    held = [x for x in report["results"] if x["status"] == "holds"]
    assert held and all(x["cached"] for x in held), again.stderr
    assert {x["id"] for x in report["results"] if x["status"] != "holds"} <= KNOWN_UNKNOWN
    first = {m.group(1) for m in re.finditer(r"^✔ holds (\S+):", r.stdout, re.M)}
    assert {x["id"] for x in held} <= first


def test_a_tiny_resource_limit_gives_the_same_unknown_set_every_time(tmp_path):
    """Deterministic limits: the same results with one process or two (in another order of work),
    run after run, whatever the machine's load. What is unknown is unknown through the limit."""
    # a claim the limit cuts short (pay) and one it does not (full time), each both ways
    args = ("prove", "--only", "builtin.reachable.smc.employment.pay.*", "--only",
            "builtin.reachable.smc.employment.full_time.*", "--rlimit", "100000", "--format", "json",
            "--no-known-cases")  # every claim to Z3  # fmt: skip
    first, second = (run(*args, "-j", jobs) for jobs in ("1", "2"))
    assert first.returncode == second.returncode == 3, first.stderr + second.stderr
    a, b = (status(json.loads(x.stdout)) for x in (first, second))
    assert a == b
    unknown = {i for i, st in a.items() if st == "unknown"}
    assert unknown and set(a) - unknown  # the limit falls between the obligations
    for x in json.loads(first.stdout)["results"]:
        if x["status"] == "unknown":
            assert x["limit"] == "resource" and "resource limit of 100,000 units" in x["reason"]
        else:
            assert x["resource_units"] <= 100_000


def test_the_wall_clock_limit_is_only_a_safety_net_and_says_so(tmp_path):
    code, report = prove_json(tmp_path, "--only", "smc.age_limit", "--timeout", "0.000001")
    assert code == 3
    (result,) = report["results"]
    assert result["status"] == "unknown" and result["limit"] == "wall-clock" and "safety net" in result["reason"]


def test_help_states_the_default_limits():
    from visarules.solver.analyses.diff import DiffLimits
    from visarules.solver.analyses.prove import DEFAULT_RLIMIT

    def help_text(command: str) -> str:  # wide enough that no option's help is wrapped
        cmd = [sys.executable, "-m", "visarules", command, "--help"]
        shown = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"}).stdout
        return " ".join(shown.split())

    assert f"(default {DEFAULT_RLIMIT:,})" in help_text("prove")
    assert f"(default {DiffLimits.rlimit:,})" in help_text("diff")


def test_prove_json_for_ci(tmp_path):
    code, report = prove_json(tmp_path, "--only", "smc.age_limit", "--only", "builtin.series.*", "--max-items", "3")
    assert code == 0
    series = sum(1 for x in report["results"] if x["id"].startswith("builtin.series."))
    assert series >= 7 and report["summary"] == {"holds": 1 + series, "fails": 0, "unknown": 0, "bugs": 0}
    age = report["results"][0]
    assert set(age) >= {
        "id",
        "title",
        "cites",
        "origin",
        "status",
        "for_cases_with_at_most_items",
        "relied_on",
        "assumptions",
        "seconds",
    }
    assert age["for_cases_with_at_most_items"] == 3 and age["cites"] == ["SR3.10(b)(i)"]
    assert re.search(r"smc\.props:\d+:1$", age["origin"])
    assert sorted(age["relied_on"]) == ["smc.age", "wtr.age"]
    # the CPU reported counts the proving processes (the fork server's children, not this one's)
    assert report["cpu_seconds"] >= sum(x["seconds"] for x in report["results"]) - 0.01 > 0


def test_smtlib_queries_reproduce_the_result(tmp_path):
    code, _ = prove_json(tmp_path, "--only", "smc.age_limit", "--smtlib", tmp_path / "smt")
    assert code == 0
    query = (tmp_path / "smt" / "smc.age_limit.smt2").read_text()
    assert query.startswith("; visa-rules prove: smc.age_limit")
    solver = z3.Solver()
    solver.set("rlimit", 50_000_000)  # a deterministic bound: unknown fails the assert
    solver.from_string(query)
    assert solver.check() == z3.unsat  # unsat: no counterexample, as prove said


# ---------------------------------------------------------------- deliberately broken copies


def test_age_limit_57_is_caught_and_the_counterexample_decides_against_it(tmp_path):
    policy = broken(tmp_path, "smc/overall.rules", "age_at_lodgement >= 56", "age_at_lodgement >= 57")
    code, report = prove_json(tmp_path, "--policy", policy, "--only", "smc.age_limit", "--max-items", "1")
    assert code == 1 and status(report)["smc.age_limit"] == "fails"
    case_file = Path(
        next(x for x in report["results"] if x["id"] == "smc.age_limit")["counterexample"]["files"]["case"]
    )
    case = json.loads(case_file.read_text())
    decision = decide(case_file, policy)
    lodged, born = case["lodgement_date"], case["applicant"]["date_of_birth"]
    age = int(lodged[:4]) - int(born[:4]) - (lodged[5:] < born[5:])
    assert age >= 56 and decision["outcome"] != "not_eligible"  # the property says: not eligible


def test_two_times_band_below_one_and_a_half_is_caught(tmp_path):
    policy = broken(
        tmp_path, "smc/income.rules", "hourly_pay >= 2 * favourable_median", "hourly_pay >= 1.4 * favourable_median"
    )
    code, report = prove_json(
        tmp_path,
        "--policy",
        policy,
        "--only",
        "smc.income_bands",
        "--only",
        "builtin.reachable.smc.points.income=*",
        "--max-items",
        "1",
    )
    results = status(report)
    assert code == 1 and results["smc.income_bands"] == "fails"
    assert results["builtin.reachable.smc.points.income=3"] == "fails"  # the 3-point band is now dead
    case_file = Path(
        next(x for x in report["results"] if x["id"] == "smc.income_bands")["counterexample"]["files"]["case"]
    )
    case = json.loads(case_file.read_text())
    decision = decide(case_file, policy)
    income = decision["points"]["by_category"]["income"]
    reason = next(r for r in decision["reasons"] if r["rule"] == "smc.points.income")["text"]
    median = Decimal(re.search(r"median of \$([\d,.]+)", reason)[1].replace(",", ""))
    emp = case["employment"]  # the pay per hour as SR2.5 derives it (policy/remuneration.rules)
    spread = emp.get("max_hours_per_week", emp["hours_per_week"])
    salary = Decimal(emp.get("annual_salary", "0"))
    salary_rate = (salary * 100 // (52 * spread)) / 100 if spread > 0 else Decimal(0)
    pay, full_time = Decimal(emp.get("pay_per_hour", "0")) + salary_rate, emp["hours_per_week"] >= 30
    bands = [(income >= 3) == (full_time and pay >= Decimal("1.5") * median),
             (income >= 4) == (full_time and pay >= 2 * median),
             (income >= 6) == (full_time and pay >= 3 * median)]  # fmt: skip
    assert not all(bands)  # the decided points contradict the property


def test_out_of_order_median_date_is_a_checker_error_with_its_position(tmp_path):
    policy = broken(
        tmp_path, "parameters.rules", "from 2024-02-28: $31.61 cites SR3.35", "from 2023-01-01: $31.61 cites SR3.35"
    )
    r = run("prove", "--policy", policy, "--out", tmp_path / "cx")
    assert r.returncode == 2
    line = next(i for i, t in enumerate((policy / "parameters.rules").read_text().splitlines(), 1) if "2023-01-01" in t)
    assert f"parameters.rules:{line}:3: error: median_wage: the value from 2023-01-01 overlaps" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow  # two properties over every lodgement date, about 16 s
def test_falling_median_is_caught_semantically(tmp_path):
    """A median lower than the one before: the checker cannot see it; two properties can."""
    policy = broken(
        tmp_path, "parameters.rules", "from 2025-08-18: $33.56 cites SR3.35", "from 2025-08-18: $30.00 cites SR3.35"
    )
    assert run("check", policy).returncode == 0
    code, report = prove_json(
        tmp_path,
        "--policy",
        policy,
        "--only",
        "parameters.median_never_falls",
        "--only",
        "smc.later_lodgement_no_more_income_points",
        "--max-items",
        "1",
    )
    results = {x["id"]: x for x in report["results"]}
    assert code == 1
    falls = results["parameters.median_never_falls"]
    assert (
        falls["status"] == "fails"
        and falls["counterexample"]["values"]["d1"] <= falls["counterexample"]["values"]["d2"]
    )
    later = results["smc.later_lodgement_no_more_income_points"]
    assert later["status"] == "fails"
    files = later["counterexample"]["files"]
    a, b = (json.loads(Path(files[n]).read_text()) for n in ("a", "b"))
    da, db = (decide(Path(files[n]), policy) for n in ("a", "b"))
    assert a["lodgement_date"] <= b["lodgement_date"]
    assert db["points"]["by_category"]["income"] > da["points"]["by_category"]["income"]  # later, yet more points


# ---------------------------------------------------------------- unknown, errors


def test_a_bad_property_file_is_reported_like_a_policy_error(tmp_path):
    proofs = tmp_path / "proofs"
    proofs.mkdir()
    (proofs / "x.props").write_text('property smc.x "X" {\n  cites SR3.10\n  forall case: outcome == eligble\n}\n')
    r = run("prove", "--proofs", proofs, cwd=tmp_path)
    assert r.returncode == 2
    assert "proofs/x.props:3:27: error: 'eligble' is not an outcome" in r.stderr
    assert "                             ^^^^^^^" in r.stderr
    assert "Traceback" not in r.stderr


# ---------------------------------------------------------------- only what changed


def test_changed_since_proves_only_what_reads_a_changed_rule(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(POLICY, repo / "policy")
    shutil.copytree(PROOFS, repo / "proofs")
    git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for cmd in (["init", "-q"], ["add", "policy", "proofs"], ["commit", "-q", "-m", "policy"]):
        subprocess.run(git + cmd, check=True, capture_output=True)
    rules = repo / "policy" / "smc" / "employment.rules"
    text = rules.read_text()
    rules.write_text(text.replace("require employment.hours_per_week >= 30", "require employment.hours_per_week >= 31"))
    args = ("--policy", repo / "policy", "--proofs", repo / "proofs", "--only", "builtin.reachable.smc.employment.*")
    code, report = prove_json(tmp_path, *args, "--changed-since", "HEAD")
    assert code == 0, report
    proved = set(status(report))
    full_time = "builtin.reachable.smc.employment.full_time"
    assert proved == {f"{full_time}.met", f"{full_time}.not_met"}
    unchanged = report["unchanged_since"]
    assert unchanged["revision"] == "HEAD" and "builtin.reachable.smc.employment.term.met" in unchanged["ids"]
    from visarules.dsl import load_proofs
    from visarules.solver.analyses.prove import obligations

    loaded = load_proofs(repo / "policy", repo / "proofs")
    every = obligations(loaded.policy, loaded.properties)
    reachable = {o.id for o in every if o.id.startswith("builtin.reachable.smc.employment.")}
    assert set(unchanged["ids"]) | proved == reachable and not set(unchanged["ids"]) & proved
    bad = run("prove", *args, "--changed-since", "no-such-revision")
    assert bad.returncode == 2 and "no-such-revision" in bad.stderr and "Traceback" not in bad.stderr


def test_known_cases_witness_exists_claims_before_z3(tmp_path):
    """A reachability check that a worked case meets is settled by that case (no Z3 query): the
    same verdict as Z3's, the case named and kept as the witness; --no-known-cases asks Z3."""
    only = ("--only", "builtin.reachable.smc.false_eoi.*")
    code, known = prove_json(tmp_path, *only, "--cases", ROOT / "tests" / "cases")
    code_z3, by_z3 = prove_json(tmp_path, *only, "--no-known-cases")
    assert code == code_z3 == 0
    assert (
        status(known)
        == status(by_z3)
        == {
            "builtin.reachable.smc.false_eoi.stopped": "holds",
            "builtin.reachable.smc.false_eoi.passed": "holds",
        }
    )
    for x in known["results"]:
        assert x["reason"].startswith(f"witnessed by the known case {ROOT / 'tests' / 'cases'}/"), x["reason"]
        assert x["resource_units"] == 0 and x["witness"]["cases"]["case"]["category"] in ("smc", "wtr")
    assert all(x["resource_units"] > 0 and not x["reason"] for x in by_z3["results"])
    missing = run("prove", *only, "--cases", tmp_path / "no-such-folder")
    assert missing.returncode == 2 and "no-such-folder" in missing.stderr and "Traceback" not in missing.stderr
