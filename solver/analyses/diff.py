"""Two versions of a policy → where their decisions differ, window by window, with witnesses.

Both policies decide ONE symbolic case (so they must read the same inputs). The lodgement-date
axis is split at every date either policy starts something (a version, a parameter value, a rule's
from/until). Only the rules that differ between the two (in their IR: condition, dates,
categories, effect, or any parameter, table or definition they read), and the rules that read
their results, can decide a case differently; every other rule reads the same inputs the same way
in both. So, per window:

1. Z3 looks for a case on which one of those rules comes out differently (its result, or whether
   it is in force, assessed or applicable; or the points it awards), over the part of the two
   policies those rules read. None: the window is equivalent.
2. Otherwise it looks, over both whole policies, for a case NEW treats better (a more favourable
   outcome, or the same outcome with more points) and for one it treats worse; when neither
   exists, for one whose points move between categories, and for one decided alike but for
   other reasons (a rule's result differs). Each kind found is a witness.

When the policies differ only in the values of dated parameters (a median, a rate), a window is
first checked more simply: if no case lodged in it reads a changed parameter on a day its old
and new values differ, both policies evaluate every expression alike there, so the window is
equivalent without comparing the decisions themselves (`value_changes`, `values_alike`).

Every query runs within a deterministic resource budget (`--rlimit`), witnesses with as few list
items as they can (none, one, then every slot). A witness is checked against Z3's model, shrunk
(`prove.shrink`: the earliest lodgement in the window, the smallest values that still differ),
decided again by clingo and the Python evaluator under both policies, and shown side by side.
Each window is solved in a process of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import z3

from ...dsl import CaseError, UserError, ir
from ...dsl.units import date_code
from ..backends import asp, smt
from ..backends.python import evaluate as python_evaluate
from ..case import load_case, parse_case_json, read_case_file
from ..decision import Decision, build_decision
from .prove import (
    Budget,
    Fingerprints,
    Scene,
    Slice,
    build_scene,
    inputs_read,
    lists_read,
    rule_slice,
    rule_state,
    run_each,
    sliced_policy,
    summarise_assumptions,
)
from .prove.scene import as_case_file, case_from_model, full_case, new_solver, read_model, z3_verdict
from .prove.shrink import shrink

OUTCOMES = ir.OUTCOMES
Verdict = ir.Verdict

EQUIVALENT, MORE, LESS, INCOMPARABLE, REASONS, UNKNOWN = (
    "equivalent",
    "more permissive",
    "less permissive",
    "incomparable",
    "reasons differ",
    "unknown",
)
OLD, NEW = "old", "new"
# the kinds of difference, each with its own witness
BETTER, WORSE, DIFFERENT, OTHER_REASONS = "better", "worse", "different", "reasons"
KINDS = (BETTER, WORSE, DIFFERENT, OTHER_REASONS)


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date | None  # its last day; None: no end

    def __str__(self) -> str:
        return f"{self.start} to {self.end}" if self.end else f"from {self.start}"


@dataclass(frozen=True)
class Witness:
    direction: str  # better | worse | different (points move) | reasons: how NEW decides it against OLD
    case: dict  # the case file
    old: Decision  # clingo's decision under each policy
    new: Decision
    minimised: bool
    rules: tuple[str, ...] = ()  # the rules whose result differs on it


@dataclass(frozen=True)
class WindowResult:
    window: Window
    verdict: str  # equivalent | more permissive | less permissive | incomparable | reasons differ | unknown
    witnesses: tuple[Witness, ...]
    seconds: float  # CPU seconds
    reason: str = ""  # why unknown
    bug: str = ""  # the readings disagree: a fault in visa-rules
    units: int = 0  # Z3 resource units spent


@dataclass(frozen=True)
class Caseload:
    total: int
    unchanged: int
    changes: dict[str, int]  # "eligible → not_eligible", "points only" … → how many cases
    changed: tuple[tuple[str, str], ...]  # (case, what changed)


@dataclass(frozen=True)
class DiffReport:
    windows: tuple[WindowResult, ...]
    max_items: int
    assumptions: tuple[str, ...]
    caseload: Caseload | None = None
    rules_changed: tuple[str, ...] = ()  # rules that differ, or read one that does


@dataclass(frozen=True)
class DiffLimits:
    max_items: int = 4
    rlimit: int = 200_000_000  # Z3 resource units per window, over all its queries
    timeout: float = 1800.0  # wall-clock seconds per window: a safety net only
    smtlib_dir: Path | None = None
    # one witness per window is enough (mutation testing): no search for each kind of difference
    one_witness: bool = False


# ---------------------------------------------------------------- the two policies must agree on inputs


def input_differences(old: ir.Policy, new: ir.Policy) -> list[str]:
    """What a case file would have to hold differently for the two policies; [] when nothing."""

    def shape(p: ir.Policy) -> dict[str, str]:
        out = {}
        for f in p.inputs:
            out[f.path] = _describe(p, f)
        for lst in p.lists:
            out[lst.name] = f"list of {lst.record}"
            for f in lst.fields:
                out[f"{lst.name}[].{f.path}"] = _describe(p, f)
        return out

    a, b = shape(old), shape(new)
    out = [f"{k}: only in OLD ({a[k]})" for k in a if k not in b]
    out += [f"{k}: only in NEW ({b[k]})" for k in b if k not in a]
    out += [f"{k}: {a[k]} in OLD, {b[k]} in NEW" for k in a if k in b and a[k] != b[k]]
    return out


def _describe(p: ir.Policy, f: ir.InputField) -> str:
    t = str(f.type)
    if f.type.kind == "enum":
        t += "{" + ", ".join(p.enum_by_name[f.type.enum].members) + "}"
    return ("optional " if f.optional else "") + t + (" last day" if f.last_day else "")


# ---------------------------------------------------------------- windows


def windows(old: ir.Policy, new: ir.Policy) -> tuple[Window, ...]:
    """The lodgement dates both policies model, split wherever either starts something."""
    first = max(old.versions[0].start, new.versions[0].start)
    starts = sorted({d for d in {*old.change_days(), *new.change_days()} if d > first} | {first})
    ends = [s - dt.timedelta(days=1) for s in starts[1:]] + [None]
    return tuple(Window(s, e) for s, e in zip(starts, ends))


def overlapping(spans: tuple[Window, ...], lodged: tuple[dt.date, dt.date]) -> tuple[Window, ...]:
    """The windows that hold at least one of the lodgement days from lodged[0] to lodged[1]."""
    return tuple(w for w in spans if w.start <= lodged[1] and (w.end is None or w.end >= lodged[0]))


# ---------------------------------------------------------------- what differs


def differing_rules(old: ir.Policy, new: ir.Policy) -> tuple[str, ...]:
    """Rules whose own IR differs between the policies (or that are in one only): a condition,
    dates, categories, effect, or any parameter, table or definition they read."""
    prints = Fingerprints()
    differ = [r.id for r in new.rules if r.id not in old.rule_by_id or prints.of(r) != prints.of(old.rule_by_id[r.id])]
    return tuple(differ + [r.id for r in old.rules if r.id not in new.rule_by_id])


def changed_rules(old: ir.Policy, new: ir.Policy) -> tuple[str, ...]:
    """The differing rules and every rule that reads the result of one of them (through points or
    an earlier stop), in NEW's order then OLD's: the rules that may decide a case differently."""
    differ = set(differing_rules(old, new))
    ids = dict.fromkeys(r.id for p in (new, old) for r in p.rules if differ & set(rule_slice(p, [r.id])))
    return tuple(ids)


# where a node is written (its span) and the policy's source texts: not what it decides
_WRITTEN = frozenset({"span", "sources"})


def value_changes(old: ir.Policy, new: ir.Policy) -> dict[str, tuple[ir.Param, ir.Param]] | None:
    """The dated parameters whose values differ, old and new, when nothing else differs between
    the policies (where things are written aside); None when anything else does."""
    changes: dict[str, tuple[ir.Param, ir.Param]] = {}
    seen: dict[tuple[int, int], bool] = {}
    keep: list[object] = []  # the compared objects stay alive, so their ids are not reused

    def alike(a: object, b: object) -> bool:
        if a is b:
            return True
        key = (id(a), id(b))
        if key in seen:
            return seen[key]
        keep.append((a, b))
        if type(a) is not type(b):
            same = False
        elif isinstance(a, ir.Param):
            same = a.name == b.name and a.type == b.type  # type: ignore[attr-defined]
            if same and a != b:
                changes[a.name] = (a, b)  # type: ignore[assignment]
        elif dataclasses.is_dataclass(a):
            same = all(
                alike(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a) if f.name not in _WRITTEN
            )
        elif isinstance(a, (tuple, list)):
            same = len(a) == len(b) and all(alike(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
        elif isinstance(a, dict):
            same = a.keys() == b.keys() and all(alike(a[k], b[k]) for k in a)  # type: ignore[attr-defined]
        else:
            same = a == b
        seen[key] = same
        return same

    return changes if alike(old, new) and changes else None


def values_alike(old: ir.Policy, values: dict[str, tuple[ir.Param, ir.Param]], w: Window, limits: DiffLimits) -> bool:
    """Whether no case lodged in the window (within the domain) reads a changed parameter on a day
    its old and new values differ. Each read is lowered twice, over the old and the new values,
    and asked on its own, all within a small budget; unknown counts as "can differ" (the whole
    comparison then runs)."""
    first, last = date_code(w.start), date_code(w.end) if w.end else None
    # a rule not in force on any day of the window decides nothing there: its reads cannot matter
    reads = {
        id(e): e
        for rule in old.rules
        if _in_force_within(rule, first, last)
        for root in rule.roots
        for e in ir.walk(root)
        if isinstance(e, ir.ParamAt) and e.param.name in values
    }
    for e in reads.values():  # read on the lodgement day itself: no solver needed to see it differ
        if isinstance(e.date, ir.Input) and e.date.path == ir.LODGEMENT:
            if _differ_within(*values[e.param.name], first, last):
                return False
    sym = smt.SymbolicCase(old, limits.max_items)
    lower = smt.SmtLowering(sym)
    lodged = sym.scalars[ir.LODGEMENT]
    solver = z3.Solver()
    solver.add([c for _, c in sym.domain_assumptions()])
    solver.add(lodged >= date_code(w.start))
    if w.end:
        solver.add(lodged <= date_code(w.end))
    budget = Budget(max(1, limits.rlimit // _PRECHECK_SHARE), limits.timeout)
    # a read of an input or a field first: cheap to lower, and where values differ, found at once
    for e in sorted(reads.values(), key=lambda e: not isinstance(e.date, (ir.Input, ir.Field))):
        other = dataclasses.replace(e, param=values[e.param.name][1])
        if e.scope is None:
            differs = lower.lower(e) != lower.lower(other)
        else:
            slots = sym.slots[e.scope]
            differs = z3.Or(
                [z3.And(s.present, lower.lower(e, i) != lower.lower(other, i)) for i, s in enumerate(slots)]
            )
        if budget.check(solver, differs) != z3.unsat:
            return False
    return True


# the budget of `values_alike`, all reads together: this share of a window's (proving a window
# alike costs a few per cent of it; a read that can differ would cost far more to show so)
_PRECHECK_SHARE = 10


def _in_force_within(rule: ir.Rule, first: int, last: int | None) -> bool:
    """Whether the rule is in force on some lodgement day from `first` to `last` (date codes)."""
    starts_in_time = rule.start is None or last is None or date_code(rule.start) <= last
    return starts_in_time and (rule.until is None or date_code(rule.until) >= first)


def _differ_within(a: ir.Param, b: ir.Param, first: int, last: int | None) -> bool:
    """Whether the two series give different values on some day from `first` to `last` (date codes;
    None: no end). A series changes value only at an entry's start, so those days and `first` decide."""
    days = {first} | {date_code(e.start) for p in (a, b) for e in p.entries}
    return any(a.entry_at(d).value != b.entry_at(d).value for d in days if d >= first and (last is None or d <= last))


