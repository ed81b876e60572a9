"""What would change it (the search): the cheapest sets of changes to a case's facts that make it eligible.

Only inputs the policy marks `changeable` may change, each at its cost. A date can only move later
(applying later): to a day on which the policy changes (a dated value, an instruction version, a
rule's window) or on which a comparison reading the date flips, found by stepping the date by the
shortfall. Each choice of dates is a *context*; within it every other changeable input gets a few
candidate values: its current one, every member of an enumeration, both values of a yes/no, and
for numbers the values just either side of every threshold the rules compare it with, worked out
with the Python evaluator at the context's dates (the median moves with the lodgement date).

Per context, clingo chooses one candidate per input in the policy's own ASP program under the
constraint that the outcome is eligible, minimising the total cost, then the size of the change
(candidates are ranked by distance from the current value). Dates are fixed per context rather
than chosen in the same program because every date-derived value would otherwise be ground
against every other (a sum of windowed months over three periods has thousands of possible
values). The best optimum over all contexts is the next alternative; every superset of its
changed inputs is then forbidden everywhere, so the alternatives are distinct smallest sets.
Every alternative is decided again, by clingo and by the Python evaluator, before it is returned.
Candidates reach clingo as Symbols through the backend, like the case's facts.
"""

from __future__ import annotations

from dataclasses import dataclass

import clingo

from ....dsl import ir
from ...backends.asp import SolverError, case_control, case_symbols
from ...backends.asp.predicates import (
    INPUT,
    KNOWN,
    OUTCOME,
    RESULT,
    WI_CANDIDATE,
    WI_CHANGEABLE,
    WI_CHANGED,
    WI_CHOOSE,
    WI_TARGET,
)
from ...case import CaseData, broken_constraints, case_to_json, load_case
from ...decision import build_decision, decide, verdict
from ..explain.text import show
from .candidates import Context, contexts, with_value

# Policy-independent rules (text written here, never from case data).
WHATIF = f"""
% what-if: exactly one candidate value for each changeable input
1 {{ {WI_CHOOSE.text("P", "I")} : {WI_CANDIDATE.text("P", "I", "_", "_", "_")} }} 1 :- {WI_CHANGEABLE.text("P", "_")}.
{INPUT.text("P", "V")} :- {WI_CHOOSE.text("P", "I")}, {WI_CANDIDATE.text("P", "I", "V", "_", "_")}.
{KNOWN.text("P", "K")} :- {WI_CHOOSE.text("P", "I")}, {WI_CANDIDATE.text("P", "I", "_", "K", "_")}.
{WI_CHANGED.text("P")} :- {WI_CHOOSE.text("P", "I")}, I > 0.
#external {WI_TARGET.text()}.
:- {WI_TARGET.text()}, not {OUTCOME.text("eligible")}.
#minimize {{ C@2,P : {WI_CHANGED.text("P")}, {WI_CHANGEABLE.text("P", "C")} }}.
#minimize {{ R@1,P : {WI_CHOOSE.text("P", "I")}, {WI_CANDIDATE.text("P", "I", "_", "_", "R")} }}.
#show {WI_CHOOSE.signature}.
"""


ADVERSE = {"stopped": "stops the assessment", "not_met": "is not met", "raised": "raises a concern"}


class WhatIfError(SolverError):
    """An alternative clingo chose is not eligible when decided again: a bug in visa-rules."""


@dataclass(frozen=True)
class Change:
    input: str
    old: str  # shown in its unit
    new: str
    old_json: object  # as in a case file
    new_json: object
    cost: int


@dataclass(frozen=True)
class Alternative:
    changes: tuple[Change, ...]
    cost: int
    outcome: str  # decided again by clingo
    python_outcome: str  # and by the Python evaluator
    points: dict[str, int]
    case: dict  # the whole changed case file


@dataclass(frozen=True)
class InputUse:
    input: str
    changeable: bool
    note: str


