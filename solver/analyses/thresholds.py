"""The values a policy's rules turn on: every constant its rules compare with, every dated value
(and the usual multiples of money ones, a cent either side), every date a series or version
starts on, every table key, every decimal a table holds (English score minimums).
Case generators draw near them, since that is where readings of the
rules can disagree and where decisions change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...dsl import ir
from ...dsl.units import decode_date

MONEY_MULTIPLES = ((1, 1), (3, 2), (2, 1), (3, 1))  # × the median: 1, 1.5, 2, 3


@dataclass(frozen=True)
class Thresholds:
    ints: frozenset[int]
    money: frozenset[int]  # cents
    durations: frozenset[int]  # date-code units (32 a month)
    dates: frozenset[dt.date]
    decimals: frozenset[int] = frozenset()  # tenths

    def by_kind(self) -> dict[str, set]:
        return {
            "int": set(self.ints),
            "decimal": set(self.decimals),
            "money": set(self.money),
            "duration": set(self.durations),
            "date": set(self.dates),
        }


def thresholds(policy: ir.Policy) -> Thresholds:
    found: dict[str, set] = {"int": set(), "decimal": set(), "money": set(), "duration": set(), "date": set()}
    for r in policy.rules:
        for root in r.roots:
            for node in ir.walk(root):
                if isinstance(node, ir.Const) and node.type.kind in found:
                    found[node.type.kind].add(node.value)
                if isinstance(node, ir.Scale) and node.type.kind == "money":
                    found["int"].add(node.factor)
    for p in policy.params:
        for entry in p.entries:
            found["date"].add(entry.start)
            if p.type.kind == "money":
                for num, den in MONEY_MULTIPLES:
                    exact = entry.value * num
                    base = -(-exact // den)  # the smallest cent amount at or above the multiple
                    found["money"].update({base - 1, base, base + 1})
    for v in policy.versions:
        found["date"].add(v.start)
    for t in policy.tables:
        if t.key_type.kind == "int":
            found["int"].update(k for k, _ in t.rows)
        for i, (_, column_type) in enumerate(t.columns):
            if column_type.kind == "decimal":
                found["decimal"].update(int(values[i]) for _, values in t.rows)
    dates = {d if isinstance(d, dt.date) else decode_date(d) for d in found["date"]}
    return Thresholds(
        frozenset(found["int"]),
        frozenset(found["money"]),
        frozenset(found["duration"]),
        frozenset(dates),
        frozenset(found["decimal"]),
    )
