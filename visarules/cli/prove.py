"""`visa-rules prove`: the properties of a proofs folder and the built-in checks, proved with Z3."""

from __future__ import annotations

import fnmatch
import json
import subprocess
from contextlib import ExitStack
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ..dsl import UserError
from .diff import policy_dir_at
from .options import Format, PolicyOption, err, out, positive, writable_folder
from .progress import Reporter

# ---------------------------------------------------------------- prove


def prove_cmd(
    policy: Optional[Path] = PolicyOption,
    proofs: Optional[Path] = typer.Option(
        None, "--proofs", help="Folder of *.props properties (default: the properties shipped with visa-rules)."
    ),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for CI."),
    out_dir: Path = typer.Option(
        Path("counterexamples"), "--out", callback=writable_folder, help="Where counterexample case files are written."
    ),
    smtlib: Optional[Path] = typer.Option(
        None, "--smtlib", callback=writable_folder, help="Write each query as SMT-LIB into this folder."
    ),
    rlimit: Optional[int] = typer.Option(
        None,
        "--rlimit",
        min=1,
        help="Z3 resource units per property (default 60,000,000); past them the result is 'unknown'. "
        "Deterministic: the same verdict on any machine under any load.",
    ),
    timeout: float = typer.Option(
        900.0,
        "--timeout",
        callback=positive,
        help="Wall-clock seconds per property: a safety net only, reported as such.",
    ),
    max_items: int = typer.Option(
        4, "--max-items", min=0, help="Prove for cases with at most this many items per list."
    ),
    only: Optional[list[str]] = typer.Option(
        None, "--only", help="Prove only the properties whose id matches (a glob; repeatable)."
    ),
    builtins: bool = typer.Option(
        True, "--builtins/--no-builtins", help="Also run the checks generated from the policy."
    ),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Processes to prove in (0: one per CPU)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Prove everything again; read and write no cached result."),
    changed_since: Optional[str] = typer.Option(
        None,
        "--changed-since",
        help="Prove only what may have changed since this git revision: the properties whose claim, or any "
        "rule they read, differs there.",
    ),
    assumptions: bool = typer.Option(False, "--assumptions", help="List every domain assumption in full."),
    cases: Optional[list[Path]] = typer.Option(
        None,
        "--cases",
        help="Case test files or folders whose cases may witness a claim that some case exists, before Z3 "
        "looks (repeatable; default: ./cases or ./tests/cases, as `visa-rules test`).",
    ),
    use_cases: bool = typer.Option(
        True, "--known-cases/--no-known-cases", help="Let known cases witness 'exists' claims (off: Z3 for all)."
    ),
) -> None:
    """Prove the properties of a proofs folder for every case (Z3): holds, fails (with a
    counterexample case file) or unknown. Exit 0 all hold, 1 some fail, 3 some unknown, 4 a bug in visa-rules."""
    from ..dsl import load_proofs
    from ..solver.analyses.prove import (
        DEFAULT_RLIMIT,
        Limits,
        ResultCache,
        cpu_seconds,
        default_jobs,
        exit_code,
        obligations,
        prove,
        summarise,
    )

    loaded = load_proofs(policy, proofs)
    chosen = tuple(o for o in obligations(loaded.policy, loaded.properties, builtins) if _chosen(o.id, only))
    if only and not chosen:
        raise UserError(f"no property matches {', '.join(only)}")
    limits = Limits(max_items=max_items, rlimit=rlimit or DEFAULT_RLIMIT, timeout=timeout, smtlib_dir=smtlib)
    unchanged: tuple[str, ...] = ()
    if changed_since is not None:
        chosen, unchanged = _changed_since(changed_since, loaded, chosen, limits, builtins)
    workers = jobs or default_jobs()
    known = _known_cases(loaded.policy, cases) if use_cases else ()
    cache = None if no_cache else ResultCache()
    started = cpu_seconds()
    stream = err if format is Format.json else out
    with Reporter(stream, len(chosen), "proving", lines=format is Format.text) as reporter:
        if format is Format.text:
            _print_header(loaded, chosen, limits, workers, changed_since, unchanged)
        state = {"builtin_header": False}

        def show(r) -> None:
            if format is Format.text and r.obligation.builtin and not state["builtin_header"]:
                reporter.line(f"\n[bold]Built-in checks[/] (generated from the policy), {_bound(max_items)}")
                state["builtin_header"] = True
            reporter.line(_result_line(r))
            if format is Format.text:
                for detail in _details(r, out_dir):
                    reporter.line(detail)
            reporter.advance()

        results = prove(loaded.policy, chosen, limits, jobs=workers, cache=cache, on_result=show, known=known)
    cpu = cpu_seconds() - started
    files = _write_counterexamples(results, out_dir)
    summary = summarise(results)
    if format is Format.json:
        print(json.dumps(_prove_json(loaded, results, files, summary, limits, cpu, changed_since, unchanged), indent=2))
    else:
        _print_footer(results, summary, max_items, cpu, assumptions)
    for r in results:
        if r.bug:
            message = f"{escape(r.obligation.id)}: {escape(r.bug)}. The readings must agree; please report this."
            err.print(f"[bold red]BUG IN VISA-RULES[/]: {message}", soft_wrap=True)
    raise typer.Exit(exit_code(results))


