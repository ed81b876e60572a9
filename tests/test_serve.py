"""The HTTP API (`visa-rules serve`), through FastAPI's TestClient: every endpoint, the answers'
models against what the CLI prints, bad input (422 with the CLI's messages, never a trace), the
size limits, and one report through both doors."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient

from visarules import __version__
from visarules.dsl.units import date_code
from visarules.server import create_app
from visarules.server.models import BatchRow, DecisionModel, ExplanationModel
from visarules.solver.analyses.explain import explain
from visarules.solver.analyses.whatif import what_if
from visarules.solver.backends import ENGINES
from visarules.solver.case import case_schema, load_case, read_case_file
from visarules.solver.decision import decide, verdict
from visarules.solver.report import SECTIONS, Report, context_for, to_json

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "smc-eligible.json"
CASES = ROOT / "tests" / "cases"
WTR_UNDER = CASES / "wtr-job-pay-one-cent-under-tier2-median.json"
SNAPSHOT = ROOT / "tests" / "snapshots" / "outputs.json"


@pytest.fixture(scope="module")
def client(policy):
    return TestClient(create_app(policy, __version__, max_body=200_000, max_rows=5))


def _bad_example() -> dict:
    case = json.loads(EXAMPLE.read_text())
    case["employment"]["pay_per_hour"] = "lots"
    case["applicant"]["date_of_birth"] = "14/07/1988"
    case["surprise"] = 1
    return case


# ---------------------------------------------------------------- decide


def test_decide_answers_what_the_cli_prints(client, policy):
    r = client.post("/v1/decide", content=EXAMPLE.read_bytes())
    assert r.status_code == 200, r.text
    case = load_case(policy, read_case_file(EXAMPLE))
    assert r.json() == decide(policy, case).to_json()


def test_every_engine_decides_alike(client):
    outcomes = {
        e: client.post(f"/v1/decide?engine={e}", content=WTR_UNDER.read_bytes()).json()["outcome"] for e in ENGINES
    }
    assert set(outcomes) == {"clingo", "python", "z3", "columnar"}
    assert set(outcomes.values()) == {"not_eligible"}, outcomes


def test_the_decision_model_is_exactly_the_cli_json_for_every_worked_case():
    """The recorded `decide --format json` of every example and worked case, through the model:
    nothing added, nothing dropped, nothing converted."""
    recorded = json.loads(SNAPSHOT.read_text())
    for name, out in recorded.items():
        doc = out["decide"]
        dumped = DecisionModel.model_validate(doc).model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert dumped == doc, name


def test_an_unknown_engine_is_a_422_naming_the_choices(client):
    r = client.post("/v1/decide?engine=oracle", content=EXAMPLE.read_bytes())
    assert r.status_code == 422
    assert r.json()["problems"] == ['engine: expected one of clingo, python, z3, columnar, found "oracle"']


# ---------------------------------------------------------------- bad input


def test_a_bad_case_gets_the_cli_messages(client, tmp_path):
    bad = _bad_example()
    r = client.post("/v1/decide", content=json.dumps(bad))
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_case" and "Traceback" not in r.text
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    cli = subprocess.run([sys.executable, "-m", "visarules", "decide", str(path)], capture_output=True, text=True)
    assert cli.returncode == 2
    printed = " ".join(cli.stderr.split())  # the terminal may wrap a long message
    assert len(body["problems"]) == cli.stderr.count("\n  - ") >= 3  # every bad field, each once
    for problem in body["problems"]:
        assert f"- {' '.join(problem.split())}" in printed
    assert any(p.startswith("employment.pay_per_hour: expected an amount of money") for p in body["problems"])


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"{nope", "not valid JSON"),
        (b"[1, 2]", "the file must hold one JSON object"),
        (b"\xff\xfe", "not UTF-8"),
        (b"", "not valid JSON"),
    ],
)
def test_a_body_that_is_not_a_case_is_a_422(client, body, problem):
    for route in ("/v1/decide", "/v1/explain", "/v1/report"):
        r = client.post(route, content=body)
        assert r.status_code == 422, route
        assert problem in r.json()["problems"][0] and "Traceback" not in r.text


def test_bad_query_parameters_are_a_422_not_a_trace(client):
    r = client.post("/v1/explain?max=0", content=EXAMPLE.read_bytes())
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert r.json()["problems"][0].startswith("query.max:")
    r = client.get("/v1/policy?date=yesterday")
    assert r.status_code == 422 and r.json()["problems"][0].startswith("query.date:")


def test_a_failure_inside_is_a_500_without_a_trace(policy, monkeypatch):
    from visarules.server import service

    def broken(*_args, **_kwargs):
        raise RuntimeError("the solver fell over")

    monkeypatch.setattr(service, "decide", broken)
    client = TestClient(create_app(policy, __version__), raise_server_exceptions=False)
    r = client.post("/v1/decide", content=EXAMPLE.read_bytes())
    assert r.status_code == 500 and "Traceback" not in r.text
    assert r.json() == {"error": "internal", "message": "visa-rules failed: the solver fell over"}


def test_a_body_over_the_limit_is_a_413(client):
    big = b" " * 200_001 + EXAMPLE.read_bytes()
    r = client.post("/v1/decide", content=big)  # the declared length is over the limit
    assert r.status_code == 413 and r.json()["error"] == "too_large"

    def chunks():  # no declared length: counted as it arrives
        for _ in range(30):
            yield b" " * 10_000

    r = client.post("/v1/decide", content=chunks())
    assert r.status_code == 413 and "200000 bytes" in r.json()["problems"][0]


# ---------------------------------------------------------------- explain and the report


@pytest.mark.parametrize("path", [WTR_UNDER, CASES / "smc-age-56-on-birthday.json", EXAMPLE], ids=lambda p: p.stem)
def test_explain_answers_the_cli_json(client, policy, path):
    r = client.post("/v1/explain?what_if=true&max=2", content=path.read_bytes())
    assert r.status_code == 200, r.text
    case = load_case(policy, read_case_file(path), "request body")
    decided = verdict(policy, case, "clingo")
    report = Report(explain(policy, case, decided, "request body"), SECTIONS, what_if(policy, case, 2, current=decided))
    want = to_json(report)
    assert r.json() == want
    dumped = ExplanationModel.model_validate(want).model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == want  # the model writes exactly what the CLI writes


def test_the_published_explanation_schema_accepts_the_cli_json(client):
    schema = client.get("/v1/schema/explanation").json()
    doc = client.post("/v1/explain?what_if=true", content=WTR_UNDER.read_bytes()).json()
    jsonschema.validate(doc, schema)
    doc["outcome"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_the_saved_report_is_the_cli_report(client):
    """One report, two doors: the page's saved file is byte for byte `explain --format html`."""
    source = str(WTR_UNDER.relative_to(ROOT))
    page = client.post(f"/v1/report?what_if=true&source={source}", content=WTR_UNDER.read_bytes())
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    cli = subprocess.run(
        [sys.executable, "-m", "visarules", "explain", source, "--format", "html", "--why", "--why-not", "--what-if"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert cli.returncode == 0, cli.stderr
    assert page.text == cli.stdout


def test_the_report_fragment_leads_with_the_failing_rule_and_its_margin(client):
    r = client.post("/v1/report?fragment=true", content=WTR_UNDER.read_bytes())
    html = r.text
    assert html.startswith("<article") and "<html" not in html
    assert 'data-outcome="not_eligible"' in html
    lead = html.index('class="deciding"')
    assert lead < html.index('class="what-if"') < html.index('class="justification"')
    decisive = html[lead : html.index('class="what-if"')]
    assert 'data-rule="wtr.employment.pay"' in decisive and "short by $0.01" in decisive


# ---------------------------------------------------------------- batch


def test_a_batch_gives_one_row_per_case_line_in_order(client):
    good = json.dumps(json.loads(EXAMPLE.read_text()))
    under = json.dumps(json.loads(WTR_UNDER.read_text()))
    body = "\n".join([good, "", json.dumps(_bad_example()), under, "{broken"]) + "\n"
    r = client.post("/v1/batch", content=body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    rows = [BatchRow.model_validate_json(line) for line in r.text.splitlines()]
    assert [(row.line, row.ok) for row in rows] == [(1, True), (3, False), (4, True), (5, False)]
    assert rows[0].decision.outcome == "eligible" and rows[2].decision.outcome == "not_eligible"
    alone = client.post("/v1/decide", content=json.dumps(_bad_example())).json()["problems"]
    assert rows[1].error.source == "line 3" and rows[1].error.problems == alone
    assert "not valid JSON" in rows[3].error.problems[0]


def test_a_batch_over_the_row_limit_is_a_413(client):
    line = json.dumps(json.loads(EXAMPLE.read_text()))
    r = client.post("/v1/batch", content="\n".join([line] * 6))
    assert r.status_code == 413 and "at most 5" in r.json()["message"]


# ---------------------------------------------------------------- schemas and the policy


def test_the_case_schema_is_the_cli_schema(client, policy):
    assert client.get("/v1/schema").json() == case_schema(policy)


def test_every_answer_schema_is_published(client):
    for name in ("decision", "explanation", "policy", "batch-row", "error"):
        r = client.get(f"/v1/schema/{name}")
        assert r.status_code == 200 and r.json()["type"] == "object", name
    assert client.get("/v1/schema/nope").status_code == 422


def test_the_policy_at_a_date(client, policy):
    day = "2024-05-01"
    doc = client.get(f"/v1/policy?date={day}").json()
    import datetime as dt

    when = dt.date.fromisoformat(day)
    members = policy.category_enum.members
    for k, category in enumerate(members):
        assert doc["version_in_force"][category] == policy.version_at(when, k).name
        assert [category in v["in_force_for"] for v in doc["versions"]].count(True) == 1
    assert len(doc["rules"]) == len(policy.rules) and doc["tool_version"] == __version__
    for p, shown in zip(policy.params, doc["parameters"]):
        entry = p.entry_at(date_code(when))
        assert shown["parameter"] == p.name and shown["in_force_from"] == entry.start.isoformat()
    dated = [r for r in policy.rules if r.start and r.start > when]
    assert dated and all(not r["in_force_on_date"] for r in doc["rules"] if r["rule"] in {x.id for x in dated})
    assert doc["digest"] == context_for(policy, __version__).policy_digest


# ---------------------------------------------------------------- the page and the docs


def test_the_page_and_its_assets_ship_in_the_package(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    for asset in ("/assets/page.js", "/assets/page.css", "/assets/report.css"):
        r = client.get(asset)
        assert r.status_code == 200 and asset.rsplit("/", 1)[1] in page.text, asset
    assert "https://" not in client.get("/assets/page.js").text


def test_the_api_docs_need_no_cdn(client):
    docs = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/decide", "/v1/explain", "/v1/report", "/v1/batch", "/v1/schema", "/v1/policy"} <= set(paths)
    body = paths["/v1/decide"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "employment" in body["properties"]  # the case schema documents the body


# ---------------------------------------------------------------- the command


def test_serve_listens_on_this_machine_only_by_default():
    from visarules.cli.serve import serve_cmd

    params = inspect.signature(serve_cmd).parameters
    assert params["host"].default.default == "127.0.0.1" and params["port"].default.default == 8000


def test_serve_with_a_bad_policy_exits_2_without_a_trace(tmp_path):
    (tmp_path / "bad.rules").write_text('version "v" from 2024-01-01\nrule r "R" { stage 1 require nonsense }\n')
    r = subprocess.run(
        [sys.executable, "-m", "visarules", "serve", "--policy", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad.rules:2:" in r.stderr
