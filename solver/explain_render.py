"""An explanation as JSON (stable keys), Markdown, a self-contained HTML report, or a rich tree.

Every format shows the same lines (built by `node_line` and friends), so they never disagree. The
output depends only on the explanation: no timestamps, nothing unordered.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from .explain import SCHEMA, Action, Explanation, Node, RuleExplanation, Shortfall
from .explain_whynot import Gap
from .whatif import ADVERSE, Alternative, Blocker, WhatIf

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
    """What was asked for: the explanation, and the what-if search when requested."""

    explanation: Explanation
    sections: tuple[str, ...]
    what_if: WhatIf | None = None


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
        window = f"; the rule is in force {('from ' + r.window[0]) if r.window[0] else ''}{' until ' + r.window[1] if r.window[1] else ''}"
    return f"cites {'; '.join(r.cites)} — instructions {e.version}, in force from {e.version_from}{window}"


def rule_uses(r: RuleExplanation) -> list[str]:
    out = [f"fact: {f.input} = {f.value}" + (f" ({f.doc})" if f.doc else "") for f in r.facts]
    out += [
        f"dated value: {p.parameter} on {p.day} ({p.day_of}) = {p.value}, in force from {p.in_force_from} — cites {'; '.join(p.cites)}"
        for p in r.parameters
    ]
    out += [
        f"table: {t.table}[{t.key}]" + (f".{t.column} = {t.value}" if t.column else f" {'found' if t.found else 'not found'}")
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


# ---------------------------------------------------------------- JSON


def to_json(report: Report) -> dict:
    e = report.explanation
    return {
        "schema": SCHEMA,
        "source": e.source,
        "outcome": e.outcome,
        "category": e.category,
        "lodgement_date": e.lodgement,
        "instruction_version": {"name": e.version, "from": e.version_from, "cites": list(e.version_cites)},
        "points": {"total": sum(e.points.values()), "by_category": dict(e.points), "possible": dict(e.possible)},
        "engine": "clingo",
        "cross_checked_with": "python",
        "sections": list(report.sections),
        "why": _why_json(e) if "why" in report.sections else None,
        "why_not": [_shortfall_json(s) for s in e.shortfalls] if "why_not" in report.sections else None,
        "what_if": _what_if_json(report.what_if) if report.what_if is not None else None,
    }


def _why_json(e: Explanation) -> dict:
    return {"rules": [_rule_json(r, e) for r in e.rules], "actions": [_action_json(a) for a in e.actions]}


def _rule_json(r: RuleExplanation, e: Explanation) -> dict:
    return {
        "rule": r.rule,
        "title": r.title,
        "kind": r.kind,
        "stage": r.stage,
        "effect": r.effect,
        "text": r.text,
        "points": r.points,
        "max_points": r.max_points,
        "cites": list(r.cites),
        "clauses": list(r.clauses),
        "sop_steps": list(r.sop_steps),
        "version": {"name": e.version, "from": e.version_from},
        "in_force": {"from": r.window[0] or None, "until": r.window[1] or None},
        "blocked_by": r.blocked_by or None,
        "applies": r.applies.to_json() if r.applies else None,
        "tree": r.tree.to_json() if r.tree else None,
        "facts": [f.to_json() for f in r.facts],
        "parameters": [p.to_json() for p in r.parameters],
        "tables": [t.to_json() for t in r.tables],
    }


def _action_json(a: Action) -> dict:
    return {
        "rule": a.rule,
        "title": a.title,
        "action": a.kind,
        "finding": a.finding,
        "ask": a.ask,
        "evidence": [f.to_json() for f in a.evidence],
        "cites": list(a.cites),
    }


def _shortfall_json(s: Shortfall) -> dict:
    return {
        "rule": s.rule,
        "title": s.title,
        "effect": s.effect,
        "summary": s.summary,
        "cites": list(s.cites),
        "gaps": [g.to_json() for g in s.gaps],
    }


def _what_if_json(w: WhatIf) -> dict:
    return {
        "status": w.status,
        "outcome": w.outcome,
        "note": w.note,
        "considered": [
            {"input": c.input, "cost": c.cost, "later_only": c.later_only, "values": c.values} for c in w.considered
        ],
        "alternatives": [
            {
                "rank": k + 1,
                "cost": a.cost,
                "changes": [
                    {"input": c.input, "from": c.old, "to": c.new, "from_value": c.old_json, "to_value": c.new_json, "cost": c.cost}
                    for c in a.changes
                ],
                "outcome": a.outcome,
                "python_outcome": a.python_outcome,
                "points": dict(a.points),
                "case": a.case,
            }
            for k, a in enumerate(w.alternatives)
        ],
        "blockers": [
            {
                "rule": b.rule,
                "title": b.title,
                "effect": b.effect,
                "text": b.text,
                "inputs": [{"input": i.input, "changeable": i.changeable, "note": i.note} for i in b.inputs],
            }
            for b in w.blockers
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- Markdown


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
        f"- **Instructions:** {_md(e.version)}, in force from {e.version_from} (cites {_md('; '.join(e.version_cites))})",
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
            lines += [f"{k}. cost {a.cost}: {_md(change_line(a))} — decided again: {a.outcome} (clingo), {a.python_outcome} (Python)"]
        lines += [f"- {_md(blocker_line(b))}" for b in w.blockers]
        for k, a in enumerate(w.alternatives, 1):
            lines += ["", f"Alternative {k} as a case file:", ""] + _fenced(json.dumps(a.case, indent=2, ensure_ascii=False), "json")
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


# ---------------------------------------------------------------- HTML


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 .outcome, .effect { padding: 0 .4em; border-radius: .3em; }
.eligible, .met, .passed, .clear { background: #e3f4e3; }
.not_eligible, .not_met, .stopped { background: #fbe3e3; }
.concerns, .raised { background: #fdf3d7; }
.awarded { background: #e3eef9; }
.not_assessed, .not_applicable, .not_in_force { background: #eee; }
.rule { border-top: 1px solid #ccc; margin-top: 1rem; }
.reason { font-style: italic; }
.cite { font-family: ui-monospace, monospace; font-size: .9em; }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.2em; border-left: 1px dotted #bbb; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; }
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _cites(cites) -> str:
    return "; ".join(f'<span class="cite">{_h(c)}</span>' for c in cites)


def render_html(report: Report) -> str:
    e = report.explanation
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>visa-rules explanation: {_h(e.source)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f'<h1>Explanation: <span class="outcome {e.outcome}" data-outcome="{e.outcome}">{outcome_words(e.outcome)}</span></h1>',
        "<ul class=\"summary\">",
        f"<li>Case: {_h(e.source)}</li>",
        f"<li>Category {_h(e.category)}, lodged {e.lodgement}</li>",
        f'<li>Instructions: {_h(e.version)}, in force from {e.version_from} (cites {_cites(e.version_cites)})</li>',
        f"<li>Points: {_h(points_line(e))}</li>",
        "<li>Decided by clingo; every rule result cross-checked with the Python evaluator</li>",
        "</ul>",
    ]
    if "why" in report.sections:
        out.append("<h2>Why</h2>")
        for r in e.rules:
            out += _html_rule(r, e)
        out.append("<h2>Concerns and what to do</h2>")
        out.append('<ul class="actions">')
        for a in e.actions:
            out.append(f'<li><strong>{a.kind}</strong> {_h(a.rule)}: {_h(a.finding)} — {_h(a.ask)} (cites {_cites(a.cites)})</li>')
        if not e.actions:
            out.append("<li>none</li>")
        out.append("</ul>")
    if "why_not" in report.sections:
        out.append("<h2>Why not</h2>")
        out.append('<ul class="why-not">')
        for s in e.shortfalls:
            out.append(f'<li data-rule="{_h(s.rule)}"><strong>{_h(s.rule)}</strong> ({_h(s.summary)}): {_h(s.title)} — cites {_cites(s.cites)}')
            out.append("<ul>" + "".join(_html_gap(g) for g in s.gaps) + "</ul></li>")
        if not e.shortfalls:
            out.append("<li>nothing: every requirement is met and every points rule gave its most</li>")
        out.append("</ul>")
    if report.what_if is not None:
        w = report.what_if
        out += ["<h2>What would change it</h2>", f'<p class="what-if {w.status}">{_h(w.note)}</p>']
        if w.alternatives:
            out.append('<ol class="alternatives">')
            for a in w.alternatives:
                out.append(
                    f"<li>cost {a.cost}: {_h(change_line(a))} — decided again: {a.outcome} (clingo), {a.python_outcome} (Python)"
                    f"<details><summary>the changed case file</summary><pre>{_h(json.dumps(a.case, indent=2, ensure_ascii=False))}</pre></details></li>"
                )
            out.append("</ol>")
        if w.blockers:
            out.append('<ul class="blockers">')
            out += [f'<li data-rule="{_h(b.rule)}">{_h(blocker_line(b))}</li>' for b in w.blockers]
            out.append("</ul>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _html_rule(r: RuleExplanation, e: Explanation) -> list[str]:
    out = [
        f'<section class="rule" id="{_h(r.rule)}" data-rule="{_h(r.rule)}" data-effect="{r.effect}">',
        f'<h3><span class="effect {r.effect}">{EFFECT_MARK[r.effect]} {_h(effect_summary(r))}</span> {_h(r.rule)}: {_h(r.title)}</h3>',
        f"<p>Stage {r.stage}; cites {_cites(r.cites)}; instructions {_h(e.version)}, in force from {e.version_from}</p>",
    ]
    if r.text:
        out.append(f'<p class="reason">{_h(r.text)}</p>')
    if not_reached(r):
        out.append(f"<p>{_h(not_reached(r))}</p>")
    for title, node in (("Applies when", r.applies), ("Decided by", r.tree)):
        if node is not None:
            out.append(f'<p>{title}:</p><ul class="tree">{_html_node(node)}</ul>')
    uses = rule_uses(r)
    if uses:
        out.append('<details><summary>Facts and values used</summary><ul class="uses">')
        out += [f"<li>{_h(u)}</li>" for u in uses]
        out.append("</ul></details>")
    out.append("</section>")
    return out


def _html_node(n: Node) -> str:
    cls = {True: "holds", False: "does-not-hold", None: "value"}[n.holds]  # not good or bad: a stop's condition should not hold
    cites = f" — cites {_cites(n.cites)}" if n.cites else ""
    line = node_line(n, with_cites=False)
    inner = "".join(_html_node(c) for c in n.children)
    children = f"<ul>{inner}</ul>" if inner else ""
    return f'<li class="{cls}" data-kind="{n.kind}">{node_mark(n)} {_h(line)}{cites}{children}</li>'


def _html_gap(g: Gap) -> str:
    inner = "".join(_html_gap(p) for p in g.parts)
    return f'<li class="gap {g.kind}">{_h(gap_line(g))}{"<ul>" + inner + "</ul>" if inner else ""}</li>'


# ---------------------------------------------------------------- the terminal


def to_rich(report: Report) -> list:
    """Renderables for a rich Console: a tree per rule, then why-not and what-if."""
    from rich.markup import escape
    from rich.tree import Tree

    e = report.explanation
    style = {"eligible": "bold green", "concerns": "bold yellow", "not_eligible": "bold red"}[e.outcome]
    out: list = [
        f"[bold]{escape(e.source)}[/]: [{style}]{outcome_words(e.outcome).upper()}[/]",
        f"  category {escape(e.category)}, lodged {e.lodgement}",
        f"  instructions: {escape(e.version)}, in force from {e.version_from} (cites {escape('; '.join(e.version_cites))})",
        f"  points: {escape(points_line(e))}",
        "  decided by clingo; every rule result cross-checked with the Python evaluator",
    ]
    if "why" in report.sections:
        out.append("\n[bold underline]Why[/]")
        for r in e.rules:
            tree = Tree(f"[bold]{EFFECT_MARK[r.effect]} {escape(rule_heading(r))}[/]")
            if r.text:
                tree.add(f"[italic]{escape(r.text)}[/]")
            tree.add(f"[dim]{escape(rule_source(r, e))}[/]")
            if not_reached(r):
                tree.add(escape(not_reached(r)))

            def grow(parent, n: Node):
                branch = parent.add(f"[bold]{node_mark(n)}[/] {escape(node_line(n))}")  # a mark, not a verdict
                for c in n.children:
                    grow(branch, c)

            for title, node in (("applies when", r.applies), ("decided by", r.tree)):
                if node is not None:
                    grow(tree.add(f"[bold]{title}[/]"), node)
            uses = rule_uses(r)
            if uses:
                used = tree.add("[bold]uses[/]")
                for u in uses:
                    used.add(escape(u))
            out.append(tree)
        out.append("\n[bold underline]Concerns and what to do[/]")
        out += [f"  [bold]{a.kind}[/] {escape(a.rule)}: {escape(a.finding)} — {escape(a.ask)}" for a in e.actions] or ["  none"]
    if "why_not" in report.sections:
        out.append("\n[bold underline]Why not[/]")
        for s in e.shortfalls:
            tree = Tree(f"[bold]{escape(s.rule)}[/] ({escape(s.summary)}): {escape(s.title)} [dim]cites {escape('; '.join(s.cites))}[/]")

            def add_gap(parent, g: Gap):
                branch = parent.add(escape(gap_line(g)))
                for p in g.parts:
                    add_gap(branch, p)

            for g in s.gaps:
                add_gap(tree, g)
            out.append(tree)
        if not e.shortfalls:
            out.append("  nothing: every requirement is met and every points rule gave its most")
    if report.what_if is not None:
        w = report.what_if
        out += ["\n[bold underline]What would change it[/]", f"  {escape(w.note)}"]
        for k, a in enumerate(w.alternatives, 1):
            out.append(f"  {k}. cost {a.cost}: {escape(change_line(a))} [dim](decided again: {a.outcome} by clingo and {a.python_outcome} by Python)[/]")
        out += [f"  [red]■[/] {escape(blocker_line(b))}" for b in w.blockers]
    return out
