"""What the commands share: the consoles, the --policy option, output formats, engines."""

from __future__ import annotations

import math
import tempfile
from enum import Enum
from pathlib import Path

import typer

from ..solver.backends.registry import BACKENDS, DEFAULT
from .console import err, out  # noqa: F401 - the commands' consoles, imported from here

PolicyOption = typer.Option(None, "--policy", "-p", help="Policy folder (default: the policy shipped with visa-rules).")


class Format(str, Enum):
    text = "text"
    json = "json"


# --engine offers every reading in the back-end registry
Engine = Enum("Engine", {name: name for name in BACKENDS}, type=str)  # type: ignore[misc]
DEFAULT_ENGINE = Engine(DEFAULT)
ENGINE_HELP = "Which reading decides: " + ", ".join(f"{n} ({b.description})" for n, b in BACKENDS.items()) + "."


def positive(value: float) -> float:
    """A typer callback: a time limit must be more than zero seconds."""
    if not 0 < value < math.inf:  # also refuses nan and inf
        raise typer.BadParameter(f"{value:g} is not a time limit; give a number of seconds above 0")
    return value


def writable_folder(path: Path | None) -> Path | None:
    """A typer callback: the output folder can be written (checked by writing to it, or to the
    nearest folder above it that exists, since it is made when needed), before any work starts."""
    if path is None:
        return None
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise typer.BadParameter(f"{path}: {existing} is not a folder")
    _can_write_in(path, existing)
    return path


def writable_file(path: Path | None) -> Path | None:
    """A typer callback: an output file can be written (its folder exists and takes a file, and
    it is not itself a folder), checked before any work starts."""
    if path is None:
        return None
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise typer.BadParameter(f"{path}: no such folder {folder}")
    _can_write_in(path, folder)
    return path


def _can_write_in(path: Path, folder: Path) -> None:
    """Write (and drop) a temporary file in `folder`: the one sure test that `path` can be made there."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise typer.BadParameter(f"{path}: cannot write in {folder} ({e.strerror or e})") from None
