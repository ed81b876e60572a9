"""The symbolic case: every input of a policy as a Z3 variable, lists as slots, and the domain
assumptions any real case satisfies."""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ....dsl import ir
from ....dsl.units import UNITS_PER_MONTH, date_code, decode_date, format_value, last_day_code
from ...case import CaseData
from .values import is_calendar_day, literal, variable

LODGEMENT = ir.LODGEMENT


@dataclass(frozen=True, eq=False)
class Slot:
    """One possible item of a list; `present` says whether the case has it."""

    present: z3.BoolRef
    values: dict[str, z3.ExprRef]
    known: dict[str, z3.BoolRef]  # constant true for a required field


class SymbolicCase:
    """Every input of a policy as a Z3 variable, lists as `max_items` slots each.

    Variables are named by input path (`employment.hours_per_week`, `work[0].start`,
    `known(invitation_date)`, `work[0].present`) after `prefix`, so that two cases can be
    compared in one formula.
    """

    def __init__(self, policy: ir.Policy, max_items: int, prefix: str = ""):
        if max_items < 0:
            raise ValueError("max_items must not be negative")
        self.policy = policy
        self.max_items = max_items
        self.prefix = prefix
        self.scalars: dict[str, z3.ExprRef] = {f.path: variable(prefix + f.path, f.type) for f in policy.inputs}
        self.known: dict[str, z3.BoolRef] = {f.path: self._known(f, prefix + f.path) for f in policy.inputs}
        self.slots: dict[str, tuple[Slot, ...]] = {
            lst.name: tuple(self._slot(lst, f"{prefix}{lst.name}[{i}]") for i in range(max_items))
            for lst in policy.lists
        }

    @staticmethod
    def _known(f: ir.InputField, name: str) -> z3.BoolRef:
        return z3.Bool(f"known({name})") if f.optional else z3.BoolVal(True)

    def _slot(self, lst: ir.InputList, name: str) -> Slot:
        return Slot(
            present=z3.Bool(f"{name}.present"),
            values={f.path: variable(f"{name}.{f.path}", f.type) for f in lst.fields},
            known={f.path: self._known(f, f"{name}.{f.path}") for f in lst.fields},
        )

    def domain_assumptions(self) -> list[tuple[str, z3.BoolRef]]:
        """What any real case satisfies, each with a description to print beside a proof.

        They rule out what a case file cannot express (a gap between list items, an enumeration
        index out of range, a value behind an unknown input, a date that is no calendar day) and
        what the case loader refuses: a value outside its input's bounds, a list longer than its
        declared length, lodgement before the first modelled version, a case that breaks one of
        the policy's constraints. `evaluate` uses none of them: a case fixes every input.
        """
        out: list[tuple[str, z3.BoolRef]] = []
        for f in self.policy.inputs:
            out += field_assumptions(self.policy, f, f.path, self.scalars[f.path], self.known[f.path])
        out += self.given_assumptions()
        for lst in self.policy.lists:
            slots = self.slots[lst.name]
            for i, slot in enumerate(slots):
                where = f"{lst.name}[{i}]"
                if lst.items is not None and i >= lst.items.high:
                    out.append(
                        (f"{where} is absent ({lst.name} holds at most {lst.items.high} items)", z3.Not(slot.present))
                    )
                if lst.items is not None and i < lst.items.low:
                    out.append((f"{where} is present ({lst.name} holds at least {lst.items.low} items)", slot.present))
                if i > 0:
                    out.append(
                        (
                            f"{where} is present only if {lst.name}[{i - 1}] is (items fill the first slots)",
                            z3.Implies(slot.present, slots[i - 1].present),
                        )
                    )
                blank = [slot.values[f.path] == literal(f.type, ir.zero_of(f.type)) for f in lst.fields]
                blank += [z3.Not(slot.known[f.path]) for f in lst.fields if f.optional]
                out.append(
                    (f"an absent {where} has zero, unknown fields", z3.Implies(z3.Not(slot.present), z3.And(blank)))
                )
                for f in lst.fields:
                    for text, c in field_assumptions(
                        self.policy, f, f"{where}.{f.path}", slot.values[f.path], slot.known[f.path]
                    ):
                        out.append((f"{text}, when {where} is present", z3.Implies(slot.present, c)))
        lodged = self.scalars[LODGEMENT]
        if all(not v.categories for v in self.policy.versions):
            first = self.policy.versions[0]
            out.append(
                (
                    f"{LODGEMENT} is on or after {first.start}, when the first modelled version ({first.name}) starts",
                    lodged >= date_code(first.start),
                )
            )
        else:  # each category from the first version of its own instructions
            category = self.scalars[ir.CATEGORY]
            for c, member in enumerate(self.policy.category_enum.members):
                first = self.policy.versions_of(c)[0]
                out.append(
                    (
                        f"{LODGEMENT} of a {member} case is on or after {first.start}, when {first.name} starts",
                        z3.Implies(category == c, lodged >= date_code(first.start)),
                    )
                )
        return out + self.constraint_assumptions()

    def given_assumptions(self) -> list[tuple[str, z3.BoolRef]]:
        """What the schema makes a case give: an optional block whole or not at all (a field of it
        known only with the fields it requires), and the inputs a category requires."""
        out: list[tuple[str, z3.BoolRef]] = []
        blocks: dict[str, list[ir.InputField]] = {}
        for f in self.policy.inputs:
            if f.optional_block:
                blocks.setdefault(f.path.split(".", 1)[0], []).append(f)
        for block, fields in blocks.items():
            required = [f for f in fields if f.required_in_block]
            if not required:
                continue
            given = self.known[required[0].path]
            names = ", ".join(f.path for f in required)
            holds = [self.known[f.path] == given for f in required[1:]]
            holds += [z3.Implies(self.known[f.path], given) for f in fields if not f.required_in_block]
            out.append((f"the {block} block, when given, holds {names}", z3.And(holds) if holds else z3.BoolVal(True)))
        members = self.policy.category_enum.members
        category = self.scalars[ir.CATEGORY]
        for f in self.policy.inputs:
            for c in f.required_for:
                out.append(
                    (f"{f.path} is given in a {c} case", z3.Implies(category == members.index(c), self.known[f.path]))
                )
        for lst in self.policy.lists:
            for f in lst.fields:
                for c in f.required_for:
                    for i, slot in enumerate(self.slots[lst.name]):
                        out.append(
                            (
                                f"{lst.name}[{i}].{f.path} is given in a {c} case, when present",
                                z3.Implies(z3.And(slot.present, category == members.index(c)), slot.known[f.path]),
                            )
                        )
        return out

    def constraint_assumptions(self) -> list[tuple[str, z3.BoolRef]]:
        """Each of the policy's constraints, as the loader checks it (for every present item of a list)."""
        from .lower import SmtLowering  # the lowering reads this module's SymbolicCase

        lowering = SmtLowering(self)
        out: list[tuple[str, z3.BoolRef]] = []
        for c in self.policy.constraints:
            if not c.list:
                out.append((c.message, lowering.lower(c.condition)))
                continue
            for i, slot in enumerate(self.slots[c.list]):
                out.append(
                    (
                        f"{c.message}, for {c.list}[{i}] when present",
                        z3.Implies(slot.present, lowering.lower(c.condition, i)),
                    )
                )
        return out

    def assignment(self, case: CaseData) -> list[tuple[z3.ExprRef, ir.Type, int | str | bool]]:
        """Every variable with its type and the value `case` gives it (slots past a list's end
        absent and blank)."""
        out: list[tuple[z3.ExprRef, ir.Type, int | str | bool]] = []
        for f in self.policy.inputs:
            out.append((self.scalars[f.path], f.type, case.scalars[f.path]))
            if f.optional:
                out.append((self.known[f.path], ir.BOOL, case.known[f.path]))
        for lst in self.policy.lists:
            items = case.items[lst.name]
            if len(items) > self.max_items:
                raise ValueError(f"{lst.name} has {len(items)} items; this symbolic case has {self.max_items} slots")
            for i, slot in enumerate(self.slots[lst.name]):
                item = items[i] if i < len(items) else None
                out.append((slot.present, ir.BOOL, item is not None))
                for f in lst.fields:
                    value = item.values[f.path] if item is not None else ir.zero_of(f.type)
                    out.append((slot.values[f.path], f.type, value))
                    if f.optional:
                        out.append((slot.known[f.path], ir.BOOL, item is not None and item.known[f.path]))
        return out


