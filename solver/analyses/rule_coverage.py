"""Rule coverage: how much of a policy a set of cases reaches (not SOP-step traceability, which is
`coverage`).

For the cases recorded, each goal below is reached or not:

- each rule's results: met and not met, raised and clear, stopped and passed (from the decision);
- each branch of a points rule: the `if … then N` arms its expression can take, and the last `else`;
- each comparison a rule reads (its own or through a `define`): seen true, seen false, and for
  `<`, `<=`, `>`, `>=` seen at its boundary (both sides equal: the case sits on the threshold);
- each dated value a rule reads: every entry of the series used by some case;
- each table row a rule looks up: every row's key looked up.

Comparisons, branches and look-ups are read by the Python evaluator (the readings agree, which the
differential tests check), as the rules run for the case: a rule skipped or not applicable reads
nothing. Every item names the file:line it was written at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ...dsl import ast, ir, parse_module
from ...dsl.diagnostics import PolicyError, Span
from ..backends.python import Evaluator
from ..case import CaseData
from ..decision import Decision
from .explain.text import describe

__all__ = ["CoverageItem", "CoverageReport", "CoverageRecorder", "KINDS"]

KINDS = {
    "result": "rule results",
    "branch": "points branches",
    "comparison": "comparisons",
    "dated_value": "dated values",
    "table_row": "table rows",
}
ORDERED = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class CoverageItem:
    kind: str  # a key of KINDS
    name: str  # what it is, as the policy writes it
    span: Span
    goals: tuple[str, ...]  # e.g. ("met", "not_met"), ("true", "false", "boundary"), ("used",)
    reached: frozenset[str]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(g for g in self.goals if g not in self.reached)


@dataclass(frozen=True)
class CoverageReport:
    items: tuple[CoverageItem, ...]
    cases: int  # decisions recorded

    @property
    def total(self) -> int:
        return sum(len(i.goals) for i in self.items)

    @property
    def covered(self) -> int:
        return sum(len(i.goals) - len(i.missing) for i in self.items)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind → (goals reached, goals)."""
        out = {}
        for kind in KINDS:
            items = [i for i in self.items if i.kind == kind]
            out[kind] = (sum(len(i.goals) - len(i.missing) for i in items), sum(len(i.goals) for i in items))
        return out

    def uncovered(self) -> tuple[CoverageItem, ...]:
        return tuple(i for i in self.items if i.missing)

    def text(self) -> str:
        lines = [f"Rule coverage: {self.percent:.1f}% ({self.covered} of {self.total} goals, {self.cases} decisions)"]
        for kind, (done, total) in self.by_kind().items():
            pct = 100.0 * done / total if total else 100.0
            lines.append(f"  {KINDS[kind]:<16} {done:>5} / {total:<5} {pct:5.1f}%")
        missing = self.uncovered()
        if missing:
            lines.append("Not covered:")
            for i in missing:
                lines.append(f"  {i.span}: {_describe(i)}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "schema": "visa-rules/rule-coverage/1",
            "percent": round(self.percent, 2),
            "covered": self.covered,
            "total": self.total,
            "decisions": self.cases,
            "by_kind": {k: {"covered": d, "total": t} for k, (d, t) in self.by_kind().items()},
            "items": [
                {
                    "kind": i.kind,
                    "name": i.name,
                    "file": i.span.file,
                    "line": i.span.line,
                    "column": i.span.column,
                    "goals": {g: g in i.reached for g in i.goals},
                }
                for i in self.items
            ],
        }


def _describe(item: CoverageItem) -> str:
    missing = item.missing
    if item.kind == "result":
        return f"rule {item.name}: never {' or '.join(g.replace('_', ' ') for g in missing)}"
    if item.kind == "branch":
        return f"points branch {item.name}: never taken"
    if item.kind == "comparison":
        words = {"true": "true", "false": "false", "boundary": "at its boundary (both sides equal)"}
        return f"comparison `{item.name}`: never {' or '.join(words[g] for g in missing)}"
    if item.kind == "dated_value":
        return f"dated value {item.name}: never used"
    return f"table row {item.name}: never looked up"


