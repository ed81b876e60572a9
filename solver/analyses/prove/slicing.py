"""Slices: the part of a policy an obligation reads, so that Z3 sees only that part.

A rule's place in the decision (`dsl/ir/semantics.py`) reads its own `applies when` condition and
expression, the stop rules of earlier stages (they block it) and, through `points(category)`, the
points rules of that category; those read further rules the same way. A claim reads the rules it
names (`result(rule)`, `awarded(rule)`), every rule that is not a points rule when it reads the
outcome, and the points rules behind any `points(category)` in its expressions. The slice is the
closure of what the claim reads, with the lists and inputs that any of it reads; a list outside the
slice gets no slots at all, a rule outside it is not lowered, and the domain assumptions about
inputs outside it are left out (`scene`).

Slicing is exact: a rule outside the slice defines only constants that nothing in the slice reads,
so a model of the sliced query extends to the whole decision (its case is decided again in full,
by every reading, before it is shown), and an unsat sliced query is unsat in full.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from ....dsl import ir

__all__ = [
    "Slice",
    "slice_of",
    "sliced_policy",
    "rule_slice",
    "depends_on",
    "lists_read",
    "inputs_read",
    "witness_lists",
]


@dataclass(frozen=True)
class Slice:
    rules: tuple[str, ...]  # rule ids, in policy order
    lists: tuple[str, ...]  # the lists those rules and the claim read, in policy order
    inputs: frozenset[str]  # the scalar inputs they read (the decision itself reads lodgement and category)


def lists_read(policy: ir.Policy, exprs: Iterable[ir.Expr]) -> set[str]:
    """The lists read anywhere in these expressions (a field of an item, an aggregate)."""
    names = {lst.name for lst in policy.lists}
    out: set[str] = set()
    for root in exprs:
        for node in ir.walk(root):
            name = getattr(node, "list", None)
            if isinstance(name, str) and name in names:
                out.add(name)
    return out


def inputs_read(exprs: Iterable[ir.Expr]) -> set[str]:
    """The scalar inputs read anywhere in these expressions, whether for their value or whether known."""
    return {node.path for root in exprs for node in ir.walk(root) if isinstance(node, (ir.Input, ir.InputKnown))}


def _categories_read(exprs: Iterable[ir.Expr]) -> set[str]:
    return {node.category for root in exprs for node in ir.walk(root) if isinstance(node, ir.PointsOf)}


def depends_on(policy: ir.Policy, rule: ir.Rule) -> tuple[str, ...]:
    """The rules this rule's decision reads directly: earlier stop rules and points rules it sums."""
    categories = _categories_read(rule.roots)
    return tuple(
        r.id
        for r in policy.rules
        if r.id != rule.id
        and ((r.kind == "stop" and r.stage < rule.stage) or (r.kind == "points" and r.points_category in categories))
    )


