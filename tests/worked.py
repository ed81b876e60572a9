"""The worked cases, and small sets of them that between them still reach every rule.

A few checks cost seconds per case (what-if searches, explanation trees of every rule). They run
on a covering set: the fewest worked cases (chosen greedily, ties broken by name, so the choice is
the same every run) that together reach every rule the whole set reaches in the way that check is
about — every rule assessed, or every rule that fails. The cheaper per-case checks still run on
every worked case.
"""

from __future__ import annotations

import json
from pathlib import Path

CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES.glob("*.json"))
ADVERSE = ("not_met", "raised", "stopped")


def expected(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["expect"]


def covering(paths: list[Path], reaches) -> list[Path]:
    """The fewest of `paths` whose `reaches(path)` sets together give the union of all of them."""
    reached = {p: frozenset(reaches(p)) for p in paths}
    left = frozenset().union(*reached.values())
    chosen: list[Path] = []
    while left:
        best = max(sorted(paths), key=lambda p: len(reached[p] & left))  # max keeps the first of ties
        chosen.append(best)
        left -= reached[best]
    return sorted(chosen)


def assessed_rules(path: Path) -> set[str]:
    return {rule for rule in expected(path)["effects"]} - set(expected(path).get("not_assessed", []))


def failing_rules(path: Path) -> set[str]:
    return {rule for rule, effect in expected(path)["effects"].items() if effect in ADVERSE}


_DECIDED: dict[tuple[int, Path], object] = {}  # (id of the policy, case file) → clingo's verdict
_NEIGHBOURS = 40


def clingo_verdict(policy, path: Path, files: list[Path] | None = None):
    """clingo's verdict on a case file, decided together with the files after it in `files` (the
    worked cases by default): per-case tests run in file order, so one clingo grounding serves
    the next forty. Each verdict is the one the case gets alone (tests/test_differential.py)."""
    from visarules.solver.backends.registry import verdicts
    from visarules.solver.case import load_case, read_case_file

    key = (id(policy), path)
    if key not in _DECIDED:
        files = files if files is not None else CASE_FILES
        at = files.index(path) if path in files else len(files)
        batch = [path] + [f for f in files[at + 1 :] if (id(policy), f) not in _DECIDED][: _NEIGHBOURS - 1]
        cases = [load_case(policy, read_case_file(f), str(f)) for f in batch]
        for f, v in zip(batch, verdicts(policy, cases, "clingo")):
            _DECIDED[id(policy), f] = v
    return _DECIDED[key]
