"""The surface syntax as frozen dataclasses; every node carries the span it was parsed from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from .diagnostics import Span

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    span: Span


@dataclass(frozen=True)
class Literal(Expr):
    # kind: int, decimal, money (value in cents), date, duration (months), string, bool
    kind: str
    value: int | Fraction | dt.date | str | bool


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class Attr(Expr):
    base: Expr
    name: str


@dataclass(frozen=True)
class At(Expr):
    """`parameter at date`: the value of a dated parameter in force on a date."""

    param: str
    date: Expr


@dataclass(frozen=True)
class Lookup(Expr):
    """`table[key].column`."""

    table: str
    key: Expr
    column: str


@dataclass(frozen=True)
class InTable(Expr):
    key: Expr
    table: str


@dataclass(frozen=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Aggregate(Expr):
    """`sum(body for each var in source where cond)`; count has no body."""

    func: str
    body: Expr | None
    var: str
    source: str
    where: Expr | None


@dataclass(frozen=True)
class IntervalAggregate(Expr):
    """`covered(start, end for each var in source where cond)`: over a list's items, each an
    interval of days from `start` up to (not including) `end`."""

    func: str
    start: Expr
    end: Expr
    var: str
    source: str
    where: Expr | None


@dataclass(frozen=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class IfThen(Expr):
    cond: Expr
    then: Expr
    orelse: Expr


# ---------------------------------------------------------------- property-only expressions


@dataclass(frozen=True)
class Implies(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True)
class OfCase(Expr):
    """`x of a`: `x` read for the case named `a` of a property."""

    base: Expr
    case: str


@dataclass(frozen=True)
class EachItem(Expr):
    """`each p in work: body`: the body holds for every item of the list."""

    var: str
    source: str
    body: Expr


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Cite:
    span: Span
    kind: str  # clause | sop | inferred | source
    text: str
    step: str = ""
    by_name: bool = False  # an SOP cited by its declared name rather than its title


@dataclass(frozen=True)
class TypeRef:
    span: Span
    name: str
    optional: bool = False
    is_list: bool = False
    last_day: bool = False
    # `lo..hi`: the values a case may give (for a list, how many items it may have)
    range: tuple[Literal, Literal] | None = None


@dataclass(frozen=True)
class Decl:
    span: Span


@dataclass(frozen=True)
class PolicyDecl(Decl):
    title: str


@dataclass(frozen=True)
class VersionDecl(Decl):
    name: str
    start: dt.date
    cites: tuple[Cite, ...]
    categories: tuple[str, ...] = ()  # () for every category


@dataclass(frozen=True)
class CategoryDecl(Decl):
    name: str
    title: str


@dataclass(frozen=True)
class EnumDecl(Decl):
    name: str
    doc: str
    members: tuple[tuple[str, str, Span], ...]  # (name, label, span)


@dataclass(frozen=True)
class FieldDecl(Decl):
    name: str
    type: TypeRef
    doc: str
    change_cost: int | None = None  # None: what-if analysis may not change it
    cites: tuple[Cite, ...] = ()  # where its range comes from
    required_for: tuple[str, ...] = ()  # `required for wtr`: categories whose cases must give it
    required_span: Span | None = None


@dataclass(frozen=True)
class RecordDecl(Decl):
    name: str
    doc: str
    fields: tuple[FieldDecl, ...]


@dataclass(frozen=True)
class InputDecl(Decl):
    name: str
    type: TypeRef
    doc: str
    change_cost: int | None = None
    cites: tuple[Cite, ...] = ()  # where its range comes from
    required_for: tuple[str, ...] = ()  # `required for wtr`: categories whose cases must give it
    required_span: Span | None = None


@dataclass(frozen=True)
class DatesDecl(Decl):
    """`dates FIRST..LAST`: the span every date of a case lies in, unless its input says otherwise."""

    first: Literal
    last: Literal
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class ConstraintDecl(Decl):
    """`constraint [for each var in source:] condition "message"`: what every real case satisfies."""

    var: str  # "" for a condition on the case as a whole
    source: str
    condition: Expr
    message: str
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class ParamEntry:
    span: Span
    start: dt.date
    end: dt.date | None  # the last day it holds, when the author states it
    value: Literal
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class ParamDecl(Decl):
    name: str
    type_name: str
    doc: str
    entries: tuple[ParamEntry, ...]


@dataclass(frozen=True)
class Column:
    span: Span
    name: str
    type_name: str


@dataclass(frozen=True)
class TableRow:
    span: Span
    key: Literal
    values: tuple[Literal, ...]
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class TableSource:
    """Where a table's rows are read from: a CSV file, named relative to the policy file."""

    span: Span
    path: str
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class TableDecl(Decl):
    name: str
    doc: str
    key: Column
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    source: TableSource | None = None


@dataclass(frozen=True)
class DefineDecl(Decl):
    name: str
    expr: Expr
    doc: str
    # for `define NAME for each VAR in LIST = expr`
    var: str = ""
    source: str = ""


@dataclass(frozen=True)
class Effect:
    span: Span
    kind: str  # require | concern | stop | points | defer
    expr: Expr
    category: str = ""


@dataclass(frozen=True)
class OutcomeText:
    span: Span
    outcome: str  # met, not_met, raised, clear, stopped, passed, awarded
    # the text split into literal pieces and `{expression}` placeholders, in order
    parts: tuple[str | Expr, ...]


@dataclass(frozen=True)
class RuleDecl(Decl):
    id: str
    title: str
    stage: int | None
    cites: tuple[Cite, ...]
    start: dt.date | None
    until: dt.date | None
    categories: tuple[str, ...]
    applies: Expr | None
    effects: tuple[Effect, ...]
    texts: tuple[OutcomeText, ...]


@dataclass(frozen=True)
class SopStep:
    span: Span
    id: str
    title: str
    status: str = ""  # "" (rules must cite it), input, lost, outcome
    inputs: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class SopDecl(Decl):
    name: str
    title: str
    published: dt.date
    source: str
    steps: tuple[SopStep, ...]


@dataclass(frozen=True)
class Module:
    file: str
    decls: tuple[Decl, ...]


@dataclass(frozen=True)
class Forall:
    """`forall a, b same except x: body`, or `forall date d: body` (then `type_name` is set)."""

    span: Span
    names: tuple[tuple[str, Span], ...]
    type_name: str  # "" when the names are cases
    same_except: tuple[tuple[str, Span], ...] | None  # input paths the cases may differ in
    body: Expr


@dataclass(frozen=True)
class PropertyDecl(Decl):
    id: str
    title: str
    cites: tuple[Cite, ...]
    foralls: tuple[Forall, ...]  # exactly one; more is reported by the checker


EXPR_NODES: tuple[type[Expr], ...] = (
    Literal, Name, Attr, At, Lookup, InTable, Call, Aggregate, IntervalAggregate, Unary, Binary, IfThen, Implies,
    OfCase, EachItem,
)  # fmt: skip
