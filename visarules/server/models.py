"""The API's JSON as pydantic models: the decision (`visa-rules decide --format json`), the
explanation (schema `visa-rules/explanation/1`, `visa-rules explain --format json`), the policy
summary, batch rows and errors.

The CLI builds these documents as plain dicts (`Decision.to_json`, `solver.report.to_json`); the
server validates each one against its model before sending it, and every model forbids unknown
keys, so a key added on one side and not the other fails at once (the tests check every worked
case). Their JSON Schemas are published at `GET /v1/schema/{name}`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DecisionModel", "ExplanationModel", "PolicyModel", "BatchRow", "CaseProblems", "SCHEMAS"]

Outcome = Literal["eligible", "concerns", "not_eligible"]
# Effects and rule kinds are open: the language gains effects (the README lists them), and an answer
# must not fail validation because a policy uses a new one.
Effect = str  # met | not_met | raised | clear | stopped | passed | awarded | …
Status = str  # an Effect, or not_assessed | not_applicable | not_in_force


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---------------------------------------------------------------- the decision


class VersionRef(_Model):
    name: str = Field(description="the instruction version in force on the lodgement date")
    from_: str = Field(alias="from", description="the day it came into force (YYYY-MM-DD)")


class DecisionPoints(_Model):
    total: int
    by_category: dict[str, int]


class Reason(_Model):
    rule: str = Field(description="the rule's stable id")
    title: str
    effect: Effect
    text: str = Field(description="the reason, with the case's values in their units")
    cites: list[str] = Field(description="instruction clauses and SOP steps")
    stage: int
    version: str = Field(description="the instruction version the reason was decided under")
    points: int | None = Field(None, description="points awarded (points rules only)")
    inferred: bool | None = Field(None, description="present and true when the SOP text was lost")


class RuleRef(_Model):
    rule: str
    title: str


class DecisionModel(_Model):
    """`visa-rules decide --format json`: the outcome and every reason."""

    outcome: Outcome
    category: str
    instruction_version: VersionRef
    points: DecisionPoints
    reasons: list[Reason]
    concerns: list[Reason] = Field(description="the reasons whose concern was raised (RFI or PPI)")
    deferred: list[Reason] = Field(description="findings that defer a secondary applicant (the rest goes on)")
    not_assessed: list[RuleRef] = Field(description="rules skipped because an earlier stage stopped the assessment")
    not_applicable: list[RuleRef] = Field(description="rules whose condition does not apply to this case")
    engine: str


# ---------------------------------------------------------------- the explanation


class VersionWithCites(_Model):
    name: str
    from_: str = Field(alias="from")
    cites: list[str]


class ExplanationPoints(_Model):
    total: int
    by_category: dict[str, int]
    possible: dict[str, int | None] = Field(description="the most each category's rules in force can give")


class Node(_Model):
    kind: str
    label: str
    value: str
    holds: bool | None = Field(description="for conditions: whether it holds; null for plain values")
    detail: str
    doc: str
    note: str
    cites: list[str]
    children: list[Node]


class Fact(_Model):
    input: str
    value: str
    doc: str


class ParameterUse(_Model):
    parameter: str
    doc: str
    date: str
    date_of: str
    value: str
    in_force_from: str
    cites: list[str]


class TableUse(_Model):
    table: str
    key: str
    column: str
    value: str
    found: bool


class InForce(_Model):
    from_: str | None = Field(alias="from")
    until: str | None


class RuleExplanation(_Model):
    rule: str
    title: str
    kind: str = Field(description="require | concern | stop | points | …")
    stage: int
    effect: Status
    text: str
    points: int | None
    max_points: int | None
    cites: list[str]
    clauses: list[str]
    sop_steps: list[str]
    version: VersionRef
    in_force: InForce
    blocked_by: str | None
    applies: Node | None
    tree: Node | None
    facts: list[Fact]
    parameters: list[ParameterUse]
    tables: list[TableUse]


class Action(_Model):
    rule: str
    title: str
    action: str = Field(description="RFI | PPI")
    finding: str
    ask: str
    evidence: list[Fact]
    cites: list[str]


class Why(_Model):
    rules: list[RuleExplanation]
    actions: list[Action]


class RawMargin(_Model):
    value: int | str
    needed: int | str | None
    gap: int | None


class Margin(_Model):
    unit: str
    value: str
    needed: str
    gap: str
    direction: Literal["increase", "decrease", "change", "none"]
    raw: RawMargin


class Gap(_Model):
    kind: str
    condition: str
    text: str
    must_hold: bool
    item: str
    margin: Margin | None
    parts: list[Gap]


class Shortfall(_Model):
    rule: str
    title: str
    effect: Status
    summary: str
    cites: list[str]
    gaps: list[Gap]


class Considered(_Model):
    input: str
    cost: int
    later_only: bool
    values: int


class Change(_Model):
    input: str
    from_: str = Field(alias="from")
    to: str
    from_value: Any
    to_value: Any
    cost: int


class Alternative(_Model):
    rank: int
    cost: int
    changes: list[Change]
    outcome: Outcome
    python_outcome: Outcome
    points: dict[str, int]
    case: dict[str, Any] = Field(description="the whole changed case file")


class BlockerInput(_Model):
    input: str
    changeable: bool
    note: str


class Blocker(_Model):
    rule: str
    title: str
    effect: str
    text: str
    inputs: list[BlockerInput]


class WhatIf(_Model):
    status: Literal["eligible", "found", "none"]
    outcome: Outcome
    note: str
    considered: list[Considered]
    alternatives: list[Alternative]
    blockers: list[Blocker]


class ExplanationModel(_Model):
    """`visa-rules explain --format json` (schema `visa-rules/explanation/1`)."""

    schema_: Literal["visa-rules/explanation/1"] = Field(alias="schema")
    source: str
    outcome: Outcome
    category: str
    lodgement_date: str
    instruction_version: VersionWithCites
    points: ExplanationPoints
    engine: str
    cross_checked_with: str
    sections: list[Literal["why", "why_not", "what_if"]]
    why: Why | None
    why_not: list[Shortfall] | None
    what_if: WhatIf | None


# ---------------------------------------------------------------- the policy, batches, errors


class PolicyVersion(_Model):
    name: str
    from_: str = Field(alias="from")
    cites: list[str]
    categories: list[str] = Field(description="the categories it is for")
    in_force_for: list[str] = Field(description="the categories it is the version in force for, on the date")


class PolicyRule(_Model):
    rule: str
    title: str
    kind: str
    stage: int
    categories: list[str]
    in_force: InForce
    in_force_on_date: bool
    cites: list[str]


class PolicyParameter(_Model):
    parameter: str
    doc: str
    type: str
    value: str = Field(description="the value in force on the date, in its unit")
    in_force_from: str
    cites: list[str]


class PolicyTable(_Model):
    table: str
    doc: str
    rows: int


class PolicySopStep(_Model):
    step: str
    title: str


class PolicySop(_Model):
    sop: str
    title: str
    published: str
    source: str
    steps: list[PolicySopStep]


class PolicyCategory(_Model):
    category: str
    label: str


class PolicyModel(_Model):
    """`GET /v1/policy`: what the server decides with, as in force on a date."""

    title: str
    digest: str = Field(description="a short hash of the policy's files")
    tool_version: str
    date: str
    version_in_force: dict[str, str | None] = Field(description="per category: the version in force on the date")
    versions: list[PolicyVersion]
    categories: list[PolicyCategory]
    rules: list[PolicyRule]
    parameters: list[PolicyParameter]
    tables: list[PolicyTable]
    sops: list[PolicySop]


class CaseProblems(_Model):
    """A case that does not fit the policy (HTTP 422): the same messages as the CLI gives."""

    error: Literal["invalid_case", "invalid_request", "too_large"]
    source: str
    problems: list[str]
    message: str


class BatchRow(_Model):
    """One line of `POST /v1/batch`'s answer, for each case line of the request, in order."""

    line: int = Field(description="the line of the request body (1-based)")
    ok: bool
    decision: DecisionModel | None = None
    error: CaseProblems | None = None


SCHEMAS: dict[str, type[BaseModel]] = {
    "decision": DecisionModel,
    "explanation": ExplanationModel,
    "policy": PolicyModel,
    "batch-row": BatchRow,
    "error": CaseProblems,
}
