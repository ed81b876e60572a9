"""The resolved IR: frozen, with no names left to look up. The only input of every back end.

Every value is an integer (bool 0/1, money in cents, dates and durations as `encoding` codes,
enumeration members as their index, plain integers) or, for text, a string. Each expression node
knows its type and its scope: `None` for the case as a whole, or the name of the list whose items
it is evaluated for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from .diagnostics import Span

# ---------------------------------------------------------------- types

SCALAR_KINDS = ("bool", "int", "money", "date", "duration", "text", "enum")


@dataclass(frozen=True)
class Type:
    kind: str  # one of SCALAR_KINDS
    enum: str = ""  # the enumeration's name, for kind == "enum"

    def __str__(self) -> str:
        return self.enum if self.kind == "enum" else self.kind


BOOL = Type("bool")
INT = Type("int")
MONEY = Type("money")
DATE = Type("date")
DURATION = Type("duration")
TEXT = Type("text")


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


@dataclass(frozen=True)
class InputField:
    """A scalar the case provides. `path` is dotted for record fields (employment.hours)."""

    path: str
    type: Type
    optional: bool
    doc: str
    last_day: bool = False  # an inclusive last day, stored as the day after
    change_cost: int | None = None  # what-if may change it at this cost; None: it cannot change


@dataclass(frozen=True)
class InputList:
    name: str
    record: str
    fields: tuple[InputField, ...]  # paths are the bare field names
    doc: str


@dataclass(frozen=True)
class ParamEntry:
    start: dt.date
    value: int
    cites: tuple[Citation, ...]


@dataclass(frozen=True)
class Param:
    name: str
    type: Type
    doc: str
    entries: tuple[ParamEntry, ...]  # ordered by start; each holds until the next one starts


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key_type: Type
    columns: tuple[tuple[str, Type], ...]
    rows: tuple[tuple[int | str, tuple[int | str, ...]], ...]  # (key, column values)

    def column_index(self, column: str) -> int:
        return [c for c, _ in self.columns].index(column)


@dataclass(frozen=True)
class Version:
    name: str
    start: dt.date
    cites: tuple[Citation, ...]


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


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    @property
    def children(self) -> tuple[Expr, ...]:
        return ()


@dataclass(frozen=True)
class Const(Expr):
    type: Type
    value: int | str

    scope = None


@dataclass(frozen=True)
class Input(Expr):
    path: str
    type: Type

    scope = None


@dataclass(frozen=True)
class InputKnown(Expr):
    path: str

    type = BOOL
    scope = None


@dataclass(frozen=True)
class Field(Expr):
    """A field of the current item of a list."""

    list: str
    name: str
    type: Type

    @property
    def scope(self) -> str:
        return self.list


@dataclass(frozen=True)
class FieldKnown(Expr):
    list: str
    name: str

    type = BOOL

    @property
    def scope(self) -> str:
        return self.list


def _scope_of(*exprs: Expr) -> str | None:
    for e in exprs:
        if e.scope is not None:
            return e.scope
    return None


@dataclass(frozen=True)
class Named(Expr):
    """A `define`: the expression under a name an analyst can recognise."""

    name: str
    expr: Expr
    doc: str = ""

    @property
    def type(self) -> Type:
        return self.expr.type

    @property
    def scope(self):
        return self.expr.scope

    @property
    def children(self):
        return (self.expr,)


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr
    type = BOOL

    @property
    def scope(self):
        return self.operand.scope

    @property
    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Neg(Expr):
    operand: Expr

    @property
    def type(self):
        return self.operand.type

    @property
    def scope(self):
        return self.operand.scope

    @property
    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Arith(Expr):
    """`left + right` or `left - right`."""

    op: str
    left: Expr
    right: Expr
    type: Type

    @property
    def scope(self):
        return _scope_of(self.left, self.right)

    @property
    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Scale(Expr):
    """`factor * operand` with a whole-number factor (no general multiplication, no division)."""

    factor: int
    operand: Expr

    @property
    def type(self):
        return self.operand.type

    @property
    def scope(self):
        return self.operand.scope

    @property
    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class FloorDiv(Expr):
    """`operand` divided by a positive constant, rounded down (towards minus infinity)."""

    operand: Expr
    divisor: int
    type: Type

    @property
    def scope(self):
        return self.operand.scope

    @property
    def children(self):
        return (self.operand,)


# What each comparison operator means; the same table for Python values and Z3 terms alike.
COMPARE_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@dataclass(frozen=True)
class Compare(Expr):
    op: str  # >= > <= < == !=
    left: Expr
    right: Expr
    type = BOOL

    @property
    def scope(self):
        return _scope_of(self.left, self.right)

    @property
    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str  # and | or
    left: Expr
    right: Expr
    type = BOOL

    @property
    def scope(self):
        return _scope_of(self.left, self.right)

    @property
    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class MinMax(Expr):
    op: str  # min | max
    left: Expr
    right: Expr

    @property
    def type(self):
        return self.left.type

    @property
    def scope(self):
        return _scope_of(self.left, self.right)

    @property
    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class If(Expr):
    cond: Expr
    then: Expr
    orelse: Expr

    @property
    def type(self):
        return self.then.type

    @property
    def scope(self):
        return _scope_of(self.cond, self.then, self.orelse)

    @property
    def children(self):
        return (self.cond, self.then, self.orelse)


@dataclass(frozen=True)
class ParamAt(Expr):
    """The value of a dated parameter in force on a date; before its first start, the first value."""

    param: Param
    date: Expr

    @property
    def type(self):
        return self.param.type

    @property
    def scope(self):
        return self.date.scope

    @property
    def children(self):
        return (self.date,)


@dataclass(frozen=True)
class Lookup(Expr):
    """A column of a table row; a key with no row gives the column type's zero value."""

    table: Table
    column: str
    key: Expr
    type: Type

    @property
    def scope(self):
        return self.key.scope

    @property
    def children(self):
        return (self.key,)


