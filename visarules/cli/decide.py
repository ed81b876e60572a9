"""`visa-rules decide`: the outcome, points, and every reason with its instruction clause."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ..dsl import load_policy
from ..solver.case import load_case, read_case_file
from ..solver.decision import Decision, decide
from .options import DEFAULT_ENGINE, ENGINE_HELP, Engine, Format, PolicyOption, out


def decide_cmd(
    case_file: Path = typer.Argument(..., help="The case, as a JSON file (see `visa-rules schema`)."),
    policy: Optional[Path] = PolicyOption,
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for programs."),
    engine: Engine = typer.Option(DEFAULT_ENGINE, "--engine", help=ENGINE_HELP),
) -> None:
    """Decide a case: outcome, points, and every reason with its instruction clause."""
    pol = load_policy(policy)
    case = load_case(pol, read_case_file(case_file), str(case_file))
    decision = decide(pol, case, engine.value)
    if format is Format.json:
        print(json.dumps(decision.to_json(), indent=2))
    else:
        print_decision(decision, str(case_file))


_STYLE = {
    "eligible": "bold green",
    "concerns": "bold yellow",
    "not_eligible": "bold red",
}
_MARK = {
    "met": "[green]✔ met[/]",
    "not_met": "[red]✘ not met[/]",
    "raised": "[yellow]! concern[/]",
    "clear": "[green]✔ no concern[/]",
    "stopped": "[red]■ stopped[/]",
    "passed": "[green]✔ passed[/]",
    "awarded": "[cyan]+ points[/]",
    "deferred": "[yellow]» deferred[/]",
    "included": "[green]✔ included[/]",
}


def print_decision(d: Decision, source: str) -> None:
    outcome = d.outcome.replace("_", " ").upper()
    out.print(f"[bold]{escape(source)}[/]: [{_STYLE[d.outcome]}]{outcome}[/]")
    out.print(f"  category: {d.category}")
    out.print(f"  instructions: {escape(d.version)}, in force from {d.version_from}")
    by_cat = ", ".join(f"{c} {n}" for c, n in d.points.items())
    out.print(f"  points: {d.total_points} ({by_cat})")
    stage = None
    for r in d.reasons:
        if r.stage != stage:
            stage = r.stage
            out.print(f"\n[bold]Stage {stage}[/]")
        pts = f" [cyan]{r.points} points[/]" if r.points is not None else ""
        out.print(f"  {_MARK[r.effect]} [bold]{escape(r.rule)}[/]{pts}: {escape(r.title)}")
        out.print(f"      {escape(r.text)}")
        out.print(f"      [dim]cites {escape('; '.join(r.cites))}[/]")
    if d.concerns:
        out.print("\n[yellow bold]Concerns to put to the applicant (RFI/PPI)[/]")
        for c in d.concerns:
            out.print(f"  - {escape(c.rule)}: {escape(c.text)}")
    if d.deferred:
        out.print("\n[yellow bold]Secondary applicants deferred (the principal applicant's assessment goes on)[/]")
        for c in d.deferred:
            out.print(f"  - {escape(c.rule)}: {escape(c.text)}")
    if d.not_assessed:
        out.print("\n[red bold]Not assessed (the assessment stopped earlier)[/]")
        for rid, title in d.not_assessed:
            out.print(f"  - {escape(rid)}: {escape(title)}")
    if d.not_applicable:
        out.print("\n[bold]Not applicable to this case[/]")
        for rid, title in d.not_applicable:
            out.print(f"  - {escape(rid)}: {escape(title)}")
