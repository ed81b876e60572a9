"""Properties (proofs/*.props): claims about every case, every pair of cases or every value.

A formula is built from the nodes below. They are kept apart from `Expr`, which the decision back
ends read: a formula reads *decisions* (outcome, rule results) as well as values, and may compare
two cases. Policy expressions sit at its leaves (`CaseExpr`), each read for one case.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from .expr import Expr
from .types import BOOL, INT, Type

if TYPE_CHECKING:
    from ..diagnostics import Span
    from .policy import Citation


@dataclass(frozen=True)
class Formula:
    operands: ClassVar[tuple[str, ...]] = ()

    @cached_property
    def children(self) -> tuple[Formula, ...]:
        return tuple(getattr(self, name) for name in self.operands)


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
    operands = ("operand",)
    type = BOOL


@dataclass(frozen=True)
class Connective(Formula):
    op: str  # and | or | implies
    left: Formula
    right: Formula
    operands = ("left", "right")
    type = BOOL


@dataclass(frozen=True)
class Relation(Formula):
    """A comparison of two values that are read for different cases (or from decisions)."""

    op: str  # >= > <= < == !=
    left: Formula  # CaseExpr or AwardOf
    right: Formula
    operands = ("left", "right")
    type = BOOL


@dataclass(frozen=True)
class EachItem(Formula):
    """The body holds for every item of a list (items present in every case the property reads)."""

    list: str
    body: Formula
    operands = ("body",)
    type = BOOL


FORMULA_NODES: tuple[type[Formula], ...] = (CaseExpr, OutcomeIs, RuleIs, AwardOf, FNot, Connective, Relation, EachItem)


def walk_formula(f: Formula) -> Iterator[Formula]:
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
