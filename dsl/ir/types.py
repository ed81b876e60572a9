"""The value types of the IR.

Every value is an integer (bool 0/1, money in cents, dates and durations as `units` codes,
enumeration members as their index, plain integers) or, for text, a string.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALAR_KINDS = ("bool", "int", "money", "date", "duration", "text", "enum")
ORDERED_KINDS = frozenset({"int", "money", "date", "duration"})


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


def zero_of(t: Type) -> int | str:
    """What an unknown optional value (or a missing table row) reads as."""
    return "" if t.kind == "text" else 0