def _known_cases(policy, paths: Optional[list[Path]]):
    """The cases that may witness an `exists` claim: those named, or the default case folder."""
    from ..solver.analyses.prove.known import known_cases
    from .test import DEFAULT_FOLDERS

    folders = paths or [Path(f) for f in DEFAULT_FOLDERS if Path(f).is_dir()][:1]
    missing = [p for p in folders if not p.exists()]
    if missing:
        raise UserError(f"--cases {missing[0]}: no such file or folder")
    return known_cases(policy, folders)[0] if folders else ()


def _chosen(ob_id: str, patterns: list[str] | None) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(ob_id, p) for p in patterns)


def _bound(max_items: int) -> str:
    return f"for cases with at most {max_items} items per list"


# ---------------------------------------------------------------- --changed-since


def _git_spec(rev: str, folder: Path) -> tuple[str, Path] | None:
    """REV:PATH for a folder inside a git work tree, with the folder to run git in; None outside one."""
    ask = ["git", "-C", str(folder), "rev-parse", "--show-toplevel", "--show-prefix"]
    run = subprocess.run(ask, capture_output=True, text=True)
    if run.returncode != 0:
        return None
    top, prefix = (run.stdout.splitlines() + ["", ""])[:2]
    return f"{rev}:{prefix.strip().rstrip('/')}", Path(top.strip())


def _changed_since(rev: str, loaded, chosen, limits, builtins: bool):
    """The chosen obligations whose key differs at `rev` (or that are new), and the ids of the others."""
    from ..dsl import PolicyError, load_proofs
    from ..solver.analyses.prove import Fingerprints, obligation_key, obligations

    policy_spec = _git_spec(rev, Path(loaded.policy_dir))
    if policy_spec is None:
        raise UserError(f"--changed-since {rev}: the policy folder {loaded.policy_dir} is not in a git work tree")
    with ExitStack() as stack:
        old_policy = policy_dir_at(policy_spec[0], stack, policy_spec[1])
        proofs_spec = _git_spec(rev, Path(loaded.proofs_dir))
        try:
            old_proofs = policy_dir_at(proofs_spec[0], stack, proofs_spec[1]) if proofs_spec else None
        except UserError:  # no such folder at that revision: every property is new
            old_proofs = None
        try:
            then = load_proofs(old_policy, old_proofs if old_proofs and old_proofs.is_dir() else None)
        except PolicyError as e:
            raise UserError(f"--changed-since {rev}: the policy there does not check:\n{e.render()}") from None
    before = {o.id: o for o in obligations(then.policy, then.properties if old_proofs else (), builtins)}
    now_prints, then_prints = Fingerprints(), Fingerprints()
    changed, same = [], []
    for ob in chosen:
        old = before.get(ob.id)
        same_key = old is not None and obligation_key(then.policy, old, limits, then_prints) == obligation_key(
            loaded.policy, ob, limits, now_prints
        )
        (same if same_key else changed).append(ob)
    return tuple(changed), tuple(o.id for o in same)


