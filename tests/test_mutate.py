"""`visa-rules mutate`: mutants made from the IR, judged against the worked cases, survivors given
a boundary case by Z3 that, written as a worked case, kills them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from visarules.dsl import load_policy
from visarules.solver.analyses.case_tests import load_case_tests, run_case_test
from visarules.solver.analyses.diff import DiffLimits
from visarules.solver.analyses.mutate import (
    KILLED,
    SURVIVED,
    boundary,
    case_set,
    expectation_of,
    killed_by,
    mutants,
    mutation_test,
)
from visarules.solver.backends.columnar import evaluate_many
from visarules.solver.case import load_case

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
CASES = sorted((ROOT / "tests" / "cases").glob("*.json"))
EMPLOYMENT = "policy/smc/employment.rules"


@pytest.fixture(scope="module")
def shipped():
    return load_policy(POLICY)


@pytest.fixture(scope="module")
def listed(shipped):
    return mutants(shipped)  # seconds: a policy per mutant


@pytest.fixture(scope="module")
def tests(shipped):
    return [t for f in CASES for t in load_case_tests(f, shipped, complete=True)]


def _line_of(text: str, file: str = EMPLOYMENT) -> int:
    return next(i for i, line in enumerate((ROOT / file).read_text().splitlines(), start=1) if text in line)


def test_mutants_come_from_the_ir_with_their_place_in_the_files(shipped, listed):
    found = {m.id: m for m in listed}
    assert {m.kind for m in found.values()} == {"threshold", "strictness", "parameter value", "parameter start",
                                                "rule dates", "operand", "effect"}  # fmt: skip
    line = _line_of("require employment.hours_per_week >= 30")
    up = [m for m in found.values() if m.where == f"{EMPLOYMENT}:{line}" and m.after == ">= 31"]
    (up,) = up
    assert up.kind == "threshold" and up.before == ">= 30"
    # the mutant decides a 30-hour case as the original decides a 29-hour one
    case = json.loads((ROOT / "examples" / "smc-eligible.json").read_text())
    case["employment"]["hours_per_week"] = 30
    (original, mutant) = (evaluate_many(p, [load_case(p, case)])[0] for p in (shipped, up.policy))
    assert original.results["smc.employment.full_time"] == "met"
    assert mutant.results["smc.employment.full_time"] == "not_met"
    # a dated value's start, moved by a day, with the line it is written on
    median = found["parameter start@median_wage:2024-02-28:+1"]
    assert median.where == f"policy/parameters.rules:{_line_of('from 2024-02-28: $31.61', 'policy/parameters.rules')}"
    (wage,) = (p for p in median.policy.params if p.name == "median_wage")
    assert [e.start.isoformat() for e in wage.entries if e.value == 3161] == ["2024-02-29"]
    # ids are unique, and the order is stable
    assert len(found) == len(listed) and [m.id for m in mutants(shipped)] == list(found)


def test_an_operand_dropped_from_an_and_chain_stops_checking_it(shipped, listed):
    """`identity … and character … and health … and third_party …` is one chain of four: four
    mutants, each without one operand, named by the text written in the file."""
    chain = [m for m in listed if m.kind == "operand" and m.where == "policy/general.rules:16"]
    assert [m.after for m in chain] == [f"without checks.{c} != not_met"
                                        for c in ("identity", "character", "health", "third_party")]  # fmt: skip
    assert all(m.before.startswith("and of 4: checks.identity != not_met and") for m in chain)
    case = json.loads((ROOT / "examples" / "smc-eligible.json").read_text())
    case["checks"]["character"] = "not_met"
    rule = "general.identity_character_health"
    (original, mutant) = (evaluate_many(p, [load_case(p, case)])[0] for p in (shipped, chain[1].policy))
    assert original.results[rule] == "not_met" and mutant.results[rule] == "met"
    # the other three still read character
    assert all(evaluate_many(m.policy, [load_case(m.policy, case)])[0].results[rule] == "not_met"
               for m in (chain[0], *chain[2:]))  # fmt: skip


def test_an_effect_swapped_turns_a_requirement_into_a_concern_on_the_same_condition(shipped, listed):
    rule = "smc.employment.full_time"
    (swap,) = [m for m in listed if m.id == f"effect@{rule}"]
    assert (swap.before, swap.after) == (f"require ({rule})", f"concern ({rule})")
    case = json.loads((ROOT / "examples" / "smc-eligible.json").read_text())
    for hours, before, after in ((29, "not_met", "raised"), (30, "met", "clear")):
        case["employment"]["hours_per_week"] = hours
        (original, mutant) = (evaluate_many(p, [load_case(p, case)])[0] for p in (shipped, swap.policy))
        assert (original.results[rule], mutant.results[rule]) == (before, after)
    assert original.outcome == mutant.outcome == "eligible"


def test_the_worked_cases_kill_the_mutants_they_reach(shipped, listed, tests):
    cases = case_set(shipped, tests)
    found = {m.id: m for m in listed}
    line = _line_of("require employment.hours_per_week >= 30")
    for change in ("+1", "-1"):
        assert killed_by(cases, found[f"threshold@{EMPLOYMENT}:{line}:{_column(shipped, line)}:{change}"])
    report = mutation_test(shipped, tests, None, [m for m in found.values() if m.where.startswith(EMPLOYMENT)])
    assert report.count(KILLED) + report.count(SURVIVED) == len(report.results) > 20
    assert all(
        r.killed_by.startswith("tests/") or "/tests/cases/" in r.killed_by for r in report.results if r.killed_by
    )


def _column(policy, line: int) -> int:
    for r in policy.rules:
        for root in r.roots:
            stack = [root]
            while stack:
                e = stack.pop()
                stack.extend(e.children)
                span = getattr(e, "span", None)
                if span is not None and span.file == EMPLOYMENT and span.line == line and getattr(e, "op", "") == ">=":
                    return span.column
    raise AssertionError(f"no comparison on line {line}")


def test_a_survivor_gets_a_boundary_case_that_written_as_a_worked_case_kills_it(shipped, listed, tests, tmp_path):
    """The pay rule ends on 2026-08-23; a mutant ending it a day later passes every worked case.
    Z3 finds a case lodged on the day between, and the case file written for it, expecting the
    original's decision, passes on the policy and fails on the mutant."""
    m = next(m for m in listed if m.id == "rule dates@smc.employment.pay:until:+1")
    assert not killed_by(case_set(shipped, tests), m)
    b = boundary(shipped, m, DiffLimits(max_items=0), jobs=2)
    assert b.status == SURVIVED and b.case["lodgement_date"] == "2026-08-24" and "smc.employment.pay" in b.rules
    data = {
        "about": "boundary of the pay rule's last day",
        **b.case,
        "expect": expectation_of(shipped, b.original, b.rules),
    }
    path = tmp_path / "mut-pay-until.json"
    path.write_text(json.dumps(data))
    (test,) = load_case_tests(path, shipped, complete=True)
    assert run_case_test(shipped, test).status == "passed"
    assert run_case_test(m.policy, test).status == "failed"
    assert killed_by(case_set(shipped, [*tests, test]), m) == test.where


