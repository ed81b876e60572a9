"""An explanation as a tree for the terminal (rich renderables)."""

from __future__ import annotations

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


def to_rich(report: Report) -> list:
    """Renderables for a rich Console: a tree per rule, then why-not and what-if."""
    from rich.markup import escape
    from rich.tree import Tree

    e = report.explanation
    style = {"eligible": "bold green", "concerns": "bold yellow", "not_eligible": "bold red"}[e.outcome]
    out: list = [
        f"[bold]{escape(e.source)}[/]: [{style}]{outcome_words(e.outcome).upper()}[/]",
        f"  category {escape(e.category)}, lodged {e.lodgement}",
        f"  instructions: {escape(e.version)}, in force from {e.version_from} (cites "
        f"{escape('; '.join(e.version_cites))})",
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
        out += [f"  [bold]{a.kind}[/] {escape(a.rule)}: {escape(a.finding)} — {escape(a.ask)}" for a in e.actions] or [
            "  none"
        ]
    if "why_not" in report.sections:
        out.append("\n[bold underline]Why not[/]")
        for s in e.shortfalls:
            tree = Tree(
                f"[bold]{escape(s.rule)}[/] ({escape(s.summary)}): {escape(s.title)} [dim]cites "
                f"{escape('; '.join(s.cites))}[/]"
            )

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
            out.append(
                f"  {k}. cost {a.cost}: {escape(change_line(a))} [dim](decided again: {a.outcome} by "
                f"clingo and {a.python_outcome} by Python)[/]"
            )
        out += [f"  [red]■[/] {escape(blocker_line(b))}" for b in w.blockers]
    return out
