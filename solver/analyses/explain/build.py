"""Why a case was decided as it was: the justification of clingo's verdict, rule by rule.

The decision is clingo's. The Python evaluator re-reads each assessed rule's IR only to show the
values behind that decision, in the same order as the assessment (so points read by a later stage
are the ones awarded so far); any disagreement with clingo raises ExplainMismatch, since it would
mean the tree explains a different decision.
"""

from __future__ import annotations

from dataclasses import replace

from ....dsl import ir
from ...backends.python import Assessment, Evaluator
from ...case import CaseData
from ...decision import build_decision
from .model import Action, ExplainMismatch, Explanation, Node, RuleExplanation, Shortfall
from .text import describe
from .tree import JustificationTree
from .whynot import WhyNot, possible_values


def explain(policy: ir.Policy, case: CaseData, verdict: ir.Verdict, source: str = "") -> Explanation:
    """The justification of clingo's verdict on `case`. Pure: the caller runs the solver."""
    decision = build_decision(policy, case, verdict, "clingo")
    texts = {r.rule: r.text for r in decision.reasons}
    version = next(v for v in policy.versions if v.name == verdict.version)
    ev = Evaluator(policy, case)  # one assessment, in stage order, so points accumulate
    gaps = WhyNot(policy, case, ev.eval)
    stops = [r for r, res in verdict.results.items() if res == "stopped"]
    possible: dict[str, int | None] = {c.name: 0 for c in policy.categories}
    rules: list[RuleExplanation] = []
    shortfalls: list[Shortfall] = []
    for step in ev.assess():  # while it waits here, points(…) reads what the rules before awarded
        rule = step.rule
        base = _base(rule, version)
        if step.status == "not_in_force":
            reported = (*verdict.results, *verdict.not_assessed, *verdict.not_applicable)
            _expect(rule.id not in reported, rule, "not in force", verdict)
            rules.append(replace(base, effect="not_in_force"))
            continue
        best = _max_points(rule)
        if rule.kind == "points":
            so_far = possible[rule.points_category]
            possible[rule.points_category] = None if best is None or so_far is None else so_far + best
        if step.status == "not_assessed":
            blocker = next((s for s in stops if policy.rule_by_id[s].stage < rule.stage), "")
            _expect(bool(blocker) and rule.id in verdict.not_assessed, rule, "blocked by a stop", verdict)
            rules.append(replace(base, effect="not_assessed", blocked_by=blocker, max_points=best))
            continue
        tree = JustificationTree(policy, case, ev)
        applies = tree.cond(rule.applies) if rule.applies is not None else None
        if step.status == "not_applicable":
            _expect(rule.id in verdict.not_applicable, rule, "its condition false", verdict)
            rules.append(_with_tree(base, tree, effect="not_applicable", applies=applies, max_points=best))
            if best:
                summary = f"not applicable, so 0 of a possible {best} points"
                shortfalls.append(
                    Shortfall(
                        rule.id, rule.title, "not_applicable", summary, base.cites, gaps.rule_gaps(rule, None, None)
                    )
                )
            continue
        _expect(rule.id in verdict.results, rule, "its condition true", verdict)
        explained = _assessed(policy, step, tree, verdict)
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


def _assessed(policy: ir.Policy, step: Assessment, tree: JustificationTree, verdict: ir.Verdict) -> dict:
    """The tree of an assessed rule, its result checked against clingo's."""
    rule, result = step.rule, verdict.results.get(step.rule.id)
    if rule.kind != "points":
        _expect(result == step.status, rule, step.status, verdict)
        return {"effect": result, "tree": tree.cond(rule.expr), "points": None}
    value = step.value
    _expect(result == "awarded" and verdict.awarded.get(rule.id) == value, rule, f"awarded {value}", verdict)
    node = tree.value(rule.expr) or Node("const", describe(policy, rule.expr), str(value))
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


def _with_tree(base: RuleExplanation, builder: JustificationTree, **changes) -> RuleExplanation:
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


def _expect(ok: bool, rule: ir.Rule, what: str, verdict: ir.Verdict) -> None:
    if not ok:
        found = verdict.results.get(rule.id) or (
            "not assessed"
            if rule.id in verdict.not_assessed
            else "not applicable"
            if rule.id in verdict.not_applicable
            else "absent"
        )
        raise ExplainMismatch(f"{rule.id}: the Python evaluator finds {what}, clingo found {found}")


def _check_values(policy: ir.Policy, ev: Evaluator, verdict: ir.Verdict) -> None:
    """The values in the reason texts must be clingo's too (read after every rule, as decide does)."""
    for rule_id, values in verdict.values.items():
        mine = tuple(ev.eval(p) for p in policy.rule_by_id[rule_id].placeholders)
        if mine != values:
            raise ExplainMismatch(f"{rule_id}: reason values {mine} from the Python evaluator, {values} from clingo")


def _actions(rules: list[RuleExplanation]) -> tuple[Action, ...]:
    """A raised concern needs evidence (RFI); an adverse finding must be put to the applicant (PPI);
    a deferral is recorded and the assessment goes on (DEFER)."""
    out = []
    for r in rules:
        if r.effect == "raised":
            names = ", ".join(f.input for f in r.facts)
            ask = (
                f"request further information (RFI): evidence of {names}"
                if names
                else "request further information (RFI)"
            )
            out.append(Action(r.rule, r.title, "RFI", r.text, ask, r.facts, r.cites))
        elif r.effect in ("not_met", "stopped"):
            ask = (
                "communicate potentially prejudicial information (PPI): tell the applicant of this "
                "finding and invite comment before deciding"
            )
            out.append(Action(r.rule, r.title, "PPI", r.text, ask, r.facts, r.cites))
        elif r.effect == "deferred":
            ask = (
                "defer the secondary applicant: record why, tell the applicant, and go on with the principal applicant"
            )
            out.append(Action(r.rule, r.title, "DEFER", r.text, ask, r.facts, r.cites))
    return tuple(out)
