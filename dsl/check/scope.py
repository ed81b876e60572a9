"""What the checker works from: the resolved declarations as one Scope, and the diagnostics sink.

`declarations` builds the Scope from the AST; `expressions`, `rules` and `properties` read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from .. import ast, ir
from ..diagnostics import Diagnostic, PolicyError, Span, closest

BASE_TYPES = {
    "bool": ir.BOOL,
    "integer": ir.INT,
    "decimal": ir.DECIMAL,  # one decimal place (an IELTS band 6.5), held in tenths
    "money": ir.MONEY,
    "date": ir.DATE,
    "duration": ir.DURATION,
    "text": ir.TEXT,
}
ORDERED_KINDS = ir.ORDERED_KINDS


class Failed(Exception):
    """Raised inside checking once a diagnostic has been recorded, to abandon one construct."""


def suggest(name: str, candidates) -> str:
    close = closest(name, candidates)
    return f"did you mean '{close}'?" if close else ""


class Diagnostics:
    """Every problem found, kept in order; the checker raises them together at the end."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def error(self, span: Span, message: str, hint: str = "", related=()) -> None:
        self.items.append(Diagnostic(span, message, hint, related=tuple(related)))

    def fail(self, span: Span, message: str, hint: str = "", related=()) -> NoReturn:
        self.error(span, message, hint, related)
        raise Failed

    def unique(self, seen: dict, name: str, label: str, span: Span, hint: str = "") -> None:
        """Record `name` as declared at `span`, or report it as a duplicate of the first."""
        if name in seen:
            other_label, other_span = seen[name]
            article = "an" if other_label[0] in "aeiou" else "a"
            self.error(span, f"duplicate name '{name}': already declared as {article} {other_label}",
                       hint or "rename one of them", related=[("first declared here", other_span)])  # fmt: skip
        else:
            seen[name] = (label, span)

    def raise_if_any(self, sources: dict[str, str]) -> None:
        if self.items:
            self.items.sort(key=lambda d: (d.span.file, d.span.line, d.span.column))
            raise PolicyError(list(self.items), sources)


class Reporter:
    """A checking stage: reports through the shared diagnostics."""

    diags: Diagnostics

    def error(self, span: Span, message: str, hint: str = "", related=()) -> None:
        self.diags.error(span, message, hint, related)

    def fail(self, span: Span, message: str, hint: str = "", related=()) -> NoReturn:
        self.diags.fail(span, message, hint, related)


@dataclass(frozen=True)
class Scope:
    """The policy's declarations, resolved: what every name in an expression can refer to."""

    modules: tuple[ast.Module, ...]
    decls: dict[type, list]  # the AST declarations by class, in file order
    enums: dict[str, ir.Enum]
    sops: dict[str, ir.Sop]
    records: dict[str, ast.RecordDecl]
    inputs: tuple[ir.InputField, ...]
    lists: tuple[ir.InputList, ...]
    input_by_path: dict[str, ir.InputField]
    record_inputs: dict[str, ast.InputDecl]  # record-typed inputs by name
    list_by_name: dict[str, ir.InputList]
    categories: tuple[ir.Category, ...]
    params: dict[str, ir.Param]
    tables: dict[str, ir.Table]
    versions: tuple[ir.Version, ...]
    define_decls: dict[str, ast.DefineDecl]  # case-level definitions
    item_define_decls: dict[tuple[str, str], ast.DefineDecl]  # (list, name) → per-item definition
    dates: ir.Bounds = ir.Policy.dates  # the span of case dates (`dates FIRST..LAST`)

    def of(self, kind: type) -> list:
        return self.decls.get(kind, [])

    def type_of(self, ref: ast.TypeRef, diags: Diagnostics) -> ir.Type | None:
        if ref.name in BASE_TYPES:
            return BASE_TYPES[ref.name]
        if ref.name in self.enums:
            return ir.Type("enum", ref.name)
        known = list(BASE_TYPES) + list(self.enums)
        diags.error(ref.span, f"unknown type '{ref.name}'", suggest(ref.name, known) or "types: " + ", ".join(known))
        return None

    def first_file(self) -> str:
        return self.modules[0].file if self.modules else "<policy>"
