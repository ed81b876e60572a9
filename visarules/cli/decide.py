"""`visa-rules decide`: the outcome, points, and every reason with its instruction clause.

The command is declared to typer in `app`; this module runs it without typer, which is what lets
`main` read a plain `decide` command line itself (`plain_args`): typer builds a pydantic model
for each option it reads, and with its import that was 0.2 s of CPU, most of a cold `decide`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..dsl import load_policy
from ..solver.backends.registry import DEFAULT, ENGINES
from ..solver.case import load_case, read_case_file
from ..solver.decision import Decision, decide

FORMATS = ("text", "json")  # `--format`'s choices (options.Format)
# `decide`'s options as typer declares them in `app` (tests/test_cli_plain.py checks that they agree)
_OPTIONS = {"--policy": "policy", "-p": "policy", "--format": "format", "-f": "format", "--engine": "engine"}
_CHOICES = {"format": FORMATS, "engine": ENGINES}
_GLOBAL_FLAGS = {"--no-cache": "no_cache"}  # the app's own options that come before the command


def plain_args(argv: list[str]) -> dict | None:
    """The arguments of a plain `decide` command line, or None for any other line (typer reads it).

    Plain: `[--no-cache] decide CASE` with each option of `decide` at most once, as `--name VALUE`,
    `--name=VALUE` or `-x VALUE`, every value one the option takes and none empty or starting with
    `-`. Help, mistakes and every other form are left to typer, which answers them as ever."""
    flags = {}
    while argv and argv[0] in _GLOBAL_FLAGS:
        flags[_GLOBAL_FLAGS[argv[0]]] = True
        argv = argv[1:]
    if argv[:1] != ["decide"]:
        return None
    values: dict[str, str] = {}
    case: str | None = None
    rest = iter(argv[1:])
    for arg in rest:
        if not arg.startswith("-"):
            if case is not None:
                return None
            case = arg
            continue
        name, eq, value = arg.partition("=")
        key = _OPTIONS.get(name)
        if key is None or key in values or (eq and not name.startswith("--")):
            return None
        if not eq:
            value = next(rest, "")
        if not value or value.startswith("-") or value not in _CHOICES.get(key, (value,)):
            return None
        values[key] = value
    if not case:
        return None
    return {
        "no_cache": flags.get("no_cache", False),
        "case_file": Path(case),
        "policy": Path(values["policy"]) if "policy" in values else None,
        "format": values.get("format", "text"),
        "engine": values.get("engine", DEFAULT),
    }


def run(case_file: Path, policy: Path | None, format: str, engine: str) -> None:
    """Decide a case: outcome, points, and every reason with its instruction clause."""
    pol = load_policy(policy)
    case = load_case(pol, read_case_file(case_file), str(case_file))
    decision = decide(pol, case, engine)
    if format == "json":
        print(json.dumps(decision.to_json(), indent=2))
    else:
        print_decision(decision, str(case_file))


_STYLE = {
    "eligible": "bold green",
    "concerns": "bold yellow",
    "not_eligible": "bold red",
}
_MARK = {
    "met": "[green]✔ met[/]",
    "not_met": "[red]✘ not met[/]",
    "raised": "[yellow]! concern[/]",
    "clear": "[green]✔ no concern[/]",
    "stopped": "[red]■ stopped[/]",
    "passed": "[green]✔ passed[/]",
    "awarded": "[cyan]+ points[/]",
    "deferred": "[yellow]» deferred[/]",
    "included": "[green]✔ included[/]",
}


def print_decision(d: Decision, source: str) -> None:
    from rich.markup import escape  # rich only for text: a JSON decision never loads it

    from .console import out

    outcome = d.outcome.replace("_", " ").upper()
    lines = [
        f"[bold]{escape(source)}[/]: [{_STYLE[d.outcome]}]{outcome}[/]",
        f"  category: {d.category}",
        f"  instructions: {escape(d.version)}, in force from {d.version_from}",
        f"  points: {d.total_points} ({', '.join(f'{c} {n}' for c, n in d.points.items())})",
    ]
    stage = None
    for r in d.reasons:
        if r.stage != stage:
            stage = r.stage
            lines.append(f"\n[bold]Stage {stage}[/]")
        pts = f" [cyan]{r.points} points[/]" if r.points is not None else ""
        lines.append(f"  {_MARK[r.effect]} [bold]{escape(r.rule)}[/]{pts}: {escape(r.title)}")
        lines.append(f"      {escape(r.text)}")
        lines.append(f"      [dim]cites {escape('; '.join(r.cites))}[/]")
    if d.concerns:
        lines.append("\n[yellow bold]Concerns to put to the applicant (RFI/PPI)[/]")
        lines.extend(f"  - {escape(c.rule)}: {escape(c.text)}" for c in d.concerns)
    if d.deferred:
        lines.append("\n[yellow bold]Secondary applicants deferred (the principal applicant's assessment goes on)[/]")
        lines.extend(f"  - {escape(c.rule)}: {escape(c.text)}" for c in d.deferred)
    if d.not_assessed:
        lines.append("\n[red bold]Not assessed (the assessment stopped earlier)[/]")
        lines.extend(f"  - {escape(rid)}: {escape(title)}" for rid, title in d.not_assessed)
    if d.not_applicable:
        lines.append("\n[bold]Not applicable to this case[/]")
        lines.extend(f"  - {escape(rid)}: {escape(title)}" for rid, title in d.not_applicable)
    out.print("\n".join(lines))  # one call: rich's cost is mostly per call (the same output as a call per line)
