"""Case files: read, validated against the schema (`schema`), and converted to what the back ends read.

A case file is JSON whose keys are the policy's inputs. Two extra keys are reserved: `about`
(a free description) and `expect` (what a worked case should decide to; read by the tests).
Everything else that is not an input is an error, so no data is silently ignored.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ...dsl.diagnostics import CaseError
from ...dsl.ir import InputField, Policy, Type, zero_of
from ...dsl.units import date_code, decode_date, decode_last_day, last_day_code
from .schema import RESERVED_KEYS, expected, field_schema, schema_problems


@dataclass(frozen=True)
class Item:
    values: dict[str, int | str]
    known: dict[str, bool]


@dataclass(frozen=True)
class CaseData:
    """A case as the back ends see it: every value an int (or str for text), never missing.

    An optional input that the case leaves out has `known[path] == False` and the zero value of
    its type, so that clingo, Z3 and Python all read the same thing.
    """

    scalars: dict[str, int | str]
    known: dict[str, bool]
    items: dict[str, tuple[Item, ...]]
    raw: dict[str, Any]  # the case as the user wrote it (less reserved keys)
    lodgement: dt.date


# ---------------------------------------------------------------- reading a case


def read_case_file(path: str | Path) -> dict:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise CaseError(str(path), [f"cannot read the file: {err.strerror}"]) from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as err:
        raise CaseError(f"{path}:{err.lineno}:{err.colno}", [f"not valid JSON: {err.msg}"]) from None
    if not isinstance(data, dict):
        raise CaseError(str(path), ["the file must hold one JSON object, with the inputs as keys"])
    return data


def load_case(policy: Policy, data: dict, source: str = "<case>") -> CaseData:
    """Validate a case against the policy's schema and convert it; every problem is listed."""
    found = schema_problems(policy, data)
    if found:
        raise CaseError(source, found)
    return _convert(policy, data, source)


def _to_value(policy: Policy, f: InputField, raw, where: str, problems: list[str]) -> int | str:
    t: Type = f.type
    try:
        if t.kind == "bool":
            return int(raw)
        if t.kind in ("int", "duration"):
            return int(raw)
        if t.kind == "money":
            amount = Decimal(str(raw).replace("$", "").replace(",", ""))
            cents = amount * 100
            if cents != cents.to_integral_value():
                problems.append(f"{where}: expected whole cents, found {raw}")
                return 0
            return int(cents)
        if t.kind == "date":
            day = dt.date.fromisoformat(str(raw))
            return last_day_code(day) if f.last_day else date_code(day)
        if t.kind == "text":
            return str(raw)
        return policy.enum_by_name[t.enum].members.index(raw)
    except (ValueError, InvalidOperation):
        problems.append(f"{where}: expected {expected(field_schema(policy, f))}, found {json.dumps(str(raw))}")
        return 0


def _convert(policy: Policy, data: dict, source: str) -> CaseData:
    problems: list[str] = []
    scalars: dict[str, int | str] = {}
    known: dict[str, bool] = {}
    for f in policy.inputs:
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            raw = data[rec].get(name)
        else:
            raw = data.get(f.path)
        known[f.path] = raw is not None
        scalars[f.path] = zero_of(f.type) if raw is None else _to_value(policy, f, raw, f.path, problems)
    items: dict[str, tuple[Item, ...]] = {}
    for lst in policy.lists:
        out = []
        for i, entry in enumerate(data[lst.name]):
            values, k = {}, {}
            for f in lst.fields:
                raw = entry.get(f.path)
                k[f.path] = raw is not None
                where = f"{lst.name}[{i}].{f.path}"
                values[f.path] = zero_of(f.type) if raw is None else _to_value(policy, f, raw, where, problems)
            out.append(Item(values, k))
        items[lst.name] = tuple(out)
    lodgement = dt.date.fromisoformat(str(data["lodgement_date"])) if not problems else dt.date.min
    category = int(scalars.get("category", 0))
    if not problems and policy.version_at(lodgement, category) is None:
        first = policy.versions_of(category)[0].start
        problems.append(
            f"lodgement_date: {lodgement} is before the first instruction version this policy models ({first})"
        )
    if problems:
        raise CaseError(source, problems)
    raw = {k: v for k, v in data.items() if k not in RESERVED_KEYS}
    return CaseData(scalars, known, items, raw, lodgement)


def case_to_json(policy: Policy, case: CaseData) -> dict:
    """The inverse of load: a case file (as a dict) that decides exactly like `case`."""
    out: dict[str, Any] = {}
    for f in policy.inputs:
        value = _from_value(policy, f, case.scalars[f.path]) if case.known[f.path] else None
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            if value is not None or not f.optional:
                out.setdefault(rec, {})[name] = value
            else:
                out.setdefault(rec, {})
        elif value is not None or not f.optional:
            out[f.path] = value
    for lst in policy.lists:
        entries = []
        for item in case.items[lst.name]:
            entry = {}
            for f in lst.fields:
                if item.known[f.path]:
                    entry[f.path] = _from_value(policy, f, item.values[f.path])
            entries.append(entry)
        out[lst.name] = entries
    return out


def _from_value(policy: Policy, f: InputField, value: int | str):
    t = f.type
    if t.kind == "bool":
        return bool(value)
    if t.kind == "money":
        cents = int(value)
        return f"{cents // 100}.{cents % 100:02d}" if cents >= 0 else f"-{(-cents) // 100}.{(-cents) % 100:02d}"
    if t.kind == "date":
        return (decode_last_day(value) if f.last_day else decode_date(value)).isoformat()
    if t.kind == "enum":
        return policy.enum_by_name[t.enum].members[value]
    return value
