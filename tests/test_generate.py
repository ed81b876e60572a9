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


def eligible_worked_cases() -> list[dict]:
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "tests" / "cases").glob("*.json"))]
    return [c for c in cases if c.get("expect", {}).get("outcome") == "eligible"]


def test_variants_of_known_cases_change_a_list_or_an_input_or_two(policy):
    """Each variant of a worked case is a valid case that keeps the base's other facts: either its
    lists are drawn again (their dates next to the case's own) or a few other inputs are (two
    drawn, and the inputs of a constraint they broke drawn again)."""
    from visarules.solver.batch import variants

    def facts(case: dict) -> dict:
        flat = {}
        for key, value in case.items():
            if key in lists or key in ("about", "expect"):
                continue
            if isinstance(value, dict):
                flat.update({f"{key}.{k}": v for k, v in value.items()})
            else:
                flat[key] = value
        return flat

    lists = {lst.name for lst in policy.lists}
    bases = eligible_worked_cases()
    drawn = list(variants(policy, bases, 200, seed=5, max_items=4))
    assert drawn == list(variants(policy, bases, 200, seed=5, max_items=4))
    kinds = Counter()
    for i, v in enumerate(drawn):
        load_case(policy, json.loads(json.dumps(v)), f"variant {i}")
        base = bases[i % len(bases)]
        before, after = facts(base), facts(v)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if any(v.get(k) != base.get(k) for k in lists):
            kinds["lists"] += 1
        else:
            kinds["inputs" if changed else "same"] += 1  # same: a value drawn as the base had it
            assert len(changed) <= 4, (i, changed)
        assert "lodgement_date" not in changed
    assert kinds["lists"] > 50 and kinds["inputs"] > 30 and kinds["same"] < 30, kinds


def test_variants_reach_eligible_decisions_that_drawn_cases_seldom_do(policy):
    """Most of the SMC and WTR rules are met only in an eligible case: variants of the eligible
    worked cases stay eligible often, where fresh draws almost never are."""
    from visarules.solver.batch import variants

    def eligible(cases) -> int:
        loaded = [load_case(policy, c, f"case {i}") for i, c in enumerate(cases)]
        return sum(v.outcome == "eligible" for v in evaluate_many(policy, loaded))

    assert eligible(variants(policy, eligible_worked_cases(), 300, seed=6, max_items=4)) > 60
    assert eligible(generate(policy, 300, seed=6, max_items=4)) < 30
