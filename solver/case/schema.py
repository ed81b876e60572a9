"""The JSON Schema of a case file, generated from the policy's input declarations (types, ranges,
list lengths; the constraints across inputs as text), and the messages a case that does not fit
it gets: each bad field named, with what was expected."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...dsl.diagnostics import closest
from ...dsl.ir import TENTHS, Bounds, InputField, Policy
from ...dsl.units import format_value, months_code

if TYPE_CHECKING:  # imported when first used: jsonschema alone cost a cold `decide` 0.07 s of CPU
    import jsonschema

RESERVED_KEYS = ("about", "expect")
# amounts are never negative in a case: pay, fees and thresholds (proofs assume it too)
MONEY_PATTERN = r"^\$?[0-9]{1,3}(,?[0-9]{3})*(\.[0-9]{1,2})?$"
MAX_PROBLEMS = 50  # listed for one case; a file with more gets a count of the rest


def show_bound(f: InputField, value: int) -> str:
    """A bound of an input in its unit: 168, $10,000.00, 2100-12-31, 12 months."""
    return format_value(f.type.kind, value)


def range_text(f: InputField) -> str:
    """`from 0 to 168`, for descriptions and messages; empty for an input without bounds."""
    b = f.bounds
    return f"from {show_bound(f, b.low)} to {show_bound(f, b.high)}" if b is not None else ""


def field_schema(policy: Policy, f: InputField) -> dict:
    t, b = f.type, f.bounds
    if t.kind == "bool":
        s: dict = {"type": "boolean", "description": "true or false"}
    elif t.kind in ("int", "duration"):
        s = {"type": "integer", **_limits(b, 1 if t.kind == "int" else months_code(1))}
        s["description"] = "whole months" if t.kind == "duration" else "a whole number"
    elif t.kind == "decimal":
        s = {
            "type": "number",
            **_limits(b, TENTHS),
            "multipleOf": 0.1,
            "description": "a number with at most one decimal place, e.g. 6.5",
        }
    elif t.kind == "money":
        # a number is checked here; a string's amount ($1,234.50) by the loader, against the same range
        s = {
            "type": ["string", "number"],
            "pattern": MONEY_PATTERN,
            **_limits(b, 100),
            "multipleOf": 0.01,
            "description": "dollars and cents, e.g. 29.66",
        }
    elif t.kind == "date":
        s = {
            "type": "string",
            "format": "date",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "a date, YYYY-MM-DD",
        }
    elif t.kind == "text":
        s = {"type": "string", "description": "text"}
    else:
        enum = policy.enum_by_name[t.enum]
        named = [f"{m} ({label})" if label and label != m else m for m, label in zip(enum.members, enum.labels)]
        s = {"enum": list(enum.members), "description": "one of: " + ", ".join(named)}
    doc = f.doc + (" (the last day, inclusive)" if f.last_day else "")
    if b is not None:
        doc += f"{'; ' if doc else ''}{range_text(f)}"
    if doc:
        s["description"] = doc + (f"; {s['description']}" if "description" in s else "")
    if f.required_in_block:
        s["description"] += "; required when its block is given"
    elif f.required_for:
        s["description"] += "; optional, but a case of category " + " or ".join(f.required_for) + " must give it"
    elif f.optional:
        s["description"] += "; optional: leave it out when not known"
    if f.optional:
        s = {"anyOf": [s, {"type": "null"}], "description": s.get("description", "")}
    return s


def _limits(b: Bounds | None, unit: int) -> dict:
    """minimum and maximum in the JSON unit (dollars for cents, months for duration units)."""
    if b is None:
        return {}

    def scaled(v: int):
        return v // unit if v % unit == 0 else float(Decimal(v) / unit)

    return {"minimum": scaled(b.low), "maximum": scaled(b.high)}


def _needed_inside(f: InputField) -> bool:
    """A field its block (or list item), when given, must hold."""
    return not f.optional or f.required_in_block


def category_requirements(policy: Policy) -> dict[str, dict[str, list[str]]]:
    """Per category, the optional inputs its cases must give: {category: {"": [top-level keys],
    "employment": [fields of that block], "work": [fields of each item]}}; categories with none left out."""
    out: dict[str, dict[str, list[str]]] = {}
    for f in policy.inputs:
        rec, _, name = f.path.rpartition(".")
        for c in f.required_for:
            out.setdefault(c, {}).setdefault(rec, []).append(name)
    for lst in policy.lists:
        for f in lst.fields:
            for c in f.required_for:
                out.setdefault(c, {}).setdefault(lst.name, []).append(f.path)
    return out


def case_schema(policy: Policy) -> dict:
    """The JSON Schema of a case file, generated from the policy's input declarations: the keys
    every case needs in `required`, and what a case of each category needs besides in `allOf`
    (`if` its category is …, `then` these keys are required)."""
    props: dict[str, Any] = {}
    required: list[str] = []
    records: dict[str, dict] = {}
    optional_blocks: set[str] = set()
    for f in policy.inputs:
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            r = records.setdefault(
                rec, {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
            )
            r["properties"][name] = field_schema(policy, f)
            if _needed_inside(f):
                r["required"].append(name)
            if f.optional_block:
                optional_blocks.add(rec)
        else:
            props[f.path] = field_schema(policy, f)
            if not f.optional:
                required.append(f.path)
    for rec, s in records.items():
        if rec in optional_blocks:
            s["description"] = "optional: leave the whole block out when it is not claimed"
        props[rec] = s
        if rec not in optional_blocks:
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
        if lst.items is not None:
            props[lst.name] |= {"minItems": lst.items.low, "maxItems": lst.items.high}
            props[lst.name]["description"] += f"; {lst.items.low} to {lst.items.high} items"
        props[lst.name]["description"] += "; leave it out for none"
        if lst.items is not None and lst.items.low > 0:
            required.append(lst.name)
    by_category = []
    for category, needs in category_requirements(policy).items():
        then: dict[str, Any] = {}
        inner: dict[str, Any] = {}
        for where, names in needs.items():
            if not where:
                then["required"] = names
            elif any(lst.name == where for lst in policy.lists):
                inner[where] = {"items": {"required": names}}
            else:
                inner[where] = {"required": names}
        if inner:
            then["properties"] = inner
        by_category.append(
            {
                "if": {"properties": {"category": {"const": category}}, "required": ["category"]},
                "then": then,
                "description": f"what a case of category {category} must give besides",
            }
        )
    props["about"] = {"type": "string", "description": "a free description of the case"}
    props["expect"] = {"type": "object", "description": "for worked cases: the expected decision"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"A case for: {policy.title}",
        "type": "object",
        "properties": props,
        "required": sorted(set(required)),
        "additionalProperties": False,
        **({"allOf": by_category} if by_category else {}),
        # JSON Schema cannot compare two fields; the loader checks these, the text says what they are
        "$comment": "constraints across inputs (checked when a case is loaded): "
        + "; ".join(c.message + (f" (each item of {c.list})" if c.list else "") for c in policy.constraints),
    }


def _multiple_of(validator, step, instance, schema):
    """`multipleOf` in exact decimals (JSON numbers are read as Decimal: 0.07 is a multiple of 0.01)."""
    import jsonschema

    if not validator.is_type(instance, "number"):
        return
    try:
        quotient = Decimal(str(instance)) / Decimal(str(step))
        whole = quotient == quotient.to_integral_value()
    except ArithmeticError:  # decimal's InvalidOperation, Overflow
        whole = False
    if not whole:
        yield jsonschema.ValidationError(f"{instance} is not a multiple of {step}")


def schema_problems(policy: Policy, data: dict) -> list[str]:
    """Every way the case file's data does not fit the schema, one message per problem."""
    validator = _validator(policy)
    too_long = _overlong_lists(validator.schema, data)
    if too_long:  # thousands of items would each be reported: the length is the problem
        return too_long
    errors = sorted(validator.iter_errors(_jsonable(data)), key=lambda e: list(map(str, e.absolute_path)))
    found = [_describe(err, validator.schema) for err in errors]
    if len(found) > MAX_PROBLEMS:
        found = found[:MAX_PROBLEMS] + [f"… and {len(found) - MAX_PROBLEMS} more problems"]
    return found