# ---------------------------------------------------------------- what there is to cover


@dataclass
class _Goals:
    kind: str
    name: str
    span: Span
    goals: tuple[str, ...]
    reached: set[str]


class CoverageRecorder:
    """Collects, case by case, which goals the decisions reach; `report()` at any time."""

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self.cases = 0
        self._items: dict[tuple, _Goals] = {}
        self._branches: dict[str, list[tuple[tuple[tuple[ir.If, bool], ...], tuple]]] = {}
        where = _declared_spans(policy)
        for rule in policy.rules:
            if rule.kind == "points":
                leaves = list(_leaves(rule.expr, ()))
                self._branches[rule.id] = []
                for n, (path, leaf) in enumerate(leaves, 1):
                    key = ("branch", rule.id, n)
                    span = _branch_span(path) or rule.span
                    label = f"{rule.id} #{n} ({_branch_label(policy, path, leaf)})"
                    self._items[key] = _Goals("branch", label, span, ("taken",), set())
                    self._branches[rule.id].append((path, key))
            else:
                goals = ir.EFFECT_OUTCOMES[rule.kind]
                self._items[("result", rule.id)] = _Goals("result", rule.id, rule.span, goals, set())
            for root in rule.roots:
                for node in _nodes(root):
                    self._add_node(node, where)

    def _add_node(self, node: ir.Expr, where: dict) -> None:
        if isinstance(node, ir.Compare) and node.span is not None:
            key = ("comparison", _at(node.span))
            if key not in self._items:
                goals = ("true", "false", "boundary") if node.op in ORDERED else ("true", "false")
                self._items[key] = _Goals("comparison", _source(self.policy, node.span), node.span, goals, set())
        elif isinstance(node, ir.ParamAt):
            param = node.param
            for entry in param.entries:
                key = ("dated_value", param.name, entry.start)
                if key not in self._items:
                    span = where.get(key) or where.get(("param", param.name)) or _nowhere(param.name)
                    name = f"{param.name} from {entry.start.isoformat()}"
                    self._items[key] = _Goals("dated_value", name, span, ("used",), set())
        elif isinstance(node, (ir.Lookup, ir.InTable)):
            table = node.table
            for row_key, _ in table.rows:
                key = ("table_row", table.name, row_key)
                if key not in self._items:
                    span = where.get(key) or where.get(("table", table.name)) or _nowhere(table.name)
                    self._items[key] = _Goals("table_row", f"{table.name}[{row_key}]", span, ("looked up",), set())

    def record(self, case: CaseData, decision: Decision) -> None:
        """One decision of one case: its rules' results, and what its rules read."""
        self.cases += 1
        for reason in decision.reasons:
            item = self._items.get(("result", reason.rule))
            if item is not None:
                item.reached.add(reason.effect)
        ev = _Recording(self.policy, case, self)
        for assessment in ev.assess():
            rule = assessment.rule
            if rule.kind == "points" and assessment.assessed:
                for path, key in self._branches[rule.id]:
                    if all(bool(ev.eval(choice.cond)) == taken for choice, taken in path):
                        self._items[key].reached.add("taken")
                        break

    def reached(self, key: tuple, goal: str) -> None:
        item = self._items.get(key)
        if item is not None:
            item.reached.add(goal)

    def report(self) -> CoverageReport:
        order = {k: n for n, k in enumerate(KINDS)}
        items = sorted(self._items.values(), key=lambda g: (order[g.kind], g.span.file, g.span.line, g.span.column))
        return CoverageReport(
            tuple(CoverageItem(g.kind, g.name, g.span, g.goals, frozenset(g.reached)) for g in items), self.cases
        )