def _state(t) -> z3.ArithRef:
    """A rule's part in a decision as a number: not in force, not assessed, not applicable, or its result."""
    result = z3.IntVal(3) if t.rule.kind == "points" else z3.If(t.value, 3, 4)
    return z3.If(z3.Not(t.in_force), 0, z3.If(t.blocked, 1, z3.If(z3.Not(t.applicable), 2, result)))


def _rules_differ(a, b, rules: tuple[str, ...]) -> z3.BoolRef:
    differ = []
    for rid in rules:
        ta, tb = a.rules.get(rid), b.rules.get(rid)
        sa = _state(ta) if ta is not None else z3.IntVal(0)  # a rule a policy lacks is never in force there
        sb = _state(tb) if tb is not None else z3.IntVal(0)
        differ.append(sa != sb)
        kinds = {x.rule.kind for x in (ta, tb) if x is not None}
        if kinds == {"points"}:
            differ.append(
                (ta.awarded if ta is not None else z3.IntVal(0)) != (tb.awarded if tb is not None else z3.IntVal(0))
            )
    return z3.Or(differ) if differ else z3.BoolVal(False)


def _rank(d) -> z3.ArithRef:
    """How favourable an outcome is: eligible 2, concerns 1, not eligible 0."""
    return len(OUTCOMES) - 1 - d.outcome


