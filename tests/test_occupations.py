"""The whole ANZSCO v1.3 classification: a case with any listed code decides with its NZ skill level.

The expected level of each sampled code is read from the shipped CSV (the NZ value; the file's
`source` column quotes the AU/NZ split where there is one), and a few are also checked against the
figures the sources state outright (351411 Cook is 4 in New Zealand, 3 in Australia).
"""

from __future__ import annotations

import copy
import csv
import re
from pathlib import Path

import pytest

from visarules.solver.backends.asp import solve_many
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import build_decision, decide

ROOT = Path(__file__).resolve().parent.parent
CSV_PATH = ROOT / "policy" / "data" / "anzsco.csv"
BASE_CASE = ROOT / "tests" / "cases" / "smc-eligible-baseline.json"
MEDIAN_2024 = "31.61"  # the median in force for the base case's lodgement on 2024-05-01


def _rows() -> dict[int, tuple[int, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        return {int(r["code"]): (int(r["skill_level"]), r["source"]) for r in csv.DictReader(f)}


ROWS = _rows()
SPLIT = sorted(code for code, (_, source) in ROWS.items() if "Aus," in source)


def _sample_by_level() -> list[int]:
    """The first, middle and last code of each NZ skill level."""
    picked = []
    for level in range(1, 6):
        codes = sorted(c for c, (lvl, _) in ROWS.items() if lvl == level)
        picked += [codes[0], codes[len(codes) // 2], codes[-1]]
    return picked


def _split_levels(source: str) -> tuple[int, int]:
    match = re.search(r"'(\d) Aus,(\d) NZ'", source)
    assert match, source
    return int(match.group(1)), int(match.group(2))


def _case(policy, code: int):
    """The eligible base case with its job (and its work) in occupation `code`, paid the median."""
    data = copy.deepcopy(read_case_file(BASE_CASE))
    data.pop("expect")
    data["employment"]["anzsco"] = code
    data["employment"]["pay_per_hour"] = MEDIAN_2024
    for period in data["work"]:
        period["anzsco"] = code
    return load_case(policy, data, f"anzsco {code}")


def _decisions(policy, codes: list[int], engine: str):
    cases = [_case(policy, code) for code in codes]
    if engine == "clingo":  # many cases in one clingo Control, as `batch --reasons` decides them
        return [build_decision(policy, c, v, "clingo") for c, v in zip(cases, solve_many(policy, cases), strict=True)]
    return [decide(policy, c, engine=engine) for c in cases]


def _check_levels(policy, levels: dict[int, int], engine: str) -> None:
    for code, decision in zip(levels, _decisions(policy, list(levels), engine), strict=True):
        level = levels[code]
        effects = {r.rule: r for r in decision.reasons}
        pay = effects["smc.employment.pay"]
        # Paid exactly the median: enough for levels 1-3, short of 1.5 times it for levels 4-5.
        assert pay.effect == ("met" if level <= 3 else "not_met"), (code, engine, pay.text)
        assert f"skill level {level} of occupation {code}" in pay.text, (code, engine, pay.text)
        assert effects["smc.employment.unknown_occupation"].effect == "clear", (code, engine)


def test_the_table_holds_every_v13_occupation(policy):
    (table,) = [t for t in policy.tables if t.name == "occupations"]
    assert len(table.rows) == 1023 == len(ROWS)
    assert len(SPLIT) == 56
    by_code = {key: values for key, values in table.rows}
    assert by_code[351411][1] == 4 and by_code[313112][1] == 2


def test_cook_is_level_4_in_new_zealand():
    assert _split_levels(ROWS[351411][1]) == (3, 4)
    assert ROWS[351411][0] == 4


@pytest.mark.parametrize("engine", ["clingo", "python", "columnar"])
def test_sampled_codes_decide_with_their_nz_level(policy, engine):
    _check_levels(policy, {code: ROWS[code][0] for code in _sample_by_level()}, engine)


@pytest.mark.parametrize("engine", ["clingo", "python", "columnar"])
def test_every_au_nz_split_row_decides_with_the_nz_level(policy, engine):
    nz_levels = {code: _split_levels(ROWS[code][1])[1] for code in SPLIT}
    assert all(ROWS[code][0] == nz for code, nz in nz_levels.items())
    assert any(au != nz for au, nz in map(_split_levels, (ROWS[c][1] for c in SPLIT)))
    _check_levels(policy, nz_levels, engine)


def test_z3_reads_the_nz_level_too(policy):
    """A smaller sample through Z3 (a solver call per case): one code per level and split rows that
    change the band either way (Cook 3 → 4 is stricter in NZ, Train Driver 4 → 3 more generous)."""
    more_generous = next(c for c in SPLIT if _split_levels(ROWS[c][1]) == (4, 3))
    sample = [351411, more_generous] + [min(c for c, (lvl, _) in ROWS.items() if lvl == level) for level in range(1, 6)]
    _check_levels(policy, {code: ROWS[code][0] for code in sample}, "z3")


@pytest.mark.parametrize("engine", ["clingo", "python", "columnar", "z3"])
def test_a_code_outside_anzsco_is_still_a_concern(policy, engine):
    assert 351400 not in ROWS  # an nfd code, not an occupation
    decision = decide(policy, _case(policy, 351400), engine=engine)
    effects = {r.rule: r for r in decision.reasons}
    assert effects["smc.employment.unknown_occupation"].effect == "raised"
    assert effects["smc.employment.pay"].effect == "not_met"  # treated as level 4-5
