"""Case files: read, validated against the schema (`schema`), and converted to what the back ends read.

A case file is JSON whose keys are the policy's inputs. Two extra keys are reserved: `about`
(a free description) and `expect` (what a worked case should decide to; read by the tests).
Everything else that is not an input is an error, so no data is silently ignored.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ...dsl.diagnostics import CaseError
from ...dsl.ir import MAX_CASE_BYTES, TENTHS, Constraint, InputField, Policy, Type, zero_of
from ...dsl.units import (
    UNITS_PER_MONTH,
    date_code,
    decode_date,
    decode_last_day,
    format_decimal,
    format_money,
    format_value,
    last_day_code,
    months_code,
)
from .schema import MAX_PROBLEMS, RESERVED_KEYS, expected, field_schema, fits_schema, schema_problems, show_bound


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

# MAX_CASE_BYTES (from the IR): the analysis of the ASP program's numbers counts on it
MAX_NESTING = 32  # a case nests three levels (case → list → item); JSON nested deeper is not a case
MAX_DIGITS = 300  # far beyond any value; Python refuses to read integers of 4,300 digits


def read_case_file(path: str | Path) -> dict:
    """A case file read as UTF-8 (a byte-order mark is accepted) within the size and nesting
    limits; every problem (unreadable, not UTF-8, not JSON, not an object) a CaseError naming it."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_CASE_BYTES + 1)
    except IsADirectoryError:
        raise CaseError(str(path), ["this is a folder, not a case file"]) from None
    except OSError as err:
        raise CaseError(str(path), [f"cannot read the file: {err.strerror or err}"]) from None
    if len(raw) > MAX_CASE_BYTES:
        raise CaseError(str(path), [f"the file is larger than {MAX_CASE_BYTES:,} bytes; no case is that large"])
    return parse_case_json(raw, str(path))


def parse_case_json(raw: bytes | str, source: str) -> dict:
    """One case, from the bytes (or text) of a case file or a line of a JSON Lines file."""
    text = raw if isinstance(raw, str) else _decode(raw, source)
    if len(text) > MAX_CASE_BYTES:
        raise CaseError(source, [f"the case is larger than {MAX_CASE_BYTES:,} characters; no case is that large"])
    _scan(text, source)
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise CaseError(f"{source}:{err.lineno}:{err.colno}", [f"not valid JSON: {err.msg}"]) from None
    if not isinstance(data, dict):
        raise CaseError(source, ["the file must hold one JSON object, with the inputs as keys"])
    bad_text = list(_bad_text(data, ""))
    if bad_text:
        raise CaseError(source, bad_text[:MAX_PROBLEMS])
    return data


