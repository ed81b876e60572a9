"""The columnar reading decides whole caseloads exactly as the Python evaluator decides each case
(the differential tests add it as one more reading, from the registry; this checks it at scale)."""

import json
from pathlib import Path

import numpy as np

from visarules.solver.backends import python, registry
from visarules.solver.backends.columnar import Columns, decide_columns, evaluate_many
from visarules.solver.batch import generate
from visarules.solver.case import load_case, read_case_file

ROOT = Path(__file__).resolve().parent.parent


def worked(policy):
    files = sorted((ROOT / "tests" / "cases").glob("*.json")) + sorted((ROOT / "examples").glob("*.json"))
    return [load_case(policy, read_case_file(f), str(f)) for f in files]


def test_the_registry_offers_the_columnar_reading():
    assert "columnar" in registry.ENGINES


def test_every_worked_case_decided_together_as_alone(policy):
    cases = worked(policy)
    together = evaluate_many(policy, cases)
    for case, verdict in zip(cases, together):
        assert verdict.comparable() == python.evaluate(policy, case).comparable()


def test_generated_cases_decided_together_as_alone(policy):
    cases = [load_case(policy, json.loads(json.dumps(c))) for c in generate(policy, 400, seed=11)]
    together = evaluate_many(policy, cases)
    assert {v.outcome for v in together} >= {"not_eligible", "concerns"}
    for case, verdict in zip(cases, together):
        assert verdict.comparable() == python.evaluate(policy, case).comparable()


def test_lists_are_flattened_with_offsets(policy):
    cases = worked(policy)
    cols = Columns.from_cases(policy, cases)
    work = cols.lists["work"]
    counts = [len(c.items["work"]) for c in cases]
    assert work.offsets.tolist() == np.concatenate([[0], np.cumsum(counts)]).tolist()
    assert len(work.values["start"]) == sum(counts)
    assert work.owner.tolist() == [i for i, n in enumerate(counts) for _ in range(n)]


def test_verdicts_without_reasons_keep_outcomes_and_points(policy):
    cases = worked(policy)
    cols = Columns.from_cases(policy, cases)
    full, lean = decide_columns(policy, cols), decide_columns(policy, cols, reasons=False)
    assert lean.values == {}
    assert (full.outcome == lean.outcome).all() and (full.version == lean.version).all()
    assert all((full.points[c] == lean.points[c]).all() for c in full.points)


def test_an_empty_caseload(policy):
    decided = decide_columns(policy, Columns.from_cases(policy, []))
    assert decided.n == 0 and len(decided.outcome) == 0


def test_decided_in_chunks_as_in_one(policy):
    """A large caseload is decided a chunk of cases at a time; chunks of 7 (so that some cases have
    no items of a list and a chunk ends mid-way) give every case the same verdict, reasons included."""
    cases = worked(policy)
    cols = Columns.from_cases(policy, cases)
    whole, chunked = decide_columns(policy, cols, chunk=len(cases)), decide_columns(policy, cols, chunk=7)
    assert chunked.n == whole.n == len(cases)
    every = range(len(cases))
    assert [chunked.verdict(policy, i) for i in every] == [whole.verdict(policy, i) for i in every]