def _overlong_lists(schema: dict, data: dict) -> list[str]:
    out = []
    for name, s in schema["properties"].items():
        value = data.get(name)
        if "maxItems" in s and isinstance(value, list) and len(value) > s["maxItems"]:
            out.append(f"{name}: {len(value)} items; this policy takes at most {s['maxItems']}")
    return out


def fits_schema(policy: Policy, data: dict) -> bool:
    """A fast yes for a case that fits the schema, for batches: a compiled validator of the same
    schema without `multipleOf` (it divides floats, and cannot divide the exact Decimals a case is
    read as), so whole cents and one decimal place are left to the loader's conversion, which
    refuses a value with more. False means "ask `schema_problems`", which says what is wrong.
    Compiling costs about a hundred slow validations, so a policy's first cases are read by
    `_fits` instead, the same yes by walking the schema (for a one-case command, no validator
    library is imported for a case that fits)."""
    fast = _fast_validator(policy)
    if fast is None:
        try:
            return _fits(_schema(policy), _jsonable(data))
        except _Undecided:
            return False
    import fastjsonschema

    try:
        fast(_jsonable(data))
    except fastjsonschema.JsonSchemaException:
        return False
    return True


_SCHEMAS: dict[int, tuple[Policy, dict]] = {}


def _schema(policy: Policy) -> dict:
    hit = _SCHEMAS.get(id(policy))
    if hit is None or hit[0] is not policy:
        hit = _SCHEMAS[id(policy)] = (policy, case_schema(policy))
    return hit[1]


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # jsonschema's `\d{4}-\d{2}-\d{2}` (ASCII)
_NOTES = frozenset({"description", "title", "$schema", "$comment", "multipleOf"})  # multipleOf: as above
_KINDS: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, Decimal),
    "string": str,
    "boolean": bool,
    "object": dict,
    "array": list,
}


