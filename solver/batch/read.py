"""Reading a caseload: a folder of case files, JSON Lines, CSV (flattened columns) or Parquet.

Every input row becomes one `Row`: its position (`index`, from 0, in input order: what `--resume`
counts by), an `id` naming it for people (a file name, `cases.jsonl:12` for line 12, `cases.csv:row 3`)
and either the case as a dict (as a case file would hold it) or the reason it could not be read.
A row that cannot be read is never dropped: it is decided as an error.

CSV and flat Parquet columns are the case file's keys flattened (`flat_columns`): a record's fields
as `record.field`, a list's items as `list[0].field`, `list[1].field`, … (an item is present when
any of its cells is filled); an empty cell is a value left out. Parquet may also hold the nested
form (structs and lists of structs), read as is.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ...dsl import ir
from ...dsl.diagnostics import CaseError, UserError
from ..case import RESERVED_KEYS, parse_case_json

FORMATS = ("folder", "jsonl", "csv", "parquet")
_ITEM = re.compile(r"^(?P<list>[A-Za-z_][A-Za-z_0-9]*)\[(?P<index>[0-9]+)\]\.(?P<field>[A-Za-z_][A-Za-z_0-9]*)$")


@dataclass(frozen=True)
class Row:
    index: int
    id: str
    data: dict | None  # the case, as a case file holds it
    error: str = ""  # why it could not be read (then data is None)


def input_format(path: Path) -> str:
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise UserError(f"{path}: no such file or folder of cases")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise UserError(f"{path}: not a caseload; give a folder of *.json case files, or a .jsonl, .csv or .parquet file")


def count_rows(path: Path) -> int:
    """How many rows `read_rows` will give (for the progress bar), without deciding anything."""
    kind = input_format(path)
    if kind == "folder":
        return sum(1 for _ in path.glob("*.json"))
    if kind == "jsonl":
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    if kind == "csv":
        with path.open(newline="", encoding="utf-8") as f:
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def read_rows(policy: ir.Policy, path: Path) -> Iterator[Row]:
    """Every row of a caseload, in order, one at a time (a caseload need not fit in memory)."""
    kind = input_format(path)
    if kind == "folder":
        yield from _folder(path)
    elif kind == "jsonl":
        yield from _jsonl(path)
    elif kind == "csv":
        yield from _csv(policy, path)
    else:
        yield from _parquet(policy, path)


def _folder(path: Path) -> Iterator[Row]:
    for index, f in enumerate(sorted(path.glob("*.json"))):
        try:
            data = parse_case_json(f.read_bytes(), f.name)  # UTF-8, JSON, size and nesting checked
        except OSError as err:
            yield Row(index, f.name, None, f"{f.name}: cannot read the file: {err}")
            continue
        except CaseError as err:
            yield Row(index, f.name, None, f"{err.source}: {'; '.join(err.problems)}")
            continue
        yield _object(index, f.name, data)


def _object(index: int, name: str, data: Any) -> Row:
    if not isinstance(data, dict):
        return Row(index, name, None, f"{name}: expected one JSON object with the inputs as keys")
    return Row(index, name, data)


def _jsonl(path: Path) -> Iterator[Row]:
    index = 0
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            name = f"{path.name}:{number}"
            try:
                row = _object(index, name, parse_case_json(line, name))  # exact cents, as case files
            except CaseError as err:
                row = Row(index, name, None, f"{name}: {'; '.join(err.problems)}")
            yield row
            index += 1


# ---------------------------------------------------------------- flattened columns


@dataclass(frozen=True)
class FlatColumn:
    name: str  # as in the CSV header
    field: ir.InputField
    description: str


def flat_columns(policy: ir.Policy, items: int = 2) -> list[FlatColumn]:
    """The CSV columns of a case, lists shown with `items` items (a file may have as many as it needs)."""
    out = [FlatColumn(f.path, f, f.doc) for f in policy.inputs]
    for lst in policy.lists:
        for i in range(items):
            out.extend(FlatColumn(f"{lst.name}[{i}].{f.path}", f, f.doc) for f in lst.fields)
    return out


def _cell(f: ir.InputField, text: str) -> Any:
    """A CSV cell as its JSON value; what does not parse is passed on as text, for the case's
    validation to name the field and what it expected."""
    if f.type.kind == "bool":
        lowered = text.strip().lower()
        return {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}.get(lowered, text)
    if f.type.kind in ("int", "duration"):
        try:
            return int(text.strip())
        except ValueError:
            return text
    if f.type.kind == "decimal":
        try:
            return Decimal(text.strip())  # exact, as a case file's JSON number is read
        except InvalidOperation:
            return text
    return text


def unflatten(policy: ir.Policy, flat: dict[str, Any], cells_are_text: bool) -> dict:
    """A case file's dict from flattened columns (empty or null cells: left out). Text cells are
    read as CSV cells are (`true`, `42`), whatever the source: a Parquet file of text columns
    reads like the CSV it came from; `cells_are_text` says every cell is (CSV)."""
    by_path = {f.path: f for f in policy.inputs}
    lists = {lst.name: lst for lst in policy.lists}
    data: dict[str, Any] = {}
    items: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in lists}
    for column, raw in flat.items():
        if raw is None or (isinstance(raw, str) and raw == ""):
            continue
        m = _ITEM.match(column)
        if m and m["list"] in lists:
            lst = lists[m["list"]]
            f = next((x for x in lst.fields if x.path == m["field"]), None)
            value = _cell(f, raw) if (f is not None and isinstance(raw, str)) else _plain(raw)
            items[lst.name].setdefault(int(m["index"]), {})[m["field"]] = value
            continue
        f = by_path.get(column)
        value = _cell(f, raw) if (f is not None and isinstance(raw, str)) else _plain(raw)
        if column in lists and not cells_are_text:
            data[column] = value  # a nested list column
        elif "." in column:
            record, name = column.split(".", 1)
            data.setdefault(record, {})[name] = value
        else:
            data[column] = value  # unknown columns stay, so that validation names them
    for f in policy.inputs:  # a record whose every field is empty is still a record, unless it may be left out
        if "." in f.path and not f.optional_block:
            data.setdefault(f.path.split(".", 1)[0], {})
    for name in lists:
        if name not in data:
            data[name] = [items[name][i] for i in sorted(items[name])]
    return data


def _csv(policy: ir.Policy, path: Path) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.DictReader(f)
        for index, record in enumerate(reader):
            name = f"{path.name}:row {index + 1}"
            if None in record:  # more cells than the header has columns
                yield Row(index, name, None, f"{name}: {len(record[None])} more cells than the header has columns")
                continue
            yield Row(index, name, unflatten(policy, {k: v for k, v in record.items() if v is not None}, True))


def _plain(value: Any) -> Any:
    """A Parquet value as JSON would hold it: dates as YYYY-MM-DD, nested values likewise."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _parquet(policy: ir.Policy, path: Path) -> Iterator[Row]:
    import pyarrow.parquet as pq

    index = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            name = f"{path.name}:row {index + 1}"
            flat = {k: v for k, v in record.items() if k not in RESERVED_KEYS or v is not None}
            yield Row(index, name, unflatten(policy, flat, False))
            index += 1
