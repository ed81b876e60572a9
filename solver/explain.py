"""Why a case was decided as it was: a justification tree per rule, with the facts, dated values
and table rows it read, what the analyst must raise with the applicant, and (why not) the gaps.

The decision is clingo's (`decide.verdict`). The Python evaluator re-reads each assessed rule's IR
only to show the values behind that decision, in the same order as the assessment (so points read
by a later stage are the ones awarded so far); any disagreement with clingo raises
ExplainMismatch, since it would mean the tree explains a different decision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..dsl import ir
from ..dsl.encoding import UNITS_PER_MONTH, UNITS_PER_YEAR, date_code
from .case import CaseData
from .decide import SolverError, build_decision
from .explain_text import NEGATION, SYMBOL, describe, factor_text, show, show_exact, sides
from .explain_whynot import Gap, WhyNot, flatten, if_chain, possible_values
from .interp import _Evaluator, in_force
from .verdict import Verdict

SCHEMA = "visa-rules/explanation/1"


class ExplainMismatch(SolverError):
    """The Python evaluator read a rule differently from clingo: a bug in a back end."""


# ---------------------------------------------------------------- what an explanation holds


@dataclass(frozen=True)
class Fact:
    """A case value a rule read."""

    input: str  # employment.pay_per_hour, work[0].start
    value: str  # in its unit
    doc: str

    def to_json(self) -> dict:
        return {"input": self.input, "value": self.value, "doc": self.doc}


@dataclass(frozen=True)
class ParamUse:
    """A dated value a rule read: which day, which entry, and its source."""

    parameter: str
    doc: str
    day: str
    day_of: str  # what the day is: lodgement_date, work[0].start
    value: str
    in_force_from: str
    cites: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "parameter": self.parameter,
            "doc": self.doc,
            "date": self.day,
            "date_of": self.day_of,
            "value": self.value,
            "in_force_from": self.in_force_from,
            "cites": list(self.cites),
        }


@dataclass(frozen=True)
class TableUse:
    table: str
    key: str
    column: str  # "" for a membership test
    value: str
    found: bool

    def to_json(self) -> dict:
        return {"table": self.table, "key": self.key, "column": self.column, "value": self.value, "found": self.found}


@dataclass(frozen=True)
class Node:
    """One step of a justification. `holds` is set for conditions (None for plain values);
    `note` says how it was reached (the branch taken, or "see above" for a define shown before)."""

    kind: str
    label: str
    value: str = ""
    holds: bool | None = None
    detail: str = ""
    doc: str = ""
    note: str = ""
    cites: tuple[str, ...] = ()
    children: tuple[Node, ...] = ()

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "value": self.value,
            "holds": self.holds,
            "detail": self.detail,
            "doc": self.doc,
            "note": self.note,
            "cites": list(self.cites),
            "children": [c.to_json() for c in self.children],
        }

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class RuleExplanation:
    rule: str
    title: str
    kind: str  # require | concern | stop | points
    stage: int
    effect: str  # a Verdict result, or not_assessed | not_applicable | not_in_force
    text: str  # the reason text decide gives ("" when not assessed)
    cites: tuple[str, ...]
    clauses: tuple[str, ...]
    sop_steps: tuple[str, ...]
    window: tuple[str, str]  # the rule's own from / until ("" when open)
    points: int | None = None
    max_points: int | None = None
    blocked_by: str = ""
    applies: Node | None = None
    tree: Node | None = None
    facts: tuple[Fact, ...] = ()
    parameters: tuple[ParamUse, ...] = ()
    tables: tuple[TableUse, ...] = ()

    @property
    def assessed(self) -> bool:
        return self.effect not in ("not_assessed", "not_applicable", "not_in_force")


@dataclass(frozen=True)
class Action:
    """What the analyst must do about a finding: ask for evidence (RFI) or tell the applicant (PPI)."""

    rule: str
    title: str
    kind: str  # RFI | PPI
    finding: str  # the rule's reason text
    ask: str
    evidence: tuple[Fact, ...]
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Shortfall:
    """A rule with a worse result than it could have: what must change, and by how much."""

    rule: str
    title: str
    effect: str
    summary: str
    cites: tuple[str, ...]
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class Explanation:
    source: str
    outcome: str
    category: str
    version: str
    version_from: str
    version_cites: tuple[str, ...]
    lodgement: str
    points: dict[str, int]
    possible: dict[str, int | None]  # the most each category's rules in force can give
    rules: tuple[RuleExplanation, ...]
    actions: tuple[Action, ...]
    shortfalls: tuple[Shortfall, ...]

    def rule(self, rule_id: str) -> RuleExplanation:
        return next(r for r in self.rules if r.rule == rule_id)


# ---------------------------------------------------------------- building the tree


class _Tree:
    """The justification of one rule: one method per IR node (a node without one fails loudly)."""

    def __init__(self, policy: ir.Policy, case: CaseData, ev: _Evaluator):
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
        lst = next(x for x in self.policy.lists if x.name == e.list)
        return next(f.doc for f in lst.fields if f.path == e.name)

    # --- conditions
    def cond(self, e: ir.Expr, item: int | None = None) -> Node:
        return getattr(self, "_c_" + type(e).__name__, self._c_value)(e, item)

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
        if s.subject.type.kind in ("int", "money", "duration", "date"):
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
        return getattr(self, "_v_" + type(e).__name__)(e, item)

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
        entry = e.param.entries[0]
        for x in e.param.entries[1:]:
            if date_code(x.start) <= day:
                entry = x
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
        detail = f"row {key} of {e.table.name}" + (": " + _row_title(e.table, self.val(e.key, item)) if found else " is missing: the zero value")
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
            children.append(Node("item", f"{e.list}[{i}]", value, w, self._summary(e.list, i), note=note, children=tuple(parts)))
        detail = f"{counted} of {len(items)} {e.list} items counted" if items else f"{e.list} is empty"
        return Node("aggregate", self.desc(e, item), self.shown(e, item), None, detail, children=tuple(children))

    def _v_PointsOf(self, e: ir.PointsOf, item):
        return Node("points", self.desc(e, item), self.shown(e, item), None, "points awarded in this category by the rules assessed before")

    def _v_arith(self, e: ir.Expr, item):
        """One line with every operand's value; below it only the operands worth opening."""
        detail = self._substituted(e, item)
        children = tuple(n for n in (self.value(x, item) for x in _inside_arithmetic(e)) if n)
        return Node("arithmetic", self.desc(e, item), self.shown(e, item), None, detail, children=children)

    _v_Arith = _v_MinMax = _v_Scale = _v_Neg = _v_FloorDiv = _v_arith

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
        children.append(Node("otherwise", "otherwise", "", True if reached else None,
                             note=f"→ {self.desc(otherwise, item)}" + (" (taken)" if reached else " (not reached)")))  # fmt: skip
        chosen = otherwise if reached else taken
        result = self.cond(chosen, item) if boolean else self.value(chosen, item)
        if result is not None:
            children.append(result)
        label = "the first branch whose condition holds" if len(branches) > 1 else f"if {self.desc(branches[0][0], item)}"
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
        if isinstance(e, (ir.Input, ir.Field)):
            self._fact(e, item)
        return self.shown(e, item)

    def _summary(self, list_name: str, i: int) -> str:
        lst = next(x for x in self.policy.lists if x.name == list_name)
        item = self.case.items[list_name][i]
        parts = []
        for f in lst.fields:
            e = ir.Field(list_name, f.path, f.type)
            parts.append(f"{f.path} {show(self.policy, self.case, e, item.values[f.path], i)}")
        return ", ".join(parts)


