"""The typer app: every command, the options before the command, and `decide`'s declaration (it
runs in `decide`, which `main` also calls directly for a plain command line)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import decide
from .batch import batch_cmd
from .diff import diff_cmd
from .explain import explain_cmd
from .fmt import fmt_cmd
from .generate import generate_cmd
from .lsp import lsp_cmd
from .mutate import mutate_cmd
from .options import DEFAULT_ENGINE, ENGINE_HELP, Engine, Format, PolicyOption
from .policy import asp_cmd, check_cmd, coverage_cmd, schema_cmd
from .prove import prove_cmd
from .serve import serve_cmd
from .test import test_cmd

app = typer.Typer(
    help="Decide, explain and check New Zealand skilled-residence cases against a policy written in the "
    "visa-rules DSL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def decide_cmd(
    case_file: Path = typer.Argument(..., help="The case, as a JSON file (see `visa-rules schema`)."),
    policy: Optional[Path] = PolicyOption,
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for programs."),
    engine: Engine = typer.Option(DEFAULT_ENGINE, "--engine", help=ENGINE_HELP),
) -> None:
    """Decide a case: outcome, points, and every reason with its instruction clause."""
    decide.run(case_file, policy, format.value, engine.value)


# in the order `--help` lists them
app.command("decide")(decide_cmd)
app.command("check")(check_cmd)
app.command("schema")(schema_cmd)
app.command("coverage")(coverage_cmd)
app.command("asp")(asp_cmd)
app.command("explain")(explain_cmd)
app.command("prove")(prove_cmd)
app.command("diff")(diff_cmd)
app.command("mutate")(mutate_cmd)
app.command("batch")(batch_cmd)
app.command("generate")(generate_cmd)
app.command("serve")(serve_cmd)
app.command("test")(test_cmd)
app.command("fmt")(fmt_cmd)
app.command("lsp")(lsp_cmd)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        print(f"visa-rules {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    no_cache: bool = typer.Option(False, "--no-cache", help="Parse and check the policy afresh (no on-disk IR cache)."),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    if no_cache:
        bypass_cache()


def bypass_cache() -> None:
    """`--no-cache`: for this process, the policy is parsed and checked afresh."""
    import os

    from ..dsl.loader import NO_CACHE_ENV

    os.environ[NO_CACHE_ENV] = "1"  # read by the loader and the parser's table cache
