"""The resolved policy: declarations, rules, and the one reading of dated values.

Frozen, with no names left to look up: the only input of every back end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from ..diagnostics import Span
from ..units import date_code
from .expr import Expr, Field, FieldKnown, Input, InputKnown, Named, walk
from .types import Type

# ---------------------------------------------------------------- citations


@dataclass(frozen=True)
class Citation:
    kind: str  # clause | sop | inferred | source
    text: str
    step: str = ""
    sop: str = ""  # the declared SOP's name, for kind == "sop"

    def __str__(self) -> str:
        if self.kind == "sop":
            return f'SOP "{self.text}" step {self.step}'
        if self.kind == "inferred":
            return f"inferred: {self.text}"
        return self.text


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Enum:
    name: str
    members: tuple[str, ...]
    labels: tuple[str, ...]
    doc: str = ""


# clingo's numbers are 32-bit signed integers: every value the ASP program holds must fit
CLINGO_MIN = -(2**31)
CLINGO_MAX = 2**31 - 1
# the span of case dates when a policy declares none (`dates FIRST..LAST`)
DEFAULT_DATES = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))
# the largest case file (or case in a batch, or request body) read; a case of fifty work periods
# is some 30 kB. A list that declares no length holds at most as many items as fit in it (an item
# takes three characters at least: `{},`), which bounds the sums over it all the same.
MAX_CASE_BYTES = 1_000_000
MAX_LIST_ITEMS = MAX_CASE_BYTES // 3


@dataclass(frozen=True)
class Bounds:
    """The values a case may give an input, both ends included, in the IR's codes (cents, date
    codes of the date as written, duration units, a number of items for a list).

    `declared` is False for a default: the policy's date span for a date, clingo's non-negative
    range for a number, as many items as a case file of MAX_CASE_BYTES holds for a list.
    """

    low: int
    high: int
    cites: tuple[Citation, ...] = ()
    declared: bool = True

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


@dataclass(frozen=True)
class InputField:
    """A scalar the case provides. `path` is dotted for record fields (employment.hours).

    `bounds` holds for every known value (the checker gives every number and date one, declared
    or default; bools, enumerations and text have none: their type bounds them)."""

    path: str
    type: Type
    optional: bool
    doc: str
    last_day: bool = False  # an inclusive last day, stored as the day after
    change_cost: int | None = None  # what-if may change it at this cost; None: it cannot change
    bounds: Bounds | None = None
    # a field of an optional record input (a block a case may leave out) that the block, when
    # given, must hold: `optional` is True (the block may be absent), the schema requires it inside
    optional_block: bool = False  # a field of a record input declared `optional`
    required_in_block: bool = False
    required_for: tuple[str, ...] = ()  # optional, but a case of these categories must give it

    @property
    def may_be_left_out(self) -> bool:
        """Whether a case of any category may leave out this one value on its own (a field its
        block requires goes only with the whole block)."""
        return self.optional and not self.required_in_block and not self.required_for


@dataclass(frozen=True)
class InputList:
    name: str
    record: str
    fields: tuple[InputField, ...]  # paths are the bare field names
    doc: str
    items: Bounds | None = None  # how many items a case may give (the checker gives every list one)

    def field(self, name: str) -> InputField:
        return next(f for f in self.fields if f.path == name)


@dataclass(frozen=True)
class Constraint:
    """What every real case satisfies beyond its types (a date of birth on or before lodgement):
    a bool expression over the inputs, for each item of `list` when it is set. A case that breaks
    one is an input error, never decided; proofs assume every constraint."""

    condition: Expr
    message: str
    cites: tuple[Citation, ...]
    span: Span = field(compare=False)  # where it was written, not what it means (formatting moves it)
    list: str = ""  # the list whose items the condition is read for; "" for the case

    @property
    def inputs(self) -> tuple[str, ...]:
        """The case inputs the condition reads, by path, in the order it reads them."""
        found = (n.path for n in walk(self.condition) if isinstance(n, (Input, InputKnown)))
        return tuple(dict.fromkeys(found))

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields of the list's item the condition reads, in the order it reads them."""
        found = (n.name for n in walk(self.condition) if isinstance(n, (Field, FieldKnown)))
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class ParamEntry:
    start: dt.date
    value: int
    cites: tuple[Citation, ...]


@dataclass(frozen=True)
class ParamWindow:
    """Where one entry of a dated parameter is read: from `first` up to (not including) `stop`,
    as date codes; `first` is None for the first entry (it also holds before its own start)."""

    first: int | None
    stop: int | None
    entry: ParamEntry


@dataclass(frozen=True)
class Param:
    name: str
    type: Type
    doc: str
    entries: tuple[ParamEntry, ...]  # ordered by start; each holds until the next one starts

    def entry_at(self, day: int) -> ParamEntry:
        """The entry in force on a day (a date code); before the first start, the first entry."""
        current = self.entries[0]
        for entry in self.entries[1:]:
            if date_code(entry.start) <= day:
                current = entry
        return current

    def windows(self) -> tuple[ParamWindow, ...]:
        """The series as consecutive windows of days: the one reading every back end encodes."""
        starts = [date_code(e.start) for e in self.entries]
        return tuple(
            ParamWindow(starts[i] if i > 0 else None, starts[i + 1] if i + 1 < len(starts) else None, entry)
            for i, entry in enumerate(self.entries)
        )


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key_type: Type
    columns: tuple[tuple[str, Type], ...]
    rows: tuple[tuple[int | str, tuple[int | str, ...]], ...]  # (key, column values)
    source: str = ""  # the CSV file the rows were read from ("" when written in the policy)
    cites: tuple[Citation, ...] = ()  # where a CSV table's data comes from

    def column_index(self, column: str) -> int:
        return [c for c, _ in self.columns].index(column)

    @cached_property
    def row_by_key(self) -> dict[int | str, tuple[int | str, ...]]:
        return dict(self.rows)


