"""`visa-rules generate`: reproducible, valid, boundary-biased caseloads, without Hypothesis."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from visarules.solver.backends.columnar import evaluate_many
from visarules.solver.batch import generate
from visarules.solver.case import load_case

ROOT = Path(__file__).resolve().parent.parent


def test_the_same_seed_gives_the_same_cases(policy):
    assert list(generate(policy, 15, seed=3)) == list(generate(policy, 15, seed=3))
    assert list(generate(policy, 15, seed=3)) != list(generate(policy, 15, seed=4))


def test_every_generated_case_is_valid_and_every_outcome_appears(policy):
    cases = [load_case(policy, json.loads(json.dumps(c)), f"case {i}") for i, c in enumerate(generate(policy, 1000))]
    outcomes = Counter(v.outcome for v in evaluate_many(policy, cases))
    assert set(outcomes) == {"eligible", "concerns", "not_eligible"}, outcomes
    categories = Counter(c.scalars["category"] for c in cases)
    assert len(categories) == len(policy.category_enum.members)


def test_values_lean_to_the_thresholds(policy):
    """Pay a cent either side of 1.5 × a median wage appears, which uniform draws would rarely give."""
    from visarules.solver.analyses.thresholds import thresholds

    near = thresholds(policy).money
    drawn = generate(policy, 500, seed=1)
    pays = [c["employment"]["pay_per_hour"] for c in drawn if "pay_per_hour" in c["employment"]]  # or a salary
    cents = [int(p.replace(".", "")) for p in pays]
    assert sum(c in near for c in cents) > len(cents) // 3


def test_dates_lean_to_the_other_dates_of_the_case(policy):
    """A visa that begins the day another ends or the day after (back-to-back visas, the edge the
    visa stretches turn on) appears often, which independent draws would rarely give."""
    import datetime as dt

    joined = with_two = 0
    for c in generate(policy, 500, seed=2):
        visas = c.get("visas", [])
        ends = {dt.date.fromisoformat(v["end"]) for v in visas if "end" in v}
        starts = [dt.date.fromisoformat(v["start"]) for v in visas if "start" in v]
        with_two += len(visas) >= 2
        joined += any(s in ends or s - dt.timedelta(days=1) in ends for s in starts)
    assert with_two and joined > with_two // 5, (joined, with_two)


def test_the_command_writes_n_lines_without_hypothesis(tmp_path):
    out = tmp_path / "cases.jsonl"
    code = (
        "import sys\n"
        "from visarules.cli import main\n"
        f"sys.argv = ['visa-rules', 'generate', '120', '--out', {str(out)!r}, '--seed', '7']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "assert 'hypothesis' not in sys.modules\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 120 and all(json.loads(line)["lodgement_date"] for line in lines)


def test_the_command_refuses_other_formats(tmp_path):
    run = subprocess.run([sys.executable, "-m", "visarules", "generate", "3", "--out", str(tmp_path / "x.csv")],
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert run.returncode == 2 and "JSON Lines" in run.stderr and "Traceback" not in run.stderr
