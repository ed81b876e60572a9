"""The order and wording every format of a report shares: what an analyst reads first.

A report leads with the outcome and the rules that decided it (with their margins), then the
changes that would make the case eligible (each already decided again), then the whole
justification grouped by stage, each stage named after the SOP step its rules cite most. Rules not
in force for the case are counted, not shown; each SOP is named once per rule with its steps
listed; points appear only where the case's category can score them; a condition's mark says
whether its result is the one the rule wants (✔) or not (✘), so a stop that did not fire shows ✔.

Everything here is read from the explanation's data (no rule is special), and the functions are
pure: the same report always gives the same view.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...dsl import ir
from ..analyses.explain import Explanation, Gap, Node, RuleExplanation
from ..analyses.whatif import Alternative, WhatIf
from .lines import EFFECT_MARK, EFFECT_WORDS, blocker_line, effect_summary, gap_line, outcome_words, rule_uses

__all__ = ["Context", "context_for", "policy_digest", "View", "ViewRule", "ViewNode", "ViewStage", "CiteGroup",
           "ViewGap", "ViewPoints", "build_view", "group_cites", "cites_text", "ADVERSE_EFFECTS"]  # fmt: skip

ADVERSE_EFFECTS = ("not_met", "stopped", "raised")  # the results that decide against the applicant
_SOP_CITE = re.compile(r'^SOP "(?P<sop>.*)" step (?P<step>\S+)$')
_INFERRED = "inferred: "


# ---------------------------------------------------------------- what the report is about


@dataclass(frozen=True)
class Context:
    """What the explanation itself does not say: which policy and tool produced it, and the names
    of the SOP steps (to name the stages). Optional: a report without it numbers its stages."""

    tool_version: str
    policy_title: str
    policy_digest: str  # a short hash of the policy's text: two reports with the same one used the same rules
    step_titles: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (SOP title, step id) → title
    category_labels: Mapping[str, str] = field(default_factory=dict)


def policy_digest(policy: ir.Policy) -> str:
    """A short SHA-256 of the policy's files: their names below the policy folder, and their texts."""
    names = sorted(policy.sources)
    if not names:
        return ""
    root = os.path.commonpath([os.path.dirname(n) or "." for n in names]) if len(names) > 1 else ""
    h = hashlib.sha256()
    for name in names:
        rel = os.path.relpath(name, root) if root else os.path.basename(name)
        h.update(rel.replace(os.sep, "/").encode() + b"\0" + policy.sources[name].encode() + b"\0")
    return h.hexdigest()[:12]


def context_for(policy: ir.Policy, tool_version: str) -> Context:
    steps = {(s.title, step.id): step.title for s in policy.sops for step in s.steps}
    labels = dict(zip(policy.category_enum.members, policy.category_enum.labels))
    return Context(tool_version, policy.title, policy_digest(policy), steps, labels)


# ---------------------------------------------------------------- the view


@dataclass(frozen=True)
class CiteGroup:
    """Citations of one kind, a source named once: `SOP "…"` with its steps, or clauses together."""

    kind: str  # clause | sop | inferred | source
    title: str  # the SOP's title ("" for the others)
    items: tuple[str, ...]

    @property
    def text(self) -> str:
        if self.kind == "sop":
            word = "step" if len(self.items) == 1 else "steps"
            return f'SOP "{self.title}" {word} {", ".join(self.items)}'
        if self.kind == "inferred":
            return _INFERRED + self.items[0]
        return ", ".join(self.items)


@dataclass(frozen=True)
class ViewNode:
    """A justification step with its mark: `tone` is good or bad when the rule wants the condition
    to hold (or not), neutral for conditions that only steer (which branch, which item), value else."""

    kind: str
    label: str
    value: str
    detail: str
    doc: str
    note: str
    cites: tuple[CiteGroup, ...]
    mark: str
    tone: str  # good | bad | neutral | value
    children: tuple[ViewNode, ...]


@dataclass(frozen=True)
class ViewGap:
    """What must change: `condition` (policy text) and `text` (the margin), apart so that a format
    can set the condition as code; `line` joins them as every plain-text format shows it."""

    kind: str
    item: str
    condition: str
    text: str
    line: str
    children: tuple[ViewGap, ...]


@dataclass(frozen=True)
class ViewRule:
    rule: str
    title: str
    kind: str
    stage: int
    effect: str
    words: str  # met, not met, 4 points of a possible 6, …
    mark: str
    text: str  # the policy's reason text for the result
    cites: tuple[CiteGroup, ...]
    window: str  # "in force from … until …" when the rule has its own dates
    note: str  # why it was not reached, when it was not
    adverse: bool
    gaps: tuple[ViewGap, ...]  # what must change (why not), with the margins
    applies: ViewNode | None
    tree: ViewNode | None
    uses: tuple[str, ...]


