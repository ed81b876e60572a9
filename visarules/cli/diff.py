"""`visa-rules diff`: where two policies decide differently, window by window, with witnesses."""

from __future__ import annotations

import datetime as dt
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
from .progress import Reporter


def diff_cmd(
    old: str = typer.Argument(..., help="The old policy: a folder, or a git revision and path such as HEAD~1:policy."),
    new: str = typer.Argument(..., help="The new policy, likewise."),
    cases: Optional[Path] = typer.Option(
        None, "--cases", help="A folder of case files or a .jsonl file: count how many change."
    ),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for CI."),
    out_dir: Optional[Path] = typer.Option(
        None, "--out", callback=writable_folder, help="Write each witness into this folder as a case file."
    ),
    smtlib: Optional[Path] = typer.Option(
        None, "--smtlib", callback=writable_folder, help="Write each query as SMT-LIB into this folder."
    ),
    rlimit: Optional[int] = typer.Option(
        None,
        "--rlimit",
        min=1,
        help="Z3 resource units per window (default 200,000,000); past them the window is 'unknown'. "
        "Deterministic: the same verdict on any machine under any load.",
    ),
    timeout: float = typer.Option(
        1800.0,
        "--timeout",
        callback=positive,
        help="Wall-clock seconds per window: a safety net only, reported as such.",
    ),
    max_items: int = typer.Option(
        4, "--max-items", min=0, help="Compare for cases with at most this many items per list."
    ),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Processes to compare in (0: one per CPU)."),
    assumptions: bool = typer.Option(False, "--assumptions", help="List every domain assumption in full."),
    lodged_from: Optional[dt.datetime] = typer.Option(
        None, "--lodged-from", formats=["%Y-%m-%d"], help="Compare only the windows that reach this day or later."
    ),
    lodged_to: Optional[dt.datetime] = typer.Option(
        None, "--lodged-to", formats=["%Y-%m-%d"], help="Compare only the windows that start by this day."
    ),
) -> None:
    """Compare two policies for every case, window by window of lodgement dates: equivalent, more
    or less permissive, incomparable, or alike in outcome and points but decided for other reasons
    (a rule's result differs), with a witness case for each kind of difference. Exit 0 equivalent,
    1 different, 2 different inputs, 3 unknown, 4 a bug in visa-rules. `--lodged-from` and
    `--lodged-to` narrow the comparison to the windows overlapping those lodgement days."""
    from dataclasses import replace

    from ..solver.analyses.diff import (
        DiffLimits,
        caseload,
        changed_rules,
        diff,
        overlapping,
        read_caseload,
        windows,
    )
    from ..solver.analyses.prove import cpu_seconds, default_jobs

    with ExitStack() as stack:
        old_dir, new_dir = (policy_dir_at(x, stack) for x in (old, new))
        old_policy, new_policy = load_policy(old_dir), load_policy(new_dir)
        limits = DiffLimits(max_items=max_items, rlimit=rlimit or DiffLimits.rlimit, timeout=timeout, smtlib_dir=smtlib)
        lodged = _lodged(lodged_from, lodged_to)
        spans = windows(old_policy, new_policy)
        spans = overlapping(spans, lodged) if lodged is not None else spans
        stream = err if format is Format.json else out
        started = cpu_seconds()
        with Reporter(stream, len(spans), "comparing", lines=format is Format.text) as reporter:
            if format is Format.text:
                out.print(f"[bold]Comparing[/] OLD {escape(old)} with NEW {escape(new)}, "
                          f"for cases with at most {max_items} items per list "
                          f"(resource limit {limits.rlimit:,} Z3 units per window).", soft_wrap=True)  # fmt: skip
                changed = changed_rules(old_policy, new_policy)
                out.print(f"Rules that may decide differently: {escape(', '.join(changed)) or 'none'}.", soft_wrap=True)

            def show(w) -> None:
                reporter.line(_window_line(w))
                if format is Format.text:
                    for line in _window_details(w):
                        reporter.line(line)
                reporter.advance()

            report = diff(old_policy, new_policy, limits, jobs=jobs or default_jobs(), on_window=show, lodged=lodged)
        cpu = cpu_seconds() - started
        if cases is not None:
            report = replace(report, caseload=caseload(old_policy, new_policy, read_caseload(cases, old_policy)))
        written = _write_witnesses(report, out_dir) if out_dir is not None else {}
    if format is Format.json:
        print(json.dumps(_diff_json(old, new, report, cpu, written), indent=2))
    else:
        _print_footer(report, cpu, written, assumptions)
    bugs = [w for w in report.windows if w.bug]
    for w in bugs:
        err.print(f"[bold red]BUG IN VISA-RULES[/]: lodged {w.window}: {escape(w.bug)}", soft_wrap=True)
    raise typer.Exit(_diff_exit(report))


def _lodged(first: dt.datetime | None, last: dt.datetime | None) -> tuple[dt.date, dt.date] | None:
    """The lodgement days asked for (first, last), or None for every day."""
    if first is None and last is None:
        return None
    span = (first.date() if first else dt.date.min, last.date() if last else dt.date.max)
    if span[0] > span[1]:
        err.print(f"--lodged-from {span[0]} is after --lodged-to {span[1]}: no lodgement day is left to compare")
        raise typer.Exit(2)
    return span


