"""`visa-rules generate`: a reproducible caseload of plausible applications, for trying things out."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

from ..dsl import UserError, load_policy
from .options import PolicyOption, err, out


def generate_cmd(
    count: int = typer.Argument(..., min=0, help="How many cases."),
    output: Path = typer.Option(..., "--out", "-o", help="The caseload to write: a .jsonl file, one case a line."),
    seed: int = typer.Option(0, "--seed", help="The same seed gives the same cases."),
    policy: Optional[Path] = PolicyOption,
) -> None:
    """Write N plausible applications drawn from the policy's inputs (near the values its rules turn on)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..solver.batch import generate

    if output.suffix.lower() != ".jsonl":
        raise UserError(f"{output}: generate writes JSON Lines; name the output *.jsonl")
    pol = load_policy(policy)
    tmp = output.with_name(output.name + ".tmp")
    columns = (TextColumn("[bold]generating[/]"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=not err.is_terminal) as bar, tmp.open("w", encoding="utf-8") as f:
        task = bar.add_task("cases", total=count)
        for i, case in enumerate(generate(pol, count, seed), 1):
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
            if i % 1000 == 0 or i == count:
                bar.update(task, completed=i)
    os.replace(tmp, output)  # a half-written caseload never takes the output's name
    out.print(f"{count:,} cases written to {output} (seed {seed})")
