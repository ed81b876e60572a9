"""The justification tree of one rule: one handler per IR node, read with the Python evaluator
at the rule's point of the assessment."""

from __future__ import annotations

from dataclasses import replace

from ....dsl import ir
from ....dsl.units import UNITS_PER_MONTH, UNITS_PER_YEAR, date_code
from ...backends.python import Evaluator
from ...case import CaseData
from .model import Fact, Node, ParamUse, TableUse
from .text import NEGATION, SYMBOL, describe, factor_text, show, show_exact, sides
from .whynot import flatten, if_chain


class JustificationTree(ir.ExprVisitor):
    """The justification of one rule. Two families of handlers: `_c_` shows a node as a condition
    (one that holds or not; nodes without a handler of their own are shown as values that hold),
    `_v_` as a value (every node class has one)."""

    reader = "the justification tree"
    families = ("_c_", "_v_")
    fallbacks = {"_c_": "_c_value"}

    def __init__(self, policy: ir.Policy, case: CaseData, ev: Evaluator):
        self.policy = policy
        self.case = case
        self.ev = ev
        self.expanded: set[tuple[str, int | None]] = set()
        self.facts: dict[str, Fact] = {}
        self.params: dict[tuple, ParamUse] = {}
        self.tables: dict[tuple, TableUse] = {}

    # --- values
    def val(self, e: ir.Expr, item: int | None):
        return self.ev.eval(e, item if e.scope is not None else None)

    def shown(self, e: ir.Expr, item: int | None) -> str:
        return show(self.policy, self.case, e, self.val(e, item), item)

    def desc(self, e: ir.Expr, item: int | None) -> str:
        return describe(self.policy, e, item)

    def _fact(self, e: ir.Expr, item: int | None) -> Node:
        label = self.desc(e, item)
        doc = self._doc(e)
        self.facts.setdefault(label, Fact(label, self.shown(e, item), doc))
        return Node("fact", label, self.shown(e, item), doc=doc)

    def _doc(self, e: ir.Expr) -> str:
        if isinstance(e, (ir.Input, ir.InputKnown)):
            return self.policy.input_field(e.path).doc
        return self.policy.list_field(e.list, e.name).doc

    # --- conditions
    def cond(self, e: ir.Expr, item: int | None = None) -> Node:
        return self.dispatch(e, item, family="_c_")

    def _c_value(self, e: ir.Expr, item):
        node = self.value(e, item) or Node("const", self.desc(e, item), self.shown(e, item))
        return replace(node, holds=bool(self.val(e, item)))

    def _c_BoolOp(self, e: ir.BoolOp, item):
        holds = bool(self.val(e, item))
        label = "all of these hold" if e.op == "and" else "at least one of these holds"
        # the operands that settle it (a false one of a false `and`, a true one of a true `or`)
        # are opened; the others are shown on one line, and their facts are not counted as used
        children = tuple(
            self.cond(o, item) if bool(self.val(o, item)) == holds else self._shallow(o, item) for o in flatten(e, e.op)
        )
        return Node(e.op, label, _yes(holds), holds, children=children)

    def _shallow(self, e: ir.Expr, item) -> Node:
        holds = bool(self.val(e, item))
        detail = self._compare_detail(e, item) if isinstance(e, ir.Compare) else ""
        return Node("condition", self.desc(e, item), _yes(holds), holds, detail, note="does not decide the result")

    def _c_Not(self, e: ir.Not, item):
        holds = bool(self.val(e, item))
        return Node("not", self.desc(e, item), _yes(holds), holds, children=(self.cond(e.operand, item),))

    def _c_Compare(self, e: ir.Compare, item):
        s = sides(e)
        holds = bool(self.val(e, item))
        children = tuple(n for n in (self.value(s.subject, item), self.value(s.threshold, item)) if n)
        return Node("compare", self.desc(e, item), _yes(holds), holds, self._compare_detail(e, item), children=children)

    def _compare_detail(self, e: ir.Compare, item) -> str:
        """Both sides' values, unscaled: `$47.41 < 1.5 × $31.61 = $47.415`."""
        s = sides(e)
        x, y = self.val(s.subject, item), self.val(s.threshold, item)
        vx, vy = self.shown(s.subject, item), self.shown(s.threshold, item)
        if isinstance(s.subject, ir.Input) and not self.case.known[s.subject.path]:
            return f"{self.desc(s.subject, item)} is not given (read as 0)"
        if s.subject.type.kind in ("int", "decimal", "money", "duration", "date"):
            t = s.ratio * y
            rel = SYMBOL[s.op if self.val(e, item) else NEGATION[s.op]]  # as the rule reads, or its negation
            exact = f" = {show_exact(self.policy, s.subject.type, t)}" if s.ratio != 1 else ""
            return f"{vx} {rel} {factor_text(s.ratio)}{vy}{exact}"
        return f"{vx} {'=' if x == y else '≠'} {vy}"  # enumerations, text, yes/no

    def _c_InputKnown(self, e: ir.InputKnown, item):
        holds = bool(self.val(e, item))
        self._fact(ir.Input(e.path, self.policy.input_field(e.path).type), None)
        return Node("known", f"{e.path} is given", _yes(holds), holds)

    def _c_FieldKnown(self, e: ir.FieldKnown, item):
        holds = bool(self.val(e, item))
        return Node("known", f"{e.list}[{item}].{e.name} is given", _yes(holds), holds)

    def _c_InTable(self, e: ir.InTable, item):
        holds = bool(self.val(e, item))
        key = self.shown(e.key, item)
        self.tables.setdefault((e.table.name, key, ""), TableUse(e.table.name, key, "", _yes(holds), holds))
        detail = f"{key} {'is' if holds else 'is not'} a key of {e.table.name}"
        children = tuple(n for n in [self.value(e.key, item)] if n)
        return Node("in_table", self.desc(e, item), _yes(holds), holds, detail, e.table.doc, children=children)

    def _c_If(self, e: ir.If, item):
        return self._if(e, item, boolean=True)

    def _c_Named(self, e: ir.Named, item):
        return self._named(e, item, boolean=True)

    # --- values (None for constants, which the parent shows inline)
    def value(self, e: ir.Expr, item: int | None = None) -> Node | None:
        return self.dispatch(e, item, family="_v_")

    def _v_Const(self, e, item):
        return None

    def _v_Input(self, e, item):
        return self._fact(e, item)

    _v_Field = _v_Input

    def _v_InputKnown(self, e, item):
        return self.cond(e, item)

    _v_FieldKnown = _v_Compare = _v_BoolOp = _v_Not = _v_InTable = _v_InputKnown

    def _v_Named(self, e: ir.Named, item):
        return self._named(e, item, boolean=e.type.kind == "bool")

    def _v_If(self, e: ir.If, item):
        return self._if(e, item, boolean=e.type.kind == "bool")

    def _v_ParamAt(self, e: ir.ParamAt, item):
        day = self.val(e.date, item)
        entry = e.param.entry_at(day)
        value, on = self.shown(e, item), self.shown(e.date, item)
        day_of = self.desc(e.date, item)
        cites = tuple(str(c) for c in entry.cites)
        self.params.setdefault(
            (e.param.name, on), ParamUse(e.param.name, e.param.doc, on, day_of, value, entry.start.isoformat(), cites)
        )
        detail = f"on {on}, the value in force from {entry.start.isoformat()}"
        if date_code(entry.start) > day:
            detail = f"on {on}, before the series starts: its first value, from {entry.start.isoformat()}"
        child = self.value(e.date, item)
        children = () if child is None or child.kind == "fact" else (child,)
        return Node("parameter", self.desc(e, item), value, None, detail, e.param.doc, cites=cites, children=children)

    def _v_Lookup(self, e: ir.Lookup, item):
        key = self.shown(e.key, item)
        found = any(k == self.val(e.key, item) for k, _ in e.table.rows)
        value = self.shown(e, item)
        self.tables.setdefault((e.table.name, key, e.column), TableUse(e.table.name, key, e.column, value, found))
        detail = f"row {key} of {e.table.name}" + (
            ": " + _row_title(e.table, self.val(e.key, item)) if found else " is missing: the zero value"
        )
        children = tuple(n for n in [self.value(e.key, item)] if n and n.kind != "fact")
        return Node("table", self.desc(e, item), value, None, detail, e.table.doc, children=children)

    def _v_Aggregate(self, e: ir.Aggregate, item):
        items = self.case.items[e.list]
        always = isinstance(e.where, ir.Const) and e.where.value == 1
        children, counted = [], 0
        for i in range(len(items)):
            w = bool(self.ev.eval(e.where, i))
            counted += w
            parts = [] if always else [self.cond(e.where, i)]
            body = self.value(e.body, i) if w and e.func != "count" else None
            if body is not None:
                parts.append(body)
            value = self.shown(e.body, i) if w and e.func != "count" else ""
            note = "counted" if w else "not counted"
            children.append(
                Node("item", f"{e.list}[{i}]", value, w, self._summary(e.list, i), note=note, children=tuple(parts))
            )
        detail = f"{counted} of {len(items)} {e.list} items counted" if items else f"{e.list} is empty"
        return Node("aggregate", self.desc(e, item), self.shown(e, item), None, detail, children=tuple(children))

    def _v_Covered(self, e: ir.Covered, item):
        """Each item's interval (as the rule clips it), counted or not; overlaps count once."""
        items = self.case.items[e.list]
        always = isinstance(e.where, ir.Const) and e.where.value == 1
        children, counted = [], 0
        for i in range(len(items)):
            w = bool(self.ev.eval(e.where, i))
            counted += w
            parts = [] if always else [self.cond(e.where, i)]
            if w:
                parts += [n for n in (self.value(e.start, i), self.value(e.end, i)) if n is not None]
            value = f"{self.shown(e.start, i)} to {self.shown(e.end, i)}" if w else ""
            note = "counted" if w else "not counted"
            children.append(
                Node("item", f"{e.list}[{i}]", value, w, self._summary(e.list, i), note=note, children=tuple(parts))
            )
        detail = (
            f"{counted} of {len(items)} {e.list} items counted; a day in two of them counts once"
            if items
            else f"{e.list} is empty"
        )
        return Node("aggregate", self.desc(e, item), self.shown(e, item), None, detail, children=tuple(children))

    def _v_PointsOf(self, e: ir.PointsOf, item):
        return Node(
            "points",
            self.desc(e, item),
            self.shown(e, item),
            None,
            "points awarded in this category by the rules assessed before",
        )

    def _v_arith(self, e: ir.Expr, item):
        """One line with every operand's value; below it only the operands worth opening."""
        detail = self._substituted(e, item)
        children = tuple(n for n in (self.value(x, item) for x in _inside_arithmetic(e)) if n)
        return Node("arithmetic", self.desc(e, item), self.shown(e, item), None, detail, children=children)

    _v_Arith = _v_MinMax = _v_Scale = _v_Neg = _v_FloorDiv = _v_Divide = _v_arith

    # --- shared shapes
    def _named(self, e: ir.Named, item, boolean: bool) -> Node:
        scope_item = item if e.scope is not None else None
        holds = bool(self.val(e, item)) if boolean else None
        value = self.shown(e, item)
        key = (e.name, scope_item)
        if key in self.expanded:
            return Node("define", self.desc(e, item), value, holds, doc=e.doc, note="shown above")
        self.expanded.add(key)
        inner = self.cond(e.expr, item) if boolean else self.value(e.expr, item)
        return Node("define", self.desc(e, item), value, holds, doc=e.doc, children=(inner,) if inner else ())

    def _if(self, e: ir.If, item, boolean: bool) -> Node:
        branches, otherwise = if_chain(e)
        children, taken = [], None
        for cond, then in branches:
            outcome = f"→ {self.desc(then, item)}"
            if taken is not None:
                children.append(Node("branch", self.desc(cond, item), note=outcome + " (not reached)"))
                continue
            holds = bool(self.val(cond, item))
            children.append(replace(self.cond(cond, item), note=outcome + (" (taken)" if holds else "")))
            if holds:
                taken = then
        reached = taken is None
        children.append(
            Node(
                "otherwise",
                "otherwise",
                "",
                True if reached else None,
                note=f"→ {self.desc(otherwise, item)}" + (" (taken)" if reached else " (not reached)"),
            )
        )
        chosen = otherwise if reached else taken
        result = self.cond(chosen, item) if boolean else self.value(chosen, item)
        if result is not None:
            children.append(result)
        label = (
            "the first branch whose condition holds" if len(branches) > 1 else f"if {self.desc(branches[0][0], item)}"
        )
        holds = bool(self.val(e, item)) if boolean else None
        return Node("if", label, self.shown(e, item), holds, children=tuple(children))

    def _substituted(self, e: ir.Expr, item) -> str:
        """The arithmetic with each operand replaced by its value: max(0 months, 2024-05-01 − …)."""
        sub = self._substituted
        if isinstance(e, ir.Arith):
            right = f"({sub(e.right, item)})" if isinstance(e.right, ir.Arith) else sub(e.right, item)
            return f"{sub(e.left, item)} {'+' if e.op == '+' else '−'} {right}"
        if isinstance(e, ir.MinMax):
            return f"{e.op}({sub(e.left, item)}, {sub(e.right, item)})"
        if isinstance(e, ir.Scale):
            return f"{e.factor} × {sub(e.operand, item)}"
        if isinstance(e, ir.Neg):
            return f"-({sub(e.operand, item)})"
        if isinstance(e, ir.FloorDiv):
            name = {UNITS_PER_YEAR: "years", UNITS_PER_MONTH: "months"}.get(e.divisor)
            return f"{name}({sub(e.operand, item)})" if name else f"({sub(e.operand, item)}) ÷ {e.divisor}"
        if isinstance(e, ir.Divide):
            left = e.left
            if isinstance(left, ir.FloorDiv) and left.divisor not in (UNITS_PER_YEAR, UNITS_PER_MONTH):
                return f"{sub(left.operand, item)} ÷ {left.divisor} ÷ {sub(e.right, item)}"
            return f"{sub(left, item)} ÷ {sub(e.right, item)}"
        if isinstance(e, (ir.Input, ir.Field)):
            self._fact(e, item)
        return self.shown(e, item)

    def _summary(self, list_name: str, i: int) -> str:
        lst = self.policy.list_by_name[list_name]
        item = self.case.items[list_name][i]
        parts = []
        for f in lst.fields:
            e = ir.Field(list_name, f.path, f.type)
            parts.append(f"{f.path} {show(self.policy, self.case, e, item.values[f.path], i)}")
        return ", ".join(parts)


_ARITHMETIC = (ir.Arith, ir.MinMax, ir.Scale, ir.Neg, ir.FloorDiv, ir.Divide)


def _inside_arithmetic(e: ir.Expr) -> list[ir.Expr]:
    """The operands below a run of arithmetic that have more to show than a value."""
    if isinstance(e, _ARITHMETIC):
        return [x for c in e.children for x in _inside_arithmetic(c)]
    if isinstance(e, (ir.Const, ir.Input, ir.Field)):
        return []
    return [e]


def _yes(v) -> str:
    return "yes" if v else "no"


def _row_title(table: ir.Table, key) -> str:
    """The first text column of a row, to name it (e.g. the occupation's title)."""
    for k, values in table.rows:
        if k == key:
            for (_, t), v in zip(table.columns, values):
                if t.kind == "text":
                    return str(v)
    return ""
