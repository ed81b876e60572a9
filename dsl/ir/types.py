"""The value types of the IR.

Every value is an integer (bool 0/1, money in cents, a decimal in tenths — an IELTS band 6.5 is
65 inside, 6.5 in every case file and report — dates and durations as `units` codes, enumeration
members as their index, plain integers) or, for text, a string.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALAR_KINDS = ("bool", "int", "decimal", "money", "date", "duration", "text", "enum")
ORDERED_KINDS = frozenset({"int", "decimal", "money", "date", "duration"})
TENTHS = 10  # a decimal is held as a whole number of tenths


@dataclass(frozen=True)
class Type:
    kind: str  # one of SCALAR_KINDS
    enum: str = ""  # the enumeration's name, for kind == "enum"

    def __str__(self) -> str:
        return self.enum if self.kind == "enum" else self.kind


BOOL = Type("bool")
INT = Type("int")
DECIMAL = Type("decimal")
MONEY = Type("money")
DATE = Type("date")
DURATION = Type("duration")
TEXT = Type("text")


def zero_of(t: Type) -> int | str:
    """What an unknown optional value (or a missing table row) reads as."""
    return "" if t.kind == "text" else 0
