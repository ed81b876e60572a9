"""The Z3 back end agrees with the Python reading (the Python evaluator) on every case, and its parts hold up."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import random
from pathlib import Path

import pytest
import z3

from visarules.dsl import CaseError, ir, load_policy
from visarules.dsl.units import date_code, is_exact_date
from visarules.solver.analyses.prove import run_each
from visarules.solver.backends import python as interp
from visarules.solver.backends import smt
from visarules.solver.case import load_case, read_case_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "smc-eligible.json"


@pytest.fixture(scope="module")
def policy():
    return load_policy(ROOT / "policy")


@pytest.fixture(scope="module")
def example():
    return read_case_file(EXAMPLE)


def agree(policy, data, max_items=None):
    """Both readings of a case file (as a dict); they must match field by field."""
    case = load_case(policy, data)
    expected = interp.evaluate(policy, case)
    got = smt.evaluate(policy, case, max_items)
    assert got.comparable() == expected.comparable()
    assert got.not_assessed == expected.not_assessed and got.not_applicable == expected.not_applicable
    return got


def variant(data, **changes):
    """A copy of a case with dotted paths replaced; a value of None removes the key (a block the
    case leaves out, such as qualification, is begun when a path goes into it)."""
    out = copy.deepcopy(data)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = out
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target.setdefault(p, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return out


# ---------------------------------------------------------------- agreement with the Python evaluator


def test_example_agrees(policy, example):
    v = agree(policy, example)
    assert v.outcome == "eligible"


def test_age_56_stops_and_later_rules_are_not_assessed(policy, example):
    v = agree(policy, variant(example, applicant__date_of_birth="1968-05-01"))  # 56 on lodgement day
    assert v.results["smc.age"] == "stopped" and v.outcome == "not_eligible"
    from visarules.dsl.ir import in_force

    lodged = date_code(dt.date.fromisoformat(example["lodgement_date"]))
    later = [r.id for r in policy.rules if r.stage > 2 and in_force(r, lodged, 0)]  # category 0 is smc
    assert list(v.not_assessed) == later


def test_age_just_under_56_passes(policy, example):
    v = agree(policy, variant(example, applicant__date_of_birth="1968-05-02"))
    assert v.results["smc.age"] == "passed"


def test_false_eoi_stops_everything_after_stage_1(policy, example):
    v = agree(policy, variant(example, applicant__false_or_misleading_eoi=True))
    assert v.results["smc.false_eoi"] == "stopped"
    assert all(r == "smc.false_eoi" or policy.rule_by_id[r].stage <= 1 for r in v.results)


def test_pay_one_cent_under_the_threshold(policy, example):
    v = agree(policy, variant(example, employment__pay_per_hour="31.60"))  # median 31.61 then
    assert v.results["smc.employment.pay"] == "not_met"


def test_pay_exactly_one_and_a_half_median_for_low_skill(policy, example):
    v = agree(policy, variant(example, employment__anzsco=541112, employment__pay_per_hour="47.42"))
    assert v.results["smc.employment.pay"] == "met"  # 1.5 × 31.61 = 47.415
    agree(policy, variant(example, employment__anzsco=541112, employment__pay_per_hour="47.41"))


def test_unknown_optional_anzsco(policy, example):
    v = agree(policy, variant(example, employment__anzsco=None))
    assert v.values["smc.employment.unknown_occupation"] == (0,)


def test_anzsco_not_in_the_table_raises_a_concern(policy, example):
    v = agree(policy, variant(example, employment__anzsco=999999))
    assert v.results["smc.employment.unknown_occupation"] == "raised"


def test_empty_work_list(policy, example):
    v = agree(policy, variant(example, work=[]))
    assert v.points["work_experience"] == 0


def test_work_period_with_an_end(policy, example):
    agree(policy, variant(example, work__0__end="2023-06-30"))
    agree(policy, variant(example, work__0__end="2030-01-01"))  # after lodgement: cut at lodgement


def test_work_before_the_first_median_wage_entry(policy, example):
    # the visa the work was done on begins with it (work outside every visa is not lawful, SR3.35(d))
    v = agree(policy, variant(example, work__0__start="2017-06-01", work__0__pay_per_hour="48.58",
                              visas__0__start="2017-06-01"))  # fmt: skip
    assert v.points["work_experience"] == 3  # a 4-point income claimant's work: 2 × the first median, 24.29, is 48.58


def test_no_invitation_date_and_contract_terms(policy, example):
    agree(policy, variant(example, invitation_date=None))
    agree(policy, variant(example, employment__term="fixed_term", employment__fixed_term_months=12))
    agree(policy, variant(example, employment__term="fixed_term"))
    agree(policy, variant(example, employment__term="contract_for_services"))


def test_income_points_not_claimed_is_not_applicable(policy, example):
    # with 6 points claimed elsewhere (SOP smc_overall step 4 assesses unclaimed categories only under 6)
    v = agree(
        policy,
        variant(
            example,
            claims_income_points=False,
            claims_qualification_points=True,
            qualification__type="doctorate",
            qualification__evidence="nz",
        ),
    )
    assert "smc.points.income" in v.not_applicable and "smc.points.income" not in v.results


def test_more_items_than_slots(policy, example):
    period = example["work"][0]
    data = variant(example, work=[dict(period, start=f"20{y}-01-01", end=f"20{y}-12-31") for y in range(15, 24)])
    agree(policy, data)  # 9 items, more than the default slots
    agree(policy, data, max_items=2)  # too few asked for: the case's own length is used


def test_birth_after_lodgement_gives_a_negative_age(policy, example):
    """The policy's constraints refuse such a case; without them, the readings still agree below zero."""
    born_later = variant(example, applicant__date_of_birth="2024-06-01")
    with pytest.raises(CaseError, match="a date of birth is on or before"):
        load_case(policy, born_later)
    v = agree(dataclasses.replace(policy, constraints=()), born_later)
    assert v.values["smc.age"][0] == -1


