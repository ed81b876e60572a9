"""The `visa-rules explain` command: why a case was decided so, why not better, and what would change it."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .options import PolicyOption


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


def explain_cmd(
    case_file: Path = typer.Argument(..., help="The case, as a JSON file (see `visa-rules schema`)."),
    policy: Optional[Path] = PolicyOption,
    format: ExplainFormat = typer.Option(
        ExplainFormat.text,
        "--format",
        "-f",
        help="text (a tree for the terminal), json, markdown or html (a self-contained report).",
    ),
    why: bool = typer.Option(
        False, "--why", help="The justification tree (the default when no other section is asked for)."
    ),
    why_not: bool = typer.Option(
        False, "--why-not", help="Every unmet requirement and points shortfall: which conditions failed, by how much."
    ),
    what_if: bool = typer.Option(
        False, "--what-if", help="The smallest changes to the changeable facts that make the case eligible."
    ),
    max_alternatives: int = typer.Option(3, "--max", min=1, help="With --what-if: how many alternatives at most."),
) -> None:
    """Explain a decision: the rule tree with facts, dated values and citations; --why-not; --what-if."""
    from .. import __version__
    from ..dsl import load_policy
    from ..solver.analyses.explain import explain
    from ..solver.case import load_case, read_case_file
    from ..solver.decision import verdict
    from ..solver.report import Report, context_for, render_html, render_json, render_markdown, to_rich

    pol = load_policy(policy)
    case = load_case(pol, read_case_file(case_file), str(case_file))
    decided = verdict(pol, case, "clingo")
    sections = tuple(
        s for s, on in (("why", why or not (why_not or what_if)), ("why_not", why_not), ("what_if", what_if)) if on
    )
    alternatives = None
    if what_if:
        from ..solver.analyses.whatif import what_if as search

        alternatives = search(pol, case, max_alternatives, current=decided)
    report = Report(explain(pol, case, decided, str(case_file)), sections, alternatives, context_for(pol, __version__))
    if format is ExplainFormat.json:
        print(render_json(report))
    elif format is ExplainFormat.markdown:
        print(render_markdown(report), end="")
    elif format is ExplainFormat.html:
        print(render_html(report), end="")
    else:
        from rich.console import Console

        # a terminal wraps the tree to its width; a pipe or file gets whole lines
        out = Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=100_000)
        for part in to_rich(report):
            out.print(part)
