"""`visa-rules diff`: where two policies decide differently, window by window, with witnesses."""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from contextlib import ExitStack
from io import BytesIO
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..dsl import UserError, load_policy
from .options import Format, err, out, positive, writable_folder


def diff_cmd(
    old: str = typer.Argument(..., help="The old policy: a folder, or a git revision and path such as HEAD~1:policy."),
    new: str = typer.Argument(..., help="The new policy, likewise."),
    cases: Optional[Path] = typer.Option(
        None, "--cases", help="A folder of case files or a .jsonl file: count how many change."
    ),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for CI."),
    smtlib: Optional[Path] = typer.Option(
        None, "--smtlib", callback=writable_folder, help="Write each query as SMT-LIB into this folder."
    ),
    timeout: float = typer.Option(60.0, "--timeout", callback=positive, help="Time limit per query, in seconds."),
    max_items: int = typer.Option(
        4, "--max-items", min=0, help="Compare for cases with at most this many items per list."
    ),
) -> None:
    """Compare two policies for every case, window by window of lodgement dates: equivalent, more
    or less permissive, or incomparable, with witness cases. Exit 0 equivalent, 1 different,
    2 different inputs, 3 unknown, 4 a bug in visa-rules."""
    from ..solver.analyses.diff import caseload, diff, read_caseload

    with ExitStack() as stack:
        old_dir, new_dir = (_policy_dir(x, stack) for x in (old, new))
        old_policy, new_policy = load_policy(old_dir), load_policy(new_dir)
        report = diff(old_policy, new_policy, max_items=max_items, timeout=timeout,
                      minimise_seconds=min(10.0, timeout), smtlib_dir=smtlib)  # fmt: skip
        if cases is not None:
            from dataclasses import replace

            report = replace(report, caseload=caseload(old_policy, new_policy, read_caseload(cases, old_policy)))
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
    style = {
        "equivalent": "green",
        "more permissive": "cyan",
        "less permissive": "magenta",
        "incomparable": "yellow",
        "unknown": "red",
    }
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
                    {
                        "direction": x.direction,
                        "minimised": x.minimised,
                        "case": x.case,
                        "old": x.old.to_json(),
                        "new": x.new.to_json(),
                    }
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