def _random_date(rng, start, end):
    return (start + dt.timedelta(days=rng.randrange((end - start).days + 1))).isoformat()


def _random_case(rng, example):
    lodged = dt.date.fromisoformat(_random_date(rng, dt.date(2023, 10, 9), dt.date(2026, 12, 31)))
    codes = [313112, 541111, 541112, 542111, 261313, 254411, 351311, 999999, None]
    pay = lambda: f"{rng.randrange(2000, 11000) // 100}.{rng.randrange(100):02d}"  # noqa: E731
    data = variant(
        example,
        lodgement_date=lodged.isoformat(),
        invitation_date=rng.choice([None, _random_date(rng, dt.date(2022, 1, 1), lodged)]),
        applicant__date_of_birth=_random_date(rng, dt.date(1960, 1, 1), dt.date(2006, 1, 1)),
        applicant__false_or_misleading_eoi=rng.random() < 0.1,
        employment__anzsco=rng.choice(codes),
        employment__hours_per_week=rng.randrange(20, 45),
        employment__pay_per_hour=pay(),
        employment__term=rng.choice(["permanent", "fixed_term", "contract_for_services", "casual"]),
        employment__fixed_term_months=rng.choice([None, 6, 11, 12, 24]),
        employment__accreditation=rng.choice(["current", "expired_current_at_lodgement", "none", "suspended"]),
        claims_income_points=rng.random() < 0.6,
        employment__contract_history_consistent=True,  # SR3.20(c)(ii)-(iv) shown, for a contract for services
        employment__current_contracts_months=12,
        employment__contract_work_sustainable=True,
    )
    work, all_lawful = [], True
    for _ in range(rng.randrange(6)):
        start = dt.date.fromisoformat(_random_date(rng, dt.date(2016, 1, 1), lodged))
        all_lawful = all_lawful and rng.random() < 0.9  # the draw that once set each period's `lawful`
        period = {
            "employer": "E",
            "start": start.isoformat(),
            "hours_per_week": rng.randrange(25, 45),
            "pay_per_hour": pay(),
            "genuine_concern": rng.random() < 0.1,
            "tier2_role": rng.random() < 0.3,
            "evidence": rng.choice(["current_application", "previous_application", "partial"]),
        }
        if rng.random() < 0.5:
            period["end"] = _random_date(rng, start, dt.date(2027, 1, 1))
        if (code := rng.choice(codes)) is not None:
            period["anzsco"] = code
        work.append(period)
    data["work"] = work
    # All periods lawful: one work visa held throughout. Otherwise a visa history drawn apart (so the
    # draws above stay as they were), with gaps and kinds without work rights.
    vr = random.Random(lodged.toordinal() * 7 + len(work))
    visas, start = [], dt.date(2016, 1, 1)
    for _ in range(vr.randrange(5)):
        start += dt.timedelta(days=vr.choice([0, 1, 30, 400]))
        if start > lodged:
            break
        visa = {
            "kind": vr.choice(["aewv", "other_work_visa", "interim_work", "student_work", "visitor"]),
            "start": start.isoformat(),
        }
        if vr.random() < 0.7:
            end = dt.date.fromisoformat(_random_date(vr, start, dt.date(2027, 1, 1)))
            visa["end"] = end.isoformat()
            start = end + dt.timedelta(days=1)
        visas.append(visa)
        if "end" not in visa:
            break
    data["visas"] = [{"kind": "other_work_visa", "start": "2016-01-01"}] if all_lawful else visas
    return data


