"""`visa-rules fmt`: one canonical layout for .rules and .props files, comments kept."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ..dsl import PolicyError, display_name
from ..dsl.diagnostics import Diagnostic, UserError
from ..dsl.loader import read_source
from .options import err, out

SUFFIXES = (".rules", ".props")


def fmt_cmd(
    paths: Optional[list[Path]] = typer.Argument(
        None, help="Files or folders (default: the current folder); folders give their .rules and .props files."
    ),
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 if any file is not formatted."),
    diff: bool = typer.Option(False, "--diff", help="Print what would change as a unified diff; change nothing."),
) -> None:
    """Lay out policy and property files one canonical way (idempotent; comments kept).

    Exit 1 under --check or --diff when a file would change, 2 on a syntax error."""
    from ..dsl.format import format_source  # with Lark: imported by this command only

    files = _files(paths or [Path(".")])
    problems: list[Diagnostic] = []
    sources: dict[str, str] = {}
    changed: list[str] = []
    for path in files:
        name = display_name(path)
        try:
            text = read_source(path, name)  # UTF-8 (a BOM accepted), else an error naming the file
            formatted = format_source(text, name)
        except PolicyError as e:
            problems += e.diagnostics
            sources.update(e.sources)
            continue
        if formatted == text:
            continue
        changed.append(name)
        if diff:
            sys.stdout.writelines(
                difflib.unified_diff(text.splitlines(True), formatted.splitlines(True), name, f"{name} (formatted)")
            )
        elif not check:
            path.write_text(formatted, encoding="utf-8")
    verb = "would reformat" if check or diff else "reformatted"
    for name in changed:
        (err if check or diff else out).print(f"{verb} {escape(name)}")
    unchanged = len(files) - len(changed) - len(problems)
    summary = f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, {unchanged} unchanged"
    (err if check or diff else out).print(summary)
    if problems:
        raise PolicyError(problems, sources)
    if changed and (check or diff):
        raise typer.Exit(1)


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found += sorted(
                f for f in p.rglob("*") if f.suffix in SUFFIXES and not any(part.startswith(".") for part in f.parts)
            )
        elif p.is_file():
            found.append(p)
        else:
            raise UserError(f"{p}: no such file or folder")
    return found
