"""How `prove` gets its speed without losing exactness: slices, the result cache, processes of their
own, the resource budget, shrinking witnesses. Each is checked against the plain reading."""

import dataclasses
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
import z3

from visarules.dsl import ir, load_policy, load_proofs
from visarules.solver.analyses.prove import (
    HOLDS,
    Budget,
    Limits,
    ResultCache,
    WorkerError,
    obligations,
    prove,
    rule_slice,
    run_each,
    slice_of,
    sliced_policy,
)
from visarules.solver.analyses.prove.shrink import shrink
from visarules.solver.backends.columnar import evaluate_many
from visarules.solver.backends.python import evaluate
from visarules.solver.case import load_case, read_case_file

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
PROOFS = ROOT / "proofs"
CASES = sorted((ROOT / "tests" / "cases").glob("*.json"))


@pytest.fixture(scope="module")
def shipped():
    return load_proofs(POLICY, PROOFS)


@pytest.fixture(scope="module")
def worked(shipped):
    return [load_case(shipped.policy, read_case_file(f), str(f)) for f in CASES]


def _state(v: ir.Verdict, rule: str):
    for where in ("not_assessed", "not_applicable"):
        if rule in getattr(v, where):
            return where, None
    return v.results.get(rule), v.awarded.get(rule)


# ---------------------------------------------------------------- slices


def test_a_rule_decides_alike_in_its_slice_and_in_the_whole_policy(shipped, worked):
    """A slice holds everything its rules read: each rule, decided with only its slice, comes out
    on every worked case as it does in the whole policy."""
    policy = shipped.policy
    whole_verdicts = evaluate_many(policy, worked)  # the columnar reading: every case in one pass
    for rule in policy.rules:
        ids = rule_slice(policy, [rule.id])
        lists = tuple(lst.name for lst in policy.lists)
        part = sliced_policy(policy, dataclasses.replace(slice_of(policy, ir.RuleIs("case", rule.id, "assessed")),
                                                         rules=ids, lists=lists))  # fmt: skip
        for case, whole, sliced in zip(worked, whole_verdicts, evaluate_many(part, worked)):
            assert _state(sliced, rule.id) == _state(whole, rule.id), (rule.id, case.raw.get("about"))


def test_a_slice_holds_the_rules_read_and_no_others(shipped):
    policy = shipped.policy
    pay = slice_of(policy, ir.RuleIs("case", "smc.employment.pay", "met"))
    stops = {r.id for r in policy.rules if r.kind == "stop" and r.stage < policy.rule_by_id["smc.employment.pay"].stage}
    assert set(pay.rules) == {"smc.employment.pay"} | stops
    assert pay.lists == () and "employment.pay_per_hour" in pay.inputs and "children" not in pay.inputs
    six = slice_of(policy, ir.RuleIs("case", "smc.six_points", "met"))
    assert {r.id for r in policy.rules if r.kind == "points"} <= set(six.rules)  # it reads every category
    assert "work" in six.lists
    outcome = slice_of(policy, ir.OutcomeIs("case", "eligible"))
    assert set(outcome.rules) == {r.id for r in policy.rules}


# ---------------------------------------------------------------- the cache


def test_the_cache_proves_again_only_what_a_one_rule_change_reads(tmp_path, shipped):
    cache = ResultCache(tmp_path / "cache")
    chosen = tuple(o for o in obligations(shipped.policy, ()) if o.id.startswith("builtin.reachable.smc.employment."))
    first = prove(shipped.policy, chosen, Limits(), jobs=2, cache=cache)
    assert not any(r.cached for r in first) and all(r.status == HOLDS for r in first)
    again = prove(shipped.policy, chosen, Limits(), jobs=2, cache=cache)
    assert all(r.cached for r in again)
    assert [(r.obligation.id, r.status, r.relied_on) for r in again] == [
        (r.obligation.id, r.status, r.relied_on) for r in first
    ]
    # a rule moved by a line or reworded is not a change
    folder = tmp_path / "policy"
    shutil.copytree(POLICY, folder)
    rules = folder / "smc" / "employment.rules"
    text = rules.read_text()
    rules.write_text("\n" + text.replace("full-time.", "full time."))
    moved = load_proofs(folder, PROOFS).policy
    chosen = tuple(o for o in obligations(moved, ()) if o.id.startswith("builtin.reachable.smc.employment."))
    assert all(r.cached for r in prove(moved, chosen, Limits(), cache=cache))
    # one threshold changed: only the obligations whose slice holds that rule are proved again
    rules.write_text(text.replace("require employment.hours_per_week >= 30", "require employment.hours_per_week >= 29"))
    changed = load_proofs(folder, PROOFS).policy
    chosen = tuple(o for o in obligations(changed, ()) if o.id.startswith("builtin.reachable.smc.employment."))
    after = prove(changed, chosen, Limits(), jobs=2, cache=cache)
    proved = {r.obligation.id for r in after if not r.cached}
    assert proved == {o.id for o in chosen if "smc.employment.full_time" in slice_of(changed, o.formula).rules}
    full_time = "builtin.reachable.smc.employment.full_time"
    assert proved == {f"{full_time}.met", f"{full_time}.not_met"}


def test_a_damaged_cache_entry_is_proved_again(tmp_path, shipped):
    cache = ResultCache(tmp_path)
    (ob,) = (o for o in obligations(shipped.policy, ()) if o.id == "builtin.reachable.smc.age.stopped")
    (r,) = prove(shipped.policy, (ob,), cache=cache)
    (entry,) = (tmp_path / "prove").rglob("*.json")
    data = json.loads(entry.read_text())
    case = data["example"]["cases"]["case"]
    case["applicant"]["date_of_birth"] = case["lodgement_date"]  # aged 0: no longer a witness
    entry.write_text(json.dumps(data))
    (again,) = prove(shipped.policy, (ob,), cache=cache)
    assert not again.cached and again.status == HOLDS
    entry.write_text("{not json")
    assert not prove(shipped.policy, (ob,), cache=cache)[0].cached