def test_random_cases_agree(policy, example):
    rng = random.Random(20240501)
    outcomes = set()
    for _ in range(250):
        outcomes.add(agree(policy, _random_case(rng, example)).outcome)
    assert outcomes == {"eligible", "concerns", "not_eligible"}  # the cases reach every outcome


# ---------------------------------------------------------------- the lowering itself


@pytest.mark.parametrize("n", [-1000, -385, -384, -383, -1, 0, 1, 383, 384, 385, 1000])
@pytest.mark.parametrize("divisor", [1, 7, 32, 384])
def test_floordiv_rounds_down_like_python(policy, n, divisor):
    low = smt.SmtLowering(smt.SymbolicCase(policy, 0))
    hours = policy.input_field("employment.hours_per_week")
    e = ir.FloorDiv(ir.Input(hours.path, hours.type), divisor, ir.INT)
    term = low.lower(e)
    bound = z3.substitute(term, (low.sym.scalars[hours.path], z3.IntVal(n)))
    assert z3.simplify(bound).as_long() == n // divisor
    assert z3.simplify(low.lower(ir.FloorDiv(ir.Const(ir.INT, n), divisor, ir.INT))).as_long() == n // divisor


def test_text_lookup_and_missing_key(policy):
    table = next(t for t in policy.tables if t.name == "occupations")
    low = smt.SmtLowering(smt.SymbolicCase(policy, 0))
    title = low.lower(ir.Lookup(table, "title", ir.Const(ir.INT, 261313), ir.TEXT))
    missing = low.lower(ir.Lookup(table, "title", ir.Const(ir.INT, 1), ir.TEXT))
    assert smt.text_of(z3.simplify(title)) == "Software Engineer"
    assert smt.text_of(z3.simplify(missing)) == ""
    same = low.lower(ir.Compare("==", ir.Lookup(table, "title", ir.Const(ir.INT, 1), ir.TEXT), ir.Const(ir.TEXT, "")))
    assert z3.is_true(z3.simplify(same))