# ---------------------------------------------------------------- text


_MARK = {"holds": "[green]✔ holds[/]", "fails": "[red]✘ fails[/]", "unknown": "[yellow]? unknown[/]"}


def _print_header(loaded, chosen, limits, workers: int, rev: str | None, unchanged) -> None:
    n_props = sum(1 for o in chosen if not o.builtin)
    out.print(f"[bold]Proving[/] {n_props} properties of {escape(str(loaded.proofs_dir))} and "
              f"{len(chosen) - n_props} built-in checks on {escape(str(loaded.policy_dir))}, "
              f"{_bound(limits.max_items)} (resource limit {limits.rlimit:,} Z3 units each; "
              f"{workers} process{'es' if workers != 1 else ''}).", soft_wrap=True)  # fmt: skip
    if rev is not None:
        out.print(f"{len(unchanged)} unchanged since {escape(rev)} (their claims and every rule they read are "
                  "the same there): not proved again.", soft_wrap=True)  # fmt: skip


def _result_line(r) -> str:
    ob = r.obligation
    cites = f" [dim]\\[{escape('; '.join(ob.cites))}][/]" if ob.cites else ""
    where = "cached" if r.cached else "a known case" if r.reason.startswith("witnessed by") else f"{r.seconds:.2f} s"
    return f"{_MARK[r.status]} [bold]{escape(ob.id)}[/]: {escape(ob.title)}{cites} [dim]{where}[/]"


def _details(r, out_dir: Path) -> list[str]:
    ob = r.obligation
    bound = _bound(r.max_items) if ob.cases else "for every value"
    lines = []
    if r.status == "unknown":
        net = (
            " [yellow](the wall-clock safety net, not the resource limit: raise --timeout)[/]"
            if r.limit == "wall-clock"
            else ""
        )
        return [f"    not proved ({bound}): {escape(r.reason)}{net}"]
    if r.status == "holds" and ob.claim == "forall" and not ob.builtin:
        if r.relied_on:
            relied = "relied on " + ", ".join(r.relied_on)
        elif ob.cases:
            relied = "relied on no rule: it follows from the decision semantics and the definitions"
        else:
            relied = "it follows from the dated values themselves"
        lines.append(f"    {bound}; {escape(relied)}")
    if r.status == "holds" and r.reason.startswith("witnessed by"):
        lines.append(f"    {escape(r.reason)}")
    if r.status == "fails" and ob.claim == "exists":
        relied = f"; relied on {', '.join(r.relied_on)}" if r.relied_on else ""
        lines.append(f"    {escape(r.reason)} ({bound}){escape(relied)}")
    ex = r.example
    if ex is not None and r.status == "fails":
        size = "minimised" if ex.minimised else "not fully minimised (resource limit)"
        if ex.values:
            lines.append(
                f"    counterexample ({size}): " + escape(", ".join(f"{k} = {v}" for k, v in ex.values.items()))
            )
        for name, v in ex.verdicts.items():
            pts = ", ".join(f"{c} {n}" for c, n in v.points.items())
            label = "counterexample" if len(ex.cases) == 1 else f"counterexample case {name}"
            lines.append(f"    {label} ({size}): {escape(str(_counterexample_path(out_dir, ob.id, name, ex)))}")
            readings = "Python, cached" if r.cached else "clingo = Python = Z3"
            lines.append(f"      decided ({readings}): {v.outcome}, points {pts}")
    if r.bug:
        lines.append(f"    [bold red]BUG IN VISA-RULES[/]: {escape(r.bug)}")
    return lines


