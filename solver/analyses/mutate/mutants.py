"""Mutants of a policy, made from its IR: each a small semantic change an author could make by
mistake, with the place in the policy files it comes from and the text before and after.

The kinds: a comparison's constant threshold moved by one unit either way (a cent, a day, one);
a comparison made strict or non-strict; a dated parameter's value moved by one unit, and its start
by one day (not the first start: the first value also holds before it); a rule's start or end day
moved by one day; one operand of an `and` or `or` dropped (the other kept); a rule's effect
swapped (a requirement made a concern on the same condition, a concern or a stop made a
requirement, so that what was flagged or stopped now fails). A comparison or operator written once
(in a `define`) is one mutant wherever the define is read: mutants are keyed by their place in the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial

from ....dsl import ir
from ....dsl.diagnostics import Span
from ....dsl.units import date_code, decode_date, format_value, is_exact_date

__all__ = ["Mutant", "MUTANT_KINDS", "mutants"]

MUTANT_KINDS = ("threshold", "strictness", "parameter value", "parameter start", "rule dates", "operand", "effect")

_STRICTNESS = {">=": ">", ">": ">=", "<=": "<", "<": "<="}


@dataclass(frozen=True)
class Mutant:
    id: str  # stable: kind, place and change, e.g. "threshold@policy/smc/employment.rules:12:10:+1"
    kind: str  # one of MUTANT_KINDS
    where: str  # file:line of the construct changed
    before: str
    after: str
    make: Callable[[], ir.Policy] = field(compare=False, repr=False)  # builds `policy`
    # the only lodgement days (first, last) on which it can decide differently, where that is known
    lodged: tuple[dt.date, dt.date] | None = None

    @cached_property
    def policy(self) -> ir.Policy:
        """The mutated policy, built when first asked for: rewriting the IR for each of hundreds
        of mutants costs seconds, and a listing filtered to one file needs few of them."""
        return self.make()


def mutants(policy: ir.Policy) -> tuple[Mutant, ...]:
    """Every mutant of the policy, in a stable order (comparisons, parameters, rule dates, operands)."""
    return (*_comparison_mutants(policy), *_parameter_mutants(policy), *_rule_date_mutants(policy),
            *_operand_mutants(policy), *_effect_mutants(policy))  # fmt: skip


# ---------------------------------------------------------------- rewriting the IR


def _rewrite(
    e: ir.Expr, change: Callable[[ir.Expr], ir.Expr | None], memo: dict[int, ir.Expr] | None = None
) -> ir.Expr:
    """The expression with every node that `change` maps to a replacement replaced (outermost
    first). `memo` holds what each node (by identity) became: the IR shares subtrees (defines)."""
    memo = {} if memo is None else memo
    done = memo.get(id(e))
    if done is not None:
        return done
    replaced = change(e)
    if replaced is None:
        children = e.children
        new = tuple(_rewrite(c, change, memo) for c in children)
        replaced = e if all(a is b for a, b in zip(new, children)) else e.with_children(*new)
    memo[id(e)] = replaced
    return replaced


def _rewrite_rule(rule: ir.Rule, change: Callable[[ir.Expr], ir.Expr | None], memo: dict | None = None) -> ir.Rule:
    memo = {} if memo is None else memo
    applies = _rewrite(rule.applies, change, memo) if rule.applies is not None else None
    texts = tuple(
        (outcome, tuple(_rewrite(p, change, memo) if isinstance(p, ir.Expr) else p for p in parts))
        for outcome, parts in rule.texts
    )
    return dataclasses.replace(rule, applies=applies, expr=_rewrite(rule.expr, change, memo), texts=texts)


def _rewrite_policy(policy: ir.Policy, change: Callable[[ir.Expr], ir.Expr | None]) -> ir.Policy:
    memo: dict[int, ir.Expr] = {}
    rules = tuple(_rewrite_rule(r, change, memo) for r in policy.rules)
    defines = tuple(dataclasses.replace(d, expr=_rewrite(d.expr, change, memo)) for d in policy.defines)
    return dataclasses.replace(policy, rules=rules, defines=defines)


def _nodes(e: ir.Expr, visited: set[int]) -> Iterator[ir.Expr]:
    """Every node object once, in pre-order (equal nodes in two places are two objects, so two; the
    same object reached again through a shared define is skipped: walking every path of the shared
    IR visited 72 million nodes)."""
    if id(e) in visited:
        return
    visited.add(id(e))
    yield e
    for c in e.children:
        yield from _nodes(c, visited)


def _all_nodes(policy: ir.Policy) -> Iterator[tuple[ir.Rule, ir.Expr]]:
    for rule in policy.rules:
        visited: set[int] = set()  # per rule: a node without a span of its own is placed by its rule
        for root in rule.roots:
            for node in _nodes(root, visited):
                yield rule, node


def _shown(t: ir.Type, value: int | str) -> str:
    return format_value(t.kind, value)


def _moved(t: ir.Type, value: int, by: int) -> int | None:
    """The value one unit away (a date: one day); None where there is no such value."""
    if t.kind == "date":
        if not is_exact_date(value):
            return None
        return date_code(decode_date(value) + dt.timedelta(days=by))
    return value + by


# ---------------------------------------------------------------- comparisons


def _comparison_mutants(policy: ir.Policy) -> Iterator[Mutant]:
    seen: set[tuple] = set()
    for rule, node in _all_nodes(policy):
        if not isinstance(node, ir.Compare):
            continue
        span = node.span or rule.span
        key = (str(span), node.op, node.left, node.right)
        if key in seen:
            continue
        seen.add(key)
        where = f"{span.file}:{span.line}"

        def at_site(replacement: ir.Compare, site: ir.Compare = node) -> Callable[[ir.Expr], ir.Expr | None]:
            return lambda e: replacement if isinstance(e, ir.Compare) and e.span == site.span and e == site else None

        if node.op in _STRICTNESS:
            other = dataclasses.replace(node, op=_STRICTNESS[node.op])
            yield Mutant(f"strictness@{span}", "strictness", where, node.op, other.op,
                         partial(_rewrite_policy, policy, at_site(other)))  # fmt: skip
        for side in ("left", "right"):
            const = getattr(node, side)
            if not (isinstance(const, ir.Const) and const.type.kind in ir.ORDERED_KINDS):
                continue
            assert isinstance(const.value, int)
            for by in (1, -1):
                value = _moved(const.type, const.value, by)
                if value is None:
                    continue
                moved = dataclasses.replace(node, **{side: dataclasses.replace(const, value=value)})
                yield Mutant(f"threshold@{span}:{by:+d}", "threshold", where,
                             f"{node.op} {_shown(const.type, const.value)}", f"{node.op} {_shown(const.type, value)}",
                             partial(_rewrite_policy, policy, at_site(moved)))  # fmt: skip


# ---------------------------------------------------------------- dated parameters


def _param_line(policy: ir.Policy, param: ir.Param, entry: ir.ParamEntry) -> str:
    """file:line of a parameter's entry, found in the policy's sources (the IR keeps no span for it)."""
    for file, text in policy.sources.items():
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.lstrip().startswith(f"parameter {param.name}:"):
                for j in range(i, len(lines)):
                    if lines[j].lstrip().startswith(f"from {entry.start.isoformat()}"):
                        return f"{file}:{j + 1}"
                return f"{file}:{i + 1}"
    return f"parameter {param.name}"


def _with_param(policy: ir.Policy, param: ir.Param, new: ir.Param) -> ir.Policy:
    memo: dict[int, ir.Expr] = {}

    def change(e: ir.Expr) -> ir.Expr | None:
        if isinstance(e, ir.ParamAt) and e.param.name == param.name:
            return dataclasses.replace(e, param=new, date=_rewrite(e.date, change, memo))
        return None

    params = tuple(new if p.name == param.name else p for p in policy.params)
    return dataclasses.replace(_rewrite_policy(policy, change), params=params)


def _parameter_mutants(policy: ir.Policy) -> Iterator[Mutant]:
    for param in policy.params:
        for i, entry in enumerate(param.entries):
            where = _param_line(policy, param, entry)
            label = f"{param.name} from {entry.start}"

            def replaced(entry2: ir.ParamEntry, i: int = i, param: ir.Param = param) -> ir.Param:
                return dataclasses.replace(param, entries=param.entries[:i] + (entry2,) + param.entries[i + 1 :])

            if param.type.kind in ir.ORDERED_KINDS:
                for by in (1, -1):
                    value = _moved(param.type, entry.value, by)
                    if value is None:
                        continue
                    new = replaced(dataclasses.replace(entry, value=value))
                    yield Mutant(f"parameter value@{param.name}:{entry.start}:{by:+d}", "parameter value", where,
                                 f"{label}: {_shown(param.type, entry.value)}",
                                 f"{label}: {_shown(param.type, value)}",
                                 partial(_with_param, policy, param, new))  # fmt: skip
            if i == 0:
                continue
            for by in (1, -1):
                start = entry.start + dt.timedelta(days=by)
                earlier, later = (
                    param.entries[i - 1].start,
                    param.entries[i + 1].start if i + 1 < len(param.entries) else None,
                )
                if start <= earlier or (later is not None and start >= later):
                    continue
                new = replaced(dataclasses.replace(entry, start=start))
                yield Mutant(f"parameter start@{param.name}:{entry.start}:{by:+d}", "parameter start", where,
                             f"{param.name} from {entry.start}", f"{param.name} from {start}",
                             partial(_with_param, policy, param, new))  # fmt: skip


# ---------------------------------------------------------------- rule dates


def _rule_date_mutants(policy: ir.Policy) -> Iterator[Mutant]:
    for rule in policy.rules:
        for name in ("start", "until"):
            day = getattr(rule, name)
            if day is None:
                continue
            for by in (1, -1):
                moved = day + dt.timedelta(days=by)
                other = rule.until if name == "start" else rule.start
                if other is not None and (moved >= other if name == "start" else moved <= other):
                    continue
                new = dataclasses.replace(rule, **{name: moved})
                rules = tuple(new if r.id == rule.id else r for r in policy.rules)
                # a rule is in force by its lodgement date alone: only the day between can differ
                yield Mutant(f"rule dates@{rule.id}:{name}:{by:+d}", "rule dates", f"{rule.span.file}:{rule.span.line}",
                             f"{rule.id} {name} {day}", f"{rule.id} {name} {moved}",
                             partial(dataclasses.replace, policy, rules=rules),
                             (min(day, moved), max(day, moved)))  # fmt: skip


# ---------------------------------------------------------------- operands and effects


def _source(policy: ir.Policy, span: Span | None, limit: int = 60) -> str:
    """The text a span covers, on one line and shortened: how a survivor names what was changed."""
    text = policy.sources.get(span.file) if span is not None else None
    if text is None or span is None or not span.end_line:
        return ""
    lines = text.splitlines()[span.line - 1 : span.end_line]
    if not lines:
        return ""
    lines[-1] = lines[-1][: span.end_column - 1]  # the last line first: on one line, it is the first too
    lines[0] = lines[0][span.column - 1 :]
    shown = " ".join(" ".join(lines).split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _chain(e: ir.Expr, op: str) -> list[ir.Expr]:
    """The operands of `a op b op c …` (however it is nested), in the order written."""
    if isinstance(e, ir.BoolOp) and e.op == op:
        return [*_chain(e.left, op), *_chain(e.right, op)]
    return [e]


def _operand_mutants(policy: ir.Policy) -> Iterator[Mutant]:
    """Each operand of an `and`/`or` chain the author wrote, dropped in turn. Operators the checker
    added (without a place in the file) are not the author's to get wrong, so are left alone."""
    written: list[ir.BoolOp] = []
    inner: set[int] = set()  # links inside a longer chain of the same operator
    for _, node in _all_nodes(policy):
        if isinstance(node, ir.BoolOp) and node.span is not None:
            written.append(node)
            inner.update(id(c) for c in node.children if isinstance(c, ir.BoolOp) and c.op == node.op)
    seen: set[tuple] = set()
    for node in written:
        span = node.span
        key = (str(span), node.op, node.left, node.right)
        if id(node) in inner or key in seen or span is None:
            continue
        seen.add(key)
        operands = _chain(node, node.op)

        def at_site(kept: ir.Expr, site: ir.BoolOp = node) -> Callable[[ir.Expr], ir.Expr | None]:
            return lambda e: kept if isinstance(e, ir.BoolOp) and e.span == site.span and e == site else None

        for i, dropped in enumerate(operands):
            rest = operands[:i] + operands[i + 1 :]
            kept = rest[0]
            for nxt in rest[1:]:
                kept = ir.BoolOp(node.op, kept, nxt, span=span)
            shown = _source(policy, getattr(dropped, "span", None)) or f"operand {i + 1}"
            yield Mutant(f"operand@{span}:{i + 1}", "operand", f"{span.file}:{span.line}",
                         f"{node.op} of {len(operands)}: {_source(policy, span)}", f"without {shown}",
                         partial(_rewrite_policy, policy, at_site(kept)))  # fmt: skip


