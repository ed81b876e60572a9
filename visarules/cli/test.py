"""`visa-rules test`: run case tests kept as data (JSON or YAML), optionally with rule coverage."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.progress import Progress

from ..dsl import load_policy
from ..solver.analyses.case_tests import (
    CaseResult,
    CaseTestError,
    find_case_test_files,
    junit_xml,
    load_case_tests,
    results_json,
    run_case_tests,
)
from ..solver.backends import ENGINES
from .options import PolicyOption, err, out, writable_file

DEFAULT_FOLDERS = ("cases", "tests/cases")
CHUNK = 50  # case tests decided together: a clingo grounding for each list, a progress step between


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"


def test_cmd(
    paths: Optional[list[Path]] = typer.Argument(
        None, help="Case test files or folders (default: ./cases, else ./tests/cases)."
    ),
    policy: Optional[Path] = PolicyOption,
    engine: Optional[list[str]] = typer.Option(
        None, "--engine", "-e", help=f"Engine deciding each case, repeatable ({', '.join(ENGINES)}; default clingo)."
    ),
    format: ReportFormat = typer.Option(
        ReportFormat.text, "--format", "-f", help="text for people, json for programs, junit for CI systems."
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", callback=writable_file, help="Write the report to this file."
    ),
    complete: bool = typer.Option(
        False, "--complete", help="Every case must state its whole decision (outcome, all points, effects)."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every case test, not only failures."),
    coverage: bool = typer.Option(
        False, "--coverage", help="Report which rule results, comparisons, dated values and table rows the cases reach."
    ),  # fmt: skip
    coverage_json: Optional[Path] = typer.Option(
        None,
        "--coverage-json",
        callback=writable_file,
        help="Write the rule coverage as JSON to this file (implies --coverage).",
    ),
    fail_under: Optional[float] = typer.Option(
        None, "--fail-under", min=0, max=100, help="Exit 1 if rule coverage is under this percentage."
    ),
) -> None:
    """Run case tests: decide each case and compare with its `expect`. Exit 1 on any failure, 2 on
    a case test that cannot be run as written."""
    engines = engine or ["clingo"]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        err.print(f"unknown engine {', '.join(unknown)}: the engines are {', '.join(ENGINES)}")
        raise typer.Exit(2)
    files = find_case_test_files(paths or _default_folders())
    if not files:
        err.print("no case test files (.json, .yaml, .yml) in " + ", ".join(map(str, paths or [])))
        raise typer.Exit(2)
    pol = load_policy(policy)
    invalid: list[CaseTestError] = []
    tests = []
    for f in files:
        try:
            tests += load_case_tests(f, pol, complete)
        except CaseTestError as e:
            invalid.append(e)

    want_coverage = coverage or coverage_json is not None or fail_under is not None
    recorder = None
    if want_coverage:
        from ..solver.analyses.rule_coverage import CoverageRecorder

        recorder = CoverageRecorder(pol)
    results: list[CaseResult] = []
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("deciding cases", total=len(tests) * len(engines))
        for start in range(0, len(tests), CHUNK):  # decided a list at a time (one clingo grounding each)
            chunk = tests[start : start + CHUNK]
            by_engine = [run_case_tests(pol, chunk, name) for name in engines]
            for per_test in zip(*by_engine):  # in file order, each test's engines together
                for result in per_test:
                    results.append(result)
                    if recorder is not None and result.decision is not None:
                        recorder.record(result.case, result.decision)
            progress.advance(task, len(chunk) * len(engines))

    report = recorder.report() if recorder is not None else None
    _write(_render(format, results, invalid, verbose, report), output)
    if report is not None and coverage_json is not None:
        coverage_json.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if report is not None and format is ReportFormat.junit and output is None:
        err.print(escape(report.text()))  # stdout holds the XML

    if invalid or any(r.status == "error" for r in results):
        raise typer.Exit(2)
    failed = any(r.status == "failed" for r in results)
    if report is not None and fail_under is not None and report.percent < fail_under:
        err.print(f"rule coverage {report.percent:.1f}% is under --fail-under {fail_under:g}%")
        failed = True
    if failed:
        raise typer.Exit(1)


def _default_folders() -> list[Path]:
    for folder in DEFAULT_FOLDERS:
        if Path(folder).is_dir():
            return [Path(folder)]
    err.print(f"no case tests named and no {' or '.join(DEFAULT_FOLDERS)} folder here")
    raise typer.Exit(2)


def _render(format: ReportFormat, results, invalid, verbose: bool, report) -> str:
    if format is ReportFormat.junit:
        return junit_xml(results + [_invalid_result(e) for e in invalid])
    if format is ReportFormat.json:
        data = results_json(results)
        data["invalid"] = [{"file": e.where, "problems": list(e.problems)} for e in invalid]
        data["summary"]["error"] += len(invalid)
        if report is not None:
            data["coverage"] = report.to_json()
        return json.dumps(data, indent=2) + "\n"
    parts = [e.render() for e in invalid]
    for r in results:
        if r.status != "passed":
            parts.append(r.report())
        elif verbose:
            parts.append(f"{r.test.where}: {r.test.name} [{r.engine}]: passed")
    counts = {s: sum(1 for r in results if r.status == s) for s in ("passed", "failed", "error")}
    counts["error"] += len(invalid)
    parts.append(f"{counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors")
    if report is not None:
        parts.append(report.text())
    return "\n\n".join(parts) + "\n"


def _invalid_result(e: CaseTestError) -> CaseResult:
    from ..solver.analyses.case_tests import CaseTest, Expectation

    file, _, line = e.where.partition(":")
    test = CaseTest(file, int(line.split(":")[0]) if line[:1].isdigit() else 1, Path(file).stem, "", {}, Expectation())
    return CaseResult(test, "-", None, error=e.render())


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {escape(str(output))}")