class _Undecided(Exception):
    """`_fits` cannot say: a keyword or a value it does not read exactly as jsonschema does."""


def _fits(schema: dict, x: Any) -> bool:
    """Whether `x` fits the schema as jsonschema says (draft 2020-12, with the format checker),
    for the keywords `case_schema` writes and the values a case file is read as (less
    `multipleOf`); anything else is `_Undecided`. Exact, not merely stricter, since `if` turns a
    no into a yes."""
    if not (x is None or isinstance(x, (bool, int, str, Decimal, dict, list))):
        raise _Undecided  # a float: JSON numbers are read as Decimal
    for key, want in schema.items():
        if key in _NOTES:
            continue
        if key == "type":
            if not any(_is_type(x, t) for t in (want if isinstance(want, list) else [want])):
                return False
        elif key in ("enum", "const"):
            if not any(_equal(x, v) for v in (want if key == "enum" else [want])):
                return False
        elif key in ("minimum", "maximum"):
            if _is_type(x, "number") and _beyond(x, want, key):
                return False
        elif key == "pattern":
            if isinstance(x, str) and not re.search(want, x):
                return False
        elif key == "format":
            if want != "date":
                raise _Undecided
            if isinstance(x, str) and not _is_date(x):
                return False
        elif key == "required":
            if isinstance(x, dict) and any(k not in x for k in want):
                return False
        elif key == "properties":
            if isinstance(x, dict) and not all(_fits(want[k], v) for k, v in x.items() if k in want):
                return False
        elif key == "additionalProperties":
            if want is not False:
                raise _Undecided
            if isinstance(x, dict) and any(k not in schema.get("properties", {}) for k in x):
                return False
        elif key == "items":
            if isinstance(x, list) and not all(_fits(want, v) for v in x):
                return False
        elif key in ("minItems", "maxItems"):
            if isinstance(x, list) and (len(x) < want if key == "minItems" else len(x) > want):
                return False
        elif key == "anyOf":
            if not any(_fits(sub, x) for sub in want):
                return False
        elif key == "allOf":
            if not all(_fits(sub, x) for sub in want):
                return False
        elif key == "if":
            if "else" in schema:  # never written
                raise _Undecided
            if _fits(want, x) and not _fits(schema.get("then", {}), x):
                return False
        elif key != "then":
            raise _Undecided
    return True


def _is_type(x: Any, name: str) -> bool:
    if name not in _KINDS and name != "null":
        raise _Undecided
    if name in ("integer", "number") and isinstance(x, bool):
        return False
    return x is None if name == "null" else isinstance(x, _KINDS[name])