def _total(d, categories) -> z3.ArithRef:
    return z3.Sum([d.points.get(c, z3.IntVal(0)) for c in categories]) if categories else z3.IntVal(0)


# ---------------------------------------------------------------- the comparison


def diff(
    old: ir.Policy,
    new: ir.Policy,
    limits: DiffLimits = DiffLimits(),
    jobs: int = 1,
    on_window: Callable[[WindowResult], None] | None = None,
    lodged: tuple[dt.date, dt.date] | None = None,
) -> DiffReport:
    """Compare the policies window by window; `lodged` (first, last day): only the windows that
    overlap those lodgement days (a caller that knows the policies differ nowhere else)."""
    problems = input_differences(old, new)
    if problems:
        raise InputsDiffer(problems)
    changed = changed_rules(old, new)
    spans = windows(old, new)
    if lodged is not None:
        spans = overlapping(spans, lodged)
    results: list[WindowResult | None] = [None] * len(spans)
    shown = 0
    values = value_changes(old, new) if changed else None
    work = functools.partial(_window_task, old, new, changed, tuple(spans), limits, values)
    for i, data in run_each(len(spans) if changed else 0, work, jobs):
        results[i] = _window_result(old, new, spans[i], data)
        while shown < len(results) and results[shown] is not None:
            if on_window is not None:
                on_window(results[shown])  # type: ignore[arg-type]
            shown += 1
    if not changed:  # no rule differs: every case is decided alike, in every window
        results = [WindowResult(w, EQUIVALENT, (), 0.0) for w in spans]
        for r in results:
            if on_window is not None:
                on_window(r)
    assumptions = summarise_assumptions(t for t, _ in _domain(old, limits.max_items))
    return DiffReport(tuple(r for r in results if r is not None), limits.max_items, assumptions, None, changed)


