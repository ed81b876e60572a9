"""Deciding cases with clingo: the policy's program, the case's facts as Symbols, one model.

`solve` decides one case, with the program of its category's rules (no other rule is in force
for it) and only the table rows its look-ups can match; `solve_many` grounds many cases in one
Control (the batched program, every case-dependent atom numbered by case), so that the program is
parsed and its tables are grounded once per chunk of cases rather than once per case. Both read
the same emission, and each case's Verdict is built by the same `verdict_from_atoms`.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import clingo
import clingo.ast

from ....dsl import ir
from ....dsl.loader import cache_dir, cache_key, store
from ...case import CaseData
from .emit import batch_program, category_program, nodes, packed, packing, reads
from .predicates import (
    CASE_VALUES,
    FIELD,
    FIELD_KNOWN,
    INPUT,
    ITEM,
    ITEM_VALUES,
    KNOWN,
    NOT_APPLICABLE,
    NOT_ASSESSED,
    OUTCOME,
    POINTS_AWARDED,
    RESULT,
    RULE_SHOWN,
    SHOW_VALUE,
    TABLE_CELL,
    TABLE_KEY,
    VERSION,
)


class SolverError(RuntimeError):
    """The solver did something the semantics rule out (no model, two models): a bug in visa-rules."""


def case_symbols(policy: ir.Policy, case: CaseData) -> list[clingo.Symbol]:
    """The case as clingo facts, built as Symbols (never as program text)."""
    return _case_facts(policy, case)


def numbered_case_symbols(policy: ir.Policy, case: CaseData, number: int) -> list[clingo.Symbol]:
    """The case's facts for the batched program, packed (`emit.Packing`): its values and known
    bits in one Symbol, and each list item's in one more; the program unpacks them into the
    numbered `input`, `known`, `item`, `field` and `field_known` atoms."""
    packed = _packed(policy)
    n, value, fn = _number(number), _symbol, clingo.Function
    scalars, known_of = case.scalars, case.known
    values_of_case = _pack([value(scalars[p]) for p in packed.inputs])
    facts = [fn(CASE_VALUES, [n, values_of_case, _pack([_BIT[known_of[p]] for p in packed.known])])]
    for name, name_symbol, fields, known in packed.lists:
        for i, item in enumerate(case.items[name]):
            values, item_known = item.values, item.known
            facts.append(fn(ITEM_VALUES, [
                n, name_symbol, _number(i),
                _pack([value(values[f]) for f in fields]), _pack([_BIT[item_known[f]] for f in known]),
            ]))  # fmt: skip
    return facts


def _pack(values: list[clingo.Symbol]) -> clingo.Symbol:
    """Symbols as a packed fact holds them (`emit.packed`)."""
    return clingo.Tuple_([clingo.Tuple_(group) for group in packed(values)])


@dataclass(frozen=True)
class _Packed:
    """`emit.packing` with each list's name as its String, built once per policy."""

    inputs: tuple[str, ...]
    known: tuple[str, ...]
    lists: tuple[tuple[str, clingo.Symbol, tuple[str, ...], tuple[str, ...]], ...]


_PACKED: dict[int, tuple[ir.Policy, _Packed]] = {}


def _packed(policy: ir.Policy) -> _Packed:
    hit = _PACKED.get(id(policy))
    if hit is None or hit[0] is not policy:
        pack = packing(policy)
        lists = tuple((name, clingo.String(name), fields, known) for name, fields, known in pack.lists)
        hit = _PACKED[id(policy)] = (policy, _Packed(pack.inputs, pack.known, lists))
    return hit[1]


