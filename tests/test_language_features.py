"""Language features the policy needs to decide real applications: tables read from CSV files,
the time covered by overlapping periods (counted once), instruction versions per category, and
deferring a secondary applicant without affecting the outcome. Each is decided by every reading."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from visarules.dsl import CaseError, PolicyError, load_policy
from visarules.solver.backends import registry
from visarules.solver.case import load_case
from visarules.solver.decision import decide

HEAD = """
enum Category { smc "SMC", wtr "WTR" }
input category: Category
input lodgement_date: date
"""


def _policy(tmp_path: Path, text: str, files: dict[str, str] | None = None, head: str = HEAD):
    (tmp_path / "p.rules").write_text(textwrap.dedent(head) + textwrap.dedent(text), encoding="utf-8")
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    return load_policy(tmp_path)


def _verdicts(policy, data: dict):
    case = load_case(policy, data)
    verdicts = {engine: registry.verdict(policy, case, engine) for engine in registry.ENGINES}
    first = next(iter(verdicts.values())).comparable()
    assert all(v.comparable() == first for v in verdicts.values()), {e: v.outcome for e, v in verdicts.items()}
    return verdicts["python"]


# ---------------------------------------------------------------- covered(…): overlaps count once

COVERED = """
version "v" from 2023-01-01 cites SR3.35
record Period { start: date  end: date last day  full_time: bool }
input work: list of Period 0..20 cites inferred "a few periods"
define in_last_year = covered(max(p.start, lodgement_date - 12 months), min(p.end, lodgement_date)
                              for each p in work where p.full_time)
define naive = sum(overlap(p.start, p.end, lodgement_date - 12 months, lodgement_date)
                  for each p in work where p.full_time)