def _equal(x: Any, value: Any) -> bool:
    """jsonschema's equality for a scalar enum or const value: booleans are not numbers."""
    if isinstance(value, (list, dict)):
        raise _Undecided
    if isinstance(x, str) or isinstance(value, str):
        return x == value
    if isinstance(x, bool) or isinstance(value, bool):
        return isinstance(x, bool) and isinstance(value, bool) and x == value
    return not isinstance(x, (list, dict)) and x == value


def _beyond(x: Any, bound: Any, key: str) -> bool:
    try:
        return x < bound if key == "minimum" else x > bound
    except ArithmeticError:  # a Decimal NaN has no order
        raise _Undecided from None


def _is_date(text: str) -> bool:
    try:
        return _DATE.fullmatch(text) is not None and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


_SLOW_BEFORE_FAST = 20  # validations of one policy before its fast validator is compiled
_FAST: dict[int, tuple[Policy, Any]] = {}
_USES: dict[int, int] = {}


def _fast_validator(policy: Policy):
    hit = _FAST.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    uses = _USES[id(policy)] = _USES.get(id(policy), 0) + 1
    if uses <= _SLOW_BEFORE_FAST:
        return None
    import fastjsonschema

    _FAST[id(policy)] = (policy, fastjsonschema.compile(_without_multiple_of(case_schema(policy))))
    return _FAST[id(policy)][1]


def _without_multiple_of(schema):
    """The schema without `multipleOf`, and without `$schema` (fastjsonschema reads it as draft 7,
    whose keywords are all this schema uses)."""
    if isinstance(schema, dict):
        return {k: _without_multiple_of(v) for k, v in schema.items() if k not in ("multipleOf", "$schema")}
    if isinstance(schema, list):
        return [_without_multiple_of(v) for v in schema]
    return schema


_VALIDATORS: dict[int, tuple[Policy, jsonschema.Draft202012Validator]] = {}


def _validator(policy: Policy) -> jsonschema.Draft202012Validator:
    """The policy's validator, built once per policy object (a batch validates every row)."""
    hit = _VALIDATORS.get(id(policy))
    if hit is None or hit[0] is not policy:
        import jsonschema

        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        extended = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"multipleOf": _multiple_of})
        hit = _VALIDATORS[id(policy)] = (policy, extended(case_schema(policy), format_checker=checker))
    return hit[1]


def _jsonable(x):
    """JSON numbers are read as Decimal, to keep cents exact; a whole one of sensible size as an
    int (so that 40.0 is a whole number), every other one kept exact for the validator."""
    if isinstance(x, Decimal):
        whole = x == x.to_integral_value() and abs(x) < 10**18 and "E" not in str(x).upper()
        return int(x) if whole else x
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


