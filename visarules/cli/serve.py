"""`visa-rules serve`: the HTTP API and the analyst page (needs the `serve` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..dsl import UserError
from .options import PolicyOption, err


class MissingExtra(UserError):
    """A command whose optional dependencies are not installed."""


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    policy: Optional[Path] = PolicyOption,
    max_body: int = typer.Option(1_000_000, "--max-body", min=1, help="Largest request body accepted, in bytes."),
    max_rows: int = typer.Option(500, "--max-rows", min=1, help="Most cases in one batch request."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes (one per core decides in parallel)."),
) -> None:
    """Serve the API (/v1/decide, /v1/explain, /v1/batch, /v1/schema, /v1/policy; OpenAPI at /docs)
    and the analyst page at / ."""
    try:
        import uvicorn

        from ..server import create_app
    except ImportError as missing:
        raise MissingExtra(
            f"visa-rules serve needs the serve extra ({missing.name} is not installed): pip install 'visa-rules[serve]'"
        ) from None
    from .. import __version__
    from ..dsl import load_policy

    pol = load_policy(policy)  # a bad policy stops here, with its diagnostics, before the server starts
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning[/]: listening on {host}: anyone who can reach it can send cases")
    err.print(f"visa-rules {__version__}: the analyst page at http://{host}:{port}/ , the API docs at /docs")
    if workers == 1:
        uvicorn.run(create_app(pol, __version__, max_body=max_body, max_rows=max_rows), host=host, port=port,
                    log_level="warning")  # fmt: skip
        return
    import os

    from ..server.app import ENVIRONMENT

    for name, value in zip(ENVIRONMENT, (str(policy.resolve()) if policy else "", str(max_body), str(max_rows))):
        os.environ[name] = value
    uvicorn.run("visarules.server.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                log_level="warning")  # fmt: skip