@pytest.mark.slow  # two mutate runs over a file, about 15 s
def test_the_command_reports_survivors_with_file_and_line(tmp_path):
    """Against the hand-written worked cases alone, the pay rule's last day moved by one survives
    and is listed with its place; the boundary case kept for it in tests/cases/boundaries (which
    `--write-cases` wrote) kills it when the command reads the whole folder, as it does by default."""
    cmd = [sys.executable, "-m", "visarules", "mutate", "--no-z3", "--only", EMPLOYMENT, "--format", "json"]
    worked = [x for f in CASES for x in ("--cases", str(f))]
    r = subprocess.run([*cmd, *worked, "--min-score", "1"], capture_output=True, text=True, cwd=ROOT)
    report = json.loads(r.stdout)
    s = report["summary"]
    assert s["mutants"] == len(report["results"]) == s["killed"] + s["survived"] and s["equivalent"] == 0
    assert r.returncode == (0 if s["survived"] == 0 else 1), r.stderr
    pay = next(x for x in report["results"] if x["id"] == "rule dates@smc.employment.pay:until:+1")
    assert pay["status"] == "survived" and pay["where"].startswith(f"{EMPLOYMENT}:")
    assert pay["before"].endswith("until 2026-08-23") and pay["after"].endswith("until 2026-08-24")
    whole = json.loads(subprocess.run([*cmd, "--min-score", "0"], capture_output=True, text=True, cwd=ROOT).stdout)
    pay = next(x for x in whole["results"] if x["id"] == "rule dates@smc.employment.pay:until:+1")
    assert pay["status"] == "killed" and "tests/cases/boundaries/" in pay["killed_by"], pay
    assert whole["summary"]["killed"] > s["killed"]
    bad = subprocess.run([*cmd[:4], "--kind", "swap"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "unknown mutant kind swap" in bad.stderr and "Traceback" not in bad.stderr


def test_a_change_the_defines_absorb_is_proved_equivalent_where_it_is_made(shipped, listed):
    """Dropping `known(...)` before a yes/no that reads false when unknown changes no value of the
    define (proved by Z3 on that define alone, in a fraction of a second); a threshold moved in a
    define a rule reads is shown to differ, so the local check leaves it to `diff`; a change to a
    rule's own condition is not the local check's to judge."""
    from visarules.solver.analyses.mutate.local import locally_equivalent

    by_id = {m.id: m for m in listed}
    guard = by_id["operand@policy/family.rules:19:3:1"]  # known(p.english_citizen_of_listed_country) dropped
    why = locally_equivalent(shipped, guard.policy, 4, 20_000_000, 600.0)
    assert why is not None and "partner_english_by_citizenship" in why and "4 items" in why
    moved = next(m for m in listed if m.where == "policy/family.rules:20" and m.kind == "threshold")
    assert "5" in moved.before  # years in listed countries >= 5, moved by one: some partner differs
    assert locally_equivalent(shipped, moved.policy, 4, 20_000_000, 600.0) is None
    in_rule = next(m for m in listed if m.where == "policy/family.rules:148" and m.kind == "threshold")
    assert locally_equivalent(shipped, in_rule.policy, 4, 20_000_000, 600.0) is None


@pytest.mark.slow  # a mutate run over a file with a sample, about 10 s
def test_write_cases_writes_each_boundary_case_and_each_passes_under_the_shipped_policy(tmp_path, shipped):
    """`--write-cases` writes one file per survivor with a boundary case (as each is found, so that a
    run stopped early keeps those); each expects the original policy's decision, so each passes
    under the shipped policy."""
    out = tmp_path / "found"
    cmd = [sys.executable, "-m", "visarules", "mutate", "--no-z3", "--only", EMPLOYMENT, "--format", "json",
           "--sample", "2000", "--write-cases", str(out), "--min-score", "0",
           *[x for f in CASES for x in ("--cases", str(f))]]  # fmt: skip
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    with_case = [x for x in report["results"] if x["status"] == "survived" and x.get("boundary_case")]
    written = sorted(out.glob("*.json"))
    assert with_case and len(written) == len(with_case)
    tests = [t for f in written for t in load_case_tests(f, shipped, complete=True)]
    assert all(run_case_test(shipped, t).status == "passed" for t in tests)


def test_the_sample_is_the_same_for_a_seed_and_another_seed_draws_other_cases(shipped, listed, tests, monkeypatch):
    """`mutate --seed` reaches the sample survivors are tried on: the same seed draws the same cases
    (so a run can be repeated), another seed other cases (so a second run reaches new ones)."""
    import visarules.solver.analyses.mutate as mutate
    from visarules.solver.analyses.mutate.judge import sample

    known = [t.data for t in tests]
    first, again, other = (sample(shipped, 60, seed, bases=known).cases for seed in (0, 0, 1))
    assert len(first) == len(other) == 60
    assert again == first and other != first
    drawn_with = []
    monkeypatch.setattr(mutate, "sample", lambda p, n, seed, **kw: drawn_with.append(seed) or sample(p, n, seed, **kw))
    # the hand-written cases miss this mutant, so it is tried on the sample
    survivor = next(m for m in listed if m.id == "rule dates@smc.employment.pay:until:+1")
    mutation_test(shipped, tests, None, [survivor], sample_size=40, seed=7)
    assert drawn_with == [7]


def test_id_chooses_one_mutant_and_an_unknown_id_is_a_clear_error():
    """`--id` judges only the mutants named (to re-run a survivor with a larger --rlimit); an id no
    mutant has is named in the error, exit 2, with a hint where the ids are listed."""
    cmd = [sys.executable, "-m", "visarules", "mutate", "--no-z3", "--format", "json", "--min-score", "0"]
    chosen = "threshold@policy/smc/overall.rules:70:9:-1"
    r = subprocess.run([*cmd, "--id", chosen], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)["results"]] == [chosen]
    bad = subprocess.run([*cmd, "--id", chosen, "--id", "threshold@nowhere"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "no mutant threshold@nowhere" in bad.stderr and "Traceback" not in bad.stderr
    assert "--format json" in bad.stderr
