"""`visa-rules batch`: decide a whole caseload, one output row per input row, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..dsl import UserError, load_policy
from .options import PolicyOption, err, out

BUG_EXIT = 4  # as `prove`: a disagreement between readings is a bug in visa-rules


def batch_cmd(
    input: Path = typer.Argument(
        ..., help="The caseload: a folder of *.json case files, or a .jsonl, .csv or .parquet file."
    ),
    output: Path = typer.Option(..., "--out", "-o", help="Where the decisions go: a .jsonl or .parquet file."),
    policy: Optional[Path] = PolicyOption,
    reasons: bool = typer.Option(False, "--reasons", help="Add every reason (as `decide --format json` gives them)."),
    verdicts_only: bool = typer.Option(
        False, "--verdicts-only", help="Outcomes and points only, by the columnar reading (clingo re-decides a sample)."
    ),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Decide across this many local processes."),
    cluster: Optional[str] = typer.Option(
        None, "--cluster", help="A Dask scheduler's address (tcp://host:8786): its workers decide the caseload."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue an interrupted run: decide only the rows not yet in OUTPUT."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing OUTPUT."),
) -> None:
    """Decide a caseload: one output row per input row (a decision, or an error naming the row and field)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from ..solver.batch import count_rows, read_rows, run_batch, write_parquet

    if reasons and verdicts_only:
        raise UserError("--reasons needs clingo's decisions; leave out --verdicts-only to get them")
    if cluster is not None and jobs > 1:
        raise UserError("--jobs is for local processes; with --cluster the Dask workers decide")
    suffix = output.suffix.lower()
    if suffix not in (".jsonl", ".parquet"):
        raise UserError(f"{output}: the output must be a .jsonl or .parquet file")
    if suffix == ".parquet":
        _needs_pyarrow()
    journal = output if suffix == ".jsonl" else output.with_name(output.name + ".journal.jsonl")
    if not resume and not overwrite and (output.exists() or journal.exists()):
        raise UserError(f"{output} exists: add --resume to continue that run, or --overwrite to start again")
    if resume and suffix == ".parquet" and output.exists() and not journal.exists():
        raise UserError(f"{output} is complete; nothing to resume (use --overwrite to decide it again)")
    pol = load_policy(policy)
    total = count_rows(input)
    if input.suffix.lower() in (".parquet", ".pq"):
        _needs_pyarrow()
    columns = (
        TextColumn("[bold]deciding[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False, disable=not err.is_terminal) as bar:
        task = bar.add_task("cases", total=total, rate="")

        def advance(n: int) -> None:
            bar.advance(task, n)
            speed = bar.tasks[0].speed
            if speed:
                bar.update(task, rate=f"{speed:,.0f} cases/s")

        totals = run_batch(
            pol, read_rows(pol, input), journal, verdicts_only=verdicts_only, reasons=reasons, jobs=jobs,
            cluster=cluster, resume=resume, progress=advance,
        )  # fmt: skip
    if suffix == ".parquet":
        write_parquet(journal, output)
        journal.unlink()
    _summary(totals, output)
    if totals.disagreements:
        err.print(f"[red bold]bug in visa-rules:[/] the columnar reading and clingo decided "
                  f"{len(totals.disagreements)} sampled rows differently; please report it")  # fmt: skip
        for d in totals.disagreements[:20]:
            err.print(f"  row {d.row} ({escape(d.id)}): columnar {escape(d.columnar)}; clingo {escape(d.clingo)}")
        raise typer.Exit(BUG_EXIT)


def _needs_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UserError('Parquet needs pyarrow: pip install "visa-rules[batch]"') from None


def _summary(totals, output: Path) -> None:
    table = Table(title="Decisions by category and instruction version", header_style="bold")
    for col in ("category", "instruction version", "outcome", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for (category, version, outcome), n in sorted(totals.by_group.items()):
        table.add_row(escape(category), escape(version), outcome, f"{n:,}")
    out.print(table)
    done = f"{totals.rows:,} rows decided" + (
        f", {totals.skipped:,} already in {output} (resumed)" if totals.skipped else ""
    )
    errors = f"; {totals.errors:,} rows could not be decided (their error is in the output)" if totals.errors else ""
    sample = f"; clingo re-decided {totals.rechecked:,} sampled rows" if totals.rechecked else ""
    out.print(f"{done}{errors}{sample}. Output: {escape(str(output))}")
