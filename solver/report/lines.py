"""What every format of an explanation shows: the report's sections and the lines they are built of
(`node_line` and friends), so that JSON, Markdown, HTML and the terminal never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..analyses.explain import Explanation, Node, RuleExplanation
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
    "not_assessed": "not assessed",
    "not_applicable": "not applicable",
    "not_in_force": "not in force",
}
MARK = {True: "✔", False: "✘", None: "•"}
EFFECT_MARK = {
    "met": "✔", "passed": "✔", "clear": "✔", "awarded": "+",
    "not_met": "✘", "stopped": "■", "raised": "!",
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


def node_line(n: Node, with_cites: bool = True) -> str:
    line = n.label
    if n.value:
        line += (" = " if n.holds is None else ": ") + n.value
    if n.detail:
        line += f" — {n.detail}"
    if n.doc and n.kind in ("define", "parameter", "table"):
        line += f" ({n.doc})"
    if n.note:
        line += f" [{n.note}]"
    if n.cites and with_cites:
        line += " — cites " + "; ".join(n.cites)
    return line


def node_mark(n: Node) -> str:
    return MARK[n.holds]


def effect_summary(r: RuleExplanation) -> str:
    if r.effect == "awarded" and r.points is not None:
        of = f" of a possible {r.max_points}" if r.max_points is not None else ""
        return f"{r.points} point{'s' if r.points != 1 else ''}{of}"
    return EFFECT_WORDS[r.effect]


def rule_heading(r: RuleExplanation) -> str:
    return f"{effect_summary(r)} — {r.rule}: {r.title}"


def rule_source(r: RuleExplanation, e: Explanation) -> str:
    window = ""
    if any(r.window):
        start = ("from " + r.window[0]) if r.window[0] else ""
        end = (" until " + r.window[1]) if r.window[1] else ""
        window = f"; the rule is in force {start}{end}"
    return f"cites {'; '.join(r.cites)} — instructions {e.version}, in force from {e.version_from}{window}"


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


def not_reached(r: RuleExplanation) -> str:
    if r.effect == "not_assessed":
        return f"not assessed: {r.blocked_by} stopped the assessment at an earlier stage"
    if r.effect == "not_in_force":
        return "not in force for this case's category or lodgement date"
    return ""


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