@dataclass(frozen=True)
class ViewStage:
    number: int
    name: str
    summary: str  # "3 met · 1 not met"
    rules: tuple[ViewRule, ...]
    adverse: bool


@dataclass(frozen=True)
class ViewPoints:
    category: str
    awarded: int
    possible: int | None


@dataclass(frozen=True)
class View:
    source: str
    outcome: str
    outcome_words: str
    headline: str
    category: str
    category_label: str
    lodgement: str
    version: str
    version_from: str
    version_cites: tuple[CiteGroup, ...]
    points_total: int
    points: tuple[ViewPoints, ...]  # only the categories the case could score in; empty: no points line
    deciding: tuple[ViewRule, ...]  # the rules that made the outcome what it is
    improvable: tuple[ViewRule, ...]  # rules that gave fewer points than they could
    what_if: WhatIf | None
    alternatives: tuple[Alternative, ...]
    blockers: tuple[str, ...]
    actions: tuple
    stages: tuple[ViewStage, ...]
    hidden: int  # rules not in force for this case, left out
    sections: tuple[str, ...]
    context: Context | None

    @property
    def points_line(self) -> str:
        parts = [
            f"{p.category} {p.awarded}" + (f" of {p.possible}" if p.possible is not None else "") for p in self.points
        ]
        return f"{self.points_total} ({', '.join(parts)})"

    @property
    def produced_by(self) -> str:
        c = self.context
        if c is None:
            return ""
        return f"visa-rules {c.tool_version}; policy {c.policy_title!r} (digest {c.policy_digest})"


def build_view(e: Explanation, sections: tuple[str, ...], what_if: WhatIf | None, context: Context | None) -> View:
    shortfalls = {s.rule: s for s in e.shortfalls}
    shown = [r for r in e.rules if r.effect != "not_in_force"]
    rules = {r.rule: _view_rule(r, e, shortfalls.get(r.rule)) for r in shown}
    stages = []
    for number in sorted({r.stage for r in shown}):
        members = [r for r in shown if r.stage == number]
        viewed = tuple(rules[r.rule] for r in members)
        stages.append(
            ViewStage(
                number,
                _unique(_stage_name(number, members, context), [s.name for s in stages]),
                _stage_summary(members),
                viewed,
                any(v.adverse for v in viewed),
            )
        )
    deciding = tuple(v for v in rules.values() if v.adverse)
    improvable = tuple(rules[s.rule] for s in e.shortfalls if s.rule in rules and not rules[s.rule].adverse)
    points = tuple(
        ViewPoints(cat, n, e.possible.get(cat)) for cat, n in e.points.items() if n or e.possible.get(cat) != 0
    )
    return View(
        source=e.source,
        outcome=e.outcome,
        outcome_words=outcome_words(e.outcome),
        headline=_headline(e, deciding),
        category=e.category,
        category_label=(context.category_labels.get(e.category, "") if context else ""),
        lodgement=e.lodgement,
        version=e.version,
        version_from=e.version_from,
        version_cites=group_cites(e.version_cites),
        points_total=sum(e.points.values()),
        points=points,
        deciding=deciding,
        improvable=improvable,
        what_if=what_if,
        alternatives=what_if.alternatives if what_if else (),
        blockers=tuple(blocker_line(b) for b in what_if.blockers) if what_if else (),
        actions=e.actions,
        stages=tuple(stages),
        hidden=len(e.rules) - len(shown),
        sections=sections,
        context=context,
    )


def _headline(e: Explanation, deciding: tuple[ViewRule, ...]) -> str:
    if e.outcome == "eligible":
        return "Every requirement in force is met and no concern was raised."
    n = len(deciding)
    what = {"not_eligible": "decided against the applicant", "concerns": "raised a concern"}.get(
        e.outcome, "decided it"
    )
    return f"{n} rule{'s' if n != 1 else ''} {what}." if n else ""


def _view_rule(r: RuleExplanation, e: Explanation, shortfall) -> ViewRule:
    want = {"require": True, "stop": False, "concern": False}.get(r.kind)
    window = ""
    if any(r.window):
        window = (
            "in force"
            + (f" from {r.window[0]}" if r.window[0] else "")
            + (f" until {r.window[1]}" if r.window[1] else "")
        )
    note = ""
    if r.effect == "not_assessed":
        note = f"not assessed: {r.blocked_by} stopped the assessment at an earlier stage"
    elif r.effect == "not_applicable":
        note = "not applicable: the rule does not apply to this case"
    return ViewRule(
        rule=r.rule,
        title=r.title,
        kind=r.kind,
        stage=r.stage,
        effect=r.effect,
        words=effect_summary(r) if r.effect in EFFECT_WORDS else r.effect,
        mark=EFFECT_MARK.get(r.effect, "•"),
        text=r.text,
        cites=group_cites(r.cites),
        window=window,
        note=note,
        adverse=r.effect in ADVERSE_EFFECTS,
        gaps=tuple(_view_gap(g) for g in shortfall.gaps) if shortfall else (),
        applies=_view_node(r.applies, None) if r.applies else None,
        tree=_view_node(r.tree, want) if r.tree else None,
        uses=tuple(rule_uses(r)),
    )


