"""The `visa-rules` command: one module per command, options shared in `options`.

User errors print a clear message and exit with code 2, never with a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from ..dsl import UserError
from .batch import batch_cmd
from .decide import decide_cmd
from .diff import diff_cmd
from .explain import explain_cmd
from .fmt import fmt_cmd
from .generate import generate_cmd
from .lsp import lsp_cmd
from .options import err
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

# in the order `--help` lists them
app.command("decide")(decide_cmd)
app.command("check")(check_cmd)
app.command("schema")(schema_cmd)
app.command("coverage")(coverage_cmd)
app.command("asp")(asp_cmd)
app.command("explain")(explain_cmd)
app.command("prove")(prove_cmd)
app.command("diff")(diff_cmd)
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
        import os

        from ..dsl.loader import NO_CACHE_ENV

        os.environ[NO_CACHE_ENV] = "1"  # read by the loader and the parser's table cache


def main() -> None:
    try:
        app(standalone_mode=True)
    except UserError as e:
        err.print(escape(e.render()), soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # the reader (e.g. `| head`) stopped early: not an error; silence the flush at exit
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()