@dataclass(frozen=True)
class InTable(Expr):
    table: Table
    key: Expr
    type = BOOL

    @property
    def scope(self):
        return self.key.scope

    @property
    def children(self):
        return (self.key,)


@dataclass(frozen=True)
class Aggregate(Expr):
    """sum | count | max | min over the items of a list where `where` holds; empty → 0."""

    func: str
    list: str
    body: Expr  # item scope (Const 1 for count)
    where: Expr  # item scope (Const true when absent)
    type: Type
    scope = None

    @property
    def children(self):
        return (self.body, self.where)


@dataclass(frozen=True)
class PointsOf(Expr):
    """Points awarded so far in a category by the rules that were assessed."""

    category: str
    type = INT
    scope = None


EXPR_NODES: tuple[type, ...] = (
    Const, Input, InputKnown, Field, FieldKnown, Named, Not, Neg, Arith, Scale, FloorDiv,
    Compare, BoolOp, MinMax, If, ParamAt, Lookup, InTable, Aggregate, PointsOf,
)  # fmt: skip


def walk(expr: Expr):
    """Every node of an expression, each distinct node once, children before parents."""
    seen: set[Expr] = set()
    order: list[Expr] = []

    def visit(e: Expr) -> None:
        if e in seen:
            return
        seen.add(e)
        for c in e.children:
            visit(c)
        order.append(e)

    visit(expr)
    return order


# ---------------------------------------------------------------- rules and the policy

EFFECT_OUTCOMES = {
    "require": ("met", "not_met"),
    "concern": ("raised", "clear"),
    "stop": ("stopped", "passed"),
    "points": ("awarded",),
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
    kind: str  # require | concern | stop | points
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
    records_doc: tuple[tuple[str, str], ...] = ()
    sops: tuple[Sop, ...] = ()
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @cached_property
    def enum_by_name(self) -> dict[str, Enum]:
        return {e.name: e for e in self.enums}

    @cached_property
    def rule_by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @property
    def category_enum(self) -> Enum:
        return self.enum_by_name["Category"]

    def input_field(self, path: str) -> InputField:
        return next(f for f in self.inputs if f.path == path)

    def version_at(self, day: dt.date) -> Version | None:
        current = None
        for v in self.versions:
            if v.start <= day:
                current = v
        return current


# ---------------------------------------------------------------- properties (proofs/*.props)
#
# A property is a claim about every case (or every pair of cases, or every value of a type). Its
# formula is built from the nodes below. They are kept apart from `Expr`, which only the decision
# back ends read: a formula reads *decisions* (outcome, rule results) as well as values, and may
# compare two cases. Policy expressions sit at its leaves (`CaseExpr`), each read for one case.

DECISION_OUTCOMES = ("eligible", "concerns", "not_eligible")  # as solver/verdict.py OUTCOMES
# what `result(rule) == …` may name besides the rule's own results (met, not_met, …)
RULE_STATES = ("assessed", "not_assessed", "not_applicable", "not_in_force")


@dataclass(frozen=True)
class Formula:
    @property
    def children(self) -> tuple[Formula, ...]:
        return ()


@dataclass(frozen=True)
class CaseExpr(Formula):
    """A policy expression read for one case; `case` is "" when it reads quantified values only.

    Inside `each p in list` its expression may be item-scoped (read for the current item).
    """

    case: str
    expr: Expr

    @property
    def type(self) -> Type:
        return self.expr.type


@dataclass(frozen=True)
class OutcomeIs(Formula):
    case: str
    outcome: str  # one of DECISION_OUTCOMES
    type = BOOL


@dataclass(frozen=True)
class RuleIs(Formula):
    """The rule was assessed with this result (met, stopped, …), or is in one of RULE_STATES."""

    case: str
    rule: str
    status: str
    type = BOOL


@dataclass(frozen=True)
class AwardOf(Formula):
    """The points a points rule awarded (0 when it was not assessed)."""

    case: str
    rule: str
    type = INT


@dataclass(frozen=True)
class FNot(Formula):
    operand: Formula
    type = BOOL

    @property
    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Connective(Formula):
    op: str  # and | or | implies
    left: Formula
    right: Formula
    type = BOOL

    @property
    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Relation(Formula):
    """A comparison of two values that are read for different cases (or from decisions)."""

    op: str  # >= > <= < == !=
    left: Formula  # CaseExpr or AwardOf
    right: Formula
    type = BOOL

    @property
    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class EachItem(Formula):
    """The body holds for every item of a list (items present in every case the property reads)."""

    list: str
    body: Formula
    type = BOOL

    @property
    def children(self):
        return (self.body,)


FORMULA_NODES: tuple[type, ...] = (CaseExpr, OutcomeIs, RuleIs, AwardOf, FNot, Connective, Relation, EachItem)


def walk_formula(f: Formula):
    """Every node of a formula, children before parents."""
    for c in f.children:
        yield from walk_formula(c)
    yield f


@dataclass(frozen=True)
class Property:
    id: str
    title: str
    cites: tuple[Citation, ...]
    cases: tuple[str, ...]  # the cases it quantifies over: ("case",), ("a", "b"); () for values only
    values: tuple[tuple[str, Type], ...]  # the values it quantifies over: (("d1", DATE), ("d2", DATE))
    same_except: tuple[str, ...] | None  # the cases agree on every input but these; None: independent
    formula: Formula
    span: Span