@dataclass(frozen=True)
class Version:
    name: str
    start: dt.date
    cites: tuple[Citation, ...]
    categories: tuple[int, ...] = ()  # indexes into the Category enumeration; () for every category

    def covers(self, category: int) -> bool:
        return not self.categories or category in self.categories


@dataclass(frozen=True)
class SopStep:
    id: str
    title: str
    status: str  # "" (rules cite it), input, lost, outcome
    inputs: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Sop:
    name: str
    title: str
    published: dt.date
    source: str  # where in the seeds it starts, e.g. "002:170"
    steps: tuple[SopStep, ...]


@dataclass(frozen=True)
class Category:
    name: str
    title: str


# ---------------------------------------------------------------- rules and the policy

EFFECT_OUTCOMES = {
    "require": ("met", "not_met"),
    "concern": ("raised", "clear"),
    "stop": ("stopped", "passed"),
    "points": ("awarded",),
    "defer": ("deferred", "included"),  # a secondary applicant deferred: the outcome is not affected
}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    stage: int
    cites: tuple[Citation, ...]
    start: dt.date | None
    until: dt.date | None
    categories: tuple[int, ...]  # indexes into the Category enumeration
    applies: Expr | None
    kind: str  # require | concern | stop | points | defer
    expr: Expr
    points_category: str
    texts: tuple[tuple[str, tuple[str | Expr, ...]], ...]  # (outcome, template parts)
    span: Span
    inferred: bool = False

    def template(self, outcome: str) -> tuple[str | Expr, ...]:
        return dict(self.texts).get(outcome, ())

    @property
    def placeholders(self) -> tuple[Expr, ...]:
        """Every expression a reason text renders, in a stable order."""
        out: list[Expr] = []
        for _, parts in self.texts:
            for p in parts:
                if isinstance(p, Expr) and p not in out:
                    out.append(p)
        return tuple(out)

    @property
    def roots(self) -> tuple[Expr, ...]:
        """The expressions that decide the rule: its `applies when` condition and its effect."""
        return (self.applies, self.expr) if self.applies is not None else (self.expr,)


@dataclass(frozen=True)
class Policy:
    title: str
    versions: tuple[Version, ...]
    enums: tuple[Enum, ...]
    categories: tuple[Category, ...]
    inputs: tuple[InputField, ...]
    lists: tuple[InputList, ...]
    params: tuple[Param, ...]
    tables: tuple[Table, ...]
    defines: tuple[Named, ...]
    rules: tuple[Rule, ...]
    sops: tuple[Sop, ...] = ()
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    constraints: tuple[Constraint, ...] = ()
    dates: Bounds = Bounds(date_code(DEFAULT_DATES[0]), date_code(DEFAULT_DATES[1]), declared=False)

    def __repr__(self) -> str:
        # the generated repr spells out the whole IR (tens of megabytes): Hypothesis builds the repr of
        # every strategy given a policy, and a traceback would print it
        sizes = f"{len(self.rules)} rules, {len(self.inputs)} inputs, {len(self.versions)} versions"
        return f"<Policy {self.title!r}: {sizes}>"

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's and Hypothesis's pretty printers
        printer.text(repr(self))

    @cached_property
    def enum_by_name(self) -> dict[str, Enum]:
        return {e.name: e for e in self.enums}

    @cached_property
    def rule_by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @cached_property
    def list_by_name(self) -> dict[str, InputList]:
        return {lst.name: lst for lst in self.lists}

    @property
    def category_enum(self) -> Enum:
        return self.enum_by_name["Category"]

    def input_field(self, path: str) -> InputField:
        return next(f for f in self.inputs if f.path == path)

    def list_field(self, list_name: str, name: str) -> InputField:
        return self.list_by_name[list_name].field(name)

    def version_at(self, day: dt.date, category: int) -> Version | None:
        """The instructions in force for a category on a day: the latest of its versions begun."""
        current = None
        for v in self.versions:
            if v.start <= day and v.covers(category):
                current = v
        return current

    def versions_of(self, category: int) -> tuple[Version, ...]:
        """A category's versions, in order of start: each in force until the next one starts."""
        return tuple(v for v in self.versions if v.covers(category))

    def change_days(self) -> tuple[dt.date, ...]:
        """Every day on which the policy changes: a version or a dated value starts, a rule's
        window opens or closes (the day after its last day)."""
        days = {v.start for v in self.versions}
        days |= {e.start for param in self.params for e in param.entries}
        for r in self.rules:
            if r.start is not None:
                days.add(r.start)
            if r.until is not None:
                days.add(r.until + dt.timedelta(days=1))
        return tuple(sorted(days))
