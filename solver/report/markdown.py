"""An explanation as Markdown."""

from __future__ import annotations

import json
import re

from ..analyses.explain import Node
from ..analyses.explain.whynot import Gap
from .lines import (
    EFFECT_MARK,
    Report,
    blocker_line,
    change_line,
    gap_line,
    node_line,
    node_mark,
    not_reached,
    outcome_words,
    points_line,
    rule_heading,
    rule_source,
    rule_uses,
)


def _md(text: str) -> str:
    """Case text (names) may hold Markdown or HTML: escape what would change the layout
    (an underscore inside a word, as in rule ids, is left alone: it never starts emphasis)."""
    out = []
    for i, ch in enumerate(text):
        edge = ch == "_" and (i == 0 or i == len(text) - 1 or not (text[i - 1].isalnum() and text[i + 1].isalnum()))
        out.append("\\" + ch if ch in "\\`*[]<>#|" or edge else ch)
    return "".join(out)


def _fenced(text: str, lang: str) -> list[str]:
    """A code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + lang, text, fence]


def render_markdown(report: Report) -> str:
    e = report.explanation
    lines = [f"# Explanation: {outcome_words(e.outcome)}", ""]
    lines += [
        f"- **Case:** {_md(e.source)}",
        f"- **Outcome:** {outcome_words(e.outcome)} (category {e.category}, lodged {e.lodgement})",
        f"- **Instructions:** {_md(e.version)}, in force from {e.version_from} (cites "
        f"{_md('; '.join(e.version_cites))})",
        f"- **Points:** {points_line(e)}",
        "- **Decided by** clingo; every rule result cross-checked with the Python evaluator",
        "",
    ]
    if "why" in report.sections:
        lines += ["## Why", ""]
        stage = None
        for r in e.rules:
            if r.stage != stage:
                stage = r.stage
                lines += [f"### Stage {stage}", ""]
            lines += [f"#### {EFFECT_MARK[r.effect]} {_md(rule_heading(r))}", ""]
            if r.text:
                lines += [f"> {_md(r.text)}", ""]
            lines += [f"*{_md(rule_source(r, e))}*", ""]
            if not_reached(r):
                lines += [f"- {_md(not_reached(r))}", ""]
                continue
            if r.applies is not None:
                lines += ["Applies when:", ""] + _md_tree(r.applies, 0) + [""]
            if r.tree is not None:
                lines += ["Decided by:", ""] + _md_tree(r.tree, 0) + [""]
            uses = rule_uses(r)
            if uses:
                lines += ["Uses:", ""] + [f"- {_md(u)}" for u in uses] + [""]
        lines += ["## Concerns and what to do", ""]
        lines += [f"- **{a.kind}** {_md(a.rule)}: {_md(a.finding)} — {_md(a.ask)}" for a in e.actions] or ["- none"]
        lines += [""]
    if "why_not" in report.sections:
        lines += ["## Why not", ""]
        for s in e.shortfalls:
            lines += [f"- **{_md(s.rule)}** ({_md(s.summary)}): {_md(s.title)} — cites {_md('; '.join(s.cites))}"]
            for g in s.gaps:
                lines += _md_gap(g, 1)
        if not e.shortfalls:
            lines += ["- nothing: every requirement is met and every points rule gave its most"]
        lines += [""]
    if report.what_if is not None:
        w = report.what_if
        lines += ["## What would change it", "", _md(w.note), ""]
        for k, a in enumerate(w.alternatives, 1):
            lines += [
                f"{k}. cost {a.cost}: {_md(change_line(a))} — decided again: {a.outcome} (clingo), "
                f"{a.python_outcome} (Python)"
            ]
        lines += [f"- {_md(blocker_line(b))}" for b in w.blockers]
        for k, a in enumerate(w.alternatives, 1):
            lines += ["", f"Alternative {k} as a case file:", ""] + _fenced(
                json.dumps(a.case, indent=2, ensure_ascii=False), "json"
            )
        lines += [""]
    return "\n".join(lines)


def _md_tree(n: Node, depth: int) -> list[str]:
    out = [f"{'  ' * depth}- {node_mark(n)} {_md(node_line(n))}"]
    for c in n.children:
        out += _md_tree(c, depth + 1)
    return out


def _md_gap(g: Gap, depth: int) -> list[str]:
    out = [f"{'  ' * depth}- {_md(gap_line(g))}"]
    for p in g.parts:
        out += _md_gap(p, depth + 1)
    return out