def _decode(raw: bytes, source: str) -> str:
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if raw.startswith(bom):
            raise CaseError(source, [f"not UTF-8 text: it starts with a {name} byte-order mark; save it as UTF-8"])
    if b"\x00" in raw:
        raise CaseError(source, ["the file holds NUL bytes: it is not UTF-8 text (UTF-16?); save it as UTF-8"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = len(raw[raw.rfind(b"\n", 0, err.start) + 1 : err.start].decode("utf-8", "replace")) + 1
        byte = raw[err.start]
        raise CaseError(
            f"{source}:{line}:{column}", [f"not UTF-8 text (byte 0x{byte:02X} here; Latin-1?): save the file as UTF-8"]
        ) from None


# a JSON string, a bracket, a number of many digits, or a constant JSON does not allow
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?\d{' + str(MAX_DIGITS + 1) + r",}|NaN|-?Infinity")


def _scan(text: str, source: str) -> None:
    """Refuse, with its position, what would make the JSON reader fail badly: nesting deep enough
    to exhaust Python's stack, integers too long to read, NaN and Infinity (not JSON numbers)."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                problem = f"nested more than {MAX_NESTING} levels deep; a case nests three"
                raise CaseError(_at(text, m.start(), source), [problem])
        elif token in "]}":
            depth -= 1
        elif token[-1].isdigit():
            problem = f"a number of {len(token.lstrip('-'))} digits; no value of a case is that long"
            raise CaseError(_at(text, m.start(), source), [problem])
        else:
            problem = f"not valid JSON: {token} is not a number JSON allows"
            raise CaseError(_at(text, m.start(), source), [problem])


def _at(text: str, offset: int, source: str) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"{source}:{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _no_constant(name: str):
    raise AssertionError(f"_scan lets no {name} through")  # pragma: no cover


def _bad_text(x, where: str):
    """Text that is no sequence of characters (a lone surrogate such as \\ud800) or holds NUL:
    no back end can hold it the same way, so no case may contain it, in a value or a key."""
    if isinstance(x, str):
        if any("\ud800" <= ch <= "\udfff" for ch in x):
            yield f"{where or '(top level)'}: the text holds an unpaired surrogate (such as \\ud800): no character"
        elif "\x00" in x:
            yield f"{where or '(top level)'}: the text holds a NUL character (\\u0000)"
    elif isinstance(x, dict):
        for k, v in x.items():
            inner = f"{where}.{k}" if where else str(k)
            if any(True for _ in _bad_text(k, where)):
                yield f"{where or '(top level)'}: a key holds an unpaired surrogate or a NUL character"
                continue
            yield from _bad_text(v, inner)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _bad_text(v, f"{where}[{i}]")


def load_case(
    policy: Policy, data: dict, source: str = "<case>", *, constraints: bool = True, schema: bool = True
) -> CaseData:
    """Validate a case against the policy's schema, its ranges and its constraints, and convert
    it; every problem is listed. A generator that writes only well-typed values may leave out the
    schema (the costly part; ranges are checked all the same), or the constraints, to mend them."""
    checked = schema and not fits_schema(policy, data)  # the fast yes; else the messages
    found = schema_problems(policy, data) if checked else []
    if found:
        raise CaseError(source, found)
    try:
        case = _convert(policy, data, source)
    except CaseError:
        if schema and not checked:  # the fast check let it through: report what the schema says
            found = schema_problems(policy, data)
            if found:
                raise CaseError(source, found) from None
        raise
    broken = constraint_problems(policy, case) if constraints else []
    if broken:
        raise CaseError(source, broken)
    return case


def _to_value(policy: Policy, f: InputField, raw, where: str, problems: list[str]) -> int | str:
    t: Type = f.type
    try:
        if t.kind == "bool":
            return int(raw)
        if t.kind == "int":
            return _within(f, int(raw), str(raw), where, problems)
        if t.kind == "decimal":  # 6.5 in a case file, 65 tenths in the back ends
            tenths = Decimal(str(raw)) * TENTHS
            if not tenths.is_finite() or tenths != tenths.to_integral_value():
                problems.append(f"{where}: expected a number with at most one decimal place, found {raw}")
                return 0
            return _within(f, int(tenths), format_decimal(int(tenths)), where, problems)
        if t.kind == "duration":  # whole months in a case file; 32 units a month in the back ends
            return _within(f, months_code(int(raw)), f"{int(raw)} months", where, problems)
        if t.kind == "money":
            amount = Decimal(str(raw).replace("$", "").replace(",", ""))
            cents = amount * 100
            if not cents.is_finite() or cents != cents.to_integral_value():
                problems.append(f"{where}: expected whole cents, found {raw}")
                return 0
            return _within(f, int(cents), format_money(int(cents)), where, problems)
        if t.kind == "date":
            day = dt.date.fromisoformat(str(raw))
            code = date_code(day)
            if (
                _within(f, code, day.isoformat(), where, problems) != code
            ):  # before converting: 9999-12-31 has no day after
                return 0
            return last_day_code(day) if f.last_day else code
        if t.kind == "text":
            return str(raw)
        return policy.enum_by_name[t.enum].members.index(raw)
    except (ValueError, InvalidOperation):
        problems.append(f"{where}: expected {expected(field_schema(policy, f))}, found {json.dumps(str(raw))}")
        return 0


def _within(f: InputField, value: int, shown: str, where: str, problems: list[str]) -> int:
    """The value if it lies in the input's bounds; else a problem naming the bound and its source
    (`shown` is the value as the case gave it)."""
    b = f.bounds
    if b is None or value in b:
        return value
    low = value < b.low
    limit = b.low if low else b.high
    word = (
        ("before the earliest date" if low else "after the latest date")
        if f.type.kind == "date"
        else ("below the lowest value" if low else "above the highest value")
    )
    source = (
        "; ".join(map(str, b.cites))
        if b.cites
        else ("the span of case dates" if f.type.kind == "date" else "the largest number clingo holds")
    )
    problems.append(f"{where}: {shown} is {word} this policy accepts, {show_bound(f, limit)} ({source})")
    return 0


def _convert(policy: Policy, data: dict, source: str) -> CaseData:
    problems: list[str] = []
    scalars: dict[str, int | str] = {}
    known: dict[str, bool] = {}
    for f in policy.inputs:
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            raw = data.get(rec, {}).get(name)  # an optional block may be left out
        else:
            raw = data.get(f.path)
        known[f.path] = raw is not None
        scalars[f.path] = zero_of(f.type) if raw is None else _to_value(policy, f, raw, f.path, problems)
    items: dict[str, tuple[Item, ...]] = {}
    for lst in policy.lists:
        out = []
        for i, entry in enumerate(data.get(lst.name, [])):  # a list left out has no items
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


def broken_constraints(policy: Policy, case: CaseData) -> list[tuple[Constraint, int | None]]:
    """Every constraint the case breaks, with the index of the list item that breaks it (None for
    a constraint on the case as a whole)."""
    from ..backends.python import Evaluator  # the plain reading of the IR (it imports this package)

    ev = Evaluator(policy, case)
    out: list[tuple[Constraint, int | None]] = []
    for c in policy.constraints:
        if not c.list:
            if not ev.eval(c.condition):
                out.append((c, None))
            continue
        out.extend((c, i) for i in range(len(case.items[c.list])) if not ev.eval(c.condition, i))
    return out


def constraint_problems(policy: Policy, case: CaseData) -> list[str]:
    """Every constraint the case breaks, naming the inputs it reads and the values found."""
    return [_broken(policy, case, c, item) for c, item in broken_constraints(policy, case)]


def _broken(policy: Policy, case: CaseData, c: Constraint, item: int | None) -> str:
    """`work[1].end, work[1].start: <message> (found work[1].end 2020-01-31, work[1].start 2021-03-01)`."""
    shown: list[tuple[str, str]] = []
    if item is not None:
        values = case.items[c.list][item]
        for name in c.fields:
            f = policy.list_field(c.list, name)
            shown.append((f"{c.list}[{item}].{name}", _show(policy, f, values.values[name], values.known[name])))
    for path in c.inputs:
        shown.append((path, _show(policy, policy.input_field(path), case.scalars[path], case.known[path])))
    where = ", ".join(p for p, _ in shown)
    found = ", ".join(f"{p} {v}" for p, v in shown)
    return f"{where}: {c.message} (found {found})"


def _show(policy: Policy, f: InputField, value: int | str, known: bool) -> str:
    """A value as a case file writes it: 2024-05-01, 29.66, ielts, "Ana"; unknown when left out."""
    if not known:
        return "unknown"
    if f.type.kind == "enum":
        return policy.enum_by_name[f.type.enum].members[int(value)]
    return format_value(f.type.kind, value, last_day=f.last_day, quote_text=True)


def case_to_json(policy: Policy, case: CaseData) -> dict:
    """The inverse of load: a case file (as a dict) that decides exactly like `case`."""
    out: dict[str, Any] = {}
    given = {f.path.split(".", 1)[0] for f in policy.inputs if "." in f.path and case.known[f.path]}
    for f in policy.inputs:
        value = _from_value(policy, f, case.scalars[f.path]) if case.known[f.path] else None
        if "." in f.path:
            rec, name = f.path.split(".", 1)
            if f.optional_block and rec not in given:
                continue  # an optional block with nothing known: left out
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
    if t.kind == "decimal":  # a JSON number as the test reports it: 6.5, 7
        whole, tenth = divmod(int(value), TENTHS)
        return whole if tenth == 0 else float(Decimal(int(value)) / TENTHS)
    if t.kind == "money":
        cents = int(value)
        return f"{cents // 100}.{cents % 100:02d}" if cents >= 0 else f"-{(-cents) // 100}.{(-cents) % 100:02d}"
    if t.kind == "date":
        return (decode_last_day(value) if f.last_day else decode_date(value)).isoformat()
    if t.kind == "enum":
        return policy.enum_by_name[t.enum].members[value]
    if t.kind == "duration":
        return int(value) // UNITS_PER_MONTH
    return value
