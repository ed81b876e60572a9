"""What would change it: the cheapest sets of changes to a case's facts that make it eligible.

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

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass
from fractions import Fraction

import clingo

from ..dsl import ir
from ..dsl.encoding import UNITS_PER_MONTH, UNITS_PER_YEAR, date_code, decode_date
from . import asp
from .case import CaseData, case_to_json, load_case
from .decide import SolverError, build_decision, decide, verdict
from .explain_text import MIRROR, NEGATION, show, sides
from .explain_whynot import age_parts, first_day_at, nearest
from .interp import _Evaluator
from .verdict import Verdict

HORIZON_YEARS = 10  # how much later a date may move
STEPS = 8  # how many times a date is stepped towards a comparison's boundary

# Policy-independent rules (text written here, never from case data).
WHATIF = """
% what-if: exactly one candidate value for each changeable input
1 { wi_choose(P,I) : wi_cand(P,I,_,_,_) } 1 :- wi_changeable(P,_).
input(P,V) :- wi_choose(P,I), wi_cand(P,I,V,_,_).
known(P,K) :- wi_choose(P,I), wi_cand(P,I,_,K,_).
wi_changed(P) :- wi_choose(P,I), I > 0.
#external wi_target.
:- wi_target, not outcome(eligible).
#minimize { C@2,P : wi_changed(P), wi_changeable(P,C) }.
#minimize { R@1,P : wi_choose(P,I), wi_cand(P,I,_,_,R) }.
#show wi_choose/2.
"""


ADVERSE = {"stopped": "stops the assessment", "not_met": "is not met", "raised": "raises a concern"}


class WhatIfError(SolverError):
    """An alternative clingo chose is not eligible when decided again: a bug in visa-rules."""


@dataclass(frozen=True)
class Candidate:
    value: int | str
    known: bool
    rank: int  # 0 for the current value; then by distance from it


@dataclass(frozen=True)
class Choice:
    path: str
    cost: int
    later_only: bool
    candidates: tuple[Candidate, ...]  # the first is the current value


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


# ---------------------------------------------------------------- candidate values


@dataclass(frozen=True)
class Context:
    """One choice of the changeable dates, with the candidates of every other changeable input."""

    case: CaseData
    dates: tuple[tuple[str, int], ...]  # (path, date code) of every date that moved
    cost: int
    rank: int
    choices: tuple[Choice, ...]


def _with(case: CaseData, path: str, value, known: bool = True) -> CaseData:
    scalars = {**case.scalars, path: value}
    known_map = {**case.known, path: known}
    lodgement = decode_date(scalars["lodgement_date"]) if path == "lodgement_date" else case.lodgement
    return dataclasses.replace(case, scalars=scalars, known=known_map, lodgement=lodgement)


def _compares(policy: ir.Policy) -> list[ir.Compare]:
    """Every comparison in the rules, each once, in a stable order."""
    seen: set[int] = set()
    out = []
    for r in policy.rules:
        for root in (r.applies, r.expr):
            if root is None:
                continue
            for node in ir.walk(root):
                if isinstance(node, ir.Compare) and id(node) not in seen:
                    seen.add(id(node))
                    out.append(node)
    return out


def _reads(e: ir.Expr) -> set[str]:
    return {n.path for n in ir.walk(e) if isinstance(n, (ir.Input, ir.InputKnown))}


def _input_of(e: ir.Expr) -> str | None:
    while isinstance(e, ir.Named):
        e = e.expr
    return e.path if isinstance(e, ir.Input) else None


def _later_dates(policy: ir.Policy, case: CaseData, f: ir.InputField, compares) -> list[int]:
    now = case.scalars[f.path]
    last = now + HORIZON_YEARS * UNITS_PER_YEAR
    found = {date_code(day) for day in _policy_days(policy)}
    for c in compares:
        if c.scope is None and f.path in _reads(c):
            for want in (True, False):
                found.add(_step_to_flip(policy, case, f.path, c, want))
    return sorted(d for d in found if d is not None and now < d <= last)


def _policy_days(policy: ir.Policy):
    """Days on which the policy itself changes: dated values, versions, rule windows."""
    for p in policy.params:
        yield from (e.start for e in p.entries)
    yield from (v.start for v in policy.versions)
    for r in policy.rules:
        if r.start is not None:
            yield r.start
        if r.until is not None:
            yield r.until + dt.timedelta(days=1)


def _step_to_flip(policy: ir.Policy, case: CaseData, path: str, c: ir.Compare, want: bool) -> int | None:
    """The first later date (found by stepping by the shortfall) on which `c` becomes `want`."""
    s = sides(c)
    op = s.op if want else NEGATION[s.op]
    unit = _date_unit(s.subject)
    day = case.scalars[path]
    for _ in range(STEPS):
        ev = _Evaluator(policy, _with(case, path, day))
        if bool(ev.eval(c)) == want:
            return day if day != case.scalars[path] else None
        x, y = ev.eval(s.subject), ev.eval(s.threshold)
        n = nearest(op, s.ratio * y, x)
        if unit is None or n is None or n <= x:
            return None  # not measured in time, or it would need an earlier date
        step = day + (n - x) * unit
        if step > case.scalars[path] + HORIZON_YEARS * UNITS_PER_YEAR:
            return None  # beyond the horizon (or the date moves the threshold too): no later date helps
        day = date_code(first_day_at(step))
    return None


def _date_unit(e: ir.Expr) -> int | None:
    """How many date units one unit of `e` is, when `e` is a time (a date, duration, age, months)."""
    while isinstance(e, ir.Named):
        e = e.expr
    if e.type.kind in ("date", "duration"):
        return 1
    if age_parts(e) is not None:
        return UNITS_PER_YEAR
    if isinstance(e, ir.FloorDiv) and e.divisor == UNITS_PER_MONTH:
        return UNITS_PER_MONTH
    return None


def _threshold_values(policy: ir.Policy, case: CaseData, path: str, compares) -> set[int]:
    """For each comparison of the input with something else, the values just either side of it."""
    out: set[int] = set()
    ev = _Evaluator(policy, case)
    for c in compares:
        s = sides(c)
        if _input_of(s.subject) == path:
            other, op, ratio = s.threshold, s.op, s.ratio
        elif _input_of(s.threshold) == path:  # k × input on the right: input mirror(op) subject / k
            other, op, ratio = s.subject, MIRROR[s.op], 1 / s.ratio
        else:
            continue
        items = range(len(case.items[other.scope])) if other.scope is not None else [None]
        for item in items:
            t = ratio * Fraction(ev.eval(other, item))
            for o in (op, NEGATION[op]):
                n = nearest(o, t, case.scalars[path])
                if n is not None and n >= 0:  # case values are never negative
                    out.add(n)
    return out


def _choice(policy: ir.Policy, case: CaseData, f: ir.InputField, compares) -> Choice:
    now, known = case.scalars[f.path], case.known[f.path]
    kind = f.type.kind
    if kind == "bool":
        values = [0, 1]
    elif kind == "enum":
        values = list(range(len(policy.enum_by_name[f.type.enum].members)))
    elif kind in ("int", "money", "duration"):
        values = sorted(_threshold_values(policy, case, f.path, compares))
    else:
        values = []  # text is never proposed
    others = sorted({v for v in values if v != now or not known}, key=lambda v: (abs(v - now), v))
    ranked = [Candidate(v, True, 1 if kind in ("bool", "enum") else i + 1) for i, v in enumerate(others)]
    return Choice(f.path, f.change_cost, False, (Candidate(now, known, 0), *ranked))


def contexts(policy: ir.Policy, case: CaseData) -> tuple[Context, ...]:
    """Every choice of the changeable dates (the current ones first), with the candidates of the
    other changeable inputs at those dates. Pure: reads the IR and the case."""
    compares = _compares(policy)
    fields = [f for f in policy.inputs if f.change_cost is not None]
    dated = [f for f in fields if f.type.kind == "date"]
    others = [f for f in fields if f.type.kind != "date"]
    options = [[None, *_later_dates(policy, case, f, compares)] for f in dated]
    out = []
    for combo in itertools.product(*(range(len(o)) for o in options)):
        ctx_case, moved, cost, rank = case, [], 0, 0
        for f, days, i in zip(dated, options, combo):
            if i:  # 0: the current date; later ones are ranked by how much later
                ctx_case = _with(ctx_case, f.path, days[i])
                moved.append((f.path, days[i]))
                cost, rank = cost + f.change_cost, rank + i
        chs = tuple(_choice(policy, ctx_case, f, compares) for f in others)
        out.append(Context(ctx_case, tuple(moved), cost, rank, chs))
    return tuple(sorted(out, key=lambda c: (c.cost, c.rank)))


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
        F, S, N = clingo.Function, clingo.String, clingo.Number
        chosen = {c.path for c in ctx.choices}
        self.ctl = clingo.Control(["--warn=none", "--opt-mode=opt"])
        self.ctl.add("base", [], asp.program(policy) + WHATIF)
        with self.ctl.backend() as backend:

            def fact(symbol: clingo.Symbol) -> None:
                backend.add_rule([backend.add_atom(symbol)])

            for symbol in asp.case_symbols(policy, ctx.case):
                if symbol.name in ("input", "known") and symbol.arguments[0].string in chosen:
                    continue  # chosen among the candidates instead
                fact(symbol)
            for ch in ctx.choices:
                fact(F("wi_changeable", [S(ch.path), N(ch.cost)]))
                for i, cand in enumerate(ch.candidates):
                    value = S(cand.value) if isinstance(cand.value, str) else N(cand.value)
                    fact(F("wi_cand", [S(ch.path), N(i), value, N(int(cand.known)), N(cand.rank)]))
        self.ctl.ground([("base", [])])

    def optimum(self) -> _Found | None:
        """The optimal model (the last one clingo improves to), or None when there is none."""
        if self.dead:
            return None
        if self.cached is None:
            self.cached = (self._solve(),)
        return self.cached[0]

    def _solve(self) -> _Found | None:
        self.ctl.assign_external(clingo.Function("wi_target"), True)
        best, cost = None, None
        with self.ctl.solve(yield_=True) as handle:
            for model in handle:
                best, cost = model.symbols(shown=True), list(model.cost)
        if best is None:
            return None
        picks = {a.arguments[0].string: a.arguments[1].number for a in best if a.name == "wi_choose"}
        cost = (cost + [0, 0])[:2]
        return _Found(self.ctx, picks, self.ctx.cost + cost[0], self.ctx.rank + cost[1])

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
        atoms = [self.ctl.symbolic_atoms[clingo.Function("wi_changed", [clingo.String(p)])] for p in inner]
        if any(a is None for a in atoms):
            return  # an input with no other candidate here cannot change: no superset to forbid
        with self.ctl.backend() as backend:
            backend.add_rule([], [a.literal for a in atoms])

    def always(self) -> set[tuple[str, str]]:
        """(rule, result) in every model, eligible or not: the cautious consequences."""
        self.ctl.assign_external(clingo.Function("wi_target"), False)
        conf = self.ctl.configuration.solve
        conf.enum_mode, conf.opt_mode, conf.models = "cautious", "ignore", "0"
        last = []
        with self.ctl.solve(yield_=True) as handle:
            for model in handle:
                last = model.symbols(shown=True)
        return {(a.arguments[0].string, a.arguments[1].name) for a in last if a.name == "result"}


def what_if(policy: ir.Policy, case: CaseData, max_alternatives: int = 3, current: Verdict | None = None) -> WhatIf:
    """Up to `max_alternatives` distinct smallest sets of changes that make `case` eligible."""
    current = current or verdict(policy, case, "clingo")
    ctxs = contexts(policy, case)
    considered = _considered(policy, ctxs)
    if current.outcome == "eligible":
        return WhatIf("eligible", current.outcome, considered, (), (), "The case is already eligible: nothing needs to change.")
    solvers: dict[int, _Solver] = {}
    found: list[_Found] = []
    while len(found) < max_alternatives:
        best = None
        for k, ctx in enumerate(ctxs):
            if best is not None and (ctx.cost, ctx.rank) >= (best.cost, best.rank):
                break  # contexts are sorted by what their dates alone cost: none can do better
            if k not in solvers:
                solvers[k] = _Solver(policy, ctx)
                for f in found:
                    solvers[k].forbid_supersets(f.changed)
            r = solvers[k].optimum()
            if r is not None and (best is None or (r.cost, r.rank) < (best.cost, best.rank)):
                best = r
        if best is None:
            break
        found.append(best)
        for s in solvers.values():
            s.forbid_supersets(best.changed)
    if not found:
        blockers = _blockers(policy, case, current, ctxs, solvers)
        note = "No allowed change makes the case eligible"
        note += (": " + "; ".join(f"{b.rule} {ADVERSE[b.effect]}" for b in blockers) + ", whatever changes are combined") if blockers else "."
        return WhatIf("none", current.outcome, considered, (), blockers, note)
    alternatives = tuple(_confirm(policy, case, f, k + 1) for k, f in enumerate(found))
    many = "s" if len(alternatives) != 1 else ""
    note = f"{len(alternatives)} alternative{many}, cheapest first, each decided again by clingo and the Python evaluator."
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


def _blockers(policy, case, current: Verdict, ctxs, solvers) -> tuple[Blocker, ...]:
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
            out.append(Blocker(rule.id, rule.title, adverse[rule.id], texts.get(rule.id, ""), _inputs_of(policy, rule, changeable)))
    return tuple(out)


def _inputs_of(policy: ir.Policy, rule: ir.Rule, changeable: dict[str, ir.InputField]) -> tuple[InputUse, ...]:
    paths: list[str] = []
    lists: list[str] = []
    for root in (rule.applies, rule.expr):
        if root is None:
            continue
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


def _confirm(policy: ir.Policy, case: CaseData, found: _Found, n: int) -> Alternative:
    changed = found.context.case
    for ch in found.context.choices:
        cand = ch.candidates[found.picks.get(ch.path, 0)]
        changed = _with(changed, ch.path, cand.value, cand.known)
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
        raise WhatIfError(f"what-if alternative ({summary}) decides as {by_clingo.outcome} (clingo) and {by_python.outcome} (python)")
    return Alternative(tuple(changes), found.cost, by_clingo.outcome, by_python.outcome, dict(by_clingo.points), data)


def _at(data: dict, path: str):
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