@dataclass(frozen=True)
class Blocker:
    rule: str
    title: str
    effect: str
    text: str
    inputs: tuple[InputUse, ...]


@dataclass(frozen=True)
class Considered:
    """A changeable input and how many values were tried for it (over every context)."""

    input: str
    cost: int
    later_only: bool
    values: int


@dataclass(frozen=True)
class WhatIf:
    status: str  # eligible (nothing to change) | found | none (no allowed change rescues it)
    outcome: str  # the case's own outcome
    considered: tuple[Considered, ...]
    alternatives: tuple[Alternative, ...]
    blockers: tuple[Blocker, ...]
    note: str


# ---------------------------------------------------------------- the search


@dataclass(frozen=True)
class _Found:
    context: Context
    picks: dict[str, int]  # input → candidate index (0: unchanged)
    cost: int
    rank: int

    @property
    def changed(self) -> frozenset[str]:
        return frozenset([p for p, _ in self.context.dates] + [p for p, i in self.picks.items() if i > 0])


class _Solver:
    """clingo on one context, kept between alternatives so that forbidding one is incremental."""

    def __init__(self, policy: ir.Policy, ctx: Context):
        self.ctx = ctx
        self.dead = False
        self.cached: tuple[_Found | None] | None = None  # the optimum, until a constraint is added
        chosen = {c.path for c in ctx.choices}
        varying = {ch.path: [cand.value for cand in ch.candidates] for ch in ctx.choices}
        self.ctl = case_control(policy, ctx.case, ["--warn=none", "--opt-mode=opt"], WHATIF, varying)
        with self.ctl.backend() as backend:

            def fact(symbol: clingo.Symbol) -> None:
                backend.add_rule([backend.add_atom(symbol)])

            for symbol in case_symbols(policy, ctx.case):
                if (INPUT.matches(symbol) or KNOWN.matches(symbol)) and symbol.arguments[0].string in chosen:
                    continue  # chosen among the candidates instead
                fact(symbol)
            for ch in ctx.choices:
                fact(WI_CHANGEABLE.symbol(ch.path, ch.cost))
                for i, cand in enumerate(ch.candidates):
                    fact(WI_CANDIDATE.symbol(ch.path, i, cand.value, int(cand.known), cand.rank))
        self.ctl.ground([("base", [])])

    def optimum(self) -> _Found | None:
        """The optimal model (the last one clingo improves to), or None when there is none."""
        if self.dead:
            return None
        if self.cached is None:
            self.cached = (self._solve(),)
        return self.cached[0]

    def _solve(self) -> _Found | None:
        self.ctl.assign_external(WI_TARGET.symbol(), True)
        best, cost = None, None
        with self.ctl.solve(yield_=True) as handle:
            for model in handle:
                best, cost = model.symbols(shown=True), list(model.cost)
        if best is None:
            return None
        picks = {str(path): int(i) for path, i in (WI_CHOOSE.decode(a) for a in best if WI_CHOOSE.matches(a))}
        cost = (cost + [0, 0])[:2]
        return _Found(self.ctx, picks, self.ctx.cost + cost[0], self.ctx.rank + cost[1])

    def forbid_exactly(self, picks: dict[str, int]) -> None:
        """Rule out this one choice of candidates (it breaks a constraint on the case's inputs)."""
        self.cached = None
        atoms = [self.ctl.symbolic_atoms[WI_CHOOSE.symbol(ch.path, picks.get(ch.path, 0))] for ch in self.ctx.choices]
        if any(a is None for a in atoms):
            return
        with self.ctl.backend() as backend:
            backend.add_rule([], [a.literal for a in atoms])

    def forbid_supersets(self, changed: frozenset[str]) -> None:
        moved = {p for p, _ in self.ctx.dates}
        dates = {c for c in changed if c not in {ch.path for ch in self.ctx.choices}}
        if not dates <= moved:
            return  # this context keeps a date the found set changed: none of its models contain it
        inner = sorted(changed - dates)
        self.cached = None
        if not inner:
            self.dead = True
            return
        atoms = [self.ctl.symbolic_atoms[WI_CHANGED.symbol(p)] for p in inner]
        if any(a is None for a in atoms):
            return  # an input with no other candidate here cannot change: no superset to forbid
        with self.ctl.backend() as backend:
            backend.add_rule([], [a.literal for a in atoms])

    def always(self) -> set[tuple[str, str]]:
        """(rule, result) in every model, eligible or not: the cautious consequences."""
        self.ctl.assign_external(WI_TARGET.symbol(), False)
        conf = self.ctl.configuration.solve
        conf.enum_mode, conf.opt_mode, conf.models = "cautious", "ignore", "0"
        last = []
        with self.ctl.solve(yield_=True) as handle:
            for model in handle:
                last = model.symbols(shown=True)
        return {(str(rule), str(result)) for rule, result in (RESULT.decode(a) for a in last if RESULT.matches(a))}


