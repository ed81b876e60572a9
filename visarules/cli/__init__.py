"""The `visa-rules` command: one module per command, options shared in `options`, the typer app
in `app`.

User errors print a clear message and exit with code 2, never with a traceback.

A plain `decide` command line is run without typer or rich (see `decide.plain_args`): a cold
`decide` is what scripts and the batch's users pay for most often. Everything else goes to typer.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import NoReturn

from ..dsl import UserError


def main() -> None:
    try:
        _run(sys.argv[1:])
        sys.stdout.flush()  # inside the handlers below: a reader that stopped early shows here
    except UserError as e:
        _fail(e.render())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        _reader_gone()
    except SystemExit as e:
        # typer turns a closed pipe into exit 1 before we see it; the pipe error is its context
        if e.code == 1 and isinstance(e.__context__, OSError) and e.__context__.errno == errno.EPIPE:
            _reader_gone()
        raise
    except OSError as e:  # a file the user named that cannot be read or written
        where = f"{e.filename}: " if e.filename else ""
        _fail(f"{where}{e.strerror or e}")
    except RecursionError:
        _fail("the input nests too deeply to read")


def _run(argv: list[str]) -> None:
    from . import decide

    plain = decide.plain_args(argv)
    if plain is None:
        from .app import app

        app(standalone_mode=True)
        return
    if plain.pop("no_cache"):
        from .app import bypass_cache

        bypass_cache()
    decide.run(**plain)


def _fail(message: str) -> NoReturn:
    from rich.markup import escape

    from .console import err

    err.print(escape(message), soft_wrap=True)
    sys.exit(2)


def _reader_gone() -> NoReturn:
    """The reader of our output (e.g. `| head -1`) stopped early: not an error. Later writes and
    the flush at exit go nowhere, so nothing is printed about it."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no real file (a test's capture): nothing to silence
        pass
    sys.exit(0)


def __getattr__(name: str):
    if name == "app":  # the typer app, built when asked for (a plain `decide` never needs it)
        from .app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    main()