def _case_facts(policy: ir.Policy, case: CaseData) -> list[clingo.Symbol]:
    """The case facts that the one-case program reads (`emit.reads`), built directly as Symbols
    (the same values that `Predicate.symbol` encodes, without its per-field dispatch). What no
    case changes, the path Strings, is built once (`_layout`)."""
    inp, known, item_p, field, field_known = INPUT.name, KNOWN.name, ITEM.name, FIELD.name, FIELD_KNOWN.name
    layout = _layout(policy)
    fn, value = clingo.Function, _symbol
    facts = []
    scalars, known_of = case.scalars, case.known
    for path, symbol, is_read, is_known in layout.inputs:
        if is_read:
            facts.append(fn(inp, [symbol, value(scalars[path])]))
        if is_known:
            facts.append(fn(known, [symbol, _BIT[known_of[path]]]))
    for name, name_symbol, fields in layout.lists:
        for i, item in enumerate(case.items[name]):
            index = _number(i)
            facts.append(fn(item_p, [name_symbol, index]))
            values, item_known = item.values, item.known
            for path, symbol, is_read, is_known in fields:
                if is_read:
                    facts.append(fn(field, [name_symbol, index, symbol, value(values[path])]))
                if is_known:
                    facts.append(fn(field_known, [name_symbol, index, symbol, _BIT[item_known[path]]]))
    return facts


@dataclass(frozen=True)
class _Layout:
    """A policy's case vocabulary as the program reads it: each input (path, its String, read,
    known read) and each list (name, its String, its fields likewise)."""

    inputs: tuple[tuple[str, clingo.Symbol, bool, bool], ...]
    lists: tuple[tuple[str, clingo.Symbol, tuple[tuple[str, clingo.Symbol, bool, bool], ...]], ...]


_LAYOUTS: dict[int, tuple[ir.Policy, _Layout]] = {}


def _layout(policy: ir.Policy) -> _Layout:
    hit = _LAYOUTS.get(id(policy))
    if hit is None or hit[0] is not policy:
        read = reads(policy)
        inputs = tuple(
            (f.path, clingo.String(f.path), f.path in read.inputs, f.path in read.known) for f in policy.inputs
        )
        lists = tuple(
            (lst.name, clingo.String(lst.name), tuple(
                (f.path, clingo.String(f.path), (lst.name, f.path) in read.fields,
                 (lst.name, f.path) in read.fields_known) for f in lst.fields))
            for lst in policy.lists
        )  # fmt: skip
        hit = _LAYOUTS[id(policy)] = (policy, _Layout(inputs, lists))
    return hit[1]


_BIT = {False: clingo.Number(0), True: clingo.Number(1)}
_SMALL = tuple(clingo.Number(n) for n in range(256))  # item indexes, flags, enum members, counts


def _number(n: int) -> clingo.Symbol:
    return _SMALL[n] if 0 <= n < 256 else clingo.Number(n)


def _symbol(value: int | str) -> clingo.Symbol:
    """A case value: text as a clingo String, anything else as a Number (as `predicates.VALUE`)."""
    return clingo.String(value) if isinstance(value, str) else _number(value)


_PARSED: dict[tuple[int, int | None], tuple[ir.Policy, tuple[clingo.ast.AST, ...]]] = {}
# Held while parsed statements are read: replaying them into a Control, or filling the caches from
# them. Two threads replaying the same statements at once (a Dask worker's threads) made clingo
# refuse them ("invalid ast: term expected").
_REPLAY = threading.Lock()


def _parsed(policy: ir.Policy, category: int | None) -> tuple[clingo.ast.AST, ...]:
    """The statements of the batched program (category None) or of a category's one-case program
    (`emit.category_program`), parsed once per policy object (immutable): parsing the text cost
    more than a third of a one-case decision, and replaying the parsed statements is cheaper."""
    key = (id(policy), category)
    hit = _PARSED.get(key)
    if hit is None or hit[0] is not policy:
        with _REPLAY:
            statements: list[clingo.ast.AST] = []
            text = batch_program(policy) if category is None else _one_case_text(policy, category)
            clingo.ast.parse_string(text, statements.append)
            hit = _PARSED[key] = (policy, tuple(statements))
    return hit[1]