# require(x) fails when x does not hold, concern(x) is raised when x holds, stop(x) stops when it holds
_SWAPPED = {"require": "concern", "concern": "require", "stop": "require"}
_OUTCOME_SWAPPED = {"met": "clear", "not_met": "raised", "raised": "not_met", "clear": "met",
                    "stopped": "not_met", "passed": "met"}  # fmt: skip


def _swap_effect(policy: ir.Policy, rule: ir.Rule) -> ir.Policy:
    kind = _SWAPPED[rule.kind]
    negate = (rule.kind == "require") != (kind == "require")  # met ⇔ condition; raised/stopped ⇔ condition
    expr = ir.Not(rule.expr) if negate else rule.expr
    texts = tuple((_OUTCOME_SWAPPED.get(o, o), parts) for o, parts in rule.texts)
    new = dataclasses.replace(rule, kind=kind, expr=expr, texts=texts)
    return dataclasses.replace(policy, rules=tuple(new if r.id == rule.id else r for r in policy.rules))


def _effect_mutants(policy: ir.Policy) -> Iterator[Mutant]:
    for rule in policy.rules:
        if rule.kind in _SWAPPED:
            yield Mutant(f"effect@{rule.id}", "effect", f"{rule.span.file}:{rule.span.line}",
                         f"{rule.kind} ({rule.id})", f"{_SWAPPED[rule.kind]} ({rule.id})",
                         partial(_swap_effect, policy, rule))  # fmt: skip
