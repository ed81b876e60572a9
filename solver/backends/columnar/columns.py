"""A caseload as columns: one array per input, list inputs flattened with offsets.

Case-level inputs are arrays of length n (int64; text as object arrays of str), each with a
`known` array (False where an optional input was left out, the value then being its type's zero,
as in `CaseData`). A list input is flattened: its items' fields are arrays over every item of
every case, `offsets[i]:offsets[i + 1]` being case i's items (so `offsets` has n + 1 entries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ....dsl import ir
from ...case import CaseData


def _array(values: Sequence[int | str], t: ir.Type) -> np.ndarray:
    if t.kind == "text":
        out = np.empty(len(values), dtype=object)
        out[:] = list(values)
        return out
    return np.asarray(values, dtype=np.int64)


@dataclass(frozen=True)
class ListColumns:
    offsets: np.ndarray  # int64, n + 1 entries
    values: dict[str, np.ndarray]  # field → one value per item
    known: dict[str, np.ndarray]  # field → bool per item

    @cached_property
    def owner(self) -> np.ndarray:
        """The case each item belongs to."""
        counts = np.diff(self.offsets)
        return np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    def slice(self, start: int, stop: int) -> ListColumns:
        """The items of cases start…stop - 1 (views of these arrays, the offsets from 0)."""
        first, last = self.offsets[start], self.offsets[stop]
        return ListColumns(
            self.offsets[start : stop + 1] - first,
            {f: v[first:last] for f, v in self.values.items()},
            {f: k[first:last] for f, k in self.known.items()},
        )


@dataclass(frozen=True)
class Columns:
    n: int
    scalars: dict[str, np.ndarray]
    known: dict[str, np.ndarray]
    lists: dict[str, ListColumns]

    @staticmethod
    def from_cases(policy: ir.Policy, cases: Sequence[CaseData]) -> Columns:
        """The columns of already-validated cases (any reader's input: case files, rows, …)."""
        scalars = {f.path: _array([c.scalars[f.path] for c in cases], f.type) for f in policy.inputs}
        known = {f.path: np.array([c.known[f.path] for c in cases], dtype=bool) for f in policy.inputs}
        lists = {}
        for lst in policy.lists:
            counts = [len(c.items[lst.name]) for c in cases]
            offsets = np.zeros(len(cases) + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            items = [item for c in cases for item in c.items[lst.name]]
            lists[lst.name] = ListColumns(
                offsets,
                {f.path: _array([it.values[f.path] for it in items], f.type) for f in lst.fields},
                {f.path: np.array([it.known[f.path] for it in items], dtype=bool) for f in lst.fields},
            )
        return Columns(len(cases), scalars, known, lists)

    def slice(self, start: int, stop: int) -> Columns:
        """Cases start…stop - 1 as columns of their own (views of these arrays)."""
        return Columns(
            stop - start,
            {p: v[start:stop] for p, v in self.scalars.items()},
            {p: k[start:stop] for p, k in self.known.items()},
            {name: lst.slice(start, stop) for name, lst in self.lists.items()},
        )
