"""An explanation as a tree for the terminal (rich renderables), in the order of the view
(`view`): outcome and what decided it, what would change it, then the justification by stage."""

from __future__ import annotations

from .lines import Report, change_line
from .markdown import node_text
from .view import ViewGap, ViewNode, ViewRule, build_view, cites_text

_TONE = {"good": "green", "bad": "red", "neutral": "dim", "value": "dim"}


def to_rich(report: Report) -> list:
    """Renderables for a rich Console."""
    from rich.markup import escape
    from rich.tree import Tree

    v = build_view(report.explanation, report.sections, report.what_if, report.context)
    style = {"eligible": "bold green", "concerns": "bold yellow", "not_eligible": "bold red"}[v.outcome]
    out: list = [f"[bold]{escape(v.source)}[/]: [{style}]{v.outcome_words.upper()}[/]"]
    if v.headline:
        out.append(f"  {escape(v.headline)}")
    out += [
        f"  category {escape(v.category_label or v.category)}, lodged {v.lodgement}",
        f"  instructions: {escape(v.version)}, in force from {v.version_from} (cites "
        f"{escape(cites_text(v.version_cites))})",
    ]
    if v.points:
        out.append(f"  points: {escape(v.points_line)}")
    out.append("  decided by clingo; every rule result cross-checked with the Python evaluator")
    if v.context:
        out.append(f"  produced by {escape(v.produced_by)}")

    def grow(parent, n: ViewNode):
        branch = parent.add(f"[bold {_TONE[n.tone]}]{n.mark}[/] {escape(node_text(n))}")
        for c in n.children:
            grow(branch, c)

    def add_gap(parent, g: ViewGap):
        branch = parent.add(escape(g.line))
        for p in g.children:
            add_gap(branch, p)

    def decisive(r: ViewRule) -> Tree:
        tree = Tree(f"[bold]{r.mark} {escape(r.words)} — {escape(r.rule)}: {escape(r.title)}[/]")
        if r.text:
            tree.add(f"[italic]{escape(r.text)}[/]")
        for g in r.gaps:
            add_gap(tree, g)
        tree.add(f"[dim]cites {escape(cites_text(r.cites))}[/]")
        return tree

    out.append("\n[bold underline]What decided it[/]")
    out += [decisive(r) for r in v.deciding] or ["  no rule decided against the applicant"]
    if v.actions:
        out.append("[bold]What to do[/]")
        out += [f"  [bold]{a.kind}[/] {escape(a.rule)}: {escape(a.ask)}" for a in v.actions]
    if v.improvable and "why_not" in v.sections:
        out.append("[bold]Points not gained[/]")
        out += [decisive(r) for r in v.improvable]
    if v.what_if is not None:
        out += ["\n[bold underline]What would change it[/]", f"  {escape(v.what_if.note)}"]
        for k, a in enumerate(v.alternatives, 1):
            out.append(
                f"  {k}. cost {a.cost}: {escape(change_line(a))} [dim](decided again: {a.outcome} by "
                f"clingo and {a.python_outcome} by Python)[/]"
            )
        out += [f"  [red]■[/] {escape(b)}" for b in v.blockers]
    if "why" in v.sections:
        out.append("\n[bold underline]Why, stage by stage[/]")
        if v.hidden:
            out.append(
                f"  [dim]{v.hidden} rules not in force for this case's category or lodgement date are not shown[/]"
            )
        for s in v.stages:
            stage = Tree(f"[bold]{escape(s.name)}[/] [dim]({escape(s.summary)})[/]")
            for r in s.rules:
                tree = stage.add(f"[bold]{r.mark} {escape(r.words)} — {escape(r.rule)}: {escape(r.title)}[/]")
                if r.text:
                    tree.add(f"[italic]{escape(r.text)}[/]")
                window = f"; the rule is {r.window}" if r.window else ""
                tree.add(f"[dim]cites {escape(cites_text(r.cites))}{escape(window)}[/]")
                if r.note:
                    tree.add(escape(r.note))
                for title, node in (("applies when", r.applies), ("decided by", r.tree)):
                    if node is not None:
                        grow(tree.add(f"[bold]{title}[/]"), node)
                if r.uses:
                    used = tree.add("[bold]uses[/]")
                    for u in r.uses:
                        used.add(escape(u))
            out.append(stage)
    return out
