"""The `visa-rules prove` and `visa-rules diff` commands."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import tarfile
import tempfile
from contextlib import ExitStack
from enum import Enum
from io import BytesIO
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .dsl import UserError, load_policy

out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())
err = Console(stderr=True, highlight=False)


class Format(str, Enum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("prove")(prove_cmd)
    app.command("diff")(diff_cmd)


# ---------------------------------------------------------------- prove


def prove_cmd(
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Policy folder (default: the policy shipped with visa-rules)."),
    proofs: Optional[Path] = typer.Option(None, "--proofs", help="Folder of *.props properties (default: the properties shipped with visa-rules)."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for CI."),
    out_dir: Path = typer.Option(Path("counterexamples"), "--out", help="Where counterexample case files are written."),
    smtlib: Optional[Path] = typer.Option(None, "--smtlib", help="Write each query as SMT-LIB into this folder."),
    timeout: float = typer.Option(60.0, "--timeout", help="Time limit per property, in seconds; past it the result is 'unknown'."),
    max_items: int = typer.Option(4, "--max-items", min=0, help="Prove for cases with at most this many items per list."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Prove only the properties whose id matches (a glob; repeatable)."),
    builtins: bool = typer.Option(True, "--builtins/--no-builtins", help="Also run the checks generated from the policy."),
) -> None:
    """Prove the properties of a proofs folder for every case (Z3): holds, fails (with a
    counterexample case file) or unknown. Exit 0 all hold, 1 some fail, 3 some unknown, 4 a bug in visa-rules."""
    from .solver.prove import Limits, exit_code, prove, summarise
    from .solver.prove_obligations import obligations
    from .solver.props import load_proofs

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
            path.write_text(json.dumps({"about": about + ", found by visa-rules prove", **case}, indent=2) + "\n", encoding="utf-8")
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
    assumptions = dict.fromkeys(a for r in results if r.status != "holds" or r.obligation.claim == "exists" for a in r.assumptions)
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
            "decisions": {n: {"outcome": v.outcome, "points": v.points, "results": v.results} for n, v in ex.verdicts.items()},
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


# ---------------------------------------------------------------- diff


def diff_cmd(
    old: str = typer.Argument(..., help="The old policy: a folder, or a git revision and path such as HEAD~1:policy."),
    new: str = typer.Argument(..., help="The new policy, likewise."),
    cases: Optional[Path] = typer.Option(None, "--cases", help="A folder of case files or a .jsonl file: count how many change."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for CI."),
    smtlib: Optional[Path] = typer.Option(None, "--smtlib", help="Write each query as SMT-LIB into this folder."),
    timeout: float = typer.Option(60.0, "--timeout", help="Time limit per query, in seconds."),
    max_items: int = typer.Option(4, "--max-items", min=0, help="Compare for cases with at most this many items per list."),
) -> None:
    """Compare two policies for every case, window by window of lodgement dates: equivalent, more
    or less permissive, or incomparable, with witness cases. Exit 0 equivalent, 1 different,
    2 different inputs, 3 unknown, 4 a bug in visa-rules."""
    from .solver.diff import caseload, diff, read_caseload

    with ExitStack() as stack:
        old_dir, new_dir = (_policy_dir(x, stack) for x in (old, new))
        old_policy, new_policy = load_policy(old_dir), load_policy(new_dir)
        report = diff(old_policy, new_policy, max_items=max_items, timeout=timeout,
                      minimise_seconds=min(10.0, timeout), smtlib_dir=smtlib)  # fmt: skip
        if cases is not None:
            from dataclasses import replace

            report = replace(report, caseload=caseload(old_policy, new_policy, read_caseload(cases)))
    if format is Format.json:
        print(json.dumps(_diff_json(old, new, report), indent=2))
    else:
        _print_diff(old, new, report)
    bugs = [w for w in report.windows if w.bug]
    for w in bugs:
        err.print(f"[bold red]BUG IN VISA-RULES[/]: lodged {w.window}: {escape(w.bug)}", soft_wrap=True)
    raise typer.Exit(_diff_exit(report))


def _diff_exit(report) -> int:
    verdicts = {w.verdict for w in report.windows}
    if any(w.bug for w in report.windows):
        return 4
    if verdicts - {"equivalent", "unknown"}:
        return 1
    return 3 if "unknown" in verdicts else 0


def _policy_dir(spec: str, stack: ExitStack) -> Path:
    """A policy folder as given, or a git revision of one (REV:PATH) extracted to a temporary folder."""
    path = Path(spec)
    if path.is_dir() or ":" not in spec:
        return path
    target = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="visa-rules-diff-")))
    run = subprocess.run(["git", "archive", "--format=tar", spec], capture_output=True)
    if run.returncode != 0:
        raise UserError(f"{spec}: not a policy folder, and git cannot read it as REVISION:PATH: "
                        f"{run.stderr.decode(errors='replace').strip()}")  # fmt: skip
    with tarfile.open(fileobj=BytesIO(run.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def _print_diff(old: str, new: str, report) -> None:
    out.print(f"[bold]Comparing[/] OLD {escape(old)} with NEW {escape(new)}, "
              f"for cases with at most {report.max_items} items per list.")  # fmt: skip
    style = {"equivalent": "green", "more permissive": "cyan", "less permissive": "magenta", "incomparable": "yellow", "unknown": "red"}
    for w in report.windows:
        out.print(f"\n[bold]Lodged {w.window}[/]: [{style[w.verdict]}]{w.verdict}[/] [dim]{w.seconds:.2f} s[/]")
        if w.reason:
            out.print(f"    not settled: {escape(w.reason)}")
        for x in w.witnesses:
            _print_witness(x)
        if w.bug:
            out.print(f"    [bold red]BUG IN VISA-RULES[/]: {escape(w.bug)}")
    out.print(f"\nDomain assumptions: {escape('; '.join(report.assumptions))}")
    if report.caseload is not None:
        c = report.caseload
        out.print(f"\n[bold]Caseload[/]: {c.total} cases, {c.unchanged} unchanged, {c.total - c.unchanged} changed")
        for what, n in sorted(c.changes.items(), key=lambda kv: -kv[1]):
            out.print(f"    {n:>5}  {escape(what)}")
        for name, what in c.changed[:20]:
            out.print(f"    [dim]{escape(name)}: {escape(what)}[/]")


_HOW = {"better": "NEW treats it better", "worse": "NEW treats it worse", "different": "NEW decides it differently"}


def _print_witness(x) -> None:
    size = "minimised" if x.minimised else "not fully minimised (time limit)"
    out.print(f"  witness ({size}; {_HOW[x.direction]}; replayed by clingo under both):")
    out.print("    " + escape(json.dumps(x.case, ensure_ascii=False)))
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1), expand=False)
    table.add_column("rule")
    table.add_column("OLD")
    table.add_column("NEW")

    def summary(d):
        pts = ", ".join(f"{c} {n}" for c, n in d.points.items())
        return f"{d.outcome.replace('_', ' ').upper()}, points {d.total_points} ({pts})"

    table.add_row("outcome", summary(x.old), summary(x.new))
    old_reasons, new_reasons = {r.rule: r for r in x.old.reasons}, {r.rule: r for r in x.new.reasons}
    for rule in dict.fromkeys(list(old_reasons) + list(new_reasons)):
        a, b = old_reasons.get(rule), new_reasons.get(rule)
        cell = lambda r: f"{r.effect}: {r.text}" if r else "not assessed / not applicable"  # noqa: E731
        if a is None or b is None or (a.effect, a.text) != (b.effect, b.text):
            table.add_row(escape(rule), escape(cell(a)), escape(cell(b)))
    out.print(table)


def _diff_json(old: str, new: str, report) -> dict:
    data = {
        "old": old,
        "new": new,
        "max_items": report.max_items,
        "domain_assumptions": list(report.assumptions),
        "windows": [
            {
                "from": w.window.start.isoformat(),
                "to": w.window.end.isoformat() if w.window.end else None,
                "verdict": w.verdict,
                "seconds": round(w.seconds, 3),
                "witnesses": [
                    {"direction": x.direction, "minimised": x.minimised, "case": x.case, "old": x.old.to_json(), "new": x.new.to_json()}
                    for x in w.witnesses
                ],
                "reason": w.reason,
                "bug": w.bug,
            }
            for w in report.windows
        ],
    }
    if report.caseload is not None:
        c = report.caseload
        data["caseload"] = {"total": c.total, "unchanged": c.unchanged, "changes": c.changes,
                            "changed": [{"case": n, "change": w} for n, w in c.changed]}  # fmt: skip
    return data
