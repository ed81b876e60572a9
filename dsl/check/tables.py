"""Tables read from CSV files: the header names the columns, every cell is checked against its
column's declared type, and every problem names the CSV file, line and column.

The loader reads the files (`DataFile`); this module only interprets their text, so checking stays
a pure function of what was read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .. import ast, ir
from ..diagnostics import Span
from ..units import date_code, months_code

_INTEGER = re.compile(r"-?\d+")
_MONEY = re.compile(r"\$?\d+(\.\d{1,2})?")
_DECIMAL = re.compile(r"\d+(\.\d)?")
_DURATION = re.compile(r"(\d+)\s*(months?|years?)")


@dataclass(frozen=True)
class DataFile:
    """A data file a table names: its display name, and its text (None when it cannot be read)."""

    name: str
    text: str | None
    problem: str = ""  # why it cannot be read


# (file of the declaring policy file, the path as the table writes it) → the file read for it
DataFiles = dict[tuple[str, str], DataFile]

Report = Callable[..., None]  # (span, message, hint="", related=()) → None


def read_rows(
    decl: ast.TableDecl,
    data: DataFile,
    key: tuple[str, ir.Type],
    columns: list[tuple[str, ir.Type]],
    enums: dict[str, ir.Enum],
    error: Report,
) -> list[tuple[int | str, tuple[int | str, ...], Span]]:
    """The rows of a CSV-backed table as (key, values, span of the line); problems go to `error`."""
    assert decl.source is not None
    if data.text is None:
        error(
            decl.source.span,
            f"table {decl.name}: cannot read {data.name}: {data.problem}",
            "the path is relative to the policy file that declares the table",
        )
        return []
    lines = data.text.splitlines()
    reader = csv.reader(io.StringIO(data.text))
    try:
        header = next(reader)
    except StopIteration:
        error(Span(data.name, 1, 1), f"table {decl.name}: {data.name} is empty", "its first line names the columns")
        return []
    header = [h.strip() for h in header]
    wanted = [key, *columns]
    positions: list[int] = []
    for (name, _), col in zip(wanted, [decl.key, *decl.columns]):
        if name not in header:
            error(
                col.span, f"table {decl.name}: {data.name} has no column '{name}'", "its columns: " + ", ".join(header)
            )
            return []
        positions.append(header.index(name))
    rows = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # a blank line
        span = Span(data.name, line, 1, line, len(lines[line - 1]) + 1 if line <= len(lines) else 1)
        if len(fields) != len(header):
            error(
                span,
                f"table {decl.name}: this line has {len(fields)} fields, the header {len(header)}",
                "quote a field that holds a comma",
            )
            continue
        offsets = _field_columns(lines[line - 1]) if line <= len(lines) else []
        values: list[int | str] = []
        for (name, t), pos in zip(wanted, positions):
            column = offsets[pos] if pos < len(offsets) else 1
            value = _cell(fields[pos], t, enums)
            if isinstance(value, _Bad):
                error(
                    Span(data.name, line, column, line, column + max(1, len(fields[pos]))),
                    f"table {decl.name}, column {name}: {value.why}",
                    value.hint,
                )
                break
            values.append(value)
        else:
            rows.append((values[0], tuple(values[1:]), span))
    return rows


@dataclass(frozen=True)
class _Bad:
    why: str
    hint: str = ""


def _cell(text: str, t: ir.Type, enums: dict[str, ir.Enum]) -> int | str | _Bad:
    raw = text.strip()
    shown = f'"{text}"'
    if t.kind == "text":
        return text
    if not raw:
        return _Bad(f"an empty cell where {t} is expected", "every cell of a table holds a value")
    if t.kind == "int":
        return int(raw) if _INTEGER.fullmatch(raw) else _Bad(f"{shown} is not a whole number")
    if t.kind == "decimal":
        if not _DECIMAL.fullmatch(raw):
            return _Bad(f"{shown} is not a number with one decimal place at most", "write it as 6.5 or 7")
        return int(Decimal(raw) * ir.TENTHS)
    if t.kind == "money":
        if not _MONEY.fullmatch(raw):
            return _Bad(f"{shown} is not an amount of money", "write money as 29.66 or $29.66")
        try:
            return int(Decimal(raw.lstrip("$")) * 100)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return _Bad(f"{shown} is not an amount of money")
    if t.kind == "date":
        try:
            return date_code(dt.date.fromisoformat(raw))
        except ValueError:
            return _Bad(f"{shown} is not a date", "write dates as YYYY-MM-DD")
    if t.kind == "duration":
        m = _DURATION.fullmatch(raw)
        if not m:
            return _Bad(f"{shown} is not a duration", "write durations as 12 months or 2 years")
        return months_code(int(m[1]) * (12 if m[2].startswith("year") else 1))
    if t.kind == "bool":
        if raw not in ("true", "false"):
            return _Bad(f"{shown} is not true or false")
        return int(raw == "true")
    members = enums[t.enum].members
    if raw not in members:
        return _Bad(f"{shown} is not a member of {t.enum}", "members: " + ", ".join(members))
    return members.index(raw)


def _field_columns(line: str) -> list[int]:
    """The 1-based column where each field of a CSV line starts (commas inside quotes skipped)."""
    starts, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 2)
    return starts