def _print_footer(results, summary, max_items: int, cpu: float, full: bool) -> None:
    from ..solver.analyses.prove.scene import group_assumptions

    s = summary
    cached = sum(1 for r in results if r.cached)
    known = sum(1 for r in results if r.reason.startswith("witnessed by"))
    out.print(f"\n[bold]{s.held} hold, {s.failed} fail, {s.unknown} unknown[/] (unknown is not proved), "
              f"{_bound(max_items)}; {cpu:.1f} s of CPU"
              + (f", {cached} from the cache" if cached else "")
              + (f", {known} witnessed by a known case" if known else "") + ".")  # fmt: skip
    said = dict.fromkeys(a for r in results for a in r.assumptions)
    if said:
        if full:
            out.print("Domain assumptions (results assume those they name; examples satisfy all):")
            for a in said:
                out.print(f"  {escape(a)}", soft_wrap=True)
        else:
            out.print("Domain assumptions, by input (--assumptions lists each in full):")
            for group, kinds in group_assumptions(said):
                out.print(f"  {escape(group or 'other')}: {escape('; '.join(kinds))}", soft_wrap=True)
    if s.bugs:
        out.print(f"[bold red]{s.bugs} result(s) show a BUG IN VISA-RULES: the readings disagree.[/]")


# ---------------------------------------------------------------- counterexample files


def _counterexample_path(out_dir: Path, ob_id: str, name: str, ex) -> Path:
    return out_dir / (f"{ob_id}.json" if len(ex.cases) == 1 else f"{ob_id}.{name}.json")


def _write_counterexamples(results, out_dir: Path) -> dict[str, dict[str, str]]:
    """A case file per counterexample case: ID.json, or ID.a.json and ID.b.json for two cases."""
    written: dict[str, dict[str, str]] = {}
    for r in results:
        if r.status != "fails" or r.example is None or not r.example.cases:
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        ob = r.obligation
        for name, case in r.example.cases.items():
            path = _counterexample_path(out_dir, ob.id, name, r.example)
            about = f"Counterexample to {ob.id} ({ob.title})" + (f": case {name}" if len(r.example.cases) > 1 else "")
            path.write_text(
                json.dumps({"about": about + ", found by visa-rules prove", **case}, indent=2) + "\n", encoding="utf-8"
            )
            written.setdefault(ob.id, {})[name] = str(path)
    return written


# ---------------------------------------------------------------- JSON


def _prove_json(loaded, results, files, summary, limits, cpu: float, rev: str | None, unchanged) -> dict:
    from ..solver.analyses.prove.scene import group_assumptions

    def example(r):
        ex = r.example
        if ex is None:
            return None
        return {
            "files": files.get(r.obligation.id, {}),
            "cases": ex.cases,
            "values": ex.values,
            "decisions": {
                n: {"outcome": v.outcome, "points": v.points, "results": v.results} for n, v in ex.verdicts.items()
            },
            "minimised": ex.minimised,
        }

    said = dict.fromkeys(a for r in results for a in r.assumptions)
    data = {
        "policy": str(loaded.policy_dir),
        "proofs": str(loaded.proofs_dir),
        "max_items": limits.max_items,
        "rlimit": limits.rlimit,
        "cpu_seconds": round(cpu, 3),
        "summary": {"holds": summary.held, "fails": summary.failed, "unknown": summary.unknown, "bugs": summary.bugs},
        "domain_assumptions": {group or "other": list(kinds) for group, kinds in group_assumptions(said)},
        "results": [
            {
                "id": r.obligation.id,
                "title": r.obligation.title,
                "cites": list(r.obligation.cites),
                "origin": r.obligation.origin,
                "claim": r.obligation.claim,
                "status": r.status,
                "for_cases_with_at_most_items": r.max_items,
                "seconds": round(r.seconds, 3),
                "resource_units": r.units,
                "rules_in_slice": r.rules,
                "cached": r.cached,
                "limit": r.limit,
                "relied_on": list(r.relied_on),
                "assumptions": list(r.assumptions),
                ("counterexample" if r.obligation.claim == "forall" else "witness"): example(r),
                "reason": r.reason,
                "bug": r.bug,
            }
            for r in results
        ],
    }
    if rev is not None:
        data["unchanged_since"] = {"revision": rev, "ids": list(unchanged)}
    return data
