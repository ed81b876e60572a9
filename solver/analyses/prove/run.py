"""Obligations → Z3 → holds (with the rules relied on), fails (with a counterexample) or unknown.

Every result is for cases with at most `max_items` items per list, under the domain assumptions it
names. A counterexample (or a witness) is read back from Z3's model as a case file, minimised,
and replayed through clingo and the Python evaluator: both must decide it as Z3's model does, and
the claim must be false (or, for a witness, true) on their decisions. When they disagree the
result carries `bug`: that is a fault in visa-rules, not in the policy.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import z3

from ....dsl import ir
from ....dsl.units import format_value
from ...backends.asp import solve as solve_clingo
from ...backends.python import Evaluator
from ...backends.python import evaluate as python_evaluate
from ...case import CaseData
from .obligations import Obligation
from .scene import (
    Scene,
    as_case_file,
    build_scene,
    case_from_model,
    lower_formula,
    minimise,
    read_model,
    summarise_assumptions,
    z3_verdict,
)

HOLDS, FAILS, UNKNOWN = "holds", "fails", "unknown"


@dataclass(frozen=True)
class Example:
    """A counterexample (a forall claim fails) or a witness (an exists claim holds)."""

    cases: dict[str, dict]  # case name → case file
    values: dict[str, str]  # quantified value → as written in a policy
    verdicts: dict[str, ir.Verdict]  # case name → clingo's decision
    minimised: bool


@dataclass(frozen=True)
class Result:
    obligation: Obligation
    status: str  # holds | fails | unknown
    max_items: int
    seconds: float
    relied_on: tuple[str, ...] = ()  # rules in the unsat core
    assumptions: tuple[str, ...] = ()  # domain assumptions in the unsat core (all of them for a model)
    example: Example | None = None
    reason: str = ""  # why unknown; or, for an exists claim that fails, what could not be found
    bug: str = ""  # the readings disagree: a fault in visa-rules


@dataclass(frozen=True)
class Limits:
    max_items: int = 4
    timeout: float = 60.0  # seconds per obligation (Z3's time limit)
    rlimit: int | None = None  # Z3 resource limit: a deterministic limit, for tests
    minimise_seconds: float = 10.0
    smtlib_dir: Path | None = None


def prove(policy: ir.Policy, obligations: tuple[Obligation, ...], limits: Limits = Limits()) -> tuple[Result, ...]:
    scenes: dict[tuple, Scene] = {}
    out = []
    for ob in obligations:
        key = (ob.cases, ob.values, ob.same_except)
        if key not in scenes:
            scenes[key] = build_scene(policy, ob.cases, ob.values, ob.same_except, limits.max_items)
        out.append(prove_one(scenes[key], ob, limits))
    return tuple(out)


def prove_one(scene: Scene, ob: Obligation, limits: Limits) -> Result:
    started = time.perf_counter()
    elapsed = lambda: time.perf_counter() - started  # noqa: E731
    claim = lower_formula(scene, ob.formula)
    goal = z3.Not(claim) if ob.claim == "forall" else claim  # sat: a counterexample / a witness
    hard = [c for defs in scene.definitions.values() for c in defs] + [c for _, c in scene.assumptions]
    hard += [*scene.relations, goal]
    if limits.smtlib_dir is not None:
        _write_smtlib(limits.smtlib_dir, ob, scene, hard)
    model = None
    if ob.claim == "exists":
        # an exists claim is expected to have a witness: look for one plainly (indicators slow the
        # search ten-fold), with few list items first (found much faster, and easier to read)
        solver = _solver(limits, elapsed())
        solver.add(hard)
        for absent in [*_fewer_items(scene), []]:
            solver.set("timeout", _ms(limits, elapsed()))
            answer = solver.check(*absent)
            if answer == z3.sat:
                model = solver.model()
                break
        if answer == z3.unknown:
            return Result(ob, UNKNOWN, scene.max_items, elapsed(), reason=f"Z3 gave up: {solver.reason_unknown()}")
    if model is None:  # each rule and assumption behind an indicator, for the unsat core
        rules = {z3.Bool(f"rule {rid}"): rid for rid in scene.definitions}
        assumed = {z3.Bool(f"assume {i}"): text for i, (text, _) in enumerate(scene.assumptions)}
        solver = _solver(limits, elapsed())
        solver.set("core.minimize", True)
        for tracker, rid in rules.items():
            solver.add(z3.Implies(tracker, z3.And(scene.definitions[rid])))
        for tracker, (_, cond) in zip(assumed, scene.assumptions):
            solver.add(z3.Implies(tracker, cond))
        solver.add(*scene.relations, goal)
        answer = solver.check(*rules, *assumed)
        if answer == z3.unknown:
            return Result(ob, UNKNOWN, scene.max_items, elapsed(), reason=f"Z3 gave up: {solver.reason_unknown()}")
        if answer == z3.unsat:
            core = set(map(str, solver.unsat_core()))
            relied = tuple(rid for t, rid in rules.items() if str(t) in core)
            used = summarise_assumptions(text for t, text in assumed.items() if str(t) in core)
            status, reason = (HOLDS, "") if ob.claim == "forall" else (FAILS, "no case can satisfy it")
            return Result(ob, status, scene.max_items, elapsed(), relied, used, reason=reason)
        model = solver.model()
    minimised = False
    if ob.claim == "forall":  # a counterexample is worth making small
        model, minimised = minimise(scene, hard, model, limits.minimise_seconds)
    example, bug = replay(scene, ob, model, minimised, expect=ob.claim == "exists")
    status = FAILS if ob.claim == "forall" else HOLDS
    return Result(ob, status, scene.max_items, elapsed(), (), summarise_assumptions(t for t, _ in scene.assumptions),
                  example, bug=bug)  # fmt: skip


def _ms(limits: Limits, spent: float) -> int:
    return max(1, int((limits.timeout - spent) * 1000))


def _solver(limits: Limits, spent: float) -> z3.Solver:
    solver = z3.Solver()
    solver.set("timeout", _ms(limits, spent))
    if limits.rlimit is not None:
        solver.set("rlimit", limits.rlimit)
    return solver


def _fewer_items(scene: Scene):
    """For n = 0, 1, …: the literals that leave every list at most n items (items fill the first slots)."""
    syms = list(dict.fromkeys(d.case for d in scene.decisions.values()))
    for n in range(scene.max_items):
        yield [z3.Not(sym.slots[name][n].present) for sym in syms for name in sym.slots]


def _write_smtlib(directory: Path, ob: Obligation, scene: Scene, hard: list[z3.BoolRef]) -> None:
    """The query as SMT-LIB: every rule, domain assumption and the negated claim (or the claim)."""
    directory.mkdir(parents=True, exist_ok=True)
    export = z3.Solver()
    export.add(hard)
    meaning = "a counterexample" if ob.claim == "forall" else "a witness"
    head = [
        f"; visa-rules prove: {ob.id}: {ob.title}",
        f"; {ob.claim} claim over {', '.join(ob.cases) or 'values'}, for cases with at most "
        f"{scene.max_items} items per list",
        f"; sat: Z3 found {meaning}; unsat: {'it holds' if ob.claim == 'forall' else 'there is none'}",
    ]
    (directory / f"{ob.id}.smt2").write_text("\n".join(head) + "\n" + export.to_smt2(), encoding="utf-8")


# ---------------------------------------------------------------- replay


def replay(scene: Scene, ob: Obligation, model: z3.ModelRef, minimised: bool, expect: bool) -> tuple[Example, str]:
    """The model as case files, decided again by clingo and by Python, and the claim re-read on
    their decisions. `expect` is what the claim must come to (False for a counterexample)."""
    policy = scene.policy
    read = read_model(model)
    files, cases, verdicts, problems = {}, {}, {}, []
    for name, decision in scene.decisions.items():
        try:
            files[name], cases[name] = as_case_file(policy, case_from_model(policy, decision.case, read))
            by_z3 = z3_verdict(decision, read)
            verdicts[name] = by_clingo = solve_clingo(policy, cases[name])
            by_python = python_evaluate(policy, cases[name])
        except Exception as err:  # noqa: BLE001 - any failure here is the tool's, not the policy's
            problems.append(f"case {name}: {type(err).__name__}: {err}")
            continue
        if not (by_clingo.comparable() == by_python.comparable() == by_z3.comparable()):
            problems.append(f"case {name}: clingo, Python and Z3 decide it differently "
                            f"(outcomes {by_clingo.outcome}, {by_python.outcome}, {by_z3.outcome}; "
                            f"points {by_clingo.points}, {by_python.points}, {by_z3.points})")  # fmt: skip
    values = {n: read(v) for n, v in scene.values.items()}
    if not problems:
        got = evaluate_formula(policy, ob.formula, cases, verdicts, values)
        if got != expect:
            problems.append(f"the claim is {'true' if got else 'false'} on the replayed decisions, "
                            f"but Z3's model makes it {'true' if expect else 'false'}")  # fmt: skip
    shown = {n: show_value(policy, t, values[n]) for n, t in ob.values}
    return Example(files, shown, verdicts, minimised), "; ".join(problems)


def show_value(policy: ir.Policy, t: ir.Type, value: int | str) -> str:
    """A quantified value as written in a policy ($29.66, 2024-05-01, an enumeration member's label)."""
    labels = policy.enum_by_name[t.enum].labels if t.kind == "enum" else ()
    return format_value(t.kind, value, labels=labels)


class FormulaEvaluator(ir.FormulaVisitor):
    """A formula read on decided cases: the Python reading, to check Z3's counterexamples."""

    reader = "the Python formula evaluator"

    def __init__(self, policy: ir.Policy, cases: dict[str, CaseData], verdicts: dict[str, ir.Verdict], values: dict):
        self.cases, self.verdicts = cases, verdicts
        # points(…) is read after every rule: the decision's totals
        self.evaluators = {name: Evaluator(policy, case, points=verdicts[name].points) for name, case in cases.items()}
        bare = CaseData(dict(values), {}, {}, {}, dt.date.min)
        self.evaluators[""] = Evaluator(policy, bare)

    def eval(self, f: ir.Formula, item: int | None = None):
        return self.dispatch(f, item)

    def _CaseExpr(self, f, item):
        return self.evaluators[f.case].eval(f.expr, item if f.expr.scope is not None else None)

    def _OutcomeIs(self, f, item):
        return self.verdicts[f.case].outcome == f.outcome

    def _RuleIs(self, f, item):
        v = self.verdicts[f.case]
        if f.status == "assessed":
            return f.rule in v.results
        if f.status == "not_assessed":
            return f.rule in v.not_assessed
        if f.status == "not_applicable":
            return f.rule in v.not_applicable
        if f.status == "not_in_force":
            return f.rule not in v.results and f.rule not in v.not_assessed and f.rule not in v.not_applicable
        return v.results.get(f.rule) == f.status

    def _AwardOf(self, f, item):
        return self.verdicts[f.case].awarded.get(f.rule, 0)

    def _FNot(self, f, item):
        return not self.eval(f.operand, item)

    def _Connective(self, f, item):
        a, b = bool(self.eval(f.left, item)), bool(self.eval(f.right, item))
        return {"and": a and b, "or": a or b, "implies": (not a) or b}[f.op]

    def _Relation(self, f, item):
        a, b = self.eval(f.left, item), self.eval(f.right, item)
        return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b, "==": a == b, "!=": a != b}[f.op]

    def _EachItem(self, f, item):
        n = min((len(c.items[f.list]) for c in self.cases.values()), default=0)
        return all(self.eval(f.body, i) for i in range(n))


def evaluate_formula(policy: ir.Policy, f: ir.Formula, cases, verdicts, values) -> bool:
    return bool(FormulaEvaluator(policy, cases, verdicts, values).eval(f))


@dataclass(frozen=True)
class Summary:
    held: int
    failed: int
    unknown: int  # never counted as holding
    bugs: int


def summarise(results: tuple[Result, ...]) -> Summary:
    count = lambda status: sum(1 for r in results if r.status == status)  # noqa: E731
    return Summary(count(HOLDS), count(FAILS), count(UNKNOWN), sum(1 for r in results if r.bug))


EXIT_HOLDS, EXIT_FAILS, EXIT_UNKNOWN, EXIT_BUG = 0, 1, 3, 4


def exit_code(results: tuple[Result, ...]) -> int:
    """0 all hold; 1 some fail; 3 some unknown (none fail); 4 the readings disagree (a visa-rules bug)."""
    if any(r.bug for r in results):
        return EXIT_BUG
    if any(r.status == FAILS for r in results):
        return EXIT_FAILS
    if any(r.status == UNKNOWN for r in results):
        return EXIT_UNKNOWN
    return EXIT_HOLDS
