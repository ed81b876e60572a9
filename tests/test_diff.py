"""`visa-rules diff OLD NEW`: window by window, with witnesses replayed under both policies."""

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from visarules.dsl import load_policy
from visarules.solver.analyses.diff import DiffLimits, Window, input_differences, value_changes, values_alike, windows

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
CASES = ROOT / "tests" / "cases"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "visarules", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def copy_with(tmp_path: Path, file: str, old: str, new: str, name: str = "new") -> Path:
    target = tmp_path / name
    shutil.copytree(POLICY, target)
    text = (target / file).read_text()
    assert text.count(old) == 1
    (target / file).write_text(text.replace(old, new))
    return target


def decide(case: dict, policy: Path, tmp_path: Path) -> dict:
    path = tmp_path / "witness.json"
    path.write_text(json.dumps(case))
    r = run("decide", path, "--policy", policy, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_policy_is_equivalent_to_itself_everywhere(tmp_path):
    r = run("diff", POLICY, POLICY, "--format", "json", "--smtlib", tmp_path / "smt")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert [w["verdict"] for w in report["windows"]] == ["equivalent"] * len(report["windows"])
    assert [w["from"] for w in report["windows"]] == [
        "2023-10-09",
        "2024-01-01",  # a WTR version (SR6.5, SR6.10)
        "2024-02-28",
        "2024-04-07",  # WTR versions from here to 2025-04-08
        "2024-05-01",
        "2024-06-26",
        "2025-03-10",
        "2025-04-08",
        "2025-08-18",
        "2026-03-09",
        "2026-04-20",  # a WTR version, and the Transport list without its bus and truck roles
        "2026-08-24",
    ]
    assert report["max_items"] == 4 and report["domain_assumptions"]
    # no rule differs, so every case is decided alike without asking Z3 anything
    assert report["rules_changed"] == [] and not (tmp_path / "smt").exists()


def test_a_rule_that_applies_differently_is_reported_even_when_no_outcome_changes(tmp_path):
    """A change of when a rule applies (here: not to 100 hours or more) changes no outcome and no
    points, but the rule's result: every window says so, with a witness on the boundary."""
    old_line = "  require employment.hours_per_week >= 30 or"
    new = copy_with(
        tmp_path, "smc/employment.rules", old_line, "  applies when employment.hours_per_week < 100\n" + old_line
    )
    r = run("diff", POLICY, new, "--format", "json", "--smtlib", tmp_path / "smt", "--out", tmp_path / "witnesses",
            "--lodged-from", "2026-01-01")  # fmt: skip
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["rules_changed"] == ["smc.employment.full_time"]
    # only the windows that hold a day from 2026-01-01 on: the one it falls in, and every later one
    starts = [dt.date.fromisoformat(w["from"]) for w in report["windows"]]
    later = [w.start for w in windows(load_policy(POLICY), load_policy(new)) if w.start > dt.date(2026, 1, 1)]
    assert starts[0] < dt.date(2026, 1, 1) and starts[1:] == later
    for w in report["windows"]:
        assert w["verdict"] == "reasons differ" and not w["bug"]
        (x,) = w["witnesses"]
        assert x["direction"] == "reasons" and x["rules_differing"] == ["smc.employment.full_time"]
        assert x["case"]["employment"]["hours_per_week"] == 100 and x["case"]["lodgement_date"] == w["from"]
        old_effect = {r["rule"]: r["effect"] for r in x["old"]["reasons"]}["smc.employment.full_time"]
        assert old_effect == "met" and "smc.employment.full_time" in [r["rule"] for r in x["new"]["not_applicable"]]
        assert x["old"]["outcome"] == x["new"]["outcome"] and x["old"]["points"] == x["new"]["points"]
        # the witness is written as a case file that `decide` reads
        assert decide(json.loads(Path(x["file"]).read_text()), new, tmp_path)["outcome"] == x["new"]["outcome"]
    queries = sorted((tmp_path / "smt").glob("*.smt2"))
    assert queries and all(q.read_text().startswith("; visa-rules diff, lodged") for q in queries)


def test_a_change_of_values_only_is_settled_window_by_window_from_the_reads(tmp_path):
    rate = copy_with(
        tmp_path, "parameters.rules", "from 2026-03-09: $40.25 cites SR5.15", "from 2026-03-09: $40.50 cites SR5.15"
    )
    old, new = load_policy(POLICY), load_policy(rate)
    changes = value_changes(old, new)
    assert changes is not None and set(changes) == {"tier2_plus15"}
    limits = DiffLimits(max_items=2)
    # lodged before the changed value starts: every read of the rate (a period's start, the day the
    # WTR job's rate is taken from) is on or before the lodgement day, so none can reach it
    assert values_alike(old, changes, Window(dt.date(2025, 8, 18), dt.date(2026, 3, 8)), limits)
    # from its start, a read can see the new value
    assert not values_alike(old, changes, Window(dt.date(2026, 3, 9), dt.date(2026, 4, 19)), limits)
    # a change to a rule as well: the shortcut does not apply
    both = copy_with(tmp_path, "smc/employment.rules", "hours_per_week >= 30 or", "hours_per_week >= 31 or", "both")
    shutil.copy(rate / "parameters.rules", both / "parameters.rules")
    assert value_changes(old, load_policy(both)) is None


def test_windows_split_at_every_start_of_either_policy(tmp_path):
    old = load_policy(POLICY)
    new = load_policy(copy_with(tmp_path, "smc/employment.rules", "  for smc\n  cites SR3.20(b)(i)",
                                "  for smc\n  from 2024-06-01\n  cites SR3.20(b)(i)"))  # fmt: skip
    starts = [w.start for w in windows(old, new)]
    assert dt.date(2024, 6, 1) in starts and dt.date(2024, 2, 28) in starts
    assert starts[0] == dt.date(2023, 10, 9)  # no window before the first modelled version
    ends = [w.end for w in windows(old, new)]
    assert all(e == s - dt.timedelta(days=1) for e, s in zip(ends, starts[1:])) and ends[-1] is None


@pytest.mark.slow
def test_a_changed_median_flips_its_window_with_a_replayed_witness(tmp_path):
    new = copy_with(
        tmp_path, "parameters.rules", "from 2024-02-28: $31.61 cites SR3.35", "from 2024-02-28: $32.50 cites SR3.35"
    )
    r = run("diff", POLICY, new, "--format", "json", "--cases", CASES, "--max-items", "2")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert not [w for w in report["windows"] if w["verdict"] == "unknown"]
    assert report["windows"][0]["verdict"] == "equivalent"  # lodged before the new median, nothing changes
    flipped = next(w for w in report["windows"] if w["from"] == "2024-02-28")
    # a higher median is mostly less permissive; a case it favours (both ways: incomparable) may exist
    assert flipped["verdict"] in ("less permissive", "incomparable") and not flipped["bug"]
    worse = next(x for x in flipped["witnesses"] if x["direction"] == "worse")
    case = worse["case"]
    assert case["lodgement_date"] == "2024-02-28"  # shrunk to the window's first day
    # replayed by clingo under both policies, reasons side by side; and `decide` agrees
    old_d, new_d = decide(case, POLICY, tmp_path), decide(case, new, tmp_path)
    for shown, decided in ((worse["old"], old_d), (worse["new"], new_d)):
        assert (shown["outcome"], shown["points"], shown["reasons"]) == (
            decided["outcome"],
            decided["points"],
            decided["reasons"],
        )
    rank = {"not_eligible": 0, "concerns": 1, "eligible": 2}
    assert (rank[new_d["outcome"]], new_d["points"]["total"]) < (rank[old_d["outcome"]], old_d["points"]["total"])
    # the caseload: every worked case decided under both, the changes counted
    load = report["caseload"]
    assert load["total"] == len(list(CASES.glob("*.json")))
    assert load["total"] - load["unchanged"] == sum(load["changes"].values()) == len(load["changed"]) > 0


def test_git_revisions_of_the_policy_folder(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(POLICY, repo / "policy")
    git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for cmd in (["init", "-q"], ["add", "policy"], ["commit", "-q", "-m", "policy"]):
        subprocess.run(git + cmd, check=True, capture_output=True)
    r = run("diff", "HEAD:policy", "policy", "--format", "json", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert {w["verdict"] for w in json.loads(r.stdout)["windows"]} == {"equivalent"}
    bad = run("diff", "HEAD~5:policy", "policy", cwd=repo)
    assert bad.returncode == 2 and "HEAD~5:policy" in bad.stderr and "Traceback" not in bad.stderr


def test_policies_with_different_inputs_are_refused(tmp_path):
    old = "input claims_income_points: optional bool required for smc changeable"
    new = copy_with(tmp_path, "case.rules", old, f"input claims_work_points: bool\n{old}")
    assert input_differences(load_policy(POLICY), load_policy(new)) == ["claims_work_points: only in NEW (bool)"]
    r = run("diff", POLICY, new)
    assert r.returncode == 2
    assert "claims_work_points: only in NEW (bool)" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_diff_output_names_the_bound(fmt):
    r = run("diff", POLICY, POLICY, "--format", fmt, "--max-items", "2")
    assert r.returncode == 0
    assert (
        ("for cases with at most 2 items per list" in r.stdout)
        if fmt == "text"
        else json.loads(r.stdout)["max_items"] == 2
    )


def test_a_caseload_can_be_a_jsonl_file(tmp_path):
    from visarules.dsl import UserError
    from visarules.solver.analyses.diff import caseload, read_caseload

    files = sorted(CASES.glob("*.json"))[:3]
    lines = [json.dumps(json.loads(f.read_text())) for f in files]
    (tmp_path / "cases.jsonl").write_text("\n".join(lines) + "\n\n")
    cases = read_caseload(tmp_path / "cases.jsonl")
    assert [name for name, _ in cases] == [f"{tmp_path / 'cases.jsonl'}:{i}" for i in (1, 2, 3)]
    policy = load_policy(POLICY)
    assert caseload(policy, policy, cases).unchanged == 3
    (tmp_path / "bad.jsonl").write_text(lines[0] + "\n{not json\n")
    with pytest.raises(UserError, match="bad.jsonl:2: not valid JSON"):
        read_caseload(tmp_path / "bad.jsonl")


def test_lodgement_days_narrow_the_windows_and_an_empty_span_is_refused(tmp_path):
    r = run("diff", POLICY, POLICY, "--lodged-from", "2025-01-02", "--lodged-to", "2025-01-01")
    assert r.returncode == 2 and "--lodged-from 2025-01-02 is after --lodged-to 2025-01-01" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("diff", POLICY, POLICY, "--format", "json", "--lodged-from", "2024-03-01", "--lodged-to", "2024-03-01")
    assert r.returncode == 0, r.stderr
    (only,) = json.loads(r.stdout)["windows"]
    assert only["from"] == "2024-02-28" and only["verdict"] == "equivalent"