_ARITHMETIC = (ir.Arith, ir.MinMax, ir.Scale, ir.Neg, ir.FloorDiv)


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
            for (col, t), v in zip(table.columns, values):
                if t.kind == "text":
                    return str(v)
    return ""


# ---------------------------------------------------------------- the whole explanation


def explain(policy: ir.Policy, case: CaseData, verdict: Verdict, source: str = "") -> Explanation:
    """The justification of clingo's verdict on `case`. Pure: the caller runs the solver."""
    decision = build_decision(policy, case, verdict, "clingo")
    texts = {r.rule: r.text for r in decision.reasons}
    version = next(v for v in policy.versions if v.name == verdict.version)
    ev = _Evaluator(policy, case)  # shared by every rule, in stage order, so points accumulate
    gaps = WhyNot(policy, case, ev.eval)
    stops = [r for r, res in verdict.results.items() if res == "stopped"]
    possible: dict[str, int | None] = {c.name: 0 for c in policy.categories}
    rules: list[RuleExplanation] = []
    shortfalls: list[Shortfall] = []
    for rule in policy.rules:
        base = _base(rule, version)
        if not in_force(rule, case.scalars["lodgement_date"], case.scalars["category"]):
            reported = (*verdict.results, *verdict.not_assessed, *verdict.not_applicable)
            _expect(rule.id not in reported, rule, "not in force", verdict)
            rules.append(replace(base, effect="not_in_force"))
            continue
        best = _max_points(rule)
        if rule.kind == "points":
            so_far = possible[rule.points_category]
            possible[rule.points_category] = None if best is None or so_far is None else so_far + best
        if rule.id in verdict.not_assessed:
            blocker = next((s for s in stops if policy.rule_by_id[s].stage < rule.stage), "")
            _expect(bool(blocker), rule, "blocked by a stop", verdict)
            rules.append(replace(base, effect="not_assessed", blocked_by=blocker, max_points=best))
            continue
        tree = _Tree(policy, case, ev)
        applies = tree.cond(rule.applies) if rule.applies is not None else None
        if rule.id in verdict.not_applicable:
            _expect(applies is not None and not applies.holds, rule, "its condition false", verdict)
            rules.append(_with_tree(base, tree, effect="not_applicable", applies=applies, max_points=best))
            if best:
                summary = f"not applicable, so 0 of a possible {best} points"
                shortfalls.append(Shortfall(rule.id, rule.title, "not_applicable", summary, base.cites, gaps.rule_gaps(rule, None, None)))
            continue
        _expect(applies is None or applies.holds, rule, "its condition true", verdict)
        explained = _assessed(policy, rule, tree, ev, verdict)
        rules.append(_with_tree(base, tree, text=texts[rule.id], applies=applies, max_points=best, **explained))
        summary = _shortfall_summary(rule, explained["effect"], explained["points"], best)
        if summary:
            found = gaps.rule_gaps(rule, explained["effect"], explained["points"])
            shortfalls.append(Shortfall(rule.id, rule.title, explained["effect"], summary, base.cites, found))
    _check_values(policy, ev, verdict)
    return Explanation(
        source=source,
        outcome=verdict.outcome,
        category=decision.category,
        version=version.name,
        version_from=version.start.isoformat(),
        version_cites=tuple(str(c) for c in version.cites),
        lodgement=case.lodgement.isoformat(),
        points=dict(verdict.points),
        possible=possible,
        rules=tuple(rules),
        actions=_actions(rules),
        shortfalls=tuple(shortfalls),
    )


