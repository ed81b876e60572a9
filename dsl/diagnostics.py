"""Source spans, diagnostics and the user-facing error types.

Every error a user can cause (a bad policy, a bad case file) is one of the `UserError` classes
below; the CLI prints them and exits with code 2, never with a traceback.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path


def closest(word: str, choices, cutoff: float = 0.6) -> str | None:
    """The choice a mistyped `word` most likely meant, or None: the closest spelling (difflib), else
    the one choice that starts with it (`hours` → `hours_per_week`). Every "did you mean" (policy
    names, case keys, case-test expectations) asks this one function."""
    options = [str(c) for c in choices]
    close = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    if close:
        return close[0]
    starting = [c for c in options if word and c.casefold().startswith(word.casefold())]
    return starting[0] if len(starting) == 1 else None


@dataclass(frozen=True)
class Span:
    """A position in a policy file: 1-based line and column, plus the end of the construct."""

    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    span: Span
    message: str
    hint: str = ""
    severity: str = "error"
    # labelled extra positions, e.g. ("first defined here", span)
    related: tuple[tuple[str, Span], ...] = ()

    def render(self, sources: dict[str, str] | None = None) -> str:
        lines = [f"{self.span}: {self.severity}: {self.message}"]
        lines.extend(_excerpt(self.span, sources))
        for label, span in self.related:
            lines.append(f"  {span}: note: {label}")
            lines.extend("  " + x for x in _excerpt(span, sources))
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


def _excerpt(span: Span, sources: dict[str, str] | None) -> list[str]:
    """The source line of a span with a caret under its first column."""
    text = (sources or {}).get(span.file)
    if text is None and span.line > 0:
        try:
            text = Path(span.file).read_text(encoding="utf-8")
        except (OSError, ValueError):  # gone, or not UTF-8 (UnicodeDecodeError): no excerpt
            return []
    if not text or span.line <= 0:
        return []
    source_lines = text.splitlines()
    if span.line > len(source_lines):
        return []
    line = source_lines[span.line - 1].expandtabs(1)
    width = 1
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    column = span.column
    if len(line) > _EXCERPT:  # a very long line: the part around the caret
        start = max(0, column - 1 - _EXCERPT // 2)
        line = ("…" if start else "") + line[start : start + _EXCERPT] + ("…" if start + _EXCERPT < len(line) else "")
        column -= start - (1 if start else 0)
        width = min(width, _EXCERPT - column + 1)
    gutter = f"{span.line:>4} | "
    return [gutter + line, " " * (len(gutter) + column - 1) + "^" * max(width, 1)]


_EXCERPT = 160  # characters of a source line shown under a message


class UserError(Exception):
    """An error caused by input the user gave; shown without a traceback, exit code 2."""

    def render(self) -> str:
        return str(self)


@dataclass
class PolicyError(UserError):
    """One or more diagnostics from parsing or checking the policy."""

    diagnostics: list[Diagnostic]
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self) -> str:
        parts = [d.render(self.sources) for d in self.diagnostics]
        n = len(self.diagnostics)
        parts.append(f"{n} error{'s' if n != 1 else ''} in the policy.")
        return "\n\n".join(parts)


class CaseError(UserError):
    """A case file that does not fit the policy's input declarations."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.source}: the case file is not valid:"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])
