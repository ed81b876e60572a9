"""Decide a case: a reading's Verdict (clingo by default) made into the Decision with its reasons.

The Decision is the same whichever reading produced the Verdict (the Python evaluator and Z3 are
there to cross-check). Reason texts are rendered here from the values the reading derived for each
placeholder, with units.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dsl import ir
from ..dsl.units import format_value as format_in_unit
from .backends.asp import SolverError
from .backends.registry import DEFAULT, ENGINES, verdict
from .case import CaseData

__all__ = ["Decision", "Reason", "decide", "build_decision", "render", "format_value", "verdict", "ENGINES",
           "SolverError"]  # fmt: skip


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

    @property
    def deferred(self) -> tuple[Reason, ...]:
        """Findings that defer a secondary applicant: the rest of the application goes on."""
        return tuple(r for r in self.reasons if r.effect == "deferred")

    def to_json(self) -> dict:
        return {
            "outcome": self.outcome,
            "category": self.category,
            "instruction_version": {"name": self.version, "from": self.version_from},
            "points": {"total": self.total_points, "by_category": dict(self.points)},
            "reasons": [r.to_json() for r in self.reasons],
            "concerns": [r.to_json() for r in self.concerns],
            "deferred": [r.to_json() for r in self.deferred],
            "not_assessed": [{"rule": rid, "title": t} for rid, t in self.not_assessed],
            "not_applicable": [{"rule": rid, "title": t} for rid, t in self.not_applicable],
            "engine": self.engine,
        }


def decide(policy: ir.Policy, case: CaseData, engine: str = DEFAULT) -> Decision:
    v = verdict(policy, case, engine)
    return build_decision(policy, case, v, engine)


def build_decision(policy: ir.Policy, case: CaseData, v: ir.Verdict, engine: str) -> Decision:
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
    out = []
    for part, k in _template(rule, result):
        out.append(part if isinstance(part, str) else format_value(policy, case, part, values[k]))
    return "".join(out)


_TEMPLATES: dict[tuple[int, str], tuple[ir.Rule, tuple]] = {}


def _template(rule: ir.Rule, result: str) -> tuple:
    """A template's parts, each placeholder with its index in `rule.placeholders`; worked out once
    per rule (hashing IR trees is deep, and a batch renders every rule's text for every case)."""
    key = (id(rule), result)
    hit = _TEMPLATES.get(key)
    if hit is None or hit[0] is not rule:
        index = {p: i for i, p in enumerate(rule.placeholders)}
        parts = tuple((part, -1 if isinstance(part, str) else index[part]) for part in rule.template(result))
        hit = _TEMPLATES[key] = (rule, parts)
    return hit[1]


def format_value(policy: ir.Policy, case: CaseData, e: ir.Expr, value: int | str) -> str:
    """A placeholder's value in a reason text: in its unit, text bare; an unknown input is "not given"."""
    if isinstance(e, ir.Input) and not case.known.get(e.path, True):
        return "not given"
    kind = e.type.kind
    labels = policy.enum_by_name[e.type.enum].labels if kind == "enum" else ()
    last_day = isinstance(e, ir.Input) and policy.input_field(e.path).last_day
    return format_in_unit(kind, value, labels=labels, last_day=last_day)
