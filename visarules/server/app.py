"""The HTTP API and the analyst page (FastAPI).

Routes: `POST /v1/decide`, `POST /v1/explain`, `POST /v1/report` (the HTML report the page shows),
`POST /v1/batch` (JSON Lines in, JSON Lines out: one row per case line), `GET /v1/schema` (the case
file's JSON Schema) and `GET /v1/schema/{name}` (the answers' schemas), `GET /v1/policy`, the page
at `/`, OpenAPI at `/docs`.

A case body is a case file, read as the CLI reads one; a case that does not fit the policy gets 422
with the CLI's messages. Bodies over the size limit get 413 before they are read in full. Solver
work runs in FastAPI's thread pool, so a slow what-if does not hold up other requests.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from ..dsl import CaseError, ir
from ..solver.backends.registry import BACKENDS, DEFAULT
from ..solver.report import render_fragment, render_html, report_css, to_json
from .models import SCHEMAS, BatchRow, CaseProblems, DecisionModel, ExplanationModel, PolicyModel
from .service import BatchLimit, Service, problems

__all__ = ["create_app", "app_from_environment", "DEFAULT_MAX_BODY", "DEFAULT_MAX_ROWS", "ENVIRONMENT"]

DEFAULT_MAX_BODY = 1_000_000  # bytes: a case file is a few kilobytes; a batch of a few hundred cases fits
DEFAULT_MAX_ROWS = 500
STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("visarules.server")


class BodyLimit:
    """ASGI middleware: a request body over `limit` bytes gets 413, whether or not it says its length."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _too_large(self.limit)(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(self.limit)(scope, receive, send)


class _TooLarge(Exception):
    pass


class BadParameter(ValueError):
    """A query or path parameter the API does not take (an unknown engine, an unknown schema)."""

    def __init__(self, name: str, expected: list[str], found: str):
        self.problem = f"{name}: expected one of {', '.join(expected)}, found {json.dumps(found)}"
        super().__init__(self.problem)


def _too_large(limit: int) -> JSONResponse:
    body = {
        "error": "too_large",
        "source": "request body",
        "problems": [f"the body is larger than this server's limit of {limit} bytes"],
        "message": f"request body: larger than the limit of {limit} bytes",
    }
    return JSONResponse(body, status_code=413)


def _dump(model, doc: dict) -> dict:
    """A document validated against its model, as the model writes it (the CLI writes the same)."""
    return model.model_validate(doc).model_dump(mode="json", by_alias=True, exclude_unset=True)