def rule_slice(policy: ir.Policy, roots: Iterable[str]) -> tuple[str, ...]:
    """Every rule that the decision of the rules in `roots` reads, those included, in policy order."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        rid = todo.pop()
        if rid in seen:
            continue
        seen.add(rid)
        todo.extend(depends_on(policy, policy.rule_by_id[rid]))
    return tuple(r.id for r in policy.rules if r.id in seen)


class _ClaimReads(ir.FormulaVisitor):
    """The rules, lists and expressions a formula reads directly."""

    reader = "the slicer"

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self.rules: set[str] = set()
        self.lists: set[str] = set()
        self.exprs: list[ir.Expr] = []

    def read(self, f: ir.Formula) -> None:
        self.dispatch(f)

    def _CaseExpr(self, f: ir.CaseExpr):
        self.exprs.append(f.expr)

    def _OutcomeIs(self, f: ir.OutcomeIs):
        # the outcome reads every rule that can fail or raise a concern, whatever its kind is named
        self.rules.update(r.id for r in self.policy.rules if r.kind != "points")

    def _RuleIs(self, f: ir.RuleIs):
        self.rules.add(f.rule)

    def _AwardOf(self, f: ir.AwardOf):
        self.rules.add(f.rule)

    def _FNot(self, f: ir.FNot):
        self.read(f.operand)

    def _Connective(self, f: ir.Connective):
        self.read(f.left)
        self.read(f.right)

    def _Relation(self, f: ir.Relation):
        self.read(f.left)
        self.read(f.right)

    def _EachItem(self, f: ir.EachItem):
        self.lists.add(f.list)
        self.read(f.body)


class _Asserted(ir.FormulaVisitor):
    """The rules a formula needs in a given result (named outside any `not` or `implies` premise)."""

    reader = "the slicer's asserted rules"

    def __init__(self) -> None:
        self.rules: set[str] = set()

    def read(self, f: ir.Formula, positive: bool) -> None:
        self.dispatch(f, positive)

    def _CaseExpr(self, f, positive):
        pass

    def _OutcomeIs(self, f, positive):
        pass

    def _RuleIs(self, f, positive):
        if positive:
            self.rules.add(f.rule)

    def _AwardOf(self, f, positive):
        self.rules.add(f.rule)

    def _FNot(self, f, positive):
        self.read(f.operand, not positive)

    def _Connective(self, f, positive):
        self.read(f.left, positive if f.op != "implies" else not positive)
        self.read(f.right, positive)

    def _Relation(self, f, positive):
        self.read(f.left, positive)
        self.read(f.right, positive)

    def _EachItem(self, f, positive):
        self.read(f.body, positive)


def witness_lists(policy: ir.Policy, formula: ir.Formula) -> tuple[str, ...]:
    """The lists a witness of an exists claim is likely to need items in: those read by the rules
    the claim asserts a result of (and what they read). The other lists can often stay empty."""
    asserted = _Asserted()
    asserted.read(formula, True)
    lists: set[str] = set()
    for rid in rule_slice(policy, asserted.rules):
        lists |= lists_read(policy, policy.rule_by_id[rid].roots)
    return tuple(lst.name for lst in policy.lists if lst.name in lists)


def slice_of(policy: ir.Policy, formula: ir.Formula, same_except: tuple[str, ...] | None = None) -> Slice:
    """What a claim reads. Two cases `same except` some inputs also share their lists' items, which
    needs no slots for a list nothing reads."""
    reads = _ClaimReads(policy)
    reads.read(formula)
    categories = _categories_read(reads.exprs)
    roots = reads.rules | {r.id for r in policy.rules if r.kind == "points" and r.points_category in categories}
    rules = rule_slice(policy, roots)
    lists = reads.lists | lists_read(policy, reads.exprs)
    inputs = {ir.LODGEMENT, ir.CATEGORY} | inputs_read(reads.exprs)
    for rid in rules:
        roots = policy.rule_by_id[rid].roots
        lists |= lists_read(policy, roots)
        inputs |= inputs_read(roots)
    return Slice(rules, tuple(lst.name for lst in policy.lists if lst.name in lists), frozenset(inputs))


def sliced_policy(policy: ir.Policy, sl: Slice) -> ir.Policy:
    """The policy with only the slice's rules (their reason texts left out: no claim reads them)
    and lists. Every scalar input stays, so the domain assumptions stay as they are; a constraint
    on a list the slice leaves out goes with it (it constrains nothing the slice reads)."""
    keep = set(sl.rules)
    rules = tuple(dataclasses.replace(r, texts=()) for r in policy.rules if r.id in keep)
    lists = tuple(lst for lst in policy.lists if lst.name in sl.lists)
    kept = set(sl.lists)
    constraints = tuple(
        c for c in policy.constraints
        if (not c.list or c.list in kept) and lists_read(policy, [c.condition]) <= kept
    )  # fmt: skip
    return dataclasses.replace(policy, rules=rules, lists=lists, constraints=constraints)
