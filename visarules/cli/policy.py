"""The commands that read a policy without a case: `check`, `schema`, `coverage` and `asp`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..dsl import Diagnostic, PolicyError, load_policy
from .options import Format, PolicyOption, out


def check_cmd(
    policy_dir: Optional[Path] = typer.Argument(None, help="Policy folder (default: the shipped policy)."),
    format: Format = typer.Option(
        Format.text, "--format", "-f", help="text for people; json (file, line, column, message, hint) for CI."
    ),
) -> None:
    """Check a policy: syntax, names, types, date series, citations. Exit 2 if anything is wrong."""
    if format is Format.json:
        raise typer.Exit(_check_json(policy_dir))
    pol = load_policy(policy_dir)
    n_params = sum(len(p.entries) for p in pol.params)
    out.print(
        f"[green]ok[/]: {len(pol.rules)} rules, {len(pol.inputs) + len(pol.lists)} inputs, "
        f"{len(pol.params)} dated parameters ({n_params} values), {len(pol.tables)} tables, "
        f"{len(pol.versions)} instruction versions"
    )


def _check_json(policy_dir: Path | None) -> int:
    """Every diagnostic as one JSON object a CI system can turn into annotations; 2 if any."""
    try:
        pol = load_policy(policy_dir)
    except PolicyError as e:
        print(json.dumps({"ok": False, "diagnostics": [diagnostic_json(d) for d in e.diagnostics]}, indent=2))
        return 2
    summary = {"rules": len(pol.rules), "inputs": len(pol.inputs) + len(pol.lists), "versions": len(pol.versions)}
    print(json.dumps({"ok": True, "diagnostics": [], "policy": summary}, indent=2))
    return 0


def diagnostic_json(d: Diagnostic) -> dict:
    span = d.span
    return {
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line or span.line,
        "end_column": span.end_column or span.column,
        "severity": d.severity,
        "message": d.message,
        "hint": d.hint,
    }


def schema_cmd(
    policy: Optional[Path] = PolicyOption,
    csv: bool = typer.Option(False, "--csv", help="Document the flattened CSV columns `batch` reads instead."),
) -> None:
    """Print the JSON Schema of a case file, generated from the policy's input declarations."""
    from ..solver.case import case_schema, field_schema
    from ..solver.case.schema import expected

    pol = load_policy(policy)
    if not csv:
        print(json.dumps(case_schema(pol), indent=2))
        return
    from ..solver.batch import flat_columns

    print("# The CSV columns of a caseload for `visa-rules batch` (and flat Parquet columns).")
    print("# One case a row; an empty cell leaves a value out. A record's fields are `record.field`; a list's")
    print("# items are `list[0].field`, `list[1].field`, … (as many as a case needs; an item is present when any")
    print("# of its cells is filled). Yes/no cells: true/false. Dates: YYYY-MM-DD. Money: dollars and cents.")
    print("column,required,expected,description")
    for c in flat_columns(pol):
        required = "no" if c.field.optional else ("if the item is present" if "[" in c.name else "yes")
        what = expected(field_schema(pol, c.field) if not c.field.optional else field_schema(pol, c.field)["anyOf"][0])
        print(",".join(_csv_cell(x) for x in (c.name, required, what, c.description)))


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text


def coverage_cmd(
    policy: Optional[Path] = PolicyOption,
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for programs."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if any SOP step is covered by nothing."),
) -> None:
    """Every SOP step in the sources and how the policy covers it (rules, inputs, or inferred)."""
    from ..solver.analyses.coverage import coverage, coverage_json

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


def asp_cmd(policy: Optional[Path] = PolicyOption) -> None:
    """Print the ASP program clingo runs for this policy (case facts are added separately)."""
    from ..solver.backends.asp import program

    print(program(load_policy(policy)))