def _window_task(old, new, changed, spans, limits, values, i: int) -> dict:
    return _solve_window(old, new, changed, spans[i], limits, values)


def _domain(policy: ir.Policy, max_items: int):
    return smt.SymbolicCase(policy, max_items).domain_assumptions()


# ---------------------------------------------------------------- one window, in a process of its own


def _reads(policy: ir.Policy, rules: tuple[str, ...]) -> tuple[set[str], set[str]]:
    lists, inputs = set(), {ir.LODGEMENT, ir.CATEGORY}
    for rid in rules:
        roots = policy.rule_by_id[rid].roots
        lists |= lists_read(policy, roots)
        inputs |= inputs_read(roots)
    return lists, inputs


def _parts(old: ir.Policy, new: ir.Policy, rules_old, rules_new) -> tuple[ir.Policy, ir.Policy, frozenset[str]]:
    """Both policies cut down to these rules, over the same lists; and the inputs they read."""
    lists_o, inputs_o = _reads(old, rules_old)
    lists_n, inputs_n = _reads(new, rules_new)
    lists = tuple(lst.name for lst in old.lists if lst.name in lists_o | lists_n)
    part_old = sliced_policy(old, Slice(rules_old, lists, frozenset()))
    part_new = sliced_policy(new, Slice(rules_new, lists, frozenset()))
    return part_old, part_new, frozenset(inputs_o | inputs_n)


def _sizes(lists: int, max_items: int) -> list[int]:
    """Items per list to look with, fewest first (a witness with few is found fast, and reads easily)."""
    return sorted({min(n, max_items) for n in (0, 1, max_items)}) if lists else [max_items]


def _at_most(scene: Scene, n: int) -> list[z3.BoolRef]:
    sym = scene.decisions[OLD].case
    return [z3.Not(slot.present) for slots in sym.slots.values() for slot in slots[n:]]


