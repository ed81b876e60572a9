"""`visa-rules explain` as a user meets it: formats, exit codes, no tracebacks, same bytes each run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "smc-eligible.json"
UNDERPAID = ROOT / "tests" / "cases" / "smc-pay-level4-one-cent-under-1.5x.json"


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "visarules", "explain", *map(str, args)], capture_output=True, text=True
    )


def test_text_tree_names_rules_clauses_and_values():
    r = run(EXAMPLE)
    assert r.returncode == 0, r.stderr
    assert "ELIGIBLE" in r.stdout and "smc.employment.pay" in r.stdout
    assert "SR3.20(a)" in r.stdout and "employment_hourly_pay ≥ favourable_median: yes — $65.00 ≥ $31.61" in r.stdout
    assert "work[0].pay_per_hour ≥ 2 × period_median: yes — $52.00 ≥ 2 × $25.50 = $51.00" in r.stdout
    assert "Why not" not in r.stdout and "What would change it" not in r.stdout


def test_why_not_and_what_if_in_text():
    r = run(UNDERPAID, "--why-not", "--what-if", "--max", "2")
    assert r.returncode == 0, r.stderr
    assert "$47.41 < 1.5 × $31.61 = $47.415; short by $0.01" in r.stdout
    assert "employment.pay_per_hour: $47.41 → $47.42" in r.stdout
    assert "\nWhy\n" not in r.stdout  # only the sections asked for


def test_json_report_with_every_section():
    r = run(UNDERPAID, "--format", "json", "--why", "--why-not", "--what-if")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["outcome"] == "not_eligible" and doc["sections"] == ["why", "why_not", "what_if"]
    assert doc["what_if"]["status"] == "found"
    alt = doc["what_if"]["alternatives"][0]
    assert alt["changes"][0]["to_value"] == "47.42" and alt["outcome"] == "eligible"
    assert alt["case"]["employment"]["pay_per_hour"] == "47.42"


def test_an_alternative_case_file_decides_eligible(tmp_path):
    doc = json.loads(run(UNDERPAID, "--format", "json", "--what-if").stdout)
    path = tmp_path / "alternative.json"
    path.write_text(json.dumps(doc["what_if"]["alternatives"][0]["case"]))
    r = subprocess.run(
        [sys.executable, "-m", "visarules", "decide", str(path), "--format", "json"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["outcome"] == "eligible"


def test_html_report_parses_and_is_self_contained():
    r = run(UNDERPAID, "--format", "html", "--why-not", "--why", "--what-if")
    assert r.returncode == 0, r.stderr
    assert "<link" not in r.stdout and 'src="http' not in r.stdout
    seen: list[str] = []

    class Collect(HTMLParser):
        def handle_data(self, data):
            seen.append(data)

    Collect().feed(r.stdout)
    text = "".join(seen)
    assert "not eligible" in text and "short by $0.01" in text and "SR3.20(a)" in text


def test_markdown_report():
    r = run(UNDERPAID, "--format", "markdown", "--why", "--why-not")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# Explanation: not eligible")
    assert "## What decided it" in r.stdout and "smc.employment.pay" in r.stdout


FORMATS = ("text", "json", "markdown", "html")
EVERY_FORMAT = """
import contextlib, io, json, sys
from visarules.cli import main
case, formats = sys.argv[1], sys.argv[2:]
outputs = []
for fmt in formats:
    sys.argv = ["visa-rules", "explain", case, "--format", fmt, "--why", "--why-not", "--what-if"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit as e:
            assert not e.code, (fmt, e.code)
    outputs.append(out.getvalue())
print(json.dumps(outputs))
"""


def test_output_is_byte_identical_across_runs():
    """Two processes with different hash seeds (set and dict orders differ) write the same bytes in
    every format; each process explains in all four, to pay the start once."""
    runs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        r = subprocess.run([sys.executable, "-c", EVERY_FORMAT, str(UNDERPAID), *FORMATS],
                           capture_output=True, text=True, env=env)  # fmt: skip
        assert r.returncode == 0, r.stderr
        runs.append(json.loads(r.stdout))
    assert all(out.strip() for out in runs[0])
    for fmt, first, second in zip(FORMATS, *runs):
        assert first == second, fmt


def test_bad_case_file_exits_2_with_the_field_named(tmp_path):
    case = json.loads(EXAMPLE.read_text())
    case["employment"]["pay_per_hour"] = "lots"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case))
    r = run(path, "--what-if")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "employment.pay_per_hour: expected an amount of money" in r.stderr


def test_missing_case_file_exits_2():
    r = run("no-such-case.json")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no-such-case.json" in r.stderr


def test_max_must_be_positive():
    r = run(UNDERPAID, "--what-if", "--max", "0")
    assert r.returncode == 2 and "Traceback" not in r.stderr
