"""The consoles every command prints to (rich): imported when a command first prints, since rich
costs a fast `decide --format json` more than the decision does."""

from __future__ import annotations

import sys

from rich.console import Console

out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())  # pipes get unbroken lines
err = Console(stderr=True, highlight=False)
