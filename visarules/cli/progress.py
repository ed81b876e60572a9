"""Progress of long commands (prove, diff, mutate): a rich progress bar on a terminal, and one
flushed line per result when the output is piped, so that a CI log moves as the work does.

Text output goes to stdout with the bar beneath it; with `--format json` stdout holds only the
JSON document, so the bar or the lines go to stderr.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["Reporter"]


class Reporter:
    """`line(text)` for each result as it comes (rich markup), `advance()` once per unit of work."""

    def __init__(self, console: Console, total: int, what: str, lines: bool = True):
        self.console = console
        self.lines = lines  # False: results are not printed as they come (JSON), only counted
        self.terminal = console.is_terminal
        self.bar: Progress | None = None
        if self.terminal and total > 0:
            # no refresh thread: work may be forked into other processes while the bar is shown
            self.bar = Progress(
                TextColumn(f"[bold]{what}[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                auto_refresh=False,
            )
            self.task = self.bar.add_task(what, total=total)

    def __enter__(self) -> Reporter:
        if self.bar is not None:
            self.bar.start()
            self.bar.refresh()
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.stop()

    def line(self, text: object) -> None:
        """A result: printed above the bar, or as its own line when piped (with JSON, only then)."""
        if not self.lines and self.terminal:
            return
        self.console.print(text, soft_wrap=True)
        if not self.terminal:
            self.console.file.flush()

    def advance(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, n)
            self.bar.refresh()