def create_app(
    policy: ir.Policy, tool_version: str, max_body: int = DEFAULT_MAX_BODY, max_rows: int = DEFAULT_MAX_ROWS
) -> FastAPI:
    """The app for one checked policy."""
    service = Service(policy, tool_version)
    engines = list(BACKENDS)
    app = FastAPI(
        title="visa-rules",
        version=tool_version,
        summary=f"Decide and explain cases under {policy.title}",
        docs_url=None,  # served below from the package's own copy of Swagger UI, not a CDN
        redoc_url=None,
    )
    case_body = _case_body(service)

    @app.exception_handler(CaseError)
    async def bad_case(_request: Request, err: CaseError):
        return JSONResponse(problems(err), status_code=422)

    @app.exception_handler(BatchLimit)
    async def big_batch(_request: Request, err: BatchLimit):
        body = {"error": "too_large", "source": "request body", "problems": [str(err)], "message": str(err)}
        return JSONResponse(body, status_code=413)

    @app.exception_handler(BadParameter)
    async def bad_parameter(_request: Request, err: BadParameter):
        body = {"error": "invalid_request", "source": "request", "problems": [err.problem], "message": err.problem}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, err: RequestValidationError):
        found = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in err.errors()]
        body = {"error": "invalid_request", "source": "request", "problems": found, "message": "; ".join(found)}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(Exception)
    async def failed(_request: Request, err: Exception):
        log.exception("request failed")  # the trace goes to the server's log, never to the client
        return JSONResponse({"error": "internal", "message": f"visa-rules failed: {err}"}, status_code=500)

    @app.post(
        "/v1/decide",
        response_model=DecisionModel,
        response_model_exclude_unset=True,
        responses={422: {"model": CaseProblems}, 413: {"model": CaseProblems}},
        openapi_extra=case_body,
        summary="Decide a case",
    )
    def decide(
        request_body: bytes = _body(),
        engine: str = Query(DEFAULT, description=f"which reading decides: {', '.join(engines)}"),
    ) -> Any:
        """The outcome, the points and every reason with its instruction clause (as `visa-rules decide`)."""
        if engine not in BACKENDS:
            raise BadParameter("engine", engines, engine)
        return _dump(DecisionModel, service.decide(request_body, engine))

    @app.post(
        "/v1/explain",
        response_model=ExplanationModel,
        response_model_by_alias=True,
        responses={422: {"model": CaseProblems}, 413: {"model": CaseProblems}},
        openapi_extra=case_body,
        summary="Explain a decision: why, why not, what if",
    )
    def explain(
        request_body: bytes = _body(),
        why: bool = Query(True, description="the justification tree of every rule"),
        why_not: bool = Query(True, description="every unmet requirement and points shortfall, with margins"),
        what_if: bool = Query(False, description="the smallest changes that make the case eligible"),
        max: int = Query(3, ge=1, le=10, description="with what_if: how many alternatives at most"),
    ) -> Any:
        """The explanation JSON (schema `visa-rules/explanation/1`, as `visa-rules explain --format json`)."""
        report = service.report(request_body, _sections(why, why_not, what_if), max, "request body")
        return _dump(ExplanationModel, to_json(report))

    @app.post(
        "/v1/report",
        response_class=HTMLResponse,
        responses={422: {"model": CaseProblems}, 413: {"model": CaseProblems}},
        openapi_extra=case_body,
        summary="The explanation as an HTML report",
    )
    def report(
        request_body: bytes = _body(),
        what_if: bool = Query(True, description="include the smallest changes that make the case eligible"),
        max: int = Query(3, ge=1, le=10),
        fragment: bool = Query(False, description="the report alone (as the page shows it), not a whole file"),
        source: str = Query("", max_length=200, description="a name for the case, shown in the report"),
    ) -> HTMLResponse:
        """The report `visa-rules explain --format html` writes, or (fragment) the part the page shows."""
        sections = _sections(True, True, what_if)
        built = service.report(request_body, sections, max, source or "request body")
        return HTMLResponse(render_fragment(built) if fragment else render_html(built))

    @app.post(
        "/v1/batch",
        response_class=Response,
        responses={
            200: {"content": {"application/x-ndjson": {"schema": BatchRow.model_json_schema()}}},
            413: {"model": CaseProblems},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/x-ndjson": {"schema": {"type": "string", "description": "one case per line"}}},
            }
        },
        summary="Decide a batch of cases (JSON Lines)",
    )
    def batch(
        request_body: bytes = _body(),
        engine: str = Query(DEFAULT, description=f"which reading decides: {', '.join(engines)}"),
    ) -> Response:
        """One case file per line in; one row per case line out, in order: the decision or the case's
        problems (a bad line never stops the others). Blank lines hold no case and get no row."""
        if engine not in BACKENDS:
            raise BadParameter("engine", engines, engine)
        rows = service.batch(request_body, engine, max_rows)
        text = "".join(
            json.dumps(BatchRow.model_validate(r).model_dump(mode="json", by_alias=True, exclude_unset=True)) + "\n"
            for r in rows
        )
        return Response(text, media_type="application/x-ndjson")

    @app.get("/v1/schema", summary="The JSON Schema of a case file")
    def case_schema() -> dict:
        """Generated from the policy's input declarations (as `visa-rules schema`)."""
        from ..solver.case import case_schema as schema

        return schema(policy)

    @app.get("/v1/schema/{name}", summary="The JSON Schema of an answer: decision, explanation, policy, …")
    def answer_schema(name: str) -> dict:
        if name not in SCHEMAS:
            raise BadParameter("name", list(SCHEMAS), name)
        return SCHEMAS[name].model_json_schema(by_alias=True)

    @app.get("/v1/policy", response_model=PolicyModel, response_model_by_alias=True, summary="The policy at a date")
    def policy_summary(
        date: dt.date | None = Query(None, description="YYYY-MM-DD; default today"),
    ) -> Any:
        """The rules, instruction versions, citations, and the parameters in force on the date."""
        return _dump(PolicyModel, service.policy_at(date or dt.date.today()))

    @app.get("/v1/health", include_in_schema=False)
    def health() -> dict:
        return {"status": "ok", "version": tool_version}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/assets/report.css", include_in_schema=False)
    def css() -> Response:
        return Response(report_css(), media_type="text/css")

    app.mount("/assets", StaticFiles(directory=STATIC), name="assets")
    _mount_docs(app)
    app.add_middleware(BodyLimit, limit=max_body)
    return app


# what `visa-rules serve --workers N` hands each worker process (uvicorn starts them by import path)
ENVIRONMENT = ("VISA_RULES_SERVE_POLICY", "VISA_RULES_SERVE_MAX_BODY", "VISA_RULES_SERVE_MAX_ROWS")


def app_from_environment() -> FastAPI:
    """The app for one worker of several: the policy folder and limits from the environment."""
    import os

    from .. import __version__
    from ..dsl import load_policy

    folder, body, rows = (os.environ.get(name, "") for name in ENVIRONMENT)
    return create_app(
        load_policy(Path(folder) if folder else None),
        __version__,
        max_body=int(body or DEFAULT_MAX_BODY),
        max_rows=int(rows or DEFAULT_MAX_ROWS),
    )


def _body():
    """The raw request body, read as a case file is (so that decimals stay exact)."""
    from fastapi import Depends

    async def read(request: Request) -> bytes:
        return await request.body()

    return Depends(read)


def _sections(why: bool, why_not: bool, what_if: bool) -> tuple[str, ...]:
    chosen = tuple(s for s, on in (("why", why), ("why_not", why_not), ("what_if", what_if)) if on)
    return chosen or ("why",)


def _case_body(service: Service) -> dict:
    from ..solver.case import case_schema

    schema = {k: v for k, v in case_schema(service.policy).items() if k != "$schema"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-py package's files when installed; FastAPI's default otherwise."""
    from fastapi.openapi.docs import get_swagger_ui_html

    spec = importlib.util.find_spec("swagger_ui")
    assets = (
        Path(next(iter(spec.submodule_search_locations))) / "static"
        if spec and spec.submodule_search_locations
        else None
    )
    if assets is not None and (assets / "swagger-ui-bundle.js").is_file():
        app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")
        js, css, icon = (
            "/docs-assets/swagger-ui-bundle.js",
            "/docs-assets/swagger-ui.css",
            "/docs-assets/favicon-32x32.png",
        )
    else:
        js = css = icon = None

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        kwargs = {"swagger_js_url": js, "swagger_css_url": css, "swagger_favicon_url": icon} if js else {}
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title="visa-rules API", **kwargs)