rule t.year "A year of full-time work in the year before applying" {
  stage 1
  cites SR3.35
  require in_last_year >= 12 months
  met: "{in_last_year} (summed period by period: {naive})"
  not met: "{in_last_year} (summed period by period: {naive})"
}
"""


def _period(start, end, full_time=True):
    return {"start": start, "end": end, "full_time": full_time}


@pytest.mark.parametrize(
    "periods, covered_months, summed_months",
    [
        # two periods overlapping by three months: nine months once, twelve if summed
        ([_period("2023-06-01", "2023-11-30"), _period("2023-09-01", "2024-02-29")], "9 months", "12 months"),
        # one period inside another adds nothing
        ([_period("2023-03-01", "2024-02-29"), _period("2023-05-01", "2023-05-31")], "12 months", "13 months"),
        # the same period twice counts once
        ([_period("2023-03-01", "2024-02-29"), _period("2023-03-01", "2024-02-29")], "12 months", "24 months"),
        # back to back: both count in full
        ([_period("2023-03-01", "2023-08-31"), _period("2023-09-01", "2024-02-29")], "12 months", "12 months"),
        # a part-time period is not counted, however it overlaps
        ([_period("2023-03-01", "2023-08-31"), _period("2023-06-01", "2024-02-29", False)], "6 months", "6 months"),
        # an interval that ends before it starts covers nothing
        ([_period("2023-10-01", "2023-06-30"), _period("2023-12-01", "2024-02-29")], "3 months", "3 months"),
    ],
)
def test_overlapping_periods_count_once_in_every_reading(tmp_path, periods, covered_months, summed_months):
    policy = _policy(tmp_path, COVERED)
    case = {"category": "smc", "lodgement_date": "2024-03-01", "work": periods}
    v = _verdicts(policy, case)
    text = decide(policy, load_case(policy, case)).reasons[0].text
    assert text == f"{covered_months} (summed period by period: {summed_months})"
    assert v.outcome == ("eligible" if covered_months == "12 months" else "not_eligible")


def test_covered_takes_dates_and_names_its_list(tmp_path):
    with pytest.raises(PolicyError) as err:
        _policy(tmp_path, COVERED.replace("max(p.start, lodgement_date - 12 months)", "p.full_time"))
    assert "expected date, found bool" in err.value.render()
    with pytest.raises(PolicyError, match="'jobs' is not a list input"):
        _policy(tmp_path, COVERED.replace("for each p in work where", "for each p in jobs where"))
    with pytest.raises(PolicyError, match="unknown aggregate of intervals 'union'"):
        _policy(tmp_path, COVERED.replace("covered(", "union("))


# ---------------------------------------------------------------- tables read from CSV

TABLE = """
version "v" from 2023-01-01 cites SR3.10
input code: integer
table occupations "occupations" from "data/occ.csv" cites "test data" {
  key code: integer
  columns title: text, level: integer
}
rule t.level "A skilled occupation" {
  stage 1
  cites SR3.10
  require code in occupations and occupations[code].level <= 3
  met: "{occupations[code].title} is level {occupations[code].level}"
  not met: "{code} is level {occupations[code].level}"
}
"""
CSV = 'code,title,level,source\n261313,Software Engineer,1,ABS\n351411,"Cook, any",4,ABS\n'


def test_a_table_reads_its_rows_from_a_csv_file(tmp_path):
    policy = _policy(tmp_path, TABLE, {"data/occ.csv": CSV})
    (table,) = policy.tables
    assert table.rows == ((261313, ("Software Engineer", 1)), (351411, ("Cook, any", 4)))
    assert table.source == "data/occ.csv" and [str(c) for c in table.cites] == ["test data"]
    assert _verdicts(policy, {"category": "smc", "lodgement_date": "2024-01-01", "code": 261313}).outcome == "eligible"
    assert (
        _verdicts(policy, {"category": "smc", "lodgement_date": "2024-01-01", "code": 351411}).outcome == "not_eligible"
    )
    assert (
        _verdicts(policy, {"category": "smc", "lodgement_date": "2024-01-01", "code": 999999}).outcome == "not_eligible"
    )


def test_a_byte_order_mark_is_read_as_nothing(tmp_path):
    policy = _policy(tmp_path, TABLE, {"data/occ.csv": "\ufeff" + CSV})
    assert policy.tables[0].rows[0][0] == 261313


def _csv_error(tmp_path, csv_text: str, text: str = TABLE):
    with pytest.raises(PolicyError) as err:
        _policy(tmp_path, text, {"data/occ.csv": csv_text} if csv_text is not None else {})
    return err.value


def test_a_bad_cell_is_reported_at_its_line_and_column_in_the_csv(tmp_path):
    err = _csv_error(tmp_path, "code,title,level\n261313,Software Engineer,1\n351411,Cook,four\n")
    (d,) = err.diagnostics
    assert (d.span.file.endswith("occ.csv"), d.span.line, d.span.column) == (True, 3, 13)
    assert 'column level: "four" is not a whole number' in d.message
    rendered = err.render()
    assert "occ.csv:3:13:" in rendered and "351411,Cook,four" in rendered
    caret = rendered.splitlines()[rendered.splitlines().index("   3 | 351411,Cook,four") + 1]
    assert caret.index("^") - len("   3 | ") == 12


def test_a_duplicate_key_in_the_csv_is_an_error_naming_both_lines(tmp_path):
    err = _csv_error(tmp_path, "code,title,level\n1,a,1\n2,b,2\n1,c,3\n")
    (d,) = err.diagnostics
    assert d.span.line == 4 and "the key 1 appears twice" in d.message
    assert d.related[0][1].line == 2


def test_a_missing_column_is_reported_at_the_declaration(tmp_path):
    err = _csv_error(tmp_path, "code,title\n1,a\n")
    (d,) = err.diagnostics
    assert d.span.file.endswith("p.rules") and "has no column 'level'" in d.message and "code, title" in d.hint


def test_a_row_with_too_few_fields_is_reported(tmp_path):
    err = _csv_error(tmp_path, "code,title,level\n1,a\n")
    assert "this line has 2 fields, the header 3" in err.render()


def test_a_missing_file_is_reported_at_the_from_clause(tmp_path):
    err = _csv_error(tmp_path, None)
    (d,) = err.diagnostics
    written = (tmp_path / "p.rules").read_text().splitlines()
    from_line = next(i for i, line in enumerate(written, 1) if 'from "data/occ.csv"' in line)
    assert d.span.file.endswith("p.rules") and d.span.line == from_line and "no such file" in d.message


def test_a_file_outside_the_policy_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere.csv").write_text(CSV)
    folder = tmp_path / "policy"
    folder.mkdir()
    with pytest.raises(PolicyError, match="outside the policy folder"):
        _policy(folder, TABLE.replace("data/occ.csv", "../elsewhere.csv"))


def test_a_csv_table_needs_a_source_and_no_written_rows(tmp_path):
    err = _csv_error(tmp_path, CSV, TABLE.replace(' cites "test data"', ""))
    assert "its data has no source" in err.render()
    err = _csv_error(
        tmp_path,
        CSV,
        TABLE.replace("columns title: text, level: integer", 'columns title: text, level: integer\n  row 1: "x", 1'),
    )
    assert "it cannot list rows too" in err.render()


# ---------------------------------------------------------------- versions per category

VERSIONS = """
version "general" from 2023-01-01 cites SR3.10
version "WTR 2024" from 2024-06-01 for wtr cites SR5.1
version "general 2025" from 2025-01-01 cites SR3.15
rule t.any "Always met" {
  stage 1
  cites SR3.10
  require lodgement_date >= 2023-01-01
  met: "yes"
  not met: "no"
}
"""


@pytest.mark.parametrize(
    "category, lodged, version",
    [
        ("smc", "2024-07-01", "general"),
        ("wtr", "2024-07-01", "WTR 2024"),
        ("wtr", "2024-05-31", "general"),
        ("smc", "2025-02-01", "general 2025"),
        ("wtr", "2025-02-01", "general 2025"),
    ],
)
def test_each_category_names_its_own_instruction_version(tmp_path, category, lodged, version):
    policy = _policy(tmp_path, VERSIONS)
    v = _verdicts(policy, {"category": category, "lodgement_date": lodged})
    assert v.version == version
    d = decide(policy, load_case(policy, {"category": category, "lodgement_date": lodged}))
    assert d.version == version and all(r.version == version for r in d.reasons)


def test_a_case_before_its_category_s_first_version_is_a_case_error(tmp_path):
    policy = _policy(
        tmp_path,
        VERSIONS.replace(
            'version "general" from 2023-01-01 cites SR3.10', 'version "general" from 2023-01-01 for smc cites SR3.10'
        ),
    )
    with pytest.raises(CaseError, match=r"before the first instruction version this policy models \(2024-06-01\)"):
        load_case(policy, {"category": "wtr", "lodgement_date": "2024-01-01"})


@pytest.mark.parametrize(
    "change, message",
    [
        (("for wtr", "for work"), "'work' is not a Category"),
        (
            ('"WTR 2024" from 2024-06-01', '"WTR 2024" from 2025-01-01'),
            "two instruction versions of wtr start on 2025-01-01",
        ),
        (('"WTR 2024"', '"general"'), "two instruction versions are named 'general'"),
        (('version "general" from 2023-01-01 cites', 'version "general" from 2023-01-01 for wtr cites'), ""),
    ],
)
def test_version_declarations_are_checked(tmp_path, change, message):
    text = VERSIONS.replace(*change)
    if not message:  # smc is left with only the 2025 version: still every category has one
        assert _policy(tmp_path, text).versions_of(0)[0].name == "general 2025"
        return
    with pytest.raises(PolicyError, match=message):
        _policy(tmp_path, text)


def test_a_category_without_any_version_is_an_error(tmp_path):
    text = 'version "only wtr" from 2023-01-01 for wtr cites SR5.1\n' + VERSIONS.split("\n", 4)[-1]
    with pytest.raises(PolicyError, match="no instruction version is in force for smc"):
        _policy(tmp_path, text)


# ---------------------------------------------------------------- defer

DEFER = """
version "v" from 2023-01-01 cites SR3.10
record Partner { months_together: integer  relied_on: bool }
input partners: list of Partner
rule t.defer "A short partnership not relied on defers the partner" {
  stage 1
  cites R2.1.15.5
  defer when count(each p in partners where p.months_together < 12 and not p.relied_on) > 0
  deferred: "a partner with under 12 months together is deferred"
  included: "every partner is included"
}
rule t.relied "The application does not rely on a short partnership" {
  stage 1
  cites R2.1.15.5
  require count(each p in partners where p.months_together < 12 and p.relied_on) == 0
  met: "no reliance on a short partnership"
  not met: "relies on a short partnership"
}
"""


def test_a_deferral_is_reported_and_leaves_the_outcome_alone(tmp_path):
    policy = _policy(tmp_path, DEFER)
    case = {
        "category": "smc",
        "lodgement_date": "2024-01-01",
        "partners": [{"months_together": 11, "relied_on": False}],
    }
    v = _verdicts(policy, case)
    assert v.results == {"t.defer": "deferred", "t.relied": "met"} and v.outcome == "eligible"
    d = decide(policy, load_case(policy, case))
    assert [r.rule for r in d.deferred] == ["t.defer"] and d.to_json()["deferred"][0]["effect"] == "deferred"
    case["partners"][0]["months_together"] = 12
    assert _verdicts(policy, case).results["t.defer"] == "included"
    case["partners"][0] = {"months_together": 11, "relied_on": True}
    v = _verdicts(policy, case)
    assert v.results == {"t.defer": "included", "t.relied": "not_met"} and v.outcome == "not_eligible"


def test_a_defer_rule_needs_both_reason_texts(tmp_path):
    with pytest.raises(PolicyError, match="has no reason text for: included"):
        _policy(tmp_path, DEFER.replace('  included: "every partner is included"\n', ""))
