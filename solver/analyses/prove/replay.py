"""A model read back as case files and decided again in full by clingo, the Python evaluator and Z3,
and the claim read again on their decisions: Z3's word is never taken alone.

A query is sliced (`slicing`); its model fixes the inputs the slice reads. The case is decided
with the whole policy by clingo and the Python evaluator, which must agree, and the sliced rules
must come out in that decision as Z3's model has them, so that a fault in the Z3 lowering or in
slicing shows as a bug rather than as a wrong result. A witness of an `exists` claim (a built-in
check finds some two hundred of them) is decided by the Python evaluator alone, beside Z3's model:
clingo's grounding would double the time of the whole proof suite; the differential tests hold
clingo to the same decisions.
"""

from __future__ import annotations

import datetime as dt

import z3

from ....dsl import ir
from ....dsl.units import format_value
from ...backends.asp import solve as solve_clingo
from ...backends.python import Evaluator
from ...backends.python import evaluate as python_evaluate
from ...case import CaseData, load_case
from .obligations import Obligation
from .results import Example
from .scene import Scene, as_case_file, case_from_model, full_case, read_model, z3_verdict
from .shrink import shrink

__all__ = ["replay", "redecide", "rule_state", "show_value", "FormulaEvaluator", "evaluate_formula"]


def rule_state(v: ir.Verdict, rule_id: str) -> str:
    """A rule's part in a decision: its result, not_assessed, not_applicable or not_in_force."""
    if rule_id in v.results:
        return v.results[rule_id]
    if rule_id in v.not_assessed:
        return "not_assessed"
    if rule_id in v.not_applicable:
        return "not_applicable"
    return "not_in_force"


def replay(
    policy: ir.Policy,
    scene: Scene,
    ob: Obligation,
    model: z3.ModelRef,
    minimised: bool,
    expect: bool,
    clingo: bool = True,
    shrink_case: bool = False,
) -> tuple[Example, str]:
    """The model as case files of `policy`, checked against the Python evaluator on the slice's
    rules, then (`shrink_case`, for a claim about one case) shrunk while the claim still comes to
    `expect`, decided again by clingo (unless `clingo` is False) and by Python, and the claim
    re-read on their decisions. `expect` is what the claim must come to (False for a
    counterexample). Gives the example and what went wrong ("" when nothing did)."""
    read = read_model(model, scene.fill)
    files, cases, verdicts, problems = {}, {}, {}, []
    for name, decision in scene.decisions.items():
        try:
            cases[name] = full_case(policy, case_from_model(scene.policy, decision.case, read))
            as_case_file(policy, cases[name])  # the model's case must survive being written out
            by_python = python_evaluate(policy, cases[name])
            sliced = z3_verdict(decision, read)
        except Exception as err:  # noqa: BLE001 - any failure here is the tool's, not the policy's
            problems.append(f"case {name}: {type(err).__name__}: {err}")
            continue
        for rule in scene.policy.rules:  # Z3's reading: the model, on the rules of the slice
            if rule_state(sliced, rule.id) != rule_state(by_python, rule.id):
                problems.append(f"case {name}: Z3's model has {rule.id} {rule_state(sliced, rule.id)}, "
                                f"the Python evaluator {rule_state(by_python, rule.id)}")  # fmt: skip
                break
            if rule.kind == "points" and sliced.awarded.get(rule.id) != by_python.awarded.get(rule.id):
                problems.append(f"case {name}: Z3's model awards {sliced.awarded.get(rule.id)} by {rule.id}, "
                                f"the Python evaluator {by_python.awarded.get(rule.id)}")  # fmt: skip
                break
    values = {n: read(v) for n, v in scene.values.items()}
    if shrink_case and not problems and len(cases) == 1:
        (name,) = cases

        def keep(c: CaseData) -> bool:
            return evaluate_formula(policy, ob.formula, {name: c}, {name: python_evaluate(policy, c)}, values) == expect

        if keep(cases[name]):  # `minimised`: whether Z3 found the fewest items
            cases[name] = shrink(policy, cases[name], keep, earliest=policy.versions[0].start)
    for name in list(cases):
        try:
            files[name], cases[name] = as_case_file(policy, cases[name])
            by_python = python_evaluate(policy, cases[name])
            verdicts[name] = by_clingo = solve_clingo(policy, cases[name]) if clingo else by_python
        except Exception as err:  # noqa: BLE001 - any failure here is the tool's, not the policy's
            problems.append(f"case {name}: {type(err).__name__}: {err}")
            continue
        if by_clingo.comparable() != by_python.comparable():
            problems.append(f"case {name}: clingo and Python decide it differently "
                            f"(outcomes {by_clingo.outcome}, {by_python.outcome}; "
                            f"points {by_clingo.points}, {by_python.points})")  # fmt: skip
    if not problems:
        got = evaluate_formula(policy, ob.formula, cases, verdicts, values)
        if got != expect:
            problems.append(f"the claim is {'true' if got else 'false'} on the replayed decisions, "
                            f"but Z3's model makes it {'true' if expect else 'false'}")  # fmt: skip
    shown = {n: show_value(policy, t, values[n]) for n, t in ob.values}
    return Example(files, shown, verdicts, minimised), "; ".join(problems)


def redecide(policy: ir.Policy, ob: Obligation, example: Example, expect: bool) -> tuple[Example, str]:
    """A stored example decided again by the Python evaluator under `policy` (for a cached result):
    its decisions brought up to date, and the claim checked to come out as it did (for claims
    over cases alone; quantified values are stored only as shown)."""
    cases = {name: load_case(policy, data, f"<{ob.id}>") for name, data in example.cases.items()}
    verdicts = {name: python_evaluate(policy, c) for name, c in cases.items()}
    problem = ""
    if cases and not ob.values and evaluate_formula(policy, ob.formula, cases, verdicts, {}) != expect:
        problem = f"the stored example no longer makes the claim {'true' if expect else 'false'}"
    return Example(example.cases, example.values, verdicts, example.minimised), problem


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
        if f.status in ("not_assessed", "not_applicable", "not_in_force"):
            return rule_state(v, f.rule) == f.status
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