def _solve_window(
    old: ir.Policy,
    new: ir.Policy,
    changed: tuple[str, ...],
    w: Window,
    limits: DiffLimits,
    values: dict[str, tuple[ir.Param, ir.Param]] | None = None,
) -> dict:
    """The queries of one window (see the module's docstring), as JSON data for `_window_result`.

    Each query is asked first of an abstraction: the rules that may differ (and what they read)
    as they are, every other rule (the same in both policies) a free value shared by both. No
    case there: none in the policies either. A case found there is decided by the Python
    evaluator; when it is not what was asked (the free values fit no real case), the query is
    asked again of both whole policies.
    """
    started = time.process_time()
    budget = Budget(limits.rlimit, limits.timeout)
    if values and values_alike(old, values, w, limits):
        return {"found": {}, "unknown": [], "units": budget.spent, "seconds": time.process_time() - started}
    categories = sorted({c.name for c in old.categories} | {c.name for c in new.categories})
    # a rule that only reads a differing rule's result decides alike while that result is alike:
    # the rules that differ themselves are enough to ask whether any case is decided differently
    own = differing_rules(old, new)
    inside_old = rule_slice(old, [r for r in changed if r in old.rule_by_id])
    inside_new = rule_slice(new, [r for r in changed if r in new.rule_by_id])
    inside = frozenset(inside_old) | frozenset(inside_new)
    # the abstraction: every rule, but only those inside lowered (so only their lists and inputs)
    read = _parts(old, new, inside_old, inside_new)
    lists = tuple(lst.name for lst in read[0].lists)
    every_old, every_new = (
        sliced_policy(p, Slice(tuple(r.id for r in p.rules), lists, frozenset())) for p in (old, new)
    )
    whole = _parts(old, new, tuple(r.id for r in old.rules), tuple(r.id for r in new.rules))
    scenes: dict[tuple[str, int], Scene] = {}

    def scene_of(which: str, k: int) -> Scene:
        if (which, k) not in scenes:
            if which == "abstract":
                pair, inputs, outside = (every_old, every_new), read[2], inside
            else:
                pair, inputs, outside = (whole[0], whole[1]), whole[2], None
            scenes[which, k] = build_scene(
                pair[0],
                (OLD, NEW),
                (),
                None,
                k,
                policies={OLD: pair[0], NEW: pair[1]},
                share_case=True,
                inputs=inputs,
                track_rules=False,
                abstract_outside=outside,
            )
        return scenes[which, k]

    def goal(kind: str, a, b) -> z3.BoolRef:
        ra, rb, ta, tb = _rank(a), _rank(b), _total(a, categories), _total(b, categories)
        same_points = z3.And([a.points.get(c, 0) == b.points.get(c, 0) for c in categories])
        return {
            "any": lambda: _rules_differ(a, b, own),
            BETTER: lambda: z3.Or(rb > ra, z3.And(rb == ra, tb > ta)),
            WORSE: lambda: z3.Or(rb < ra, z3.And(rb == ra, tb < ta)),
            DIFFERENT: lambda: z3.And(rb == ra, tb == ta, z3.Not(same_points)),
            OTHER_REASONS: lambda: z3.And(rb == ra, same_points, _rules_differ(a, b, own)),
        }[kind]()

    found: dict[str, dict] = {}
    unknown: list[str] = []

    def ask(which: str, kind: str) -> str:
        """unsat, unknown, found (a witness of this kind), or spurious (the abstraction's case is not one)."""
        lists = len(scene_of(which, 0).decisions[OLD].case.slots)
        for k in _sizes(lists, limits.max_items):
            scene = scene_of(which, k)
            a, b = scene.decisions[OLD], scene.decisions[NEW]
            lodged = a.case.scalars[ir.LODGEMENT]
            window = [lodged >= date_code(w.start)] + ([lodged <= date_code(w.end)] if w.end else [])
            hard = [c for _, c in scene.assumptions] + window + [goal(kind, a, b)] + _at_most(scene, k)
            solver = new_solver(scene)
            solver.add(hard)
            if limits.smtlib_dir is not None and k == limits.max_items:
                _write_smtlib(limits.smtlib_dir, w, kind, which, solver)
            answer = budget.check(solver)
            if answer == z3.unknown:
                unknown.append(f"{kind}: {budget.reason}")
                return "unknown"
            if answer == z3.sat:
                checked = inside if which == "abstract" else None
                witness = _witness(old, new, scene, solver.model(), checked, w, kind)
                if witness["problem"] or kind == "any" or witness["kind"] == kind:
                    found.setdefault(witness["kind"] or kind, witness)
                    return "found"
                if which == "abstract":
                    return "spurious"
                witness["problem"] = (
                    f"Z3 found a case NEW treats {kind}, but it is decided as {witness['kind'] or 'alike'}"
                )
                found.setdefault(kind, witness)
                return "found"
        return "unsat"

    def search(kind: str) -> None:
        if ask("abstract", kind) == "spurious":
            ask("whole", kind)

    search("any")
    if (found or unknown) and not limits.one_witness:
        for kind in (BETTER, WORSE):
            if kind not in found:
                search(kind)
        if BETTER not in found and WORSE not in found:
            for kind in (DIFFERENT, OTHER_REASONS):
                if kind not in found:
                    search(kind)
    return {"found": found, "unknown": unknown, "units": budget.spent, "seconds": time.process_time() - started}


