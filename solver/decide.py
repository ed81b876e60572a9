"""Decide a case: run clingo on the policy's ASP program plus the case's facts, build the Decision.

The Decision is the same whichever reading produced the Verdict (clingo by default; the Python
evaluator and Z3 are there to cross-check). Reason texts are rendered here from the values the
solver derived for each placeholder, with units.
"""

from __future__ import annotations

from dataclasses import dataclass

import clingo

from ..dsl import ir
from ..dsl.encoding import decode_date, decode_last_day, format_duration, format_money, is_exact_date
from . import asp
from .case import CaseData
from .verdict import Verdict, outcome_of


class SolverError(RuntimeError):
    """The solver did something the semantics rule out (no model, two models): a bug in visa-rules."""


def solve_clingo(policy: ir.Policy, case: CaseData) -> Verdict:
    ctl = clingo.Control(["--warn=none", "--models=2"])
    ctl.add("base", [], asp.program(policy))
    with ctl.backend() as backend:
        for symbol in asp.case_symbols(policy, case):
            backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    models: list[list[clingo.Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(m.symbols(shown=True)))
    if len(models) != 1:
        raise SolverError(f"clingo found {len(models)} answer sets for one case; the program must have exactly one")
    return _verdict_from_atoms(policy, models[0])


def _verdict_from_atoms(policy: ir.Policy, atoms: list[clingo.Symbol]) -> Verdict:
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    points = {c.name: 0 for c in policy.categories}
    raw_values: dict[str, dict[int, int | str]] = {}
    outcome, version = None, None
    not_assessed, not_applicable = set(), set()
    for a in atoms:
        args = a.arguments
        if a.name == "result":
            results[args[0].string] = args[1].name
        elif a.name == "points_awarded":
            awarded[args[0].string] = args[2].number
            points[args[1].string] += args[2].number
        elif a.name == "show_value":
            v = args[2]
            raw_values.setdefault(args[0].string, {})[args[1].number] = v.string if v.type == clingo.SymbolType.String else v.number
        elif a.name == "outcome":
            outcome = args[0].name
        elif a.name == "version":
            version = args[0].string
        elif a.name == "not_assessed":
            not_assessed.add(args[0].string)
        elif a.name == "not_applicable":
            not_applicable.add(args[0].string)
    order = [r.id for r in policy.rules]
    values = {
        rid: tuple(raw_values.get(rid, {})[k] for k in range(len(policy.rule_by_id[rid].placeholders)))
        for rid in order
        if rid in results
    }
    if outcome != outcome_of(results):
        raise SolverError(f"clingo derived outcome {outcome} but its rule results give {outcome_of(results)}")
    return Verdict(
        outcome=outcome,
        version=version,
        points=points,
        results={rid: results[rid] for rid in order if rid in results},
        awarded=awarded,
        not_assessed=tuple(r for r in order if r in not_assessed),
        not_applicable=tuple(r for r in order if r in not_applicable),
        values=values,
    )


ENGINES = ("clingo", "python", "z3")


def verdict(policy: ir.Policy, case: CaseData, engine: str = "clingo") -> Verdict:
    if engine == "clingo":
        return solve_clingo(policy, case)
    if engine == "python":
        from .interp import evaluate

        return evaluate(policy, case)
    if engine == "z3":
        from .smt import evaluate as smt_evaluate

        return smt_evaluate(policy, case)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


# ---------------------------------------------------------------- the decision


@dataclass(frozen=True)
class Reason:
    rule: str
    title: str
    effect: str
    text: str
    cites: tuple[str, ...]
    stage: int
    version: str
    points: int | None = None
    inferred: bool = False

    def to_json(self) -> dict:
        out = {
            "rule": self.rule,
            "title": self.title,
            "effect": self.effect,
            "text": self.text,
            "cites": list(self.cites),
            "stage": self.stage,
            "version": self.version,
        }
        if self.points is not None:
            out["points"] = self.points
        if self.inferred:
            out["inferred"] = True
        return out


@dataclass(frozen=True)
class Decision:
    outcome: str
    category: str
    version: str
    version_from: str
    points: dict[str, int]
    reasons: tuple[Reason, ...]
    concerns: tuple[Reason, ...]
    not_assessed: tuple[tuple[str, str], ...]  # (rule id, title)
    not_applicable: tuple[tuple[str, str], ...]
    engine: str

    @property
    def total_points(self) -> int:
        return sum(self.points.values())

    def to_json(self) -> dict:
        return {
            "outcome": self.outcome,
            "category": self.category,
            "instruction_version": {"name": self.version, "from": self.version_from},
            "points": {"total": self.total_points, "by_category": dict(self.points)},
            "reasons": [r.to_json() for r in self.reasons],
            "concerns": [r.to_json() for r in self.concerns],
            "not_assessed": [{"rule": rid, "title": t} for rid, t in self.not_assessed],
            "not_applicable": [{"rule": rid, "title": t} for rid, t in self.not_applicable],
            "engine": self.engine,
        }


def decide(policy: ir.Policy, case: CaseData, engine: str = "clingo") -> Decision:
    v = verdict(policy, case, engine)
    return build_decision(policy, case, v, engine)


def build_decision(policy: ir.Policy, case: CaseData, v: Verdict, engine: str) -> Decision:
    version = next(x for x in policy.versions if x.name == v.version)
    reasons = []
    for rule_id, result in v.results.items():
        rule = policy.rule_by_id[rule_id]
        text = render(policy, case, rule, result, v.values.get(rule_id, ()))
        reasons.append(
            Reason(
                rule=rule.id,
                title=rule.title,
                effect=result,
                text=text,
                cites=tuple(str(c) for c in rule.cites),
                stage=rule.stage,
                version=version.name,
                points=v.awarded.get(rule.id),
                inferred=rule.inferred,
            )
        )
    category_enum = policy.category_enum
    titles = {r.id: r.title for r in policy.rules}
    return Decision(
        outcome=v.outcome,
        category=category_enum.members[case.scalars["category"]],
        version=version.name,
        version_from=version.start.isoformat(),
        points=dict(v.points),
        reasons=tuple(reasons),
        concerns=tuple(r for r in reasons if r.effect == "raised"),
        not_assessed=tuple((rid, titles[rid]) for rid in v.not_assessed),
        not_applicable=tuple((rid, titles[rid]) for rid in v.not_applicable),
        engine=engine,
    )


def render(policy: ir.Policy, case: CaseData, rule: ir.Rule, result: str, values: tuple) -> str:
    """A reason text with each placeholder shown in its unit ($, dates, months)."""
    index = {p: i for i, p in enumerate(rule.placeholders)}
    out = []
    for part in rule.template(result):
        if isinstance(part, str):
            out.append(part)
        else:
            out.append(format_value(policy, case, part, values[index[part]]))
    return "".join(out)


def format_value(policy: ir.Policy, case: CaseData, e: ir.Expr, value: int | str) -> str:
    if isinstance(e, ir.Input) and not case.known.get(e.path, True):
        return "not given"
    kind = e.type.kind
    if kind == "money":
        return format_money(value)
    if kind == "date":
        if not is_exact_date(value):  # e.g. the max of an empty list of dates
            return "no date"
        last_day = isinstance(e, ir.Input) and policy.input_field(e.path).last_day
        return (decode_last_day(value) if last_day else decode_date(value)).isoformat()
    if kind == "duration":
        return format_duration(value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "enum":
        enum = policy.enum_by_name[e.type.enum]
        return enum.labels[value]
    return str(value)
