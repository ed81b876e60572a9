"""The `visa-rules` command. User errors print a clear message and exit with code 2."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .dsl import UserError, load_policy
from .solver.case import case_schema, load_case, read_case_file
from .solver.decide import ENGINES, Decision, decide

app = typer.Typer(
    help="Decide, explain and check New Zealand skilled-residence cases against a policy written in the visa-rules DSL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())  # pipes get unbroken lines
err = Console(stderr=True, highlight=False)

PolicyOption = typer.Option(None, "--policy", "-p", help="Policy folder (default: the policy shipped with visa-rules).")


class Format(str, Enum):
    text = "text"
    json = "json"


class Engine(str, Enum):
    clingo = "clingo"
    python = "python"
    z3 = "z3"


@app.command("decide")
def decide_cmd(
    case_file: Path = typer.Argument(..., help="The case, as a JSON file (see `visa-rules schema`)."),
    policy: Optional[Path] = PolicyOption,
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for programs."),
    engine: Engine = typer.Option(Engine.clingo, "--engine", help="Which reading decides: clingo (default), python or z3."),
) -> None:
    """Decide a case: outcome, points, and every reason with its instruction clause."""
    pol = load_policy(policy)
    case = load_case(pol, read_case_file(case_file), str(case_file))
    decision = decide(pol, case, engine.value)
    if format is Format.json:
        print(json.dumps(decision.to_json(), indent=2))
    else:
        print_decision(decision, str(case_file))


@app.command("check")
def check_cmd(policy_dir: Optional[Path] = typer.Argument(None, help="Policy folder (default: the shipped policy).")) -> None:
    """Check a policy: syntax, names, types, date series, citations. Exit 2 if anything is wrong."""
    pol = load_policy(policy_dir)
    n_params = sum(len(p.entries) for p in pol.params)
    out.print(
        f"[green]ok[/]: {len(pol.rules)} rules, {len(pol.inputs) + len(pol.lists)} inputs, "
        f"{len(pol.params)} dated parameters ({n_params} values), {len(pol.tables)} tables, "
        f"{len(pol.versions)} instruction versions"
    )


@app.command("schema")
def schema_cmd(policy: Optional[Path] = PolicyOption) -> None:
    """Print the JSON Schema of a case file, generated from the policy's input declarations."""
    print(json.dumps(case_schema(load_policy(policy)), indent=2))


@app.command("coverage")
def coverage_cmd(
    policy: Optional[Path] = PolicyOption,
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for programs."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if any SOP step is covered by nothing."),
) -> None:
    """Every SOP step in the sources and how the policy covers it (rules, inputs, or inferred)."""
    from .dsl.coverage import coverage, coverage_json

    pol = load_policy(policy)
    rows = coverage(pol)
    if format is Format.json:
        print(json.dumps(coverage_json(pol), indent=2))
    else:
        table = Table(show_header=True, header_style="bold", expand=False)
        for col in ("SOP", "step", "what it does", "status", "covered by"):
            table.add_column(col)
        colour = {"encoded": "green", "inferred": "cyan", "input": "blue", "outcome": "green", "missing": "red"}
        for r in rows:
            by = ", ".join(r.rules or r.inputs) or r.note
            table.add_row(escape(r.sop), r.step, escape(r.title), f"[{colour[r.status]}]{r.status}[/]", escape(by))
        out.print(table)
        totals = coverage_json(pol)["totals"]
        out.print(", ".join(f"{n} {s}" for s, n in totals.items()))
    if strict and any(r.status == "missing" for r in rows):
        raise typer.Exit(1)


@app.command("asp")
def asp_cmd(policy: Optional[Path] = PolicyOption) -> None:
    """Print the ASP program clingo runs for this policy (case facts are added separately)."""
    from .solver.asp import program

    print(program(load_policy(policy)))


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
    if d.not_assessed:
        out.print("\n[red bold]Not assessed (the assessment stopped earlier)[/]")
        for rid, title in d.not_assessed:
            out.print(f"  - {escape(rid)}: {escape(title)}")
    if d.not_applicable:
        out.print("\n[bold]Not applicable to this case[/]")
        for rid, title in d.not_applicable:
            out.print(f"  - {escape(rid)}: {escape(title)}")


# Commands that live in their own modules, each with `register(app)`.
from . import cli_explain, cli_prove  # noqa: E402

cli_explain.register(app)
cli_prove.register(app)


def main() -> None:
    try:
        app(standalone_mode=True)
    except UserError as e:
        err.print(escape(e.render()), soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # the reader (e.g. `| head`) stopped early: not an error; silence the flush at exit
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()
