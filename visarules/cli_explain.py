"""The `visa-rules explain` command(s). (Being written: registers nothing yet.)"""

import typer


def register(app: typer.Typer) -> None:
    pass