def what_if(policy: ir.Policy, case: CaseData, max_alternatives: int = 3, current: ir.Verdict | None = None) -> WhatIf:
    """Up to `max_alternatives` distinct smallest sets of changes that make `case` eligible."""
    current = current or verdict(policy, case, "clingo")
    ctxs = contexts(policy, case)
    considered = _considered(policy, ctxs)
    if current.outcome == "eligible":
        return WhatIf(
            "eligible", current.outcome, considered, (), (), "The case is already eligible: nothing needs to change."
        )
    solvers: dict[int, _Solver] = {}
    found: list[_Found] = []
    while len(found) < max_alternatives:
        best, best_k = None, -1
        for k, ctx in enumerate(ctxs):
            if best is not None and (ctx.cost, ctx.rank) >= (best.cost, best.rank):
                break  # contexts are sorted by what their dates alone cost: none can do better
            if k not in solvers:
                solvers[k] = _Solver(policy, ctx)
                for f in found:
                    solvers[k].forbid_supersets(f.changed)
            r = solvers[k].optimum()
            if r is not None and (best is None or (r.cost, r.rank) < (best.cost, best.rank)):
                best, best_k = r, k
        if best is None:
            break
        if broken_constraints(policy, _changed_case(best)):
            # e.g. another test with the score left on the old test's scale: not a case an
            # applicant could bring, so that choice is ruled out and the search goes on
            solvers[best_k].forbid_exactly(best.picks)
            continue
        found.append(best)
        for s in solvers.values():
            s.forbid_supersets(best.changed)
    if not found:
        blockers = _blockers(policy, case, current, ctxs, solvers)
        note = "No allowed change makes the case eligible"
        note += (
            (": " + "; ".join(f"{b.rule} {ADVERSE[b.effect]}" for b in blockers) + ", whatever changes are combined")
            if blockers
            else "."
        )
        return WhatIf("none", current.outcome, considered, (), blockers, note)
    alternatives = tuple(_confirm(policy, case, f, k + 1) for k, f in enumerate(found))
    many = "s" if len(alternatives) != 1 else ""
    note = (
        f"{len(alternatives)} alternative{many}, cheapest first, each decided again by clingo and the Python evaluator."
    )
    return WhatIf("found", current.outcome, considered, alternatives, (), note)


def _considered(policy: ir.Policy, ctxs: tuple[Context, ...]) -> tuple[Considered, ...]:
    values: dict[str, set] = {}
    for ctx in ctxs:
        for path, day in ctx.dates:
            values.setdefault(path, {ctxs[0].case.scalars[path]}).add(day)
        for ch in ctx.choices:
            values.setdefault(ch.path, set()).update((c.value, c.known) for c in ch.candidates)
    out = []
    for f in policy.inputs:
        if f.change_cost is not None:
            out.append(Considered(f.path, f.change_cost, f.type.kind == "date", len(values.get(f.path, ())) or 1))
    return tuple(out)