def _one_case_text(policy: ir.Policy, category: int) -> str:
    """`category_program`, kept on disk beside the checked policy it is emitted from
    (emitting it was a sixth of a cold `decide`): keyed by that policy's cache entry, the category
    and this package's source, and checked against the digest on its first line, so that a
    damaged file is emitted again."""
    key = cache_key(policy)
    if key is None:  # not from the cache (or the cache is off)
        return category_program(policy, category)
    source = hashlib.sha256(f"{key} {category}".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        source.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    path = cache_dir() / "asp" / f"{source.hexdigest()}.lp"
    try:
        digest, _, text = path.read_bytes().partition(b"\n")
        if digest == _digest(text):
            return text.decode("utf-8")
    except OSError:  # not cached yet (or unreadable): emitted below
        pass
    program_text = category_program(policy, category)
    data = program_text.encode("utf-8")
    store(path, _digest(data) + b"\n" + data)
    return program_text


def _digest(data: bytes) -> bytes:
    return b"% sha256 " + hashlib.sha256(data).hexdigest().encode()


Varying = Mapping[str, Collection[int | str]]  # input -> values it may take besides the case's own

_LOOKUP_KEYS: dict[int, tuple[ir.Policy, dict[str, tuple[ir.Expr, ...]]]] = {}


def _lookup_keys(policy: ir.Policy) -> dict[str, tuple[ir.Expr, ...]]:
    """Table -> the key of every look-up of it."""
    hit = _LOOKUP_KEYS.get(id(policy))
    if hit is None or hit[0] is not policy:
        keys: dict[str, list[ir.Expr]] = {}
        for n in nodes(policy):
            if isinstance(n, (ir.Lookup, ir.InTable)):
                keys.setdefault(n.table.name, []).append(n.key)
        hit = _LOOKUP_KEYS[id(policy)] = (policy, {t: tuple(v) for t, v in keys.items()})
    return hit[1]


def _key_values(key: ir.Expr, case: CaseData, varying: Varying) -> set[int | str] | None:
    """Every value a key can take in this case, or None when that is not evident from its form: an
    input or field is the case's value (the fact that binds it) or, for an input in `varying`, any of
    those values too; a constant itself; and an `if` (c·t + (1-c)·e with c 0 or 1, or one rule per
    branch) the value of one of its branches."""
    if isinstance(key, ir.Named):
        return _key_values(key.expr, case, varying)
    if isinstance(key, ir.Input):
        return {case.scalars[key.path], *varying.get(key.path, ())}
    if isinstance(key, ir.Field):
        return {item.values[key.name] for item in case.items[key.list]}
    if isinstance(key, ir.Const) and type(key.value) in (int, str):
        return {key.value}
    if isinstance(key, ir.If):
        then, orelse = _key_values(key.then, case, varying), _key_values(key.orelse, case, varying)
        return None if then is None or orelse is None else then | orelse
    return None


def _table_facts(policy: ir.Policy, cases: Sequence[CaseData], varying: Varying) -> list[clingo.Symbol]:
    """The table rows a look-up of these cases can match, as `tbl_key`/`tbl` facts (the atoms
    `emit` writes for a row), built for the rows needed only (building all 4,559 was a tenth of a
    cold decide). A row is read only by a look-up (`tbl(T, K, …)` or `not tbl_key(T, K)`) with K
    bound to its key's value, so a row whose key is no value a look-up of that table can take in
    any of these cases derives nothing and is left out."""
    lookups = _lookup_keys(policy)
    facts: list[clingo.Symbol] = []
    for table in policy.tables:
        values: set[int | str] | None = set()
        for key in lookups.get(table.name, ()):
            for case in cases:
                found = _key_values(key, case, varying)
                values = None if found is None or values is None else values | found
        if values is None:
            rows = table.rows
        else:
            by_key = table.row_by_key
            rows = tuple((v, by_key[v]) for v in values if v in by_key)
        for key_value, row in rows:
            facts.append(TABLE_KEY.symbol(table.name, key_value))
            facts.extend(TABLE_CELL.symbol(table.name, key_value, c, v) for (c, _), v in zip(table.columns, row))
    return facts


_ONE_MODEL = ("--warn=none", "--models=2")


def _control(statements: Sequence[clingo.ast.AST], arguments: Sequence[str] = _ONE_MODEL):
    """A Control holding the program: the same statements `Control.add` would parse from its text."""
    ctl = clingo.Control(list(arguments))
    with _REPLAY, clingo.ast.ProgramBuilder(ctl) as builder:  # one thread at a time (see _REPLAY)
        for statement in statements:
            builder.add(statement)
    return ctl


_EXTRA: dict[str, tuple[clingo.ast.AST, ...]] = {}  # program text -> its parsed statements


def case_control(
    policy: ir.Policy,
    case: CaseData,
    arguments: Sequence[str],
    extra: str = "",
    varying: Varying | None = None,
) -> clingo.Control:
    """A Control (not yet grounded, the case's facts not added) holding the one-case program for
    `case` and the rules of `extra` (text written by visa-rules, never from case data): the program
    `solve` reads (the rules of the case's category), for an analysis that adds rules of its own. An
    input in `varying` may take any of those values besides the case's own (the extra rules choose
    among them), so the table rows those values can match are kept too."""
    if extra not in _EXTRA:
        with _REPLAY:
            statements: list[clingo.ast.AST] = []
            clingo.ast.parse_string(extra, statements.append)
            _EXTRA[extra] = tuple(statements)
    ctl = _control([*_parsed(policy, int(case.scalars[ir.CATEGORY])), *_EXTRA[extra]], arguments)
    _add_facts(ctl, _table_facts(policy, [case], varying or {}))
    return ctl


def _add_facts(ctl: clingo.Control, facts: Sequence[clingo.Symbol]) -> None:
    with ctl.backend() as backend:
        for symbol in facts:
            backend.add_rule([backend.add_atom(symbol)])


# the (policy, category) pairs whose first case went in as program text
_TEXT_ADDED: dict[tuple[int, int], ir.Policy] = {}


def _one_case_control(policy: ir.Policy, category: int) -> clingo.Control:
    """The one-case program of a category in a Control: for its first case as text, which clingo
    parses in half the time of parsing it into statements (a process that decides one case is
    done then); for every later case, replayed from the statements parsed once."""
    if _TEXT_ADDED.get((id(policy), category)) is not policy:
        _TEXT_ADDED[(id(policy), category)] = policy
        ctl = clingo.Control(list(_ONE_MODEL))
        ctl.add("base", [], _one_case_text(policy, category))
        return ctl
    return _control(_parsed(policy, category))


def solve(policy: ir.Policy, case: CaseData) -> ir.Verdict:
    ctl = _one_case_control(policy, int(case.scalars[ir.CATEGORY]))  # a member's index
    _add_facts(ctl, [*_table_facts(policy, [case], {}), *case_symbols(policy, case)])
    ctl.ground([("base", [])])
    models: list[list[clingo.Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(list(m.symbols(shown=True))))
    if len(models) != 1:
        raise SolverError(f"clingo found {len(models)} answer sets for one case; the program must have exactly one")
    return verdict_from_atoms(policy, models[0])


def solve_many(policy: ir.Policy, cases: Sequence[CaseData]) -> list[ir.Verdict]:
    """Decide many cases in one Control; each Verdict is the one `solve` gives for that case alone."""
    if not cases:
        return []
    ctl = _control(_parsed(policy, None))
    _add_facts(ctl, _table_facts(policy, cases, {}))
    with ctl.backend() as backend:
        for number, case in enumerate(cases):
            for symbol in numbered_case_symbols(policy, case, number):
                backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    models: list[list[clingo.Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(list(m.symbols(shown=True))))
    if len(models) != 1:
        raise SolverError(f"clingo found {len(models)} answer sets for {len(cases)} cases; the program must have one")
    per_case: list[list[tuple[str, list[int | str]]]] = [[] for _ in cases]
    for atom in models[0]:
        name, args = _read(atom)
        per_case[args[0]].append((name, args[1:]))  # type: ignore[index]
    return [_verdict(policy, atoms) for atoms in per_case]


def verdict_from_atoms(policy: ir.Policy, atoms: Sequence[clingo.Symbol]) -> ir.Verdict:
    """The Verdict of a model's shown atoms."""
    return _verdict(policy, [_read(a) for a in atoms])


# an argument of a shown atom, as clingo writes it: a string, a number or a constant's name
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(-?\d+)|([A-Za-z_]\w*)')


def _read(atom: clingo.Symbol) -> tuple[str, list[int | str]]:
    """A shown atom's name and arguments as Python values (a string's text, a number, a
    constant's name), read from the atom's text: one call into clingo where reading the Symbol's
    arguments is several per argument, the most of reading a batch's model. A string with an
    escape in it is read from the Symbol."""
    text = str(atom)
    if "\\" in text:  # a tuple's values are read in line, as the tokens below read them
        return atom.name, [_value(b) for a in atom.arguments for b in (a.arguments if _is_tuple(a) else [a])]
    tokens = _TOKEN.findall(text)
    return tokens[0][2], [int(n) if n else (c or q) for q, n, c in tokens[1:]]


def _is_tuple(arg: clingo.Symbol) -> bool:
    return arg.type == clingo.SymbolType.Function and arg.name == ""


def _value(arg: clingo.Symbol) -> int | str:
    if arg.type == clingo.SymbolType.String:
        return arg.string
    return arg.number if arg.type == clingo.SymbolType.Number else arg.name


_SHOWN_VALUES: dict[int, tuple[ir.Policy, tuple[tuple[str, int], ...]]] = {}


def _shown_values(policy: ir.Policy) -> tuple[tuple[str, int], ...]:
    """Each rule, in order, with the number of values its reason shows (`Rule.placeholders`
    walks the rule's texts on every call: a tenth of reading a batch's verdicts)."""
    hit = _SHOWN_VALUES.get(id(policy))
    if hit is None or hit[0] is not policy:
        hit = _SHOWN_VALUES[id(policy)] = (policy, tuple((r.id, len(r.placeholders)) for r in policy.rules))
    return hit[1]


def _verdict(policy: ir.Policy, atoms: list[tuple[str, list[int | str]]]) -> ir.Verdict:
    """The Verdict of shown atoms given as (name, arguments as Python values), the predicates'
    fields as `predicates` declares them."""
    results: dict[str, str] = {}
    awarded: dict[str, int] = {}
    points = {c.name: 0 for c in policy.categories}
    raw_values: dict[str, dict[int, int | str]] = {}
    outcome, version = None, None
    not_assessed, not_applicable = set(), set()
    for name, args in atoms:
        if name == RESULT.name:
            results[str(args[0])] = str(args[1])
        elif name == POINTS_AWARDED.name:
            n = int(args[2])
            awarded[str(args[0])] = n
            points[str(args[1])] += n
        elif name == RULE_SHOWN.name:
            results[str(args[0])] = str(args[1])
            raw_values[str(args[0])] = dict(enumerate(args[2:]))
        elif name == SHOW_VALUE.name:
            raw_values.setdefault(str(args[0]), {})[int(args[1])] = args[2]
        elif name == OUTCOME.name:
            outcome = args[0]
        elif name == VERSION.name:
            version = args[0]
        elif name == NOT_ASSESSED.name:
            not_assessed.add(str(args[0]))
        elif name == NOT_APPLICABLE.name:
            not_applicable.add(str(args[0]))
    shown = _shown_values(policy)
    order = [rid for rid, _ in shown]
    values = {rid: tuple(raw_values.get(rid, {})[k] for k in range(n)) for rid, n in shown if rid in results}
    if outcome != ir.outcome_of(results):
        raise SolverError(f"clingo derived outcome {outcome} but its rule results give {ir.outcome_of(results)}")
    return ir.Verdict(
        outcome=str(outcome),
        version=str(version),
        points=points,
        results={rid: results[rid] for rid in order if rid in results},
        awarded=awarded,
        not_assessed=tuple(r for r in order if r in not_assessed),
        not_applicable=tuple(r for r in order if r in not_applicable),
        values=values,
    )
