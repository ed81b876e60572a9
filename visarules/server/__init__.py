"""The analysts' HTTP API and page (`visa-rules serve`; the `serve` extra).

    from visarules import load_policy, __version__
    from visarules.server import create_app
    app = create_app(load_policy(), __version__)      # a FastAPI app: run it with uvicorn

`app` routes the requests, `service` does the work (read a case body, decide, explain, batch, the
policy at a date), `models` are the pydantic models of every answer (with published JSON Schemas),
`static/` holds the page (plain HTML, CSS and JavaScript: no build step, no CDN).
"""

from .app import DEFAULT_MAX_BODY, DEFAULT_MAX_ROWS, create_app
from .service import Service

__all__ = ["create_app", "Service", "DEFAULT_MAX_BODY", "DEFAULT_MAX_ROWS"]