def _view_gap(g: Gap) -> ViewGap:
    return ViewGap(g.kind, g.item, g.condition, g.text, gap_line(g), tuple(_view_gap(p) for p in g.parts))


def _view_node(n: Node, want: bool | None) -> ViewNode:
    """`want`: the result the rule needs of this condition (None: it only steers, or is a value)."""
    if n.holds is None:
        mark, tone = "•", "value"
    elif want is None:
        mark, tone = "•", "neutral"
    elif n.holds == want:
        mark, tone = "✔", "good"
    else:
        mark, tone = "✘", "bad"
    inner = (
        want if n.kind in ("and", "or", "define") else (None if want is None else not want) if n.kind == "not" else None
    )
    return ViewNode(
        kind=n.kind,
        label=n.label,
        value=n.value,
        detail=n.detail,
        doc=n.doc if n.kind in ("define", "parameter", "table") else "",
        note=n.note,
        cites=group_cites(n.cites),
        mark=mark,
        tone=tone,
        children=tuple(_view_node(c, inner) for c in n.children),
    )


def group_cites(cites) -> tuple[CiteGroup, ...]:
    """Clauses together, each SOP once with its steps (in the order first cited), then the rest."""
    clauses: list[str] = []
    sops: dict[str, list[str]] = {}
    others: list[CiteGroup] = []
    for c in cites:
        m = _SOP_CITE.match(c)
        if m:
            steps = sops.setdefault(m["sop"], [])
            if m["step"] not in steps:
                steps.append(m["step"])
        elif c.startswith(_INFERRED):
            others.append(CiteGroup("inferred", "", (c[len(_INFERRED) :],)))
        elif not any(ch.isspace() for ch in c):  # a clause id: SR3.20(a)
            clauses.append(c)
        else:
            others.append(CiteGroup("source", "", (c,)))
    out = [CiteGroup("clause", "", tuple(clauses))] if clauses else []
    out += [CiteGroup("sop", title, tuple(steps)) for title, steps in sops.items()]
    return tuple(out + others)


def cites_text(groups: tuple[CiteGroup, ...]) -> str:
    return "; ".join(g.text for g in groups)


def _stage_name(number: int, rules: list[RuleExplanation], context: Context | None) -> str:
    """The SOP step most of the stage's rules cite; if none is shared, the SOP most of them cite."""
    if context is None or not context.step_titles:
        return f"Stage {number}"
    steps: Counter[tuple[str, str]] = Counter()
    sops: Counter[str] = Counter()
    order: dict[tuple[str, str], int] = {}
    for r in rules:
        cited = [(m["sop"], m["step"]) for m in (_SOP_CITE.match(c) for c in r.cites) if m]
        for key in dict.fromkeys(cited):
            steps[key] += 1
            order.setdefault(key, len(order))
        for sop in dict.fromkeys(s for s, _ in cited):
            sops[sop] += 1
    if not steps:
        return f"Stage {number}"
    best = max(steps, key=lambda k: (steps[k], sops[k[0]], -order[k]))
    if len(rules) == 1 or steps[best] >= max(2, -(-len(rules) // 3)):  # shared by a third of the rules
        return context.step_titles.get(best, best[0])
    ranked = sorted(sops, key=lambda s: (-sops[s], min(order[k] for k in order if k[0] == s)))
    return " · ".join(ranked[:2]) + (" · …" if len(ranked) > 2 else "")


def _unique(name: str, earlier: list[str]) -> str:
    return f"{name} (continued)" if name in earlier else name


def _stage_summary(rules: list[RuleExplanation]) -> str:
    counts = Counter(r.effect for r in rules)
    parts = []
    for effect in [*EFFECT_WORDS, *sorted(set(counts) - set(EFFECT_WORDS))]:  # a new effect is counted too
        if counts[effect]:
            if effect == "awarded":
                total = sum(r.points or 0 for r in rules if r.effect == "awarded")
                parts.append(f"{total} point{'s' if total != 1 else ''}")
            else:
                parts.append(f"{counts[effect]} {EFFECT_WORDS.get(effect, effect.replace('_', ' '))}")
    return " · ".join(parts)
