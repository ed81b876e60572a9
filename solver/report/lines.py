"""What every format of an explanation shows: the report's sections and the lines they are built of
(`node_line` and friends), so that JSON, Markdown, HTML and the terminal never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..analyses.explain import Explanation, RuleExplanation
from ..analyses.explain.whynot import Gap
from ..analyses.whatif import ADVERSE, Alternative, Blocker, WhatIf

if TYPE_CHECKING:
    from .view import Context

SECTIONS = ("why", "why_not", "what_if")

EFFECT_WORDS = {
    "met": "met",
    "not_met": "not met",
    "raised": "concern raised",
    "clear": "no concern",
    "stopped": "stopped",
    "passed": "passed",
    "awarded": "points",
    "deferred": "deferred",
    "included": "included",
    "not_assessed": "not assessed",
    "not_applicable": "not applicable",
    "not_in_force": "not in force",
}
EFFECT_MARK = {
    "met": "✔", "passed": "✔", "clear": "✔", "awarded": "+",
    "not_met": "✘", "stopped": "■", "raised": "!", "deferred": "»", "included": "✔",
    "not_assessed": "–", "not_applicable": "–", "not_in_force": "–",
}  # fmt: skip


@dataclass(frozen=True)
class Report:
    """What was asked for: the explanation, and the what-if search when requested; `context`
    (which policy and tool, the SOP step names) when the caller has the policy at hand."""

    explanation: Explanation
    sections: tuple[str, ...]
    what_if: WhatIf | None = None
    context: Context | None = None


# ---------------------------------------------------------------- shared lines


def effect_summary(r: RuleExplanation) -> str:
    if r.effect == "awarded" and r.points is not None:
        of = f" of a possible {r.max_points}" if r.max_points is not None else ""
        return f"{r.points} point{'s' if r.points != 1 else ''}{of}"
    return EFFECT_WORDS[r.effect]


def rule_uses(r: RuleExplanation) -> list[str]:
    out = [f"fact: {f.input} = {f.value}" + (f" ({f.doc})" if f.doc else "") for f in r.facts]
    out += [
        f"dated value: {p.parameter} on {p.day} ({p.day_of}) = {p.value}, in force from "
        f"{p.in_force_from} — cites {'; '.join(p.cites)}"
        for p in r.parameters
    ]
    out += [
        f"table: {t.table}[{t.key}]"
        + (f".{t.column} = {t.value}" if t.column else f" {'found' if t.found else 'not found'}")
        for t in r.tables
    ]
    return out


def gap_line(g: Gap) -> str:
    where = f"{g.item}: " if g.item else ""
    if g.kind == "condition":
        return f"{where}{g.condition} — {g.text}"
    if g.kind == "branch":
        return f"{g.text}, when {g.condition}"
    return f"{where}{g.text}"


def points_line(e: Explanation) -> str:
    total = sum(e.points.values())
    parts = []
    for cat, n in e.points.items():
        best = e.possible.get(cat)
        parts.append(f"{cat} {n}" + (f" of {best}" if best is not None else ""))
    return f"{total} ({', '.join(parts)})"


def change_line(a: Alternative) -> str:
    return "; ".join(f"{c.input}: {c.old} → {c.new}" for c in a.changes)


def outcome_words(outcome: str) -> str:
    return outcome.replace("_", " ")


def blocker_line(b: Blocker) -> str:
    reads = "; ".join(f"{i.input}: {i.note}" for i in b.inputs)
    return f"{b.rule} {ADVERSE[b.effect]} whatever changes: {b.text} (reads {reads})"
