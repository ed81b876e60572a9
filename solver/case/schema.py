"""The JSON Schema of a case file, generated from the policy's input declarations, and the
messages a case that does not fit it gets: each bad field named, with what was expected."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema

from ...dsl.ir import InputField, Policy

RESERVED_KEYS = ("about", "expect")
# amounts are never negative in a case: pay, fees and thresholds (proofs assume it too)
MONEY_PATTERN = r"^\$?[0-9]{1,3}(,?[0-9]{3})*(\.[0-9]{1,2})?$"


def field_schema(policy: Policy, f: InputField) -> dict:
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
            r = records.setdefault(
                rec, {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
            )
            r["properties"][name] = field_schema(policy, f)
            if not f.optional:
                r["required"].append(name)
        else:
            props[f.path] = field_schema(policy, f)
            if not f.optional:
                required.append(f.path)
    for rec, s in records.items():
        props[rec] = s
        required.append(rec)
    for lst in policy.lists:
        fields: dict[str, Any] = {}
        needed: list[str] = []
        for f in lst.fields:
            fields[f.path] = field_schema(policy, f)
            if not f.optional:
                needed.append(f.path)
        item = {"type": "object", "properties": fields, "required": needed, "additionalProperties": False}
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


def schema_problems(policy: Policy, data: dict) -> list[str]:
    """Every way the case file's data does not fit the schema, one message per problem."""
    validator = _validator(policy)
    errors = sorted(validator.iter_errors(_jsonable(data)), key=lambda e: list(map(str, e.absolute_path)))
    return [_describe(err) for err in errors]


_VALIDATORS: dict[int, tuple[Policy, jsonschema.Draft202012Validator]] = {}


def _validator(policy: Policy) -> jsonschema.Draft202012Validator:
    """The policy's validator, built once per policy object (a batch validates every row)."""
    hit = _VALIDATORS.get(id(policy))
    if hit is None or hit[0] is not policy:
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        hit = _VALIDATORS[id(policy)] = (
            policy,
            jsonschema.Draft202012Validator(case_schema(policy), format_checker=checker),
        )
    return hit[1]


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
    parts: list[str] = []
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
        return f"{where}: expected {expected(inner)} or null, found {json.dumps(err.instance)}"
    if err.validator in ("type", "pattern", "format"):
        return f"{where}: expected {expected(schema)}, found {json.dumps(err.instance)}"
    return f"{where}: {err.message}"


def expected(schema: dict) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if schema.get("format") == "date":
        return "a date as YYYY-MM-DD"
    if schema.get("pattern") == MONEY_PATTERN:
        return "an amount of money such as 29.66"
    t = str(schema.get("type"))
    return {"integer": "a whole number", "boolean": "true or false", "string": "text", "array": "a list"}.get(t, t)
