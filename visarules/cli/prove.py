"""`visa-rules prove`: the properties of a proofs folder and the built-in checks, proved with Z3."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ..dsl import UserError
from .options import Format, PolicyOption, err, out, positive, writable_folder

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
    timeout: float = typer.Option(
        60.0,
        "--timeout",
        callback=positive,
        help="Time limit per property, in seconds; past it the result is 'unknown'.",
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
) -> None:
    """Prove the properties of a proofs folder for every case (Z3): holds, fails (with a
    counterexample case file) or unknown. Exit 0 all hold, 1 some fail, 3 some unknown, 4 a bug in visa-rules."""
    from ..dsl import load_proofs
    from ..solver.analyses.prove import Limits, exit_code, obligations, prove, summarise

    loaded = load_proofs(policy, proofs)
    chosen = tuple(o for o in obligations(loaded.policy, loaded.properties, builtins) if _chosen(o.id, only))
    if only and not chosen:
        raise UserError(f"no property matches {', '.join(only)}")
    limits = Limits(max_items=max_items, timeout=timeout, minimise_seconds=min(10.0, timeout), smtlib_dir=smtlib)
    results = prove(loaded.policy, chosen, limits)
    files = _write_counterexamples(results, out_dir)
    summary = summarise(results)
    if format is Format.json:
        print(json.dumps(_prove_json(loaded, results, files, summary, max_items), indent=2))
    else:
        _print_prove(loaded, results, files, summary, max_items)
    bugs = [r for r in results if r.bug]
    for r in bugs:
        err.print(f"[bold red]BUG IN VISA-RULES[/]: {escape(r.obligation.id)}: {escape(r.bug)}. "
                  "Z3, clingo and the Python evaluator must agree; please report this.", soft_wrap=True)  # fmt: skip
    raise typer.Exit(exit_code(results))


def _chosen(ob_id: str, patterns: list[str] | None) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(ob_id, p) for p in patterns)


def _write_counterexamples(results, out_dir: Path) -> dict[str, dict[str, str]]:
    """A case file per counterexample case: ID.json, or ID.a.json and ID.b.json for two cases."""
    written: dict[str, dict[str, str]] = {}
    for r in results:
        if r.status != "fails" or r.example is None or not r.example.cases:
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        ob = r.obligation
        for name, case in r.example.cases.items():
            path = out_dir / (f"{ob.id}.json" if len(r.example.cases) == 1 else f"{ob.id}.{name}.json")
            about = f"Counterexample to {ob.id} ({ob.title})" + (f": case {name}" if len(r.example.cases) > 1 else "")
            path.write_text(
                json.dumps({"about": about + ", found by visa-rules prove", **case}, indent=2) + "\n", encoding="utf-8"
            )
            written.setdefault(ob.id, {})[name] = str(path)
    return written


_MARK = {"holds": "[green]✔ holds[/]", "fails": "[red]✘ fails[/]", "unknown": "[yellow]? unknown[/]"}


def _print_prove(loaded, results, files, summary, max_items: int) -> None:
    bound = f"for cases with at most {max_items} items per list"
    n_props = sum(1 for r in results if not r.obligation.builtin)
    out.print(f"[bold]Proving[/] {n_props} properties of {escape(str(loaded.proofs_dir))} and "
              f"{len(results) - n_props} built-in checks on {escape(str(loaded.policy_dir))}, {bound}.")  # fmt: skip
    builtin_header = False
    for r in results:
        ob = r.obligation
        if ob.builtin and not builtin_header:
            out.print(f"\n[bold]Built-in checks[/] (generated from the policy), {bound}")
            builtin_header = True
        cites = f" [dim]\\[{escape('; '.join(ob.cites))}][/]" if ob.cites else ""
        out.print(f"{_MARK[r.status]} [bold]{escape(ob.id)}[/]: {escape(ob.title)}{cites} [dim]{r.seconds:.2f} s[/]")
        _print_details(r, files.get(ob.id, {}), verbose=not ob.builtin)
    s = summary
    out.print(f"\n[bold]{s.held} hold, {s.failed} fail, {s.unknown} unknown[/] (unknown is not proved), {bound}.")
    assumptions = dict.fromkeys(
        a for r in results if r.status != "holds" or r.obligation.claim == "exists" for a in r.assumptions
    )
    if assumptions:
        out.print(f"Counterexamples and witnesses satisfy every domain assumption: {escape('; '.join(assumptions))}.")
    if s.bugs:
        out.print(f"[bold red]{s.bugs} result(s) show a BUG IN VISA-RULES: the three readings disagree.[/]")


def _print_details(r, files: dict[str, str], verbose: bool) -> None:
    ob = r.obligation
    bound = f"for cases with at most {r.max_items} items per list" if ob.cases else "for every value"
    if r.status == "unknown":
        out.print(f"    not proved ({bound}): {escape(r.reason)}")
        return
    if r.status == "holds" and ob.claim == "forall" and verbose:
        if r.relied_on:
            relied = "relied on " + ", ".join(r.relied_on)
        elif ob.cases:
            relied = "relied on no rule: it follows from the decision semantics and the definitions"
        else:
            relied = "it follows from the dated values themselves"
        out.print(f"    {bound}; {escape(relied)}")
        if r.assumptions:
            out.print(f"    assuming: {escape('; '.join(r.assumptions))}")
    if r.status == "fails" and ob.claim == "exists":
        relied = f"; relied on {', '.join(r.relied_on)}" if r.relied_on else ""
        out.print(f"    {escape(r.reason)} ({bound}){escape(relied)}")
    ex = r.example
    if ex is not None and r.status == "fails":
        size = "minimised" if ex.minimised else "not fully minimised (time limit)"
        if ex.values:
            out.print(f"    counterexample ({size}): " + escape(", ".join(f"{k} = {v}" for k, v in ex.values.items())))
        for name, v in ex.verdicts.items():
            pts = ", ".join(f"{c} {n}" for c, n in v.points.items())
            label = "counterexample" if len(ex.cases) == 1 else f"counterexample case {name}"
            out.print(f"    {label} ({size}): {escape(files.get(name, ''))}")
            out.print(f"      decided (clingo = Python = Z3): {v.outcome}, points {pts}")
    if r.bug:
        out.print(f"    [bold red]BUG IN VISA-RULES[/]: {escape(r.bug)}")


def _prove_json(loaded, results, files, summary, max_items: int) -> dict:
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

    return {
        "policy": str(loaded.policy_dir),
        "proofs": str(loaded.proofs_dir),
        "max_items": max_items,
        "summary": {"holds": summary.held, "fails": summary.failed, "unknown": summary.unknown, "bugs": summary.bugs},
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
                "relied_on": list(r.relied_on),
                "assumptions": list(r.assumptions),
                ("counterexample" if r.obligation.claim == "forall" else "witness"): example(r),
                "reason": r.reason,
                "bug": r.bug,
            }
            for r in results
        ],
    }