def _witness(old, new, scene: Scene, model, checked, w: Window, asked: str) -> dict:
    """The model read as a case, decided by the Python evaluator under both policies and checked
    against Z3's model on the rules of the scene (`checked`: on those only, the others being free
    values of an abstraction); then, if it is a witness of the kind asked, shrunk (`shrink`)."""
    read = read_model(model, scene.fill)
    problems = []
    try:
        case = full_case(old, case_from_model(scene.policy, scene.decisions[OLD].case, read))
        as_case_file(old, case)  # the model's case must survive being written out
        verdicts = {OLD: python_evaluate(old, case), NEW: python_evaluate(new, case)}
        for name in (OLD, NEW):
            modelled = z3_verdict(scene.decisions[name], read)
            for rule in scene.decisions[name].policy.rules:
                if checked is not None and rule.id not in checked:
                    continue
                if rule_state(modelled, rule.id) != rule_state(verdicts[name], rule.id):
                    problems.append(f"{name.upper()}: Z3's model has {rule.id} {rule_state(modelled, rule.id)}, "
                                    f"the Python evaluator {rule_state(verdicts[name], rule.id)}")  # fmt: skip
                    break
        kind = _kind(verdicts[OLD], verdicts[NEW])
        if kind and not problems and (asked == "any" or kind == asked):
            keep = lambda c: _kind(python_evaluate(old, c), python_evaluate(new, c)) == kind  # noqa: E731
            case = shrink(old, case, keep, earliest=w.start)
            verdicts = {OLD: python_evaluate(old, case), NEW: python_evaluate(new, case)}
        data, _ = as_case_file(old, case)
    except Exception as err:  # noqa: BLE001 - any failure here is the tool's, not the policies'
        return {"kind": "", "case": None, "minimised": False, "rules": [], "problem": f"{type(err).__name__}: {err}"}
    return {"kind": kind, "case": data, "minimised": True, "rules": _differing(verdicts[OLD], verdicts[NEW]),
            "problem": "; ".join(problems)}  # fmt: skip


def _differing(a: Verdict, b: Verdict) -> list[str]:
    ids = dict.fromkeys(
        [*a.results, *a.not_assessed, *a.not_applicable, *b.results, *b.not_assessed, *b.not_applicable]
    )
    return [r for r in ids if rule_state(a, r) != rule_state(b, r) or a.awarded.get(r) != b.awarded.get(r)]


def _kind(a: Verdict, b: Verdict) -> str:
    """How NEW decides a case against OLD: better, worse, different (points move), reasons, or ""."""
    key = lambda v: (-OUTCOMES.index(v.outcome), sum(v.points.values()))  # noqa: E731
    if key(b) != key(a):
        return BETTER if key(b) > key(a) else WORSE
    if not _same(a, b):
        return DIFFERENT
    return OTHER_REASONS if _differing(a, b) else ""


def _write_smtlib(directory: Path, w: Window, kind: str, which: str, solver: z3.Solver) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    what = "is any rule decided differently" if kind == "any" else f"does NEW treat some case {kind}"
    over = "; over the rules that may differ, the others free" if which == "abstract" else "; over both whole policies"
    head = f"; visa-rules diff, lodged {w}: {what}? sat: yes{over}\n"
    (directory / f"diff.{w.start}.{kind}.{which}.smt2").write_text(head + solver.to_smt2(), encoding="utf-8")


# ---------------------------------------------------------------- back in the caller: replayed by clingo