def field_assumptions(policy: ir.Policy, f: ir.InputField, where: str, v: z3.ExprRef, known: z3.BoolRef):
    """What a value of this input satisfies in any real case, each with its description."""
    out: list[tuple[str, z3.BoolRef]] = []
    t = f.type
    if f.optional:
        zero = ir.zero_of(t)
        out.append((f"an unknown {where} reads as {zero!r}", z3.Implies(z3.Not(known), v == literal(t, zero))))
    b = f.bounds
    if t.kind == "enum":
        size = len(policy.enum_by_name[t.enum].members)
        out.append((f"{where} is one of the {size} {t.enum} members", z3.And(v >= 0, v < size)))
    elif t.kind in ("int", "decimal", "money", "duration") and b is not None:
        shown = f"{format_value(t.kind, b.low)} to {format_value(t.kind, b.high)}"
        out.append((f"{where}, when known, is from {shown}", z3.Implies(known, z3.And(v >= b.low, v <= b.high))))
        if t.kind == "duration":  # a case file gives whole months
            out.append((f"{where} is a whole number of months", v % UNITS_PER_MONTH == 0))
    elif t.kind in ("int", "decimal", "money", "duration"):
        out.append((f"{where} is not negative", v >= 0))
    elif t.kind == "date":
        first, last = (b.low, b.high) if b is not None else (policy.dates.low, policy.dates.high)
        low, high = (last_day_code(decode_date(x)) for x in (first, last)) if f.last_day else (first, last)
        stored = " (coded as the day after the last day)" if f.last_day else ""
        in_range = z3.And(is_calendar_day(v), v >= low, v <= high)
        out.append(
            (
                f"{where}, when known, is a calendar day from {decode_date(first)} to {decode_date(last)}{stored}",
                z3.Implies(known, in_range),
            )
        )
    return out
