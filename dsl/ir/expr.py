"""IR expressions: what a rule computes from a case.

Each node class declares its operand fields once (`operands`); `children`, `scope` and
`with_children` are derived from them. A node's *scope* is `None` when it is one value for the
case, or the name of the list whose items it is evaluated for (a field of the current item, or
anything computed from one). An `Aggregate` reads item-scoped operands but is itself one value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from ..diagnostics import Span
from .types import BOOL, DURATION, INT, Type

if TYPE_CHECKING:
    from .policy import Param, Table


@dataclass(frozen=True)
class Expr:
    operands: ClassVar[tuple[str, ...]] = ()  # the fields that hold child expressions, in order
    binds_items: ClassVar[bool] = False  # True: its operands are read per item, it is one value

    # cached on the (immutable) node: evaluators ask for these on every visit
    @cached_property
    def children(self) -> tuple[Expr, ...]:
        return tuple(getattr(self, name) for name in self.operands)

    @cached_property
    def scope(self) -> str | None:
        if self.binds_items:
            return None
        for child in self.children:
            if child.scope is not None:
                return child.scope
        return None

    if TYPE_CHECKING:  # each node class gives its type as a field, a class attribute or a property

        @property
        def type(self) -> Type: ...

    def __getstate__(self) -> dict:
        # a string's hash differs between processes: never keep a cached hash in a pickle (the IR cache)
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    def with_children(self, *children: Expr) -> Expr:
        """The same node over other operands (for rewriting passes such as mutation testing)."""
        if len(children) != len(self.operands):
            raise ValueError(f"{type(self).__name__} has {len(self.operands)} operands, not {len(children)}")
        return dataclasses.replace(self, **dict(zip(self.operands, children)))


# ---------------------------------------------------------------- leaves


@dataclass(frozen=True)
class Const(Expr):
    type: Type
    value: int | str


@dataclass(frozen=True)
class Input(Expr):
    path: str
    type: Type


@dataclass(frozen=True)
class InputKnown(Expr):
    path: str

    type = BOOL


@dataclass(frozen=True)
class Field(Expr):
    """A field of the current item of a list."""

    list: str
    name: str
    type: Type

    @cached_property
    def scope(self) -> str | None:
        return self.list


@dataclass(frozen=True)
class FieldKnown(Expr):
    list: str
    name: str

    type = BOOL

    @cached_property
    def scope(self) -> str | None:
        return self.list


@dataclass(frozen=True)
class PointsOf(Expr):
    """Points awarded so far in a category by the rules that were assessed."""

    category: str
    type = INT


# ---------------------------------------------------------------- one operand


@dataclass(frozen=True)
class Named(Expr):
    """A `define`: the expression under a name an analyst can recognise."""

    name: str
    expr: Expr
    doc: str = ""
    operands = ("expr",)

    @property
    def type(self) -> Type:
        return self.expr.type


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr
    operands = ("operand",)
    type = BOOL


@dataclass(frozen=True)
class Neg(Expr):
    operand: Expr
    operands = ("operand",)

    @property
    def type(self) -> Type:
        return self.operand.type


@dataclass(frozen=True)
class Scale(Expr):
    """`factor * operand` with a whole-number factor (no general multiplication, no division)."""

    factor: int
    operand: Expr
    operands = ("operand",)

    @property
    def type(self) -> Type:
        return self.operand.type


@dataclass(frozen=True)
class FloorDiv(Expr):
    """`operand` divided by a positive constant, rounded down (towards minus infinity)."""

    operand: Expr
    divisor: int
    type: Type
    operands = ("operand",)


@dataclass(frozen=True)
class Divide(Expr):
    """`left / right` for a divisor read from the case (a constant divisor is a FloorDiv): rounded
    down, and 0 when the divisor is 0 or less (no hours a week: no pay an hour), so that every
    reading gives every case a value. `left` is money or a whole number, `right` a whole number."""

    left: Expr
    right: Expr
    type: Type
    operands = ("left", "right")


@dataclass(frozen=True)
class ParamAt(Expr):
    """The value of a dated parameter in force on a date; before its first start, the first value."""

    param: Param
    date: Expr
    operands = ("date",)

    @property
    def type(self) -> Type:
        return self.param.type


@dataclass(frozen=True)
class Lookup(Expr):
    """A column of a table row; a key with no row gives the column type's zero value."""

    table: Table
    column: str
    key: Expr
    type: Type
    operands = ("key",)