def _describe(err: jsonschema.ValidationError, root: dict) -> str:
    where = _where(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        field = f"{where}.{missing}" if err.absolute_path else missing
        path = list(err.schema_path)
        if len(path) > 2 and path[0] == "allOf" and path[2] == "then":
            return _required_by_category(err, root, field, missing)
        block = list(err.absolute_path)
        if len(block) == 1 and block[0] not in root.get("required", ()) and block[0] in root.get("properties", {}):
            return f"{field}: missing; the {block[0]} block, when given, must hold it (or leave the block out)"
        return f"{field}: missing; this input is required"
    if err.validator == "additionalProperties":
        extra = err.message.split("'")[1] if "'" in err.message else err.message
        field = f"{where}.{extra}" if err.absolute_path else extra
        close = closest(extra, schema.get("properties", {}))
        meant = f"{where}.{close}" if err.absolute_path else close
        hint = f"did you mean {meant}?" if close else "see `visa-rules schema`"
        return f"{field}: not an input of this policy ({hint})"
    if err.validator == "enum":
        return f"{where}: {err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    if err.validator == "anyOf":
        inner = schema.get("anyOf", [{}])[0]
        return f"{where}: expected {expected(inner)} or null, found {_shown(err.instance)}"
    if err.validator in ("type", "pattern", "format", "minimum", "maximum", "multipleOf"):
        return f"{where}: expected {expected(schema)}, found {_shown(err.instance)}"
    if err.validator in ("minItems", "maxItems"):
        return f"{where}: {len(err.instance)} items; this policy takes {schema['minItems']} to {schema['maxItems']}"
    return f"{where}: {err.message}"


def _required_by_category(err: jsonschema.ValidationError, root: dict, field: str, missing: str) -> str:
    """`employment.sector: missing; a case of category wtr must give it, one of tier2, care, …`."""
    category = root["allOf"][list(err.schema_path)[1]]["if"]["properties"]["category"]["const"]
    inside = root["properties"]
    for part in list(err.absolute_path):
        if isinstance(part, int):
            inside = inside.get("items", {})
        else:
            inside = inside.get(str(part), {})
            inside = inside.get("items", inside) if inside.get("type") == "array" else inside
        inside = inside.get("properties", inside)
    wanted = inside.get(missing, {})
    wanted = wanted.get("anyOf", [wanted])[0]
    return f"{field}: missing; a case of category {category} must give it, {expected(wanted)}"


def _shown(instance) -> str:
    """A JSON value as the case file wrote it, shortened: messages name what was found."""
    text = str(instance) if isinstance(instance, Decimal) else json.dumps(instance, default=str)  # Decimals inside
    return text if len(text) <= 60 else text[:57] + "…"


def _dollars(amount) -> str:
    return f"${Decimal(str(amount)):,.2f}"


def expected(schema: dict) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if schema.get("format") == "date":
        return "a date as YYYY-MM-DD"
    within = f" from {schema['minimum']} to {schema['maximum']}" if "maximum" in schema else ""
    if schema.get("pattern") == MONEY_PATTERN:
        if within:
            within = f" from {_dollars(schema['minimum'])} to {_dollars(schema['maximum'])}"
        return f"an amount of money{within} in dollars and cents, such as 29.66"
    if schema.get("multipleOf") == 0.1:
        return f"a number{within} with at most one decimal place (such as 6.5)"
    t = str(schema.get("type"))
    kind = {"integer": "a whole number", "boolean": "true or false", "string": "text", "array": "a list"}.get(t, t)
    return kind + within


def bounds_table(policy: Policy) -> str:
    """The bounds of every input and the constraints across them, as Markdown (the README's table
    is this, for the shipped policy; a test keeps the two the same)."""
    rows = ["| input | type | values a case may give | source |", "|---|---|---|---|"]

    def row(path: str, f: InputField) -> None:
        if f.required_in_block:
            given = ", required when its block is given"
        elif f.required_for:
            given = ", optional; required for " + ", ".join(f.required_for)
        else:
            given = ", optional" if f.optional else ""
        kind = str(f.type) + given + (", last day" if f.last_day else "")
        if f.type.kind == "enum":
            values = ", ".join(policy.enum_by_name[f.type.enum].members)
        elif f.bounds is not None:
            values = range_text(f)
        else:
            values = "true or false" if f.type.kind == "bool" else "any text"
        if f.bounds is None:
            source = "its type"
        elif not f.bounds.declared:
            source = "the span of case dates" if f.type.kind == "date" else "none declared: clingo's range"
        else:
            source = "; ".join(map(str, f.bounds.cites))
        rows.append(f"| `{path}` | {kind} | {values} | {_cell(source)} |")

    for f in policy.inputs:
        row(f.path, f)
    for lst in policy.lists:
        items = lst.items
        count = f"{items.low:,} to {items.high:,} items" if items else "any number of items"
        if items is None or not items.declared:
            source = "none declared: as many as a case file holds"
        else:
            source = "; ".join(map(str, items.cites))
        rows.append(f"| `{lst.name}` | list of {lst.record} | {count} | {_cell(source)} |")
        for f in lst.fields:
            row(f"{lst.name}[].{f.path}", f)
    dates = policy.dates
    span = f"Case dates lie from {format_value('date', dates.low)} to {format_value('date', dates.high)}"
    span += f" ({'; '.join(map(str, dates.cites))})." if dates.cites else " (the default span)."
    lines = [*rows, "", span]
    if policy.constraints:
        lines += ["", "Constraints across inputs (a case that breaks one is refused, never decided):", ""]
        for c in policy.constraints:
            each = f" (each item of `{c.list}`)" if c.list else ""
            lines.append(f"- {c.message}{each}: {'; '.join(map(str, c.cites))}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
