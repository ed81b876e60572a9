"""The one way to read a tree of nodes: single dispatch on the node's class, loud on a gap.

A reader subclasses `ExprVisitor` (IR expressions), `FormulaVisitor` (properties) or `Visitor`
with its own `nodes`, and names a handler `<prefix><NodeClass>` for each prefix in `families`:
`_Compare` in a back end; `_c_Compare` and `_v_Compare` in a reader with two families. A family
listed in `fallbacks` sends every node class without a handler of its own to that method; any
other family must handle every node class, which `missing()` reports and a test checks for every
reader. A node with no handler raises `MissingHandler` ("<reader> cannot read <Node>").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from .expr import EXPR_NODES
from .formula import FORMULA_NODES


class MissingHandler(TypeError):
    """A reader met a node class it has no handler for: a bug in visa-rules, named precisely."""


class Visitor:
    nodes: ClassVar[tuple[type, ...]] = ()
    families: ClassVar[tuple[str, ...]] = ("_",)
    fallbacks: ClassVar[dict[str, str]] = {}
    reader: ClassVar[str] = ""  # how errors name this reader; the class name when empty

    _tables: ClassVar[dict[tuple[type, str], dict[type, Callable[..., Any]]]] = {}
    _readers: ClassVar[list[type[Visitor]]] = []

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        """Every reader is registered for `readers()`, unless it says `register=False`."""
        super().__init_subclass__(**kwargs)
        if register:
            Visitor._readers.append(cls)

    def dispatch(self, node: Any, *args: Any, family: str = "_") -> Any:
        table = type(self)._handlers_for(family)
        handler = table.get(type(node))
        if handler is None:
            raise MissingHandler(f"{type(self).reader_name()} cannot read {type(node).__name__} (family {family!r})")
        return handler(self, node, *args)

    @classmethod
    def reader_name(cls) -> str:
        return cls.reader or cls.__name__

    @classmethod
    def _handlers_for(cls, family: str) -> dict[type, Callable[..., Any]]:
        key = (cls, family)
        table = Visitor._tables.get(key)
        if table is None:
            fallback = cls.fallbacks.get(family)
            default = getattr(cls, fallback) if fallback else None
            table = {}
            for node in cls.nodes:
                handler = getattr(cls, family + node.__name__, None) or default
                if handler is not None:
                    table[node] = handler
            Visitor._tables[key] = table
        return table

    @classmethod
    def missing(cls) -> dict[str, list[str]]:
        """Per family without a fallback, the node classes this reader has no handler for."""
        out: dict[str, list[str]] = {}
        for family in cls.families:
            if family in cls.fallbacks:
                continue
            lacking = [n.__name__ for n in cls.nodes if not callable(getattr(cls, family + n.__name__, None))]
            if lacking:
                out[family] = lacking
        return out

    @staticmethod
    def readers() -> tuple[type[Visitor], ...]:
        """Every reader defined so far."""
        return tuple(Visitor._readers)


class ExprVisitor(Visitor, register=False):
    """A reader of IR expressions."""

    nodes = EXPR_NODES


class FormulaVisitor(Visitor, register=False):
    """A reader of property formulas."""

    nodes = FORMULA_NODES
