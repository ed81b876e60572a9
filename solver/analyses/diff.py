"""Two versions of a policy → where their decisions differ, window by window, with witnesses.

Both policies decide ONE symbolic case (so they must read the same inputs). The lodgement-date
axis is split at every date either policy starts something (a version, a parameter value, a rule's
from/until); in each window Z3 looks for a case the new policy treats better than the old one and
for one it treats worse. A found case is minimised, then decided again by clingo under both
policies and cross-checked by the Python evaluator and Z3's model, and shown side by side.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import z3

from ...dsl import CaseError, UserError, ir
from ...dsl.units import date_code
from ..backends import asp
from ..backends.python import evaluate as python_evaluate
from ..case import load_case, parse_case_json, read_case_file
from ..decision import Decision, build_decision
from .prove.scene import (
    Scene,
    as_case_file,
    build_scene,
    case_from_model,
    minimise,
    read_model,
    summarise_assumptions,
    z3_verdict,
)

OUTCOMES = ir.OUTCOMES
Verdict = ir.Verdict

EQUIVALENT, MORE, LESS, INCOMPARABLE, UNKNOWN = (
    "equivalent",
    "more permissive",
    "less permissive",
    "incomparable",
    "unknown",
)
OLD, NEW = "old", "new"


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date | None  # its last day; None: no end

    def __str__(self) -> str:
        return f"{self.start} to {self.end}" if self.end else f"from {self.start}"


@dataclass(frozen=True)
class Witness:
    direction: str  # better | worse | different: how NEW treats the case compared with OLD
    case: dict  # the case file
    old: Decision  # clingo's decision under each policy
    new: Decision
    minimised: bool


@dataclass(frozen=True)
class WindowResult:
    window: Window
    verdict: str  # equivalent | more permissive | less permissive | incomparable | unknown
    witnesses: tuple[Witness, ...]
    seconds: float
    reason: str = ""  # why unknown
    bug: str = ""  # the readings disagree: a fault in visa-rules


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


# ---------------------------------------------------------------- the comparison


def _rank(d) -> z3.ArithRef:
    """How favourable an outcome is: eligible 2, concerns 1, not eligible 0."""
    return len(OUTCOMES) - 1 - d.outcome


def _total(d, categories) -> z3.ArithRef:
    return z3.Sum([d.points.get(c, z3.IntVal(0)) for c in categories]) if categories else z3.IntVal(0)


def diff(
    old: ir.Policy,
    new: ir.Policy,
    max_items: int = 4,
    timeout: float = 60.0,
    minimise_seconds: float = 10.0,
    smtlib_dir: Path | None = None,
) -> DiffReport:
    problems = input_differences(old, new)
    if problems:
        raise InputsDiffer(problems)
    scene = build_scene(old, (OLD, NEW), (), None, max_items, policies={OLD: old, NEW: new}, share_case=True)
    results = tuple(_window(scene, old, new, w, timeout, minimise_seconds, smtlib_dir) for w in windows(old, new))
    return DiffReport(results, max_items, summarise_assumptions(t for t, _ in scene.assumptions))


class InputsDiffer(UserError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        head = "the two policies read different inputs, so one case cannot be decided by both:"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


def _window(scene: Scene, old, new, w: Window, timeout, minimise_seconds, smtlib_dir) -> WindowResult:
    started = time.perf_counter()
    a, b = scene.decisions[OLD], scene.decisions[NEW]
    categories = sorted({c.name for c in old.categories} | {c.name for c in new.categories})
    ra, rb, ta, tb = _rank(a), _rank(b), _total(a, categories), _total(b, categories)
    lodged = a.case.scalars["lodgement_date"]
    inside = [lodged >= date_code(w.start)] + ([lodged <= date_code(w.end)] if w.end else [])
    base = [c for defs in scene.definitions.values() for c in defs] + [c for _, c in scene.assumptions] + inside
    # per direction, a case whose outcome flips first, else one whose points move
    outcomes_differ = z3.Or(a.outcome != b.outcome, *[a.points.get(c, 0) != b.points.get(c, 0) for c in categories])
    goals = {
        "better": [("outcome", rb > ra), ("points", z3.And(rb == ra, tb > ta))],
        "worse": [("outcome", rb < ra), ("points", z3.And(rb == ra, tb < ta))],
        "different": [("any", outcomes_differ)],
    }
    found: dict[str, Witness | None] = {}  # None: found, but it could not be replayed
    unknown, bugs = [], []
    for direction, options in goals.items():
        if direction == "different" and (found or unknown):
            break  # only asked when neither policy treats any case better or worse
        for what, goal in options:
            solver = z3.Solver()
            solver.set("timeout", max(1, int(timeout * 1000)))
            solver.add(base + [goal])
            if smtlib_dir is not None:
                smtlib_dir.mkdir(parents=True, exist_ok=True)
                head = f"; visa-rules diff, lodged {w}: does NEW treat some case {direction} ({what})? sat: yes\n"
                (smtlib_dir / f"diff.{w.start}.{direction}.{what}.smt2").write_text(
                    head + solver.to_smt2(), encoding="utf-8"
                )
            answer = solver.check()
            if answer == z3.unknown:
                unknown.append(f"{direction} ({what}): {solver.reason_unknown()}")
                continue
            if answer == z3.unsat:
                continue
            model, minimised = minimise(scene, base + [goal], solver.model(), minimise_seconds)
            try:
                found[direction], bug = _replay(scene, old, new, model, direction, minimised)
            except Exception as err:  # noqa: BLE001 - any failure here is the tool's, not the policies'
                found[direction], bug = None, f"{direction} witness: {type(err).__name__}: {err}"
            if bug:
                bugs.append(bug)
            break
    verdict = _verdict(found, unknown)
    witnesses = tuple(x for x in found.values() if x is not None)
    return WindowResult(w, verdict, witnesses, time.perf_counter() - started, "; ".join(unknown), "; ".join(bugs))


def _verdict(found: dict[str, Witness | None], unknown: list[str]) -> str:
    better, worse = "better" in found, "worse" in found
    if better and worse or "different" in found:
        return INCOMPARABLE
    if unknown:
        return UNKNOWN
    return MORE if better else LESS if worse else EQUIVALENT


def _replay(scene: Scene, old, new, model, direction: str, minimised: bool) -> tuple[Witness, str]:
    read = read_model(model)
    sym = scene.decisions[OLD].case
    problems = []
    data, _ = as_case_file(old, case_from_model(old, sym, read))
    decisions = {}
    verdicts: dict[str, Verdict] = {}
    for name, policy in ((OLD, old), (NEW, new)):
        loaded = load_case(policy, data, "<witness>")
        by_clingo = asp.solve(policy, loaded)
        by_python = python_evaluate(policy, loaded)
        by_z3 = z3_verdict(scene.decisions[name], read)
        if not (by_clingo.comparable() == by_python.comparable() == by_z3.comparable()):
            problems.append(f"{name.upper()}: clingo, Python and Z3 decide the witness differently "
                            f"({by_clingo.outcome}/{by_python.outcome}/{by_z3.outcome})")  # fmt: skip
        verdicts[name] = by_clingo
        decisions[name] = build_decision(policy, loaded, by_clingo, "clingo")
    if not problems and _direction(verdicts[OLD], verdicts[NEW]) != direction and direction != "different":
        problems.append(f"clingo does not confirm that NEW treats the witness {direction}")
    if not problems and direction == "different" and _same(verdicts[OLD], verdicts[NEW]):
        problems.append("clingo decides the witness the same under both policies")
    return Witness(direction, data, decisions[OLD], decisions[NEW], minimised), "; ".join(problems)


def _same(a: Verdict, b: Verdict) -> bool:
    cats = set(a.points) | set(b.points)
    return a.outcome == b.outcome and all(a.points.get(c, 0) == b.points.get(c, 0) for c in cats)


def _direction(a: Verdict, b: Verdict) -> str:
    key = lambda v: (-OUTCOMES.index(v.outcome), sum(v.points.values()))  # noqa: E731
    return "better" if key(b) > key(a) else "worse" if key(b) < key(a) else "different"


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
