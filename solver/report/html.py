"""An explanation as one self-contained HTML report (no external assets)."""

from __future__ import annotations

import html
import json

from ..analyses.explain import Explanation, Node, RuleExplanation
from ..analyses.explain.whynot import Gap
from .lines import (
    EFFECT_MARK,
    Report,
    blocker_line,
    change_line,
    effect_summary,
    gap_line,
    node_line,
    node_mark,
    not_reached,
    outcome_words,
    points_line,
    rule_uses,
)

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
        f'<h1>Explanation: <span class="outcome {e.outcome}" '
        f'data-outcome="{e.outcome}">{outcome_words(e.outcome)}</span></h1>',
        '<ul class="summary">',
        f"<li>Case: {_h(e.source)}</li>",
        f"<li>Category {_h(e.category)}, lodged {e.lodgement}</li>",
        f"<li>Instructions: {_h(e.version)}, in force from {e.version_from} (cites {_cites(e.version_cites)})</li>",
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
            out.append(
                f"<li><strong>{a.kind}</strong> {_h(a.rule)}: {_h(a.finding)} — {_h(a.ask)} (cites "
                f"{_cites(a.cites)})</li>"
            )
        if not e.actions:
            out.append("<li>none</li>")
        out.append("</ul>")
    if "why_not" in report.sections:
        out.append("<h2>Why not</h2>")
        out.append('<ul class="why-not">')
        for s in e.shortfalls:
            out.append(
                f'<li data-rule="{_h(s.rule)}"><strong>{_h(s.rule)}</strong> ({_h(s.summary)}): '
                f"{_h(s.title)} — cites {_cites(s.cites)}"
            )
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
                    f"<li>cost {a.cost}: {_h(change_line(a))} — decided again: {a.outcome} (clingo), "
                    f"{a.python_outcome} (Python)"
                    f"<details><summary>the changed case "
                    f"file</summary><pre>{_h(json.dumps(a.case, indent=2, ensure_ascii=False))}</pre></details></li>"
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
        f'<h3><span class="effect {r.effect}">{EFFECT_MARK[r.effect]} {_h(effect_summary(r))}</span> '
        f"{_h(r.rule)}: {_h(r.title)}</h3>",
        f"<p>Stage {r.stage}; cites {_cites(r.cites)}; instructions {_h(e.version)}, in force from "
        f"{e.version_from}</p>",
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
    cls = {True: "holds", False: "does-not-hold", None: "value"}[
        n.holds
    ]  # not good or bad: a stop's condition should not hold
    cites = f" — cites {_cites(n.cites)}" if n.cites else ""
    line = node_line(n, with_cites=False)
    inner = "".join(_html_node(c) for c in n.children)
    children = f"<ul>{inner}</ul>" if inner else ""
    return f'<li class="{cls}" data-kind="{n.kind}">{node_mark(n)} {_h(line)}{cites}{children}</li>'


def _html_gap(g: Gap) -> str:
    inner = "".join(_html_gap(p) for p in g.parts)
    return f'<li class="gap {g.kind}">{_h(gap_line(g))}{"<ul>" + inner + "</ul>" if inner else ""}</li>'
