"""`visa-rules mutate`: mutation testing of a policy against its case tests."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ..dsl import UserError, load_policy
from .options import Format, PolicyOption, err, out
from .progress import Reporter


def mutate_cmd(
    cases: list[Path] = typer.Option(
        [Path("tests/cases")], "--cases", help="Case test files or folders the mutants are judged against."
    ),
    policy: Optional[Path] = PolicyOption,
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for CI."),
    kind: Optional[list[str]] = typer.Option(
        None,
        "--kind",
        help="Only mutants of this kind (repeatable): threshold, strictness, 'parameter value', "
        "'parameter start', 'rule dates', operand, effect.",
    ),  # fmt: skip
    only: Optional[list[str]] = typer.Option(
        None, "--only", help="Only mutants in files matching this glob (repeatable), e.g. 'policy/smc/*'."
    ),
    ids: Optional[list[str]] = typer.Option(
        None,
        "--id",
        help="Only the mutant with this id (repeatable), as `--format json` names it, e.g. "
        "'threshold@policy/smc/overall.rules:70:9:-1': to judge a survivor again, with a larger --rlimit.",
    ),  # fmt: skip
    z3_check: bool = typer.Option(
        True, "--z3/--no-z3", help="For each survivor, a boundary case from Z3, or a proof it is equivalent."
    ),
    max_items: int = typer.Option(
        2, "--max-items", min=0, help="Z3 compares cases with at most this many items per list."
    ),
    rlimit: Optional[int] = typer.Option(
        None, "--rlimit", min=1, help="Z3 resource units per window of dates compared."
    ),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Processes Z3 compares in (0: one per CPU)."),
    sample_size: Optional[int] = typer.Option(
        None,
        "--sample",
        min=0,
        help="Cases each survivor is tried on for a boundary case before Z3, half of them variants of the "
        "case tests, half drawn afresh (default 20000 "
        "with --z3, 0 with --no-z3).",
    ),  # fmt: skip
    seed: int = typer.Option(
        0, "--seed", min=0, help="Draws the sample (the same seed, the same cases): another seed reaches other cases."
    ),
    write_cases: Optional[Path] = typer.Option(
        None,
        "--write-cases",
        help="Write each survivor's boundary case here as it is found, as a worked case expecting "
        "the original policy's decision (review each before you keep it).",
    ),  # fmt: skip
    min_score: float = typer.Option(0.95, "--min-score", min=0, max=1, help="Exit 1 when the score is below this."),
) -> None:
    """Make small wrong changes to the policy (mutants) and check that the case tests catch each.
    Survivors are listed with a boundary case where they decide differently; mutants Z3 proves to
    decide every case alike are counted apart. Exit 0 at or above --min-score, 1 below, 2 on bad input."""
    from dataclasses import replace

    from ..solver.analyses.case_tests import CaseTestError, find_case_test_files, load_case_tests
    from ..solver.analyses.diff import DiffLimits
    from ..solver.analyses.mutate import MUTANT_KINDS, mutants, mutation_test
    from ..solver.analyses.prove import cpu_seconds, default_jobs

    kinds = tuple(kind or MUTANT_KINDS)
    wrong = [k for k in kinds if k not in MUTANT_KINDS]
    if wrong:
        raise UserError(f"unknown mutant kind {', '.join(wrong)}: the kinds are {', '.join(MUTANT_KINDS)}")
    pol = load_policy(policy)
    tests = []
    for f in find_case_test_files(cases):
        try:
            tests += load_case_tests(f, pol)
        except CaseTestError as e:
            raise UserError(str(e)) from None
    if not tests:
        raise UserError(f"no case tests in {', '.join(map(str, cases))}")
    limits = None
    if z3_check:
        limits = DiffLimits(max_items=max_items)
        limits = replace(limits, rlimit=rlimit or limits.rlimit)
    started = cpu_seconds()
    stream = err if format is Format.json else out
    chosen = [m for m in mutants(pol) if m.kind in kinds and _in_files(m.where, only) and (not ids or m.id in ids)]
    missing = sorted(set(ids or ()) - {m.id for m in chosen})
    if missing:
        raise UserError(f"no mutant {', '.join(missing)} (with these --kind and --only); "
                        "`visa-rules mutate --no-z3 --format json` lists every id")  # fmt: skip
    with Reporter(stream, len(chosen), "mutating", lines=format is Format.text) as reporter:
        if format is Format.text:
            z3_note = f"; Z3 compares survivors {_bound(max_items)}." if z3_check else "."
            out.print(f"[bold]Mutation testing[/] {len(chosen)} mutants against {len(tests)} case tests{z3_note}",
                      soft_wrap=True)  # fmt: skip

        written: dict[str, Path] = {}

        def show(r) -> None:
            reporter.line(_line(r))
            reporter.advance()
            if write_cases is not None:  # as each is found: a run stopped early keeps what it found
                path = _write_case(pol, r, write_cases)
                if path is not None:
                    written[r.mutant.id] = path

        report = mutation_test(pol, tests, limits, chosen, jobs=jobs or default_jobs(), on_result=show,
                               sample_size=sample_size, seed=seed)  # fmt: skip
    cpu = cpu_seconds() - started
    if write_cases is not None and not written:
        err.print("no boundary case to write (no survivor with a witness)")
    if format is Format.json:
        print(json.dumps(_json(report, cpu, written), indent=2))
    else:
        _footer(report, cpu, written)
    raise typer.Exit(0 if report.score >= min_score else 1)


def _in_files(where: str, globs: list[str] | None) -> bool:
    return not globs or any(fnmatch.fnmatchcase(where.rsplit(":", 1)[0], g) for g in globs)


_MARKS = {"killed": "[green]✔ killed[/]", "survived": "[red]✘ survived[/]", "equivalent": "[dim]= equivalent[/]",
          "unknown": "[yellow]? unknown[/]"}  # fmt: skip


def _line(r) -> str:
    m = r.mutant
    text = f"{_MARKS[r.status]} {escape(m.where)} ({m.kind}): {escape(m.before)} → {escape(m.after)}"
    if r.boundary is not None and r.boundary.case is not None:
        d0, d1 = r.boundary.original, r.boundary.mutant
        text += f"; lodged {r.boundary.case.get('lodgement_date')}: original {d0.outcome}, mutant {d1.outcome}"
        if d0.outcome == d1.outcome:
            text += " (rule results or points differ)"
    elif r.boundary is not None and r.boundary.reason:
        text += f" ({escape(r.boundary.reason)})"
    return text


def _footer(report, cpu: float, written: dict) -> None:
    from ..solver.analyses.mutate import EQUIVALENT, KILLED, SURVIVED, UNKNOWN

    counts = {s: report.count(s) for s in (KILLED, SURVIVED, EQUIVALENT, UNKNOWN)}
    out.print(
        f"\n{len(report.results)} mutants: {counts[KILLED]} killed, {counts[SURVIVED]} survived, "
        f"{counts[UNKNOWN]} unknown, {counts[EQUIVALENT]} equivalent"
        + (f" (proved by Z3 {_bound(report.max_items)})" if report.max_items or counts[EQUIVALENT] else "")
        + f". Score {report.score:.1%} of the mutants not proved equivalent. CPU {cpu:.1f} s.",
        soft_wrap=True,
    )
    if written:
        out.print(f"Boundary cases written: {len(written)} (review each `expect` before keeping it).")


def _bound(n: int) -> str:
    return f"for cases with at most {n} items per list"


def _json(report, cpu: float, written: dict) -> dict:
    def one(r) -> dict:
        m = r.mutant
        d: dict = {"id": m.id, "kind": m.kind, "where": m.where, "before": m.before, "after": m.after,
                   "status": r.status}  # fmt: skip
        if r.killed_by:
            d["killed_by"] = r.killed_by
        if r.boundary is not None:
            d["reason"] = r.boundary.reason
            if r.boundary.case is not None:
                d["boundary_case"] = r.boundary.case
                d["original"] = r.boundary.original.to_json()
                d["mutant"] = r.boundary.mutant.to_json()
            if m.id in written:
                d["file"] = str(written[m.id])
        return d

    from ..solver.analyses.mutate import EQUIVALENT, KILLED, SURVIVED, UNKNOWN

    summary = {s: report.count(s) for s in (KILLED, SURVIVED, UNKNOWN, EQUIVALENT)}
    return {"summary": {"mutants": len(report.results), **summary, "score": round(report.score, 4),
                        "max_items": report.max_items, "cpu_seconds": round(cpu, 2)},
            "results": [one(r) for r in report.results]}  # fmt: skip


def case_file_name(mutant_id: str) -> str:
    """A file name from a mutant's id, the same on every run (a run again rewrites the same file):
    "threshold@policy/smc/english.rules:25:14:+1" → "threshold-smc-english-25-14-plus1.json"."""
    text = mutant_id.replace("policy/", "").replace(".rules", "")
    text = re.sub(r":([+-])(\d+)$", lambda m: (":plus" if m[1] == "+" else ":minus") + m[2], text)
    return "-".join(re.findall(r"[A-Za-z0-9_]+", text)).replace("_", "-").lower() + ".json"


def _write_case(policy, r, folder: Path) -> Path | None:
    """A survivor's boundary case as a worked case named after its mutant, expecting the original
    policy's decision; None for a result with no boundary case."""
    from ..solver.analyses.mutate import expectation_of

    if r.boundary is None or not r.boundary.case:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    m = r.mutant
    data = {"about": f"Mutation boundary: {m.where} {m.before} → {m.after} ({m.kind}) decides this case "
                     f"differently; expect is the original policy's decision (review it).",
            **{k: v for k, v in r.boundary.case.items() if k != "about"},
            "expect": expectation_of(policy, r.boundary.original, r.boundary.rules)}  # fmt: skip
    path = folder / case_file_name(m.id)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path
