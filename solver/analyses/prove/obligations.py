"""Proof obligations: plain data built from the IR, before any solver sees them.

An obligation is a claim over every case (`forall`: it holds when no counterexample exists) or
about some case (`exists`: it holds when a witness exists). The properties of a proofs folder
become `forall` obligations as written; the built-in checks below are generated from the policy's
IR: one outcome per case, no contradicting rules, no dead or shadowed rule, dated series read as
written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ....dsl import ir
from ....dsl.units import date_code

BUILTIN = "built-in"
ADVERSE = {"require": "not_met", "stop": "stopped", "concern": "raised"}


@dataclass(frozen=True)
class Obligation:
    id: str
    title: str
    cites: tuple[str, ...]
    origin: str  # file:line:col of the property, or "built-in"
    claim: str  # forall | exists
    cases: tuple[str, ...]
    values: tuple[tuple[str, ir.Type], ...]
    same_except: tuple[str, ...] | None
    formula: ir.Formula

    @property
    def builtin(self) -> bool:
        return self.origin == BUILTIN


def from_property(p: ir.Property) -> Obligation:
    return Obligation(
        p.id,
        p.title,
        tuple(str(c) for c in p.cites),
        str(p.span),
        "forall",
        p.cases,
        p.values,
        p.same_except,
        p.formula,
    )


def obligations(
    policy: ir.Policy, properties: tuple[ir.Property, ...], builtins: bool = True
) -> tuple[Obligation, ...]:
    out = tuple(from_property(p) for p in properties)
    return out + builtin_obligations(policy) if builtins else out


def builtin_obligations(policy: ir.Policy) -> tuple[Obligation, ...]:
    return (
        _one_outcome(policy),
        *_consistent(policy),
        *(o for r in policy.rules for o in _reachable(r)),
        *(_decisive(policy, r) for r in policy.rules if r.kind in ADVERSE),
        *(_series(p) for p in policy.params),
    )


# ---------------------------------------------------------------- formula helpers

CASE = "case"


def all_of(*fs: ir.Formula) -> ir.Formula:
    out = fs[0]
    for f in fs[1:]:
        out = ir.Connective("and", out, f)
    return out


def any_of(*fs: ir.Formula) -> ir.Formula:
    out = fs[0]
    for f in fs[1:]:
        out = ir.Connective("or", out, f)
    return out


def _lodged_from(day, until=None) -> ir.Formula:
    lodged = ir.Input("lodgement_date", ir.DATE)
    cond: ir.Expr = ir.Compare(">=", lodged, ir.Const(ir.DATE, date_code(day)))
    if until is not None:
        cond = ir.BoolOp("and", cond, ir.Compare("<", lodged, ir.Const(ir.DATE, date_code(until))))
    return ir.CaseExpr(CASE, cond)


def _cites(rule: ir.Rule) -> tuple[str, ...]:
    return tuple(str(c) for c in rule.cites)


def _exists(id_, title, cites, formula) -> Obligation:
    return Obligation(id_, title, cites, BUILTIN, "exists", (CASE,), (), None, formula)


# ---------------------------------------------------------------- 7: one outcome, no contradiction


def _one_outcome(policy: ir.Policy) -> Obligation:
    o = [ir.OutcomeIs(CASE, name) for name in ir.DECISION_OUTCOMES]
    pairs = [ir.FNot(ir.Connective("and", a, b)) for i, a in enumerate(o) for b in o[i + 1 :]]
    return Obligation(
        "builtin.one_outcome",
        "Every case gets exactly one outcome",
        ("README: the outcome",),
        BUILTIN,
        "forall",
        (CASE,),
        (),
        None,
        all_of(any_of(*o), *pairs),
    )


def _consistent(policy: ir.Policy) -> list[Obligation]:
    """Per instruction version, some case is eligible: the rules in force never all contradict.
    Where categories have versions of their own, per category and each of its versions."""
    if all(not v.categories for v in policy.versions):
        return _consistent_in(policy.versions, None, "")
    out = []
    for c, member in enumerate(policy.category_enum.members):
        out += _consistent_in(policy.versions_of(c), c, f"{member}.")
    return out


def _consistent_in(versions: tuple[ir.Version, ...], category: int | None, prefix: str) -> list[Obligation]:
    out = []
    for i, v in enumerate(versions):
        until = versions[i + 1].start if i + 1 < len(versions) else None
        conds = [_lodged_from(v.start, until), ir.OutcomeIs(CASE, "eligible")]
        if category is not None:
            conds.append(ir.CaseExpr(CASE, ir.Compare("==", _category(), ir.Const(_category().type, category))))
        out.append(
            _exists(
                f"builtin.consistent.{prefix}{v.start}",
                f"Under {v.name}, the rules can all be met at once (some case is eligible)",
                tuple(str(c) for c in v.cites),
                all_of(*conds),
            )
        )
    return out


def _category() -> ir.Input:
    return ir.Input(ir.CATEGORY, ir.Type("enum", "Category"))


# ---------------------------------------------------------------- 8: no dead rule, none shadowed


def _reachable(rule: ir.Rule) -> list[Obligation]:
    """Each result of the rule is reached by some case; for points, each amount it can award."""
    if rule.kind == "points":
        amounts = _branch_constants(rule.expr)
        if not amounts:
            return [
                _exists(
                    f"builtin.reachable.{rule.id}.awarded",
                    f"{rule.id} awards points for some case",
                    _cites(rule),
                    ir.RuleIs(CASE, rule.id, "awarded"),
                )
            ]
        return [
            _exists(
                f"builtin.reachable.{rule.id}={n}",
                f"{rule.id} awards {n} points for some case",
                _cites(rule),
                all_of(
                    ir.RuleIs(CASE, rule.id, "awarded"),
                    ir.Relation("==", ir.AwardOf(CASE, rule.id), ir.CaseExpr("", ir.Const(ir.INT, n))),
                ),
            )
            for n in sorted(amounts)
        ]
    return [
        _exists(
            f"builtin.reachable.{rule.id}.{result}",
            f"{rule.id} is {result.replace('_', ' ')} for some case",
            _cites(rule),
            ir.RuleIs(CASE, rule.id, result),
        )
        for result in ir.EFFECT_OUTCOMES[rule.kind]
    ]


def _branch_constants(e: ir.Expr) -> tuple[int, ...]:
    """The amounts of an `if … then N else …` chain of constants; () if it is anything else."""
    if isinstance(e, ir.Named):
        return _branch_constants(e.expr)
    if isinstance(e, ir.Const):
        return (e.value,)
    if isinstance(e, ir.If):
        then, orelse = _branch_constants(e.then), _branch_constants(e.orelse)
        if then and orelse:
            return tuple(dict.fromkeys(then + orelse))
    return ()


def _decisive(policy: ir.Policy, rule: ir.Rule) -> Obligation:
    """Some case fails (or raises a concern) first through this rule: no other rule shadows it.

    As an officer assesses stage by stage, a rule is the reason a case fails when no rule of an
    earlier or the same stage fails too; rules of later stages may fail as well. A concern is the
    reason for `concerns` when nothing fails and no other concern is raised.
    """
    others = [r for r in policy.rules if r.id != rule.id and r.kind in ADVERSE]
    if rule.kind == "concern":
        quiet = [ir.FNot(ir.RuleIs(CASE, r.id, ADVERSE[r.kind])) for r in others]
        how = "the only concern raised, with nothing failing"
    else:
        quiet = [
            ir.FNot(ir.RuleIs(CASE, r.id, ADVERSE[r.kind]))
            for r in others
            if r.kind != "concern" and r.stage <= rule.stage
        ]
        how = "the first reason it fails (no rule of an earlier or the same stage fails)"
    return _exists(
        f"builtin.decisive.{rule.id}",
        f"For some case {rule.id} is {how}",
        _cites(rule),
        all_of(ir.RuleIs(CASE, rule.id, ADVERSE[rule.kind]), *quiet),
    )


# ---------------------------------------------------------------- 5: dated series


def _series(param: ir.Param) -> Obligation:
    """On every date the parameter has the value listed for the window holding that date.

    The checker rejects overlaps, gaps and disorder in the text; this proves the reading every
    back end gives (`param at date`) agrees with the series as listed, one window after another.
    """
    day = ir.Input("d", ir.DATE)
    at = ir.ParamAt(param, day)
    windows = []
    for w in param.windows():
        conds: list[ir.Expr] = []
        if w.first is not None:  # before the first start, the first value holds
            conds.append(ir.Compare(">=", day, ir.Const(ir.DATE, w.first)))
        if w.stop is not None:
            conds.append(ir.Compare("<", day, ir.Const(ir.DATE, w.stop)))
        inside: ir.Expr = conds[0] if conds else ir.Const(ir.BOOL, 1)
        for c in conds[1:]:
            inside = ir.BoolOp("and", inside, c)
        windows.append(
            ir.Connective(
                "implies",
                ir.CaseExpr("", inside),
                ir.CaseExpr("", ir.Compare("==", at, ir.Const(param.type, w.entry.value))),
            )
        )
    cites = tuple(dict.fromkeys(str(c) for e in param.entries for c in e.cites))
    return Obligation(
        f"builtin.series.{param.name}",
        f"{param.name} on every date is the value listed for its window",
        cites,
        BUILTIN,
        "forall",
        (),
        (("d", ir.DATE),),
        None,
        all_of(*windows),
    )