def _assessed(policy: ir.Policy, rule: ir.Rule, tree: _Tree, ev: _Evaluator, verdict: Verdict) -> dict:
    """The tree of an assessed rule, its result checked against clingo's."""
    result = verdict.results.get(rule.id)
    if rule.kind != "points":
        mine = ir.EFFECT_OUTCOMES[rule.kind][0 if ev.eval(rule.expr) else 1]
        _expect(result == mine, rule, mine, verdict)
        return {"effect": result, "tree": tree.cond(rule.expr), "points": None}
    value = ev.eval(rule.expr)
    _expect(result == "awarded" and verdict.awarded.get(rule.id) == value, rule, f"awarded {value}", verdict)
    node = tree.value(rule.expr) or Node("const", describe(policy, rule.expr), str(value))
    ev.points[rule.points_category] += value  # what later stages read as points(category)
    return {"effect": result, "tree": node, "points": value}


def _base(rule: ir.Rule, version: ir.Version) -> RuleExplanation:
    cites = tuple(str(c) for c in rule.cites)
    return RuleExplanation(
        rule=rule.id,
        title=rule.title,
        kind=rule.kind,
        stage=rule.stage,
        effect="",
        text="",
        cites=cites,
        clauses=tuple(str(c) for c in rule.cites if c.kind == "clause"),
        sop_steps=tuple(str(c) for c in rule.cites if c.kind == "sop"),
        window=(rule.start.isoformat() if rule.start else "", rule.until.isoformat() if rule.until else ""),
    )


def _with_tree(base: RuleExplanation, builder: _Tree, **changes) -> RuleExplanation:
    return replace(
        base,
        facts=tuple(builder.facts.values()),
        parameters=tuple(builder.params.values()),
        tables=tuple(builder.tables.values()),
        **changes,
    )


def _max_points(rule: ir.Rule) -> int | None:
    if rule.kind != "points":
        return None
    values = possible_values(rule.expr)
    return max(values) if values else None


def _shortfall_summary(rule: ir.Rule, result: str, points: int | None, best: int | None) -> str:
    if result == "not_met":
        return "requirement not met"
    if result == "stopped":
        return "stopped the assessment"
    if result == "raised":
        return "concern raised"
    if result == "awarded" and best is not None and points is not None and points < best:
        return f"{points} of a possible {best} points"
    return ""


def _expect(ok: bool, rule: ir.Rule, what: str, verdict: Verdict) -> None:
    if not ok:
        found = verdict.results.get(rule.id) or ("not assessed" if rule.id in verdict.not_assessed else "not applicable" if rule.id in verdict.not_applicable else "absent")
        raise ExplainMismatch(f"{rule.id}: the Python evaluator finds {what}, clingo found {found}")


def _check_values(policy: ir.Policy, ev: _Evaluator, verdict: Verdict) -> None:
    """The values in the reason texts must be clingo's too (read after every rule, as decide does)."""
    for rule_id, values in verdict.values.items():
        mine = tuple(ev.eval(p) for p in policy.rule_by_id[rule_id].placeholders)
        if mine != values:
            raise ExplainMismatch(f"{rule_id}: reason values {mine} from the Python evaluator, {values} from clingo")


def _actions(rules: list[RuleExplanation]) -> tuple[Action, ...]:
    """A raised concern needs evidence (RFI); an adverse finding must be put to the applicant (PPI)."""
    out = []
    for r in rules:
        if r.effect == "raised":
            names = ", ".join(f.input for f in r.facts)
            ask = f"request further information (RFI): evidence of {names}" if names else "request further information (RFI)"
            out.append(Action(r.rule, r.title, "RFI", r.text, ask, r.facts, r.cites))
        elif r.effect in ("not_met", "stopped"):
            ask = "communicate potentially prejudicial information (PPI): tell the applicant of this finding and invite comment before deciding"
            out.append(Action(r.rule, r.title, "PPI", r.text, ask, r.facts, r.cites))
    return tuple(out)