def _blockers(policy, case, current: ir.Verdict, ctxs, solvers) -> tuple[Blocker, ...]:
    """Rules with an adverse result whatever the allowed changes: in every model of every context."""
    always = None
    anywhere: set = set()
    for k, ctx in enumerate(ctxs):
        solver = solvers.get(k) or _Solver(policy, ctx)
        found = solver.always()
        always = found if always is None else always & found
        anywhere |= found
    adverse = {rule: result for rule, result in always or () if result in ("stopped", "not_met", "raised")}
    if not adverse:
        # no one rule fails under every change; name the rules that fail throughout some of them
        # (e.g. a later lodgement clears one rule but breaks another)
        adverse = {rule: result for rule, result in anywhere if result in ("stopped", "not_met", "raised")}
    texts = {r.rule: r.text for r in build_decision(policy, case, current, "clingo").reasons}
    changeable = {f.path: f for f in policy.inputs if f.change_cost is not None}
    out = []
    for rule in policy.rules:
        if rule.id in adverse:
            out.append(
                Blocker(
                    rule.id, rule.title, adverse[rule.id], texts.get(rule.id, ""), _inputs_of(policy, rule, changeable)
                )
            )
    return tuple(out)


def _inputs_of(policy: ir.Policy, rule: ir.Rule, changeable: dict[str, ir.InputField]) -> tuple[InputUse, ...]:
    paths: list[str] = []
    lists: list[str] = []
    for root in rule.roots:
        for n in ir.walk(root):
            if isinstance(n, (ir.Input, ir.InputKnown)) and n.path not in paths:
                paths.append(n.path)
            if isinstance(n, (ir.Field, ir.FieldKnown)) and n.list not in lists:
                lists.append(n.list)
    out = []
    for p in paths:
        f = changeable.get(p)
        if f is None:
            out.append(InputUse(p, False, "cannot change"))
        else:
            note = "can only move later" if f.type.kind == "date" else f"can change (cost {f.change_cost})"
            out.append(InputUse(p, True, note))
    for lst in lists:
        out.append(InputUse(lst, False, "cannot change (list items are never changed)"))
    return tuple(out)


# ---------------------------------------------------------------- confirming an alternative


def _changed_case(found: _Found) -> CaseData:
    changed = found.context.case
    for ch in found.context.choices:
        cand = ch.candidates[found.picks.get(ch.path, 0)]
        changed = with_value(changed, ch.path, cand.value, cand.known)
    return changed


def _confirm(policy: ir.Policy, case: CaseData, found: _Found, n: int) -> Alternative:
    changed = _changed_case(found)
    before, after = case_to_json(policy, case), case_to_json(policy, changed)
    changes = []
    for f in policy.inputs:
        if f.path in found.changed:
            e = ir.Input(f.path, f.type)
            old = show(policy, case, e, case.scalars[f.path])
            new = show(policy, changed, e, changed.scalars[f.path])
            changes.append(Change(f.path, old, new, _at(before, f.path), _at(after, f.path), f.change_cost))
    summary = "; ".join(f"{c.input} {c.old} → {c.new}" for c in changes)
    data = {"about": f"What-if alternative {n}: {summary}.", **after}
    reloaded = load_case(policy, data, f"<what-if alternative {n}>")  # a valid case file
    by_clingo = decide(policy, reloaded, "clingo")
    by_python = decide(policy, reloaded, "python")
    if by_clingo.outcome != "eligible" or by_python.outcome != "eligible":
        raise WhatIfError(
            f"what-if alternative ({summary}) decides as {by_clingo.outcome} (clingo) and {by_python.outcome} (python)"
        )
    return Alternative(tuple(changes), found.cost, by_clingo.outcome, by_python.outcome, dict(by_clingo.points), data)


def _at(data: dict, path: str):
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