class _Recording(Evaluator, register=False):
    """The Python evaluator, telling the recorder what each comparison and look-up saw (each node
    is evaluated once per case and item: the evaluator keeps its values)."""

    def __init__(self, policy: ir.Policy, case: CaseData, recorder: CoverageRecorder):
        super().__init__(policy, case)
        self.recorder = recorder

    def _Compare(self, e: ir.Compare, item):
        left, right = self.eval(e.left, item), self.eval(e.right, item)
        result = int(ir.COMPARE_OPS[e.op](left, right))
        if e.span is not None:
            key = ("comparison", _at(e.span))
            self.recorder.reached(key, "true" if result else "false")
            if left == right:
                self.recorder.reached(key, "boundary")
        return result

    def _ParamAt(self, e: ir.ParamAt, item):
        entry = e.param.entry_at(self.eval(e.date, item))
        self.recorder.reached(("dated_value", e.param.name, entry.start), "used")
        return entry.value

    def _Lookup(self, e: ir.Lookup, item):
        self._looked_up(e.table, self.eval(e.key, item))
        return super()._Lookup(e, item)

    def _InTable(self, e: ir.InTable, item):
        self._looked_up(e.table, self.eval(e.key, item))
        return super()._InTable(e, item)

    def _looked_up(self, table: ir.Table, key) -> None:
        if key in table.row_by_key:
            self.recorder.reached(("table_row", table.name, key), "looked up")


# ---------------------------------------------------------------- helpers


def _nodes(root: ir.Expr) -> Iterator[ir.Expr]:
    """Every node under a root, a shared node (a define) once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(node.children)


def _leaves(e: ir.Expr, path: tuple) -> Iterator[tuple[tuple[tuple[ir.If, bool], ...], ir.Expr]]:
    """The arms of a points expression: each leaf of its `if` chain, with the choices leading there."""
    while isinstance(e, ir.Named):
        e = e.expr
    if isinstance(e, ir.If):
        yield from _leaves(e.then, path + ((e, True),))
        yield from _leaves(e.orelse, path + ((e, False),))
    else:
        yield path, e


def _branch_span(path: tuple) -> Span | None:
    """Where the last choice on the way to an arm was written: its condition, or its `if`."""
    if not path:
        return None
    choice, _ = path[-1]
    return getattr(choice.cond, "span", None) or choice.span


def _branch_label(policy: ir.Policy, path: tuple, leaf: ir.Expr) -> str:
    value = f" → {leaf.value}" if isinstance(leaf, ir.Const) else ""
    if not path:
        return "always" + value
    choice, taken = path[-1]
    if not taken:
        return "otherwise" + value
    cond = choice.cond
    text = _source(policy, cond.span) if getattr(cond, "span", None) else describe(policy, cond)
    return f"when {text}{value}"


def _at(span: Span) -> tuple:
    return (span.file, span.line, span.column)


def _source(policy: ir.Policy, span: Span) -> str:
    """The text a span covers, on one line."""
    text = policy.sources.get(span.file)
    if text is None or not span.end_line:
        return f"{span}"
    lines = text.splitlines()[span.line - 1 : span.end_line]
    if not lines:
        return f"{span}"
    if len(lines) == 1:
        piece = lines[0][span.column - 1 : span.end_column - 1]
    else:
        piece = "\n".join([lines[0][span.column - 1 :], *lines[1:-1], lines[-1][: span.end_column - 1]])
    return " ".join(piece.split())


def _nowhere(name: str) -> Span:
    return Span(f"<{name}>", 0, 0)


def _declared_spans(policy: ir.Policy) -> dict[tuple, Span]:
    """Where each dated value and table row was written, from the policy's own sources."""
    out: dict[tuple, Span] = {}
    for file, text in policy.sources.items():
        try:
            module = parse_module(text, file)
        except PolicyError:  # a checked policy parses; a source given by hand may not
            continue
        for decl in module.decls:
            if isinstance(decl, ast.ParamDecl):
                out[("param", decl.name)] = decl.span
                for entry in decl.entries:
                    out[("dated_value", decl.name, entry.start)] = entry.span
            elif isinstance(decl, ast.TableDecl):
                out[("table", decl.name)] = decl.span
                for row in decl.rows:
                    out[("table_row", decl.name, row.key.value)] = row.span
    return out
