"""The vocabulary of the ASP program: every predicate that crosses its boundary, declared once.

Case facts go in, decisions come out, and what-if analysis adds its own atoms; each predicate's
name and fields are written here, with `symbol` to build a clingo Symbol from Python values
(the only way case data reaches clingo), `text` to write an atom into generated program text
(policy text only), and `decode` to read an atom of a model back (the idea of clorm's predicates,
without the dependency). Atoms internal to the emitted program (`v/2`, `w/3`, `applicable/1`, …)
stay in `emit`.
"""

from __future__ import annotations

from dataclasses import dataclass

import clingo

# field kinds: a string constant, a number, a symbolic constant (met, eligible), or a case value
# (a number, or a string for text)
STR, INT, NAME, VALUE = "str", "int", "name", "value"


@dataclass(frozen=True)
class Predicate:
    name: str
    fields: tuple[tuple[str, str], ...]  # (field name, kind)

    @property
    def arity(self) -> int:
        return len(self.fields)

    @property
    def signature(self) -> str:
        return f"{self.name}/{self.arity}"

    def symbol(self, *values: int | str) -> clingo.Symbol:
        """An atom of Python values, as a clingo Symbol."""
        if len(values) != self.arity:
            raise ValueError(f"{self.signature} takes {self.arity} values, not {len(values)}")
        return clingo.Function(self.name, [_encode(kind, v) for (_, kind), v in zip(self.fields, values)])

    def for_cases(self) -> Predicate:
        """The same predicate with a case number first, as the batched program reads and shows it."""
        return Predicate(self.name, (("case", INT),) + self.fields)

    def text(self, *terms: str, sep: str = ",") -> str:
        """An atom in program text, from ASP terms (variables, or constants already quoted)."""
        if len(terms) != self.arity:
            raise ValueError(f"{self.signature} takes {self.arity} terms, not {len(terms)}")
        return f"{self.name}({sep.join(terms)})" if terms else self.name

    def matches(self, symbol: clingo.Symbol) -> bool:
        return (
            symbol.type == clingo.SymbolType.Function
            and symbol.name == self.name
            and len(symbol.arguments) == self.arity
        )

    def decode(self, symbol: clingo.Symbol) -> tuple[int | str, ...]:
        """The Python values of an atom of this predicate."""
        if not self.matches(symbol):
            raise ValueError(f"{symbol} is not a {self.signature} atom")
        return tuple(_decode(kind, arg) for (_, kind), arg in zip(self.fields, symbol.arguments))


def _encode(kind: str, value: int | str) -> clingo.Symbol:
    if kind == STR:
        return clingo.String(str(value))
    if kind == INT:
        return clingo.Number(int(value))
    if kind == NAME:
        return clingo.Function(str(value))
    return clingo.String(value) if isinstance(value, str) else clingo.Number(value)


def _decode(kind: str, arg: clingo.Symbol) -> int | str:
    if kind == NAME:
        return arg.name
    if arg.type == clingo.SymbolType.String:
        return arg.string
    return arg.number


def quote(text: str) -> str:
    """A policy string as an ASP string constant (policy text only: never case data)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---------------------------------------------------------------- the case (facts, as Symbols)
CASE = Predicate("case", (("case", INT),))  # batched programs: the cases one Control decides
# batched programs: a case's values and known bits, and an item's, packed in tuples (emit.Packing)
CASE_VALUES = "case_values"  # (case, values, known)
ITEM_VALUES = "item_values"  # (case, list, index, values, known)
INPUT = Predicate("input", (("path", STR), ("value", VALUE)))
KNOWN = Predicate("known", (("path", STR), ("known", INT)))
ITEM = Predicate("item", (("list", STR), ("index", INT)))
FIELD = Predicate("field", (("list", STR), ("index", INT), ("name", STR), ("value", VALUE)))
FIELD_KNOWN = Predicate("field_known", (("list", STR), ("index", INT), ("name", STR), ("known", INT)))

# ---------------------------------------------------------------- tables (from the policy)
TABLE_KEY = Predicate("tbl_key", (("table", STR), ("key", VALUE)))
TABLE_CELL = Predicate("tbl", (("table", STR), ("key", VALUE), ("column", STR), ("value", VALUE)))

# ---------------------------------------------------------------- the decision (shown)
VERSION = Predicate("version", (("name", STR),))
OUTCOME = Predicate("outcome", (("outcome", NAME),))
RESULT = Predicate("result", (("rule", STR), ("result", NAME)))
POINTS_AWARDED = Predicate("points_awarded", (("rule", STR), ("category", STR), ("points", INT)))
NOT_ASSESSED = Predicate("not_assessed", (("rule", STR),))
NOT_APPLICABLE = Predicate("not_applicable", (("rule", STR),))
SHOW_VALUE = Predicate("show_value", (("rule", STR), ("index", INT), ("value", VALUE)))

SHOWN = (VERSION, OUTCOME, RESULT, POINTS_AWARDED, NOT_ASSESSED, NOT_APPLICABLE, SHOW_VALUE)
# batched programs show a rule's result and its reason's values as one atom (a tuple of the values in
# placeholder order) in place of `result` and `show_value`: reading a model's atoms is most of reading
# a batch, and a rule shows two or three values on average
RULE_SHOWN = Predicate("rule_shown", (("rule", STR), ("result", NAME), ("values", VALUE)))
SHOWN_BATCHED = (VERSION, OUTCOME, RULE_SHOWN, POINTS_AWARDED, NOT_ASSESSED, NOT_APPLICABLE)

# ---------------------------------------------------------------- what-if analysis
WI_CHANGEABLE = Predicate("wi_changeable", (("path", STR), ("cost", INT)))
WI_CANDIDATE = Predicate("wi_cand", (("path", STR), ("index", INT), ("value", VALUE), ("known", INT), ("rank", INT)))
WI_CHOOSE = Predicate("wi_choose", (("path", STR), ("index", INT)))
WI_CHANGED = Predicate("wi_changed", (("path", STR),))
WI_TARGET = Predicate("wi_target", ())
