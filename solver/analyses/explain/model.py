"""What an explanation holds: the justification tree of each rule, the facts, dated values and
table rows it read, the actions for the analyst, and (why not) the shortfalls."""

from __future__ import annotations

from dataclasses import dataclass

from ...backends.asp import SolverError
from .whynot import Gap

SCHEMA = "visa-rules/explanation/1"


class ExplainMismatch(SolverError):
    """The Python evaluator read a rule differently from clingo: a bug in a back end."""


@dataclass(frozen=True)
class Fact:
    """A case value a rule read."""

    input: str  # employment.pay_per_hour, work[0].start
    value: str  # in its unit
    doc: str

    def to_json(self) -> dict:
        return {"input": self.input, "value": self.value, "doc": self.doc}


@dataclass(frozen=True)
class ParamUse:
    """A dated value a rule read: which day, which entry, and its source."""

    parameter: str
    doc: str
    day: str
    day_of: str  # what the day is: lodgement_date, work[0].start
    value: str
    in_force_from: str
    cites: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "parameter": self.parameter,
            "doc": self.doc,
            "date": self.day,
            "date_of": self.day_of,
            "value": self.value,
            "in_force_from": self.in_force_from,
            "cites": list(self.cites),
        }


@dataclass(frozen=True)
class TableUse:
    table: str
    key: str
    column: str  # "" for a membership test
    value: str
    found: bool

    def to_json(self) -> dict:
        return {"table": self.table, "key": self.key, "column": self.column, "value": self.value, "found": self.found}


@dataclass(frozen=True)
class Node:
    """One step of a justification. `holds` is set for conditions (None for plain values);
    `note` says how it was reached (the branch taken, or "see above" for a define shown before)."""

    kind: str
    label: str
    value: str = ""
    holds: bool | None = None
    detail: str = ""
    doc: str = ""
    note: str = ""
    cites: tuple[str, ...] = ()
    children: tuple[Node, ...] = ()

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "value": self.value,
            "holds": self.holds,
            "detail": self.detail,
            "doc": self.doc,
            "note": self.note,
            "cites": list(self.cites),
            "children": [c.to_json() for c in self.children],
        }

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class RuleExplanation:
    rule: str
    title: str
    kind: str  # require | concern | stop | points
    stage: int
    effect: str  # a Verdict result, or not_assessed | not_applicable | not_in_force
    text: str  # the reason text decide gives ("" when not assessed)
    cites: tuple[str, ...]
    clauses: tuple[str, ...]
    sop_steps: tuple[str, ...]
    window: tuple[str, str]  # the rule's own from / until ("" when open)
    points: int | None = None
    max_points: int | None = None
    blocked_by: str = ""
    applies: Node | None = None
    tree: Node | None = None
    facts: tuple[Fact, ...] = ()
    parameters: tuple[ParamUse, ...] = ()
    tables: tuple[TableUse, ...] = ()

    @property
    def assessed(self) -> bool:
        return self.effect not in ("not_assessed", "not_applicable", "not_in_force")


@dataclass(frozen=True)
class Action:
    """What the analyst must do about a finding: ask for evidence (RFI) or tell the applicant (PPI)."""

    rule: str
    title: str
    kind: str  # RFI | PPI | DEFER
    finding: str  # the rule's reason text
    ask: str
    evidence: tuple[Fact, ...]
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Shortfall:
    """A rule with a worse result than it could have: what must change, and by how much."""

    rule: str
    title: str
    effect: str
    summary: str
    cites: tuple[str, ...]
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class Explanation:
    source: str
    outcome: str
    category: str
    version: str
    version_from: str
    version_cites: tuple[str, ...]
    lodgement: str
    points: dict[str, int]
    possible: dict[str, int | None]  # the most each category's rules in force can give
    rules: tuple[RuleExplanation, ...]
    actions: tuple[Action, ...]
    shortfalls: tuple[Shortfall, ...]

    def rule(self, rule_id: str) -> RuleExplanation:
        return next(r for r in self.rules if r.rule == rule_id)