@dataclass(frozen=True)
class InTable(Expr):
    table: Table
    key: Expr
    operands = ("key",)
    type = BOOL


# ---------------------------------------------------------------- two or three operands


@dataclass(frozen=True)
class Arith(Expr):
    """`left + right` or `left - right`."""

    op: str
    left: Expr
    right: Expr
    type: Type
    operands = ("left", "right")


# Where a comparison or a choice was written, for rule coverage; not part of what a node means, so
# two nodes written alike in two places are still equal.
def _where() -> Span | None:
    return field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Compare(Expr):
    op: str  # >= > <= < == !=
    left: Expr
    right: Expr
    span: Span | None = _where()
    operands = ("left", "right")
    type = BOOL


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str  # and | or
    left: Expr
    right: Expr
    span: Span | None = _where()  # where it is written (mutation testing names it)
    operands = ("left", "right")
    type = BOOL


@dataclass(frozen=True)
class MinMax(Expr):
    op: str  # min | max
    left: Expr
    right: Expr
    operands = ("left", "right")

    @property
    def type(self) -> Type:
        return self.left.type


@dataclass(frozen=True)
class If(Expr):
    cond: Expr
    then: Expr
    orelse: Expr
    span: Span | None = _where()
    operands = ("cond", "then", "orelse")

    @property
    def type(self) -> Type:
        return self.then.type


@dataclass(frozen=True)
class Aggregate(Expr):
    """sum | count | max | min over the items of a list where `where` holds; empty → 0."""

    func: str
    list: str
    body: Expr  # item scope (Const 1 for count)
    where: Expr  # item scope (Const true when absent)
    type: Type
    operands = ("body", "where")
    binds_items = True


@dataclass(frozen=True)
class Covered(Expr):
    """The time covered by the union of the items' intervals, each from `start` up to (not
    including) `end`, of the items where `where` holds: a day worked in two overlapping periods
    counts once. An interval that ends on or before it starts covers nothing."""

    list: str
    start: Expr  # item scope, a date
    end: Expr  # item scope, a date
    where: Expr  # item scope (Const true when absent)
    operands = ("start", "end", "where")
    binds_items = True
    type = DURATION


EXPR_NODES: tuple[type[Expr], ...] = (
    Const, Input, InputKnown, Field, FieldKnown, Named, Not, Neg, Arith, Scale, FloorDiv, Divide,
    Compare, BoolOp, MinMax, If, ParamAt, Lookup, InTable, Aggregate, Covered, PointsOf,
)  # fmt: skip


def _remember_hash(cls: type[Expr]) -> None:
    """Make a node class keep its hash once computed. The generated hash of a frozen dataclass
    hashes every field, so the whole subtree, on every call: a walk (`seen` is a set) or a lookup
    keyed by a node cost time quadratic in the depth of the expression."""
    structural = cls.__hash__

    def __hash__(self: Expr) -> int:
        try:
            return self.__dict__["_hash"]
        except KeyError:
            h = self.__dict__["_hash"] = structural(self)
            return h

    cls.__hash__ = __hash__  # type: ignore[method-assign, assignment]


for _node_class in EXPR_NODES:
    _remember_hash(_node_class)

# What each comparison operator means; the same table for Python values and Z3 terms alike.
COMPARE_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def walk(expr: Expr) -> list[Expr]:
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