def _write_witnesses(report, out_dir: Path) -> dict[tuple[str, str], str]:
    """Each witness as a case file DIR/diff.<window start>.<kind>.json; (window start, kind) → path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for w in report.windows:
        for x in w.witnesses:
            path = out_dir / f"diff.{w.window.start}.{x.direction}.json"
            about = (f"Witness found by visa-rules diff, lodged {w.window}: {_HOW[x.direction]}; "
                     f"OLD {x.old.outcome}, {x.old.total_points} points; NEW {x.new.outcome}, "
                     f"{x.new.total_points} points")  # fmt: skip
            path.write_text(json.dumps({"about": about, **x.case}, indent=2) + "\n", encoding="utf-8")
            written[str(w.window.start), x.direction] = str(path)
    return written


def _diff_exit(report) -> int:
    verdicts = {w.verdict for w in report.windows}
    if any(w.bug for w in report.windows):
        return 4
    if verdicts - {"equivalent", "unknown"}:  # any difference, in outcomes, points or reasons
        return 1
    return 3 if "unknown" in verdicts else 0


def policy_dir_at(spec: str, stack: ExitStack, repo: Path | None = None) -> Path:
    """A policy folder as given, or a git revision of one (REV:PATH, in `repo` or the current
    folder's repository) extracted to a temporary folder that `stack` removes."""
    path = Path(spec)
    if repo is None and (path.is_dir() or ":" not in spec):
        return path
    target = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="visa-rules-")))
    where = ["-C", str(repo)] if repo is not None else []
    run = subprocess.run(["git", *where, "archive", "--format=tar", spec], capture_output=True)
    if run.returncode != 0:
        raise UserError(f"{spec}: not a policy folder, and git cannot read it as REVISION:PATH: "
                        f"{run.stderr.decode(errors='replace').strip()}")  # fmt: skip
    with tarfile.open(fileobj=BytesIO(run.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


_STYLE = {
    "equivalent": "green",
    "more permissive": "cyan",
    "less permissive": "magenta",
    "incomparable": "yellow",
    "reasons differ": "blue",
    "unknown": "red",
}


def _window_line(w) -> str:
    return f"\n[bold]Lodged {w.window}[/]: [{_STYLE[w.verdict]}]{w.verdict}[/] [dim]{w.seconds:.2f} s[/]"


def _window_details(w) -> list:
    lines: list = []
    if w.reason:
        lines.append(f"    not settled: {escape(w.reason)}")
    for x in w.witnesses:
        lines += _witness_lines(x)
    if w.bug:
        lines.append(f"    [bold red]BUG IN VISA-RULES[/]: {escape(w.bug)}")
    return lines


def _print_footer(report, cpu: float, written, full: bool) -> None:
    from ..solver.analyses.prove.scene import group_assumptions

    out.print(f"\n{cpu:.1f} s of CPU.")
    if written:
        out.print(f"Witnesses written as case files: {escape(', '.join(written.values()))}", soft_wrap=True)
    if full:
        out.print("Domain assumptions (every witness satisfies them):")
        for a in report.assumptions:
            out.print(f"  {escape(a)}", soft_wrap=True)
    else:
        out.print("Domain assumptions, by input (--assumptions lists each in full):")
        for group, kinds in group_assumptions(report.assumptions):
            out.print(f"  {escape(group or 'other')}: {escape('; '.join(kinds))}", soft_wrap=True)
    if report.caseload is not None:
        c = report.caseload
        out.print(f"\n[bold]Caseload[/]: {c.total} cases, {c.unchanged} unchanged, {c.total - c.unchanged} changed")
        for what, n in sorted(c.changes.items(), key=lambda kv: -kv[1]):
            out.print(f"    {n:>5}  {escape(what)}")
        for name, what in c.changed[:20]:
            out.print(f"    [dim]{escape(name)}: {escape(what)}[/]")


_HOW = {
    "better": "NEW treats it better",
    "worse": "NEW treats it worse",
    "different": "NEW moves its points between categories",
    "reasons": "decided alike, but a rule's result differs",
}


def _witness_lines(x) -> list:
    size = "minimised" if x.minimised else "not fully minimised (resource limit)"
    lines: list = [f"  witness ({size}; {_HOW[x.direction]}; replayed by clingo under both):"]
    lines.append("    " + escape(json.dumps(x.case, ensure_ascii=False)))
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
    lines.append(table)
    return lines


def _diff_json(old: str, new: str, report, cpu: float, written) -> dict:
    from ..solver.analyses.prove.scene import group_assumptions

    data = {
        "old": old,
        "new": new,
        "max_items": report.max_items,
        "cpu_seconds": round(cpu, 3),
        "rules_changed": list(report.rules_changed),
        "domain_assumptions": {g or "other": list(k) for g, k in group_assumptions(report.assumptions)},
        "windows": [
            {
                "from": w.window.start.isoformat(),
                "to": w.window.end.isoformat() if w.window.end else None,
                "verdict": w.verdict,
                "seconds": round(w.seconds, 3),
                "resource_units": w.units,
                "witnesses": [
                    {
                        "direction": x.direction,
                        "minimised": x.minimised,
                        "rules_differing": list(x.rules),
                        "file": written.get((str(w.window.start), x.direction)),
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
