"""Properties (proofs/*.props) and the prover, in process: parsing with positions, obligations as
data built from the IR, holds / fails / unknown, unsat cores, minimised and replayed counterexamples."""

import datetime as dt
import importlib
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from visarules.dsl import PolicyError, ir, load_policy, load_proofs
from visarules.dsl.parse import parse_module
from visarules.solver.analyses.prove import (
    DEFAULT_RLIMIT,
    FAILS,
    HOLDS,
    RESOURCE,
    UNKNOWN,
    Limits,
    builtin_obligations,
    exit_code,
    obligations,
    prove,
    prove_one,
)

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
PROOFS = ROOT / "proofs"
FIXTURES = Path(__file__).parent / "proofs"
BAD = sorted((FIXTURES / "bad").glob("*.props"))
BAD_RULES = sorted((FIXTURES / "bad_rules").glob("*.rules"))
replay_mod = importlib.import_module("visarules.solver.analyses.prove.replay")  # the module, not its function


def _expect(file: Path):
    m = re.match(r"# expect: (\d+):(\d+): (.*)", file.read_text().splitlines()[0])
    assert m, f"{file.name} must start with '# expect: LINE:COL: message'"
    return int(m[1]), int(m[2]), m[3]


def _copy_policy(tmp_path: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of the shipped policy with each edit (file → (old text, new text)) made exactly once."""
    target = tmp_path / "policy"
    shutil.copytree(POLICY, target)
    for name, (old, new) in (edits or {}).items():
        path = target / name
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} must occur once in {name}"
        path.write_text(text.replace(old, new))
    return target


@pytest.fixture(scope="module")
def shipped():
    return load_proofs(POLICY, PROOFS)


# the few results these tests read (the whole suite is proved once, in test_prove_cli.py)
CHOSEN = (
    "smc.age_limit",
    "smc.full_time_needed",
    "smc.income_bands",
    "builtin.reachable.smc.points.work_experience=3",
)


@pytest.fixture(scope="module")
def shipped_results(shipped):
    chosen = tuple(o for o in obligations(shipped.policy, shipped.properties) if o.id in CHOSEN)
    # three items per list, as a quick check; income_monotone (two cases compared) is not among them:
    # since the visa history joined the case it is unknown within the budget even for 2 items (the
    # known gap in test_prove_cli.py and the README)
    return {r.obligation.id: r for r in prove(shipped.policy, chosen, Limits(max_items=3), jobs=2)}


# ---------------------------------------------------------------- the language


@pytest.mark.parametrize("file", BAD, ids=lambda p: p.stem)
def test_bad_properties_report_file_line_col(tmp_path, file):
    line, col, message = _expect(file)
    shutil.copy(file, tmp_path / file.name)
    with pytest.raises(PolicyError) as info:
        load_proofs(POLICY, tmp_path)
    found = [(d.span.line, d.span.column, d.message) for d in info.value.diagnostics]
    assert any(ln == line and c == col and message in m for ln, c, m in found), found
    text = info.value.render()
    assert f"{file.name}:{line}:{col}:" in text
    rendered = text.splitlines()
    at = next(
        i
        for i, r in enumerate(rendered)
        if "|" in r and r.endswith(file.read_text().splitlines()[line - 1].expandtabs(1))
    )
    assert rendered[at + 1].index("^") - (rendered[at].index("|") + 2) == col - 1


@pytest.mark.parametrize("file", BAD_RULES, ids=lambda p: p.stem)
def test_property_syntax_is_refused_in_rules(tmp_path, file):
    line, col, message = _expect(file)
    folder = _copy_policy(tmp_path)
    shutil.copy(file, folder / file.name)
    with pytest.raises(PolicyError) as info:
        load_policy(folder)
    found = [(d.span.line, d.span.column, d.message) for d in info.value.diagnostics if d.span.file.endswith(file.name)]
    assert any(ln == line and c == col and message in m for ln, c, m in found), found


def test_property_nodes_carry_positions():
    text = (PROOFS / "smc.props").read_text()
    module = parse_module(text, "smc.props")
    prop = next(d for d in module.decls if d.id == "smc.income_monotone")
    forall = prop.foralls[0]
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "forall a, b same except employment.pay_per_hour" in t)
    assert (forall.span.line, forall.span.column) == (line, 3)
    assert [n for n, _ in forall.names] == ["a", "b"] and forall.names[1][1].column == 13
    assert forall.same_except[0][0] == "employment.pay_per_hour"
    implies = forall.body
    assert type(implies).__name__ == "Implies"
    of_a = implies.left.left
    assert type(of_a).__name__ == "OfCase" and of_a.case == "a"
    assert (of_a.span.line, of_a.span.column) == (line + 1, 5)


def test_shipped_proofs_check_and_cover_the_issue(shipped):
    ids = {p.id for p in shipped.properties}
    assert {"smc.age_limit", "smc.six_points_needed", "smc.full_time_needed", "smc.income_monotone",
            "parameters.median_multiples_ordered", "parameters.median_never_falls", "smc.income_bands",
            "smc.work_period_threshold_at_start", "smc.work_experience_points", "smc.short_circuit"} <= ids  # fmt: skip
    assert all(p.cites for p in shipped.properties)
    two = next(p for p in shipped.properties if p.id == "smc.income_monotone")
    assert two.cases == ("a", "b")
    assert two.same_except == ("employment.pay_per_hour", "employment.annual_salary", "employment.max_hours_per_week")


# ---------------------------------------------------------------- obligations are data


def test_builtin_obligations_are_built_from_the_ir(shipped):
    policy = shipped.policy
    built = builtin_obligations(policy)
    assert built == builtin_obligations(policy)  # a pure function of the IR
    ids = {o.id for o in built}
    assert "builtin.one_outcome" in ids
    members = policy.category_enum.members  # each category's own versions, named by category
    assert {f"builtin.consistent.{members[c]}.{v.start}" for v in policy.versions for c in v.categories} <= ids
    for rule in policy.rules:
        if rule.kind != "points":
            assert {f"builtin.reachable.{rule.id}.{r}" for r in ir.EFFECT_OUTCOMES[rule.kind]} <= ids
            if rule.kind != "defer":  # a deferral never changes the outcome, so it decides nothing
                assert f"builtin.decisive.{rule.id}" in ids
    assert {f"builtin.reachable.smc.points.income={n}" for n in (0, 3, 4, 6)} <= ids
    assert {f"builtin.series.{p.name}" for p in policy.params} <= ids
    assert all(o.builtin and o.cites for o in built)


def test_every_formula_node_class_is_listed():
    """FORMULA_NODES is what tests/test_visitors.py checks every formula reader against."""
    defined = {
        c for c in vars(ir).values() if isinstance(c, type) and issubclass(c, ir.Formula) and c is not ir.Formula
    }
    assert defined == set(ir.FORMULA_NODES)


def test_the_fixtures_use_every_formula_node():
    loaded = load_proofs(POLICY, FIXTURES / "good")
    used = {type(n) for p in loaded.properties for n in ir.walk_formula(p.formula)}
    assert used == set(ir.FORMULA_NODES)


# ---------------------------------------------------------------- proving


def test_the_chosen_shipped_properties_hold(shipped_results):
    assert set(shipped_results) == set(CHOSEN)
    not_holding = {i: (r.status, r.reason, r.bug) for i, r in shipped_results.items() if r.status != HOLDS or r.bug}
    assert not not_holding
    assert all(r.max_items == 3 and 0 < r.units <= DEFAULT_RLIMIT for r in shipped_results.values())


def test_unsat_core_names_the_rules_a_proof_relied_on(shipped_results):
    assert set(shipped_results["smc.age_limit"].relied_on) == {"smc.age", "wtr.age"}  # both categories
    assert {"smc.employment.full_time", "wtr.employment.full_time"} <= set(
        shipped_results["smc.full_time_needed"].relied_on
    )
    assert "smc.points.income" in shipped_results["smc.income_bands"].relied_on
    assert "smc.six_points" not in shipped_results["smc.income_bands"].relied_on


def test_witnesses_of_reachability_are_replayed(shipped_results):
    r = shipped_results["builtin.reachable.smc.points.work_experience=3"]
    assert r.example is not None and not r.bug
    assert r.example.verdicts["case"].points["work_experience"] == 3
    assert 1 <= len(r.example.cases["case"]["work"]) <= 4


def test_fixture_properties_hold():
    loaded = load_proofs(POLICY, FIXTURES / "good")
    results = prove(loaded.policy, obligations(loaded.policy, loaded.properties, builtins=False), Limits(max_items=2))
    assert [(r.obligation.id, r.status, r.bug) for r in results] == [(p.id, HOLDS, "") for p in loaded.properties]


def _refuted(only: set[str]):
    loaded = load_proofs(POLICY, FIXTURES / "refuted")
    # two cases compared on their outcomes read every rule twice (and every declared constraint)
    limits = Limits(max_items=2, rlimit=4 * DEFAULT_RLIMIT)
    chosen = tuple(o for o in obligations(loaded.policy, loaded.properties, builtins=False) if o.id in only)
    results = {r.obligation.id: r for r in prove(loaded.policy, chosen, limits)}
    assert set(results) == only
    for r in results.values():
        assert r.status == FAILS and not r.bug, (r.obligation.id, r.bug)
        assert r.example is not None
    return results


def test_negated_fixture_fails_and_every_counterexample_replays():
    results = _refuted({"test.decisions", "test.values"})
    assert all(r.example.minimised for r in results.values())
    assert results["test.values"].example.values == {"m": "$0.00"} and not results["test.values"].example.cases


@pytest.mark.slow  # 35 s of CPU, most of it spent failing to minimise (below)
def test_two_cases_of_the_negated_fixture_fail_and_replay():
    (two,) = _refuted({"test.two_cases"}).values()
    assert set(two.example.cases) == {"a", "b"}
    # a known gap: since salaries and optional blocks joined the case, Z3 no longer minimises the
    # items of the two tied cases within even 8 times the budget (they still replay, with no bug);
    # pinned, so that the day it is minimised again this line is dropped and the gap closed in the README
    assert not two.example.minimised


def test_counterexample_is_minimised_onto_the_threshold(tmp_path):
    folder = _copy_policy(tmp_path, {"smc/overall.rules": ("age_at_lodgement >= 56", "age_at_lodgement >= 57")})
    loaded = load_proofs(folder, PROOFS)
    chosen = tuple(o for o in obligations(loaded.policy, loaded.properties) if o.id == "smc.age_limit")
    # pushing every value onto a threshold (the job code among the 1,023 ANZSCO keys too) takes more
    # than the default budget: a resource limit still, the same on any machine
    (r,) = prove(loaded.policy, chosen, Limits(max_items=1, rlimit=4 * DEFAULT_RLIMIT))
    assert r.status == FAILS and not r.bug and r.example.minimised
    case = r.example.cases["case"]
    lodged, born = (dt.date.fromisoformat(d) for d in (case["lodgement_date"], case["applicant"]["date_of_birth"]))
    assert (lodged.year - born.year, lodged.month, lodged.day) == (56, born.month, born.day)  # the 56th birthday
    assert case["work"] == [] and "invitation_date" not in case
    assert r.example.verdicts["case"].outcome != "not_eligible"  # the property wanted not_eligible
    # values pushed onto the thresholds: the pay sits exactly on a multiple of the $29.66 median
    assert case["employment"]["pay_per_hour"] in ("29.66", "44.49", "59.32", "88.98")


def test_a_dead_result_is_found_with_the_rules_that_kill_it(tmp_path):
    folder = _copy_policy(tmp_path, {"smc/employment.rules": ("require employment.hours_per_week >= 30",
                                                              "require employment.hours_per_week >= 0")})  # fmt: skip
    loaded = load_proofs(folder, PROOFS)
    chosen = tuple(o for o in obligations(loaded.policy, ()) if "full_time" in o.id)
    results = {r.obligation.id: r for r in prove(loaded.policy, chosen)}
    dead = results["builtin.reachable.smc.employment.full_time.not_met"]
    assert dead.status == FAILS and dead.relied_on == ("smc.employment.full_time",)
    # hours are declared 0..168, never negative: that kills it
    assert "employment.hours_per_week, when known, is from 0 to 168" in dead.assumptions
    assert results["builtin.decisive.smc.employment.full_time"].status == FAILS


def test_a_resource_limit_gives_unknown_never_holds(shipped):
    """Deterministic: Z3's resource limit, not the clock. Unknown is not counted as holding."""
    chosen = tuple(o for o in obligations(shipped.policy, shipped.properties) if o.cases)[:6]
    results = prove(shipped.policy, chosen, Limits(rlimit=1), jobs=2)
    assert {r.status for r in results} == {UNKNOWN}
    assert all(r.reason and r.limit == RESOURCE and r.example is None and not r.relied_on for r in results)
    assert exit_code(results) == 3
    assert exit_code(results[:1] + tuple(replace(r, status=HOLDS) for r in results[1:])) == 3


def test_replay_disagreement_is_reported_as_a_bug(tmp_path, monkeypatch):
    """If clingo decided a counterexample differently from the other readings, that is a fault in visa-rules."""
    real = replay_mod.solve_clingo

    def tampered(policy, case):
        v = real(policy, case)
        return replace(v, outcome="eligible" if v.outcome != "eligible" else "not_eligible")

    monkeypatch.setattr(replay_mod, "solve_clingo", tampered)  # in this process: prove_one runs here
    folder = _copy_policy(tmp_path, {"smc/overall.rules": ("age_at_lodgement >= 56", "age_at_lodgement >= 57")})
    loaded = load_proofs(folder, PROOFS)
    chosen = tuple(o for o in obligations(loaded.policy, loaded.properties) if o.id == "smc.age_limit")
    r = prove_one(loaded.policy, chosen[0], Limits(max_items=1))
    assert r.status == FAILS and r.bug and "differently" in r.bug
    assert exit_code((r,)) == 4
