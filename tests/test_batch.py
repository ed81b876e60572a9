"""`visa-rules batch`: one output row per input row, whatever the input; decisions identical to a
single-case `decide`; resumable without redoing or duplicating a row; the same output across
processes and on Dask; a disagreement between readings reported loudly."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from visarules.solver.batch import Row, decide_chunk, flat_columns, generate, read_rows, run_batch, write_parquet
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import decide

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
SNAPSHOT = ROOT / "tests" / "snapshots" / "outputs.json"


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def generated(policy):
    return list(generate(policy, 240, seed=5))


@pytest.fixture(scope="module")
def caseload(tmp_path_factory, generated):
    path = tmp_path_factory.mktemp("load") / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in generated))
    return path


def test_decisions_with_reasons_are_a_single_decide_on_every_worked_case(policy):
    """Against the recorded `decide --format json` of each case alone (tests/test_snapshot.py checks
    that record against a fresh decide), so that the worked cases are not decided alone twice."""
    files = sorted(CASES.glob("*.json"))
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    rows = [Row(i, f.name, read_case_file(f)) for i, f in enumerate(files)]
    out = decide_chunk(policy, rows, reasons=True).rows
    assert len(out) == len(files)
    for f, row in zip(files, out):
        alone = recorded[f.stem]["decide"]
        assert row["outcome"] == alone["outcome"] and row["version"] == alone["instruction_version"]["name"]
        assert row["points"] == alone["points"]["total"] and row["points_by_category"] == alone["points"]["by_category"]
        for key in ("reasons", "concerns", "not_assessed", "not_applicable"):
            assert row[key] == alone[key], (f.name, key)


def test_decisions_with_reasons_are_a_single_decide_on_generated_cases(policy, generated):
    rows = [Row(i, f"g{i}", c) for i, c in enumerate(generated[:40])]
    for row, data in zip(decide_chunk(policy, rows, reasons=True).rows, generated):
        alone = decide(policy, load_case(policy, data)).to_json()
        assert row["reasons"] == alone["reasons"] and row["outcome"] == alone["outcome"]
        assert row["failing"] == [r["rule"] for r in alone["reasons"] if r["effect"] in ("not_met", "stopped")]


def test_verdicts_only_agree_with_clingo(policy, generated):
    rows = [Row(i, f"g{i}", c) for i, c in enumerate(generated)]
    lean = decide_chunk(policy, rows, verdicts_only=True)
    full = decide_chunk(policy, rows)
    assert lean.disagreements == [] and lean.rechecked >= 3
    strip = lambda r: {k: r[k] for k in ("row", "outcome", "category", "version", "points", "failing")}  # noqa: E731
    assert [strip(r) for r in lean.rows] == [strip(r) for r in full.rows]


def test_a_disagreement_is_reported_not_hidden(policy, generated, monkeypatch):
    from visarules.solver.backends import columnar

    real = columnar.decide_columns

    def wrong(policy, columns, reasons=True):
        decided = real(policy, columns, reasons)
        decided.outcome[:] = 0  # everything "eligible": a broken reading
        return decided

    monkeypatch.setattr(columnar, "decide_columns", wrong)
    rows = [Row(i, f"g{i}", c) for i, c in enumerate(generated[:101])]
    result = decide_chunk(policy, rows, verdicts_only=True)
    assert result.disagreements and result.disagreements[0].row == 0


def test_every_row_gives_one_row_errors_named(policy, tmp_path):
    good = json.loads((ROOT / "examples" / "smc-eligible.json").read_text())
    missing = {k: v for k, v in good.items() if k != "lodgement_date"}
    bad_pay = json.loads(json.dumps(good))
    bad_pay["employment"]["pay_per_hour"] = "lots"
    path = tmp_path / "mixed.jsonl"
    lines = [json.dumps(good), "{not json", "", json.dumps(missing), "[1, 2]", json.dumps(bad_pay)]
    path.write_text("\n".join(lines) + "\n")
    journal = tmp_path / "out.jsonl"
    totals = run_batch(policy, read_rows(policy, path), journal)
    out = rows_of(journal)
    assert [r["row"] for r in out] == [0, 1, 2, 3, 4] and totals.rows == 5 and totals.errors == 4
    assert out[0]["error"] is None and out[0]["outcome"] == "eligible"
    assert "mixed.jsonl:2" in out[1]["error"] and "not valid JSON" in out[1]["error"]
    assert "lodgement_date: missing" in out[2]["error"] and "mixed.jsonl:4" in out[2]["id"]
    assert "one JSON object" in out[3]["error"]
    assert "employment.pay_per_hour" in out[4]["error"] and "money" in out[4]["error"]


def test_a_folder_and_a_csv_read_as_their_case_files(policy, tmp_path):
    files = sorted(CASES.glob("*.json"))[:25]
    folder = tmp_path / "folder"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    by_folder = [r.data for r in read_rows(policy, folder)]
    assert [r for r in by_folder] == [read_case_file(f) for f in files]
    # the same cases flattened into CSV columns
    columns = [c.name for c in flat_columns(policy, items=3)] + ["about"]
    path = tmp_path / "cases.csv"
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, columns)
        w.writeheader()
        for data in by_folder:
            w.writerow(_flatten(data))
    decided_folder = run_batch(policy, read_rows(policy, folder), tmp_path / "a.jsonl")
    decided_csv = run_batch(policy, read_rows(policy, path), tmp_path / "b.jsonl")
    keep = lambda r: (r["outcome"], r["points"], r["failing"], r["error"])  # noqa: E731
    assert decided_csv.errors == decided_folder.errors == 0
    assert [keep(r) for r in rows_of(tmp_path / "a.jsonl")] == [keep(r) for r in rows_of(tmp_path / "b.jsonl")]


def _flatten(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if key == "expect":
            continue
        if isinstance(value, dict):
            out.update({f"{key}.{k}": _text(v) for k, v in value.items()})
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out.update({f"{key}[{i}].{k}": _text(v) for k, v in item.items()})
        else:
            out[key] = _text(value)
    return out


def _text(v) -> str:
    return "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)


def test_a_bad_csv_cell_names_the_row_and_field(policy, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("category,lodgement_date,employment.hours_per_week\nsmc,2024-13-01,forty\n")
    (row,) = decide_chunk(policy, list(read_rows(policy, path))).rows
    assert "bad.csv:row 1" in row["error"] and "employment.hours_per_week" in row["error"]
    assert "lodgement_date" in row["error"]


def test_parquet_in_and_out(policy, tmp_path, generated):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "cases.parquet"
    names = [c.name for c in flat_columns(policy, items=3)]  # every column, so none is dropped by inference
    flat = [_flatten(c) for c in generated[:60]]
    pq.write_table(pa.Table.from_pylist([{n: f.get(n) for n in names} for f in flat]), source)
    journal = tmp_path / "out.journal.jsonl"
    run_batch(policy, read_rows(policy, source), journal)
    write_parquet(journal, tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 60 and table.column("row").to_pylist() == list(range(60))
    expected = decide_chunk(policy, [Row(i, "", c) for i, c in enumerate(generated[:60])]).rows
    assert table.column("outcome").to_pylist() == [r["outcome"] for r in expected]


def test_interrupted_and_resumed_gives_every_row_once(policy, caseload, tmp_path):
    whole = tmp_path / "whole.jsonl"
    run_batch(policy, read_rows(policy, caseload), whole, chunk_size=40)
    journal = tmp_path / "resumed.jsonl"
    seen = []

    def stop_after_three_chunks(n):
        seen.append(n)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(policy, read_rows(policy, caseload), journal, chunk_size=40, progress=stop_after_three_chunks)
    with journal.open("a") as f:
        f.write('{"row": 120, "id": "half a li')  # a write cut short
    totals = run_batch(policy, read_rows(policy, caseload), journal, chunk_size=40, resume=True)
    assert totals.skipped == 120 and totals.rows == 120
    out = rows_of(journal)
    assert [r["row"] for r in out] == list(range(240))
    assert out == rows_of(whole)


@pytest.mark.slow  # starts a Dask LocalCluster and a process pool, about 8 s
def test_jobs_and_dask_give_the_same_output(policy, caseload, tmp_path):
    from distributed import Client, LocalCluster

    one = tmp_path / "one.jsonl"
    run_batch(policy, read_rows(policy, caseload), one, chunk_size=60)
    two = tmp_path / "two.jsonl"
    run_batch(policy, read_rows(policy, caseload), two, chunk_size=60, jobs=2)
    assert rows_of(two) == rows_of(one)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        dask = tmp_path / "dask.jsonl"
        run_batch(policy, read_rows(policy, caseload), dask, chunk_size=60, cluster=cluster.scheduler_address)
        with Client(cluster.scheduler_address):
            pass
    assert rows_of(dask) == rows_of(one)


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "visarules", *args], capture_output=True, text=True, cwd=cwd)


def test_the_command(caseload, tmp_path):
    out = tmp_path / "decided.jsonl"
    run = cli("batch", str(caseload), "--out", str(out), "--verdicts-only")
    assert run.returncode == 0, run.stderr
    assert "240 rows decided" in run.stdout and "by category and instruction version" in run.stdout
    assert len(rows_of(out)) == 240
    again = cli("batch", str(caseload), "--out", str(out))
    assert again.returncode == 2 and "--resume" in again.stderr and "Traceback" not in again.stderr
    resumed = cli("batch", str(caseload), "--out", str(out), "--resume")
    assert resumed.returncode == 0 and "240 already in" in resumed.stdout and len(rows_of(out)) == 240
    both = cli("batch", str(caseload), "--out", str(tmp_path / "x.jsonl"), "--reasons", "--verdicts-only")
    assert both.returncode == 2 and "Traceback" not in both.stderr
    nowhere = cli("batch", str(tmp_path / "nothing.jsonl"), "--out", str(tmp_path / "y.jsonl"))
    assert nowhere.returncode == 2 and "no such file" in nowhere.stderr


def test_schema_documents_the_csv_columns(policy):
    run = cli("schema", "--csv")
    assert run.returncode == 0
    header = next(line for line in run.stdout.splitlines() if not line.startswith("#"))
    assert header == "column,required,expected,description"
    names = {line.split(",")[0] for line in run.stdout.splitlines()[5:]}
    assert {"lodgement_date", "employment.pay_per_hour", "work[0].start", "work[1].end"} <= names
