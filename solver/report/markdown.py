"""An explanation as Markdown, in the order of the view (`view`): outcome and what decided it,
what would change it, then the justification stage by stage."""

from __future__ import annotations

import json
import re

from .lines import Report, change_line
from .view import View, ViewGap, ViewNode, ViewRule, build_view, cites_text


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
    v = build_view(report.explanation, report.sections, report.what_if, report.context)
    lines = [f"# Explanation: {v.outcome_words}", ""]
    if v.headline:
        lines += [v.headline, ""]
    lines += [
        f"- **Case:** {_md(v.source)}",
        f"- **Category:** {_md(v.category_label or v.category)}, lodged {v.lodgement}",
        f"- **Instructions:** {_md(v.version)}, in force from {v.version_from} (cites "
        f"{_md(cites_text(v.version_cites))})",
    ]
    if v.points:
        lines.append(f"- **Points:** {v.points_line}")
    lines.append("- **Decided by** clingo; every rule result cross-checked with the Python evaluator")
    if v.context:
        lines.append(f"- **Produced by** {_md(v.produced_by)}")
    lines += ["", "## What decided it", ""]
    for r in v.deciding:
        lines += _md_decisive(r)
    if not v.deciding:
        lines += ["No rule decided against the applicant.", ""]
    if v.actions:
        lines += ["### What to do", ""]
        lines += [f"- **{a.kind}** {_md(a.rule)}: {_md(a.ask)}" for a in v.actions] + [""]
    if v.improvable and "why_not" in v.sections:
        lines += ["### Points not gained", ""]
        for r in v.improvable:
            lines += _md_decisive(r)
    if v.what_if is not None:
        lines += ["## What would change it", "", _md(v.what_if.note), ""]
        for k, a in enumerate(v.alternatives, 1):
            lines += [
                f"{k}. cost {a.cost}: {_md(change_line(a))} — decided again: {a.outcome} (clingo), "
                f"{a.python_outcome} (Python)"
            ]
        lines += [f"- {_md(b)}" for b in v.blockers]
        for k, a in enumerate(v.alternatives, 1):
            lines += ["", f"Alternative {k} as a case file:", ""] + _fenced(
                json.dumps(a.case, indent=2, ensure_ascii=False), "json"
            )
        lines += [""]
    if "why" in v.sections:
        lines += _md_stages(v)
    return "\n".join(lines)


def _md_decisive(r: ViewRule) -> list[str]:
    out = [f"**{r.mark} {_md(r.words)}** — {_md(r.rule)}: {_md(r.title)}", ""]
    if r.text:
        out += [f"> {_md(r.text)}", ""]
    out += [line for g in r.gaps for line in _md_gap(g, 0)]
    return out + [f"*cites {_md(cites_text(r.cites))}*", ""]


def _md_stages(v: View) -> list[str]:
    lines = ["## Why, stage by stage", ""]
    if v.hidden:
        lines += [f"{v.hidden} rules not in force for this case's category or lodgement date are not shown.", ""]
    for s in v.stages:
        lines += [f"### {_md(s.name)} ({s.summary})", ""]
        for r in s.rules:
            lines += [f"#### {r.mark} {_md(r.words)} — {_md(r.rule)}: {_md(r.title)}", ""]
            if r.text:
                lines += [f"> {_md(r.text)}", ""]
            window = f"; the rule is {r.window}" if r.window else ""
            lines += [f"*cites {_md(cites_text(r.cites))}{window}*", ""]
            if r.note:
                lines += [f"- {_md(r.note)}", ""]
            for title, node in (("Applies when", r.applies), ("Decided by", r.tree)):
                if node is not None:
                    lines += [f"{title}:", ""] + _md_tree(node, 0) + [""]
            if r.uses:
                lines += ["Uses:", ""] + [f"- {_md(u)}" for u in r.uses] + [""]
    return lines


def node_text(n: ViewNode) -> str:
    line = n.label
    if n.value:
        line += (" = " if n.tone == "value" else ": ") + n.value
    if n.detail:
        line += f" — {n.detail}"
    if n.doc:
        line += f" ({n.doc})"
    if n.note:
        line += f" [{n.note}]"
    if n.cites:
        line += " — cites " + cites_text(n.cites)
    return line


def _md_tree(n: ViewNode, depth: int) -> list[str]:
    out = [f"{'  ' * depth}- {n.mark} {_md(node_text(n))}"]
    for c in n.children:
        out += _md_tree(c, depth + 1)
    return out


def _md_gap(g: ViewGap, depth: int) -> list[str]:
    out = [f"{'  ' * depth}- {_md(g.line)}"]
    for p in g.children:
        out += _md_gap(p, depth + 1)
    return out + ([""] if depth == 0 else [])
