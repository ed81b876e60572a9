"""Golden outputs: every example and worked case, decided and explained, must give exactly the
output recorded in tests/snapshots/outputs.json, so that no change of behaviour goes unnoticed.

The decision JSON is recorded in full (a policy change shows up as a readable diff of it); each
explanation is recorded as a SHA-256 of its text: the JSON one for every case, the text, Markdown
and HTML renderings of it for the examples and every fourth case (RENDERED). After a deliberate change, record the new
outputs with `python tests/test_snapshot.py` and review the diff of the snapshot file.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from functools import cache
from pathlib import Path

import pytest
from worked import clingo_verdict

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "snapshots" / "outputs.json"
FILES = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "tests" / "cases").glob("*.json"))
WHAT_IF = {f.stem for f in FILES[:12]}  # what-if is the slow part: a sample of the cases
# The JSON explanation holds every fact of the others; the text, Markdown and HTML renderings of it
# (rich's tree layout costs half a second a case) are checked on the examples and every fourth case.
RENDERED = {f.stem for f in FILES if f.parent.name == "examples"} | {f.stem for f in FILES[::4]}


@cache
def _policy():
    from visarules.dsl import load_policy

    return load_policy(ROOT / "policy")


def outputs(path: Path) -> dict:
    """What the CLI would print for this case: `decide --format json`, and `explain` in each format."""
    from rich.console import Console

    from visarules.solver.analyses.explain import explain
    from visarules.solver.analyses.whatif import what_if
    from visarules.solver.case import load_case, read_case_file
    from visarules.solver.decision import build_decision
    from visarules.solver.report import Report, render_html, render_json, render_markdown, to_rich

    policy = _policy()
    source = str(path.relative_to(ROOT))
    case = load_case(policy, read_case_file(path), source)
    decided = clingo_verdict(policy, path, FILES)
    alternatives = what_if(policy, case, 3, current=decided) if path.stem in WHAT_IF else None
    sections = ("why", "why_not", "what_if") if alternatives is not None else ("why", "why_not")
    report = Report(explain(policy, case, decided, source), sections, alternatives)
    console = Console(highlight=False, width=100_000, record=True, file=io.StringIO())
    texts = {"json": render_json(report)}
    if path.stem in RENDERED:
        for part in to_rich(report):
            console.print(part)
        texts |= {"text": console.export_text(), "markdown": render_markdown(report), "html": render_html(report)}
    return {
        "decide": build_decision(policy, case, decided, "clingo").to_json(),  # as `decide` builds it
        "explain_sha256": {k: hashlib.sha256(v.encode()).hexdigest() for k, v in texts.items()},
    }


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_the_snapshot_covers_every_case(recorded):
    assert sorted(recorded) == sorted(f.stem for f in FILES), "record the snapshot again: python tests/test_snapshot.py"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_outputs_match_the_snapshot(path, recorded):
    got = outputs(path)
    want = recorded.get(path.stem)
    assert want is not None, f"{path.stem} is not in the snapshot; record it: python tests/test_snapshot.py"
    assert got["decide"] == want["decide"], f"decide output changed for {path.name}"
    assert sorted(got["explain_sha256"]) == sorted(want["explain_sha256"]), "record the snapshot again"
    changed = [k for k, h in got["explain_sha256"].items() if want["explain_sha256"].get(k) != h]
    assert not changed, f"explain output changed for {path.name} in: {', '.join(changed)}"


if __name__ == "__main__":  # record the outputs of the current code
    sys.path.insert(0, str(ROOT))
    SNAPSHOT.parent.mkdir(exist_ok=True)
    data = {f.stem: outputs(f) for f in FILES}
    SNAPSHOT.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(data)} cases in {SNAPSHOT.relative_to(ROOT)}")