# ---------------------------------------------------------------- processes and budgets


def _square(i):
    return {"square": i * i, "pid": os.getpid()}


def _fails_on_third(i):
    if i == 2:
        raise ValueError("no third task")
    return {}


def _z3_terms_made(i):
    """How many Z3 terms the task's process had made before it made one (its context's next id)."""
    return {"id": z3.Int(f"fresh {i}").get_id()}


def test_tasks_run_in_processes_of_their_own_and_failures_name_the_task():
    results = sorted(run_each(5, _square, jobs=2))
    assert [(i, r["square"]) for i, r in results] == [(i, i * i) for i in range(5)]
    pids = {r["pid"] for _, r in results}
    assert len(pids) == 5 and os.getpid() not in pids
    with pytest.raises(WorkerError, match="(?s)task 2 failed.*no third task"):
        list(run_each(4, _fails_on_third, jobs=2))


def test_a_task_starts_from_a_clean_z3_context_whatever_its_caller_did():
    before = sorted(run_each(3, _z3_terms_made, jobs=2))
    z3.Solver().add(z3.And([z3.Int(f"caller {k}") > k for k in range(200)]))  # Z3 work in the caller
    after = sorted(run_each(3, _z3_terms_made, jobs=1))
    assert before == after
    assert len({r["id"] for _, r in after}) == 1  # every task made its term at the same point


def test_a_budget_is_spent_across_checks_and_says_which_limit_stopped_it():
    x, y = z3.Ints("x y")
    budget = Budget(units=10**9, seconds=60)
    solver = z3.Solver()  # the budget sets the resource limit on every check
    solver.add(x * x + y * y == 25, x > 0, y > 0)
    assert budget.check(solver) == z3.sat and 0 < budget.spent < 10**9
    tiny = Budget(units=1, seconds=60)
    hard = z3.Solver()
    hard.add(x * x * x - 7 * x * y + y * y * y == 1234567)
    assert tiny.check(hard) == z3.unknown and tiny.limit == "resource" and "resource limit" in tiny.reason
    assert tiny.check(hard) == z3.unknown  # nothing left: no further check is run
    late = Budget(units=10**9, seconds=-1)
    assert late.check(solver) == z3.unknown and late.limit == "wall-clock" and "safety net" in late.reason


# ---------------------------------------------------------------- shrinking


def test_shrinking_keeps_the_property_and_lands_on_its_threshold(shipped):
    policy = load_policy(POLICY)
    case = load_case(policy, read_case_file(ROOT / "examples" / "smc-eligible.json"))
    pay_points = lambda c: evaluate(policy, c).points["income"] >= 3  # noqa: E731
    assert pay_points(case)
    small = shrink(policy, case, pay_points, earliest=policy.versions[0].start)
    assert pay_points(small)
    assert small.items["work"] == () and small.lodgement == policy.versions[0].start
    # the least pay that still earns income points: exactly 1.5 times the median then in force ($29.66)
    assert small.scalars["employment.pay_per_hour"] == 4449
    lower = dataclasses.replace(small, scalars={**small.scalars, "employment.pay_per_hour": 4448})
    assert not pay_points(lower)


def test_shrinking_never_leaves_a_case_the_loader_refuses():
    """A witness shrunk towards the lodgement date must still be a case: a work period that ended
    before lodgement keeps its end after its start, and every number stays within its bounds."""
    from visarules.solver.case import broken_constraints, case_to_json

    policy = load_policy(POLICY)
    data = read_case_file(ROOT / "examples" / "smc-eligible.json")
    data["work"][0]["end"] = "2023-06-30"
    case = load_case(policy, data)
    ended = lambda c: len(c.items["work"]) == 1 and c.items["work"][0].known["end"]  # noqa: E731
    small = shrink(policy, case, ended, earliest=dt.date(2024, 5, 1))
    assert ended(small) and broken_constraints(policy, small) == []
    period = small.items["work"][0]
    assert period.values["start"] < period.values["end"]
    load_case(policy, case_to_json(policy, small))  # the loader accepts what shrinking ends on


# ---------------------------------------------------------------- known cases as witnesses


def test_a_known_case_witnesses_only_claims_it_makes_true_within_the_list_bound(shipped):
    from visarules.solver.analyses.prove import evaluate_formula
    from visarules.solver.analyses.prove.known import known_cases, known_witness

    policy = shipped.policy
    known, skipped = known_cases(policy, [ROOT / "tests" / "cases"])
    # every worked case and boundary case under tests/cases, sub-folders included, loads
    assert len(known) == len(sorted((ROOT / "tests" / "cases").rglob("*.json"))) and skipped == 0
    obs = {o.id: o for o in obligations(policy, shipped.properties)}
    stopped = obs["builtin.reachable.smc.false_eoi.stopped"]
    r = known_witness(policy, stopped, known, max_items=4)
    assert r is not None and r.status == HOLDS and "smc-false-eoi" in r.reason
    (case,) = r.example.cases.values()
    again = load_case(policy, case)
    assert evaluate_formula(policy, stopped.formula, {"case": again}, {"case": evaluate(policy, again)}, {})
    # a claim every case must meet is never settled by examples; and a witness keeps to the bound
    assert known_witness(policy, obs["smc.age_limit"], known, max_items=4) is None
    with_items = [k for k in known if any(k.case.items.values())]
    for ob in obs.values():
        r = known_witness(policy, ob, tuple(with_items), max_items=0)
        assert r is None, ob.id