def _window_result(old: ir.Policy, new: ir.Policy, w: Window, data: dict) -> WindowResult:
    witnesses, bugs = [], []
    for kind, x in data["found"].items():
        if x["problem"]:
            bugs.append(f"{kind} witness: {x['problem']}")
        if x["case"] is None:
            continue
        decided = {}
        for name, policy in ((OLD, old), (NEW, new)):
            loaded = load_case(policy, x["case"], "<witness>")
            by_clingo, by_python = asp.solve(policy, loaded), python_evaluate(policy, loaded)
            if by_clingo.comparable() != by_python.comparable():
                bugs.append(f"{name.upper()}: clingo and Python decide the {kind} witness differently "
                            f"({by_clingo.outcome}/{by_python.outcome})")  # fmt: skip
            decided[name] = (by_clingo, build_decision(policy, loaded, by_clingo, "clingo"))
        if _kind(decided[OLD][0], decided[NEW][0]) != kind:
            bugs.append(f"clingo does not confirm that the {kind} witness is decided so")
        witnesses.append(Witness(kind, x["case"], decided[OLD][1], decided[NEW][1], x["minimised"], tuple(x["rules"])))
    verdict = _verdict(set(data["found"]), bool(data["unknown"]))
    return WindowResult(w, verdict, tuple(witnesses), data["seconds"], "; ".join(data["unknown"]), "; ".join(bugs),
                        data["units"])  # fmt: skip


def _verdict(found: set[str], unknown: bool) -> str:
    if BETTER in found and WORSE in found or DIFFERENT in found:
        return INCOMPARABLE
    if unknown:
        return UNKNOWN
    if BETTER in found:
        return MORE
    if WORSE in found:
        return LESS
    return REASONS if OTHER_REASONS in found else EQUIVALENT


def _same(a: Verdict, b: Verdict) -> bool:
    cats = set(a.points) | set(b.points)
    return a.outcome == b.outcome and all(a.points.get(c, 0) == b.points.get(c, 0) for c in cats)


class InputsDiffer(UserError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        head = "the two policies read different inputs, so one case cannot be decided by both:"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


# ---------------------------------------------------------------- a caseload


def read_caseload(path: Path, policy: ir.Policy | None = None) -> list[tuple[str, dict]]:
    """Case files from a folder of *.json, or one case per line of a .jsonl file; with the policy
    (which names the flattened columns), a .csv or .parquet caseload as `visa-rules batch` reads it."""
    if policy is not None and path.suffix.lower() in (".csv", ".parquet", ".pq"):
        from ..batch import read_rows

        out = []
        for row in read_rows(policy, path):
            if row.data is None:
                raise UserError(row.error)
            out.append((row.id, row.data))
        return out
    if path.is_dir():
        return [(str(f), read_case_file(f)) for f in sorted(path.glob("*.json"))]
    if not path.is_file():
        raise UserError(f"{path}: no such file or folder of cases")
    out = []
    for i, line in enumerate(path.read_bytes().splitlines(), 1):  # each line read as a case file is
        if line.strip():
            try:
                out.append((f"{path}:{i}", parse_case_json(line, f"{path}:{i}")))  # exact cents, as case files
            except CaseError as err:
                raise UserError(f"{path}:{i}: {'; '.join(err.problems)}") from None
    return out


def caseload(old: ir.Policy, new: ir.Policy, cases: list[tuple[str, dict]]) -> Caseload:
    """Decide every case under both policies and count what changes: the columnar reading decides
    the whole caseload at once (outcomes and points are all a count needs), and clingo decides
    every changed case again, and a sample of the rest; any disagreement is a bug in visa-rules."""
    from ..backends.columnar import evaluate_many

    changes: dict[str, int] = {}
    changed = []
    loaded = {id(p): [load_case(p, data, name) for name, data in cases] for p in (old, new)}
    by_columns = {id(p): evaluate_many(p, loaded[id(p)]) for p in (old, new)}
    for k, (name, _) in enumerate(cases):
        a, b = by_columns[id(old)][k], by_columns[id(new)][k]
        same = _same(a, b)
        if not same or k % 50 == 0:
            for p, v in ((old, a), (new, b)):
                again = asp.solve(p, loaded[id(p)][k])
                if again.comparable() != v.comparable():
                    raise asp.SolverError(f"{name}: the columnar reading decides {v.outcome}, clingo {again.outcome}; "
                                      "a bug in visa-rules")  # fmt: skip
        if same:
            continue
        if a.outcome != b.outcome:
            what = f"{a.outcome} → {b.outcome}"
        else:
            what = f"{a.outcome}, points {sum(a.points.values())} → {sum(b.points.values())}"
        changes[what] = changes.get(what, 0) + 1
        changed.append((name, what))
    return Caseload(len(cases), len(cases) - len(changed), changes, tuple(changed))