def test_text_round_trips_exactly():
    text = 'Aroha "Ari" O\'Neil (née Smith) \\u{e9} \\ 😀'
    x = z3.String("x")
    s = z3.Solver()
    s.set("rlimit", 5_000_000)  # deterministic bounds on every raw solver here: unknown fails
    s.add(x == smt.text_val(text))
    assert s.check() == z3.sat
    assert smt.text_of(s.model().eval(x, model_completion=True)) == text


def test_points_need_a_decision(policy):
    with pytest.raises(ValueError):
        smt.SmtLowering(smt.SymbolicCase(policy, 0)).lower(ir.PointsOf("income"))


# ---------------------------------------------------------------- assumptions and symbolic use


def test_calendar_assumption_matches_the_encoding():
    first = date_code(dt.date(2023, 12, 1)) - 1
    for code in range(first, date_code(dt.date(2024, 3, 31)) + 2):
        assert z3.is_true(z3.simplify(smt.is_calendar_day(z3.IntVal(code)))) == is_exact_date(code), code
    for year in (1900, 2000, 2100):  # the century rules of leap years
        feb29 = (year * 12 + 1) * 32 + 29
        assert z3.is_true(z3.simplify(smt.is_calendar_day(z3.IntVal(feb29)))) == is_exact_date(feb29)


def test_a_real_case_meets_every_domain_assumption(policy, example):
    sym = smt.SymbolicCase(policy, 3)
    assumptions = sym.domain_assumptions()
    assert assumptions and all(isinstance(d, str) and d and z3.is_bool(c) for d, c in assumptions)
    s = z3.Solver()
    s.set("rlimit", 50_000_000)
    s.add([v == smt.literal(t, x) for v, t, x in sym.assignment(load_case(policy, example))])
    for description, c in assumptions:
        s.push()
        s.add(z3.Not(c))
        assert s.check() == z3.unsat, description
        s.pop()


def _stop_and_concern_queries(policy, _task):
    """Run in a fresh process (`run_each`): in a test worker, Z3 work of earlier tests changed this
    query's search, and once it ran past its resource limit for 20 minutes."""
    sym = smt.SymbolicCase(policy, 1, prefix="a.")
    d = smt.build_decision(policy, sym)
    s = z3.Solver()
    s.set("rlimit", 60_000_000)
    s.add([c for _, c in sym.domain_assumptions()])
    # a stop at stage 2 makes the case not eligible and leaves every later rule in force unassessed
    later = [d.rules[r.id] for r in policy.rules if r.stage > 2]
    claim = z3.Implies(
        d.result("smc.age", "stopped"),
        z3.And(d.outcome_is("not_eligible"), *[z3.Implies(t.in_force, t.not_assessed) for t in later]),
    )
    s.push()
    s.add(z3.Not(claim))
    stop = str(s.check())
    s.pop()
    # and some case raises a concern without failing anything
    s.add(d.outcome_is("concerns"))
    concerns = str(s.check())
    raised = concerns == "sat" and any(
        z3.is_true(s.model().eval(d.result(r.id, "raised"), model_completion=True))
        for r in policy.rules
        if r.kind == "concern"
    )
    return {"stop": stop, "concerns": concerns, "raised": raised}


def test_decision_terms_support_proofs(policy):
    # one item per list: with the visa history, two items made this unbounded query run for many
    # minutes; a resource limit makes it end, the same on any machine (unknown fails the test)
    ((_, answer),) = run_each(1, functools.partial(_stop_and_concern_queries, policy), jobs=1)
    assert answer == {"stop": "unsat", "concerns": "sat", "raised": True}


def test_absent_slots_count_for_nothing_whatever_they_hold(policy):
    sym = smt.SymbolicCase(policy, 2)
    d = smt.build_decision(policy, sym)
    s = z3.Solver()
    s.set("rlimit", 50_000_000)
    s.add([z3.Not(slot.present) for slot in sym.slots["work"]])  # fields left free on purpose
    s.add(d.points["work_experience"] != 0)
    assert s.check() == z3.unsat
