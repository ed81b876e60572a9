"""What the commands share: the consoles, the --policy option, output formats, engines."""

from __future__ import annotations

import sys
from enum import Enum

import typer
from rich.console import Console

from ..solver.backends.registry import BACKENDS, DEFAULT

out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())  # pipes get unbroken lines
err = Console(stderr=True, highlight=False)

PolicyOption = typer.Option(None, "--policy", "-p", help="Policy folder (default: the policy shipped with visa-rules).")


class Format(str, Enum):
    text = "text"
    json = "json"


# --engine offers every reading in the back-end registry
Engine = Enum("Engine", {name: name for name in BACKENDS}, type=str)  # type: ignore[misc]
DEFAULT_ENGINE = Engine(DEFAULT)
ENGINE_HELP = "Which reading decides: " + ", ".join(f"{n} ({b.description})" for n, b in BACKENDS.items()) + "."
