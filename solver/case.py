"""Case files: the JSON Schema generated from the policy's inputs, validation, and conversion.

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

import jsonschema

from ..dsl.diagnostics import CaseError
from ..dsl.encoding import date_code, decode_date, decode_last_day, last_day_code
from ..dsl.ir import InputField, Policy, Type

RESERVED_KEYS = ("about", "expect")
# amounts are never negative in a case: pay, fees and thresholds (proofs assume it too)
MONEY_PATTERN = r"^\$?[0-9]{1,3}(,?[0-9]{3})*(\.[0-9]{1,2})?$"


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


# ---------------------------------------------------------------- the schema


def _field_schema(policy: Policy, f: InputField) -> dict:
    t = f.type
    if t.kind == "bool":
        s: dict = {"type": "boolean"}
    elif t.kind == "int":
        s = {"type": "integer", "minimum": 0}
    elif t.kind == "money":
        s = {"type": ["string", "number"], "pattern": MONEY_PATTERN, "description": "dollars and cents, e.g. 29.66"}
    elif t.kind == "date":
        s = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    elif t.kind == "duration":
        s = {"type": "integer", "minimum": 0, "description": "months"}
    elif t.kind == "text":
        s = {"type": "string"}
    else:
        s = {"enum": list(policy.enum_by_name[t.enum].members)}
    doc = f.doc + (" (the last day, inclusive)" if f.last_day else "")
    if doc:
        s["description"] = doc + (f"; {s['description']}" if "description" in s else "")
    if f.optional:
        s = {"anyOf": [s, {"type": "null"}], "description": s.get("description", "")}
    return s


def case_schema(policy: Policy) -> dict:
    """The JSON Schema of a case file, generated from the policy's input declarations."""
    props: dict[str, Any] = {}
    required: list[str] = []
    records: dict[str, dict] = {}
    for f in policy.inputs:
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            r = records.setdefault(rec, {"type": "object", "properties": {}, "required": [], "additionalProperties": False})
            r["properties"][name] = _field_schema(policy, f)
            if not f.optional:
                r["required"].append(name)
        else:
            props[f.path] = _field_schema(policy, f)
            if not f.optional:
                required.append(f.path)
    for rec, s in records.items():
        props[rec] = s
        required.append(rec)
    for lst in policy.lists:
        item = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
        for f in lst.fields:
            item["properties"][f.path] = _field_schema(policy, f)
            if not f.optional:
                item["required"].append(f.path)
        props[lst.name] = {"type": "array", "items": item, "description": lst.doc}
        required.append(lst.name)
    props["about"] = {"type": "string", "description": "a free description of the case"}
    props["expect"] = {"type": "object", "description": "for worked cases: the expected decision"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"A case for: {policy.title}",
        "type": "object",
        "properties": props,
        "required": sorted(set(required)),
        "additionalProperties": False,
    }


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
    schema = case_schema(policy)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    problems = []
    for err in sorted(validator.iter_errors(_jsonable(data)), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(_describe(err))
    if problems:
        raise CaseError(source, problems)
    return _convert(policy, data, source)


def _jsonable(x):
    """Decimals (how we read JSON numbers, to keep cents exact) as floats, for the validator only."""
    if isinstance(x, Decimal):
        return int(x) if x == x.to_integral_value() and "." not in str(x) else float(x)
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    return x


def _where(path) -> str:
    parts = []
    for p in path:
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + str(p))
    return "".join(parts) or "(top level)"


def _describe(err: jsonschema.ValidationError) -> str:
    where = _where(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        field = f"{where}.{missing}" if err.absolute_path else missing
        return f"{field}: missing; this input is required"
    if err.validator == "additionalProperties":
        extra = err.message.split("'")[1] if "'" in err.message else err.message
        field = f"{where}.{extra}" if err.absolute_path else extra
        return f"{field}: not an input of this policy (see `visa-rules schema`)"
    if err.validator == "enum":
        return f"{where}: {err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    if err.validator == "anyOf":
        inner = schema.get("anyOf", [{}])[0]
        return f"{where}: expected {_expected(inner)} or null, found {json.dumps(err.instance)}"
    if err.validator in ("type", "pattern", "format"):
        return f"{where}: expected {_expected(schema)}, found {json.dumps(err.instance)}"
    return f"{where}: {err.message}"


def _expected(schema: dict) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if schema.get("format") == "date":
        return "a date as YYYY-MM-DD"
    if schema.get("pattern") == MONEY_PATTERN:
        return "an amount of money such as 29.66"
    t = schema.get("type")
    return {"integer": "a whole number", "boolean": "true or false", "string": "text", "array": "a list"}.get(t, str(t))


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
        problems.append(f"{where}: expected {_expected(_field_schema(policy, f))}, found {json.dumps(str(raw))}")
        return 0


def zero_of(t: Type) -> int | str:
    return "" if t.kind == "text" else 0


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
    if not problems and policy.version_at(lodgement) is None:
        first = policy.versions[0].start
        problems.append(f"lodgement_date: {lodgement} is before the first instruction version this policy models ({first})")
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
        return f"{value // 100}.{value % 100:02d}" if value >= 0 else f"-{(-value) // 100}.{(-value) % 100:02d}"
    if t.kind == "date":
        return (decode_last_day(value) if f.last_day else decode_date(value)).isoformat()
    if t.kind == "enum":
        return policy.enum_by_name[t.enum].members[value]
    return value
