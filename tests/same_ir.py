"""Structural equality of IR values that compares each pair of shared nodes once.

The IR shares subexpressions (a defined name is one node wherever it is used), and the `==` that
dataclasses generate walks every path through them: comparing two loads of the shipped policy
took seconds. `same` gives the answer `==` gives, visiting each pair of nodes once.
"""

from __future__ import annotations

import dataclasses


def same(a: object, b: object) -> bool:
    seen: set[tuple[int, int]] = set()
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y or (id(x), id(y)) in seen:
            continue
        seen.add((id(x), id(y)))  # both stay alive inside a and b, so their ids stay theirs
        if type(x) is not type(y):
            return False
        if dataclasses.is_dataclass(x) and type(x).__eq__ is not object.__eq__:
            stack.extend((getattr(x, f.name), getattr(y, f.name)) for f in dataclasses.fields(x) if f.compare)
        elif isinstance(x, (tuple, list)):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, dict):
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif x != y:  # numbers, strings, dates, enums, sets of such
            return False
    return True
