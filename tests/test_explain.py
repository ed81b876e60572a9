"""`explain` (why): the justification tree of clingo's verdict, cross-checked with the Python
evaluator, with the facts, dated values and citations each rule used; and its reports."""

from __future__ import annotations

import dataclasses
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from worked import assessed_rules, clingo_verdict, covering

from visarules.dsl import load_policy
from visarules.solver.analyses.explain import ExplainMismatch, explain
from visarules.solver.analyses.whatif import what_if
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import verdict
from visarules.solver.report import SECTIONS, Report, render_html, render_json, render_markdown, to_json
from visarules.testing import cases

ROOT = Path(__file__).resolve().parent.parent
CASE_FILES = sorted((ROOT / "tests" / "cases").glob("*.json"))
FEATURES = ROOT / "tests" / "dsl" / "good" / "features.rules"


def explained(policy, path: Path):
    case = load_case(policy, read_case_file(path), str(path))
    return explain(policy, case, clingo_verdict(policy, path), path.name)


def nodes(rule_explanation):
    for root in (rule_explanation.applies, rule_explanation.tree):
        if root is not None:
            yield from root.walk()


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_explain_names_every_rule_the_case_expects(policy, path):
    expect = read_case_file(path)["expect"]
    e = explained(policy, path)
    text = render_json(Report(e, ("why",)))
    assert e.outcome == expect["outcome"]
    for rule_id, effect in expect["effects"].items():
        assert f'"rule": "{rule_id}"' in text, rule_id
        assert e.rule(rule_id).effect == effect
    for rule_id in expect.get("not_assessed", []):
        assert e.rule(rule_id).effect == "not_assessed" and e.rule(rule_id).blocked_by


def test_every_assessed_rule_has_a_tree_citations_and_the_version(policy):
    """On the fewest worked cases that between them assess every rule the worked cases assess."""
    for path in covering(CASE_FILES, assessed_rules):
        e = explained(policy, path)
        for r in e.rules:
            assert r.cites and r.clauses and r.sop_steps, r.rule
            if r.assessed:
                assert r.tree is not None and r.text, r.rule
        doc = to_json(Report(e, SECTIONS))
        for rj in doc["why"]["rules"]:
            assert rj["version"] == {"name": e.version, "from": e.version_from}


def test_pay_tree_shows_the_unscaled_comparison_and_the_median_with_its_source(policy):
    e = explained(policy, CASES["pay_under"])
    pay = e.rule("smc.employment.pay")
    lines = {n.label: n for n in nodes(pay)}
    compare = lines["employment_hourly_pay ≥ 1.5 × favourable_median"]
    assert compare.holds is False and compare.detail == "$47.41 < 1.5 × $31.61 = $47.415"
    median = lines["median_wage at lodgement_date"]
    assert median.value == "$31.61" and "in force from 2024-02-28" in median.detail and median.cites == ("SR3.35",)
    assert [(p.parameter, p.day, p.value, p.in_force_from, p.cites) for p in pay.parameters] == [
        ("median_wage", "2024-05-01", "$31.61", "2024-02-28", ("SR3.35",))
    ]
    assert {f.input: f.value for f in pay.facts}["employment.pay_per_hour"] == "$47.41"
    # the if chooses the 1.5 × branch because the occupation is skill level 4
    assert lines["needs_one_and_half_median"].holds is True and "(taken)" in lines["needs_one_and_half_median"].note


def test_work_period_uses_the_median_at_its_own_start(policy):
    e = explained(policy, CASES["wx_start"])
    wx = e.rule("smc.points.work_experience")
    period = next(p for p in wx.parameters if p.day_of == "work[0].start")
    assert (period.day, period.value, period.in_force_from) == ("2022-10-23", "$27.00", "2021-07-19")
    compare = next(n for n in nodes(wx) if n.label == "work[0].pay_per_hour ≥ 1.5 × period_median")
    assert compare.detail == "$40.50 ≥ 1.5 × $27.00 = $40.50" and compare.holds


def test_points_table_shows_each_branch_tested_and_the_one_taken(policy):
    e = explained(policy, CASES["income_3x_under"])
    income = e.rule("smc.points.income")
    chain = income.tree
    assert chain.kind == "if" and chain.value == "4"
    notes = [c.note for c in chain.children if c.kind != "otherwise"]
    assert notes[:3] == ["→ 0", "→ 6", "→ 4 (taken)"]
    assert [c.holds for c in chain.children[:3]] == [False, False, True]
    assert "not reached" in chain.children[3].note  # the 1.5 × branch was never tested
    assert income.points == 4 and income.max_points == 6


def test_short_circuit_lists_what_was_not_assessed(policy):
    e = explained(policy, CASES["age_56"])
    assert e.rule("smc.age").effect == "stopped"
    skipped = [r for r in e.rules if r.effect == "not_assessed"]
    # every rule of the category at a later stage than the stop (the definition of a short-circuit)
    later = [
        r for r in policy.rules if r.stage > policy.rule_by_id["smc.age"].stage and r.id in {x.rule for x in e.rules}
    ]
    assert {r.rule for r in skipped} == {r.id for r in later if e.rule(r.id).effect != "not_in_force"}
    assert skipped and all(r.blocked_by == "smc.age" and r.tree is None for r in skipped)
    assert "not assessed: smc.age stopped" in render_markdown(Report(e, ("why",)))


def test_a_concern_says_what_evidence_resolves_it(policy):
    e = explained(policy, CASES["unknown_code"])
    assert e.outcome == "concerns"
    (action,) = e.actions
    assert action.rule == "smc.employment.unknown_occupation" and action.kind == "RFI"
    assert "employment.anzsco" in action.ask and any(
        f.input == "employment.anzsco" and f.value == "999999" for f in action.evidence
    )


def test_an_adverse_finding_must_be_put_to_the_applicant(policy):
    e = explained(policy, CASES["hours_29"])
    assert {(a.rule, a.kind) for a in e.actions} == {("smc.employment.full_time", "PPI"), ("smc.six_points", "PPI")}


def test_an_and_opens_only_the_operands_that_decide_it(policy):
    """The term rule holds because the job is permanent; the other two ways are one line each,
    and the work history they would read is not listed as used."""
    e = explained(policy, CASES["pay_under"])
    term = e.rule("smc.employment.term")
    first, *others = term.tree.children
    assert first.holds and first.children
    assert all(o.note == "does not decide the result" and not o.children for o in others)
    assert not any(f.input.startswith("work[") for f in term.facts)


def test_a_disagreement_with_clingo_raises(policy):
    path = CASES["pay_under"]
    case = load_case(policy, read_case_file(path))
    v = verdict(policy, case, "clingo")
    wrong = dataclasses.replace(v, results={**v.results, "smc.employment.pay": "met"})
    with pytest.raises(ExplainMismatch, match="smc.employment.pay"):
        explain(policy, case, wrong)
    wrong_points = dataclasses.replace(v, awarded={**v.awarded, "smc.points.income": 3})
    with pytest.raises(ExplainMismatch, match="smc.points.income"):
        explain(policy, case, wrong_points)


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    folder = tmp_path_factory.mktemp("features")
    (folder / "features.rules").write_text(FEATURES.read_text())
    shutil.copytree(FEATURES.parent / "data", folder / "data")
    return load_policy(folder)


@settings(max_examples=25)
@given(data=st.data())
def test_every_construct_explains_and_agrees_with_clingo(features, data):
    """explain raises if its Python reading ever differs from clingo's, on any construct."""
    case = load_case(features, data.draw(cases(features, max_items=3)))
    v = verdict(features, case, "clingo")
    e = explain(features, case, v)
    assert {r.rule for r in e.rules} == {r.id for r in features.rules}
    w = what_if(features, case, current=v)  # nothing is changeable there: eligible already, or none
    assert w.status in ("eligible", "none") and (w.status == "eligible") == (v.outcome == "eligible")
    render_html(Report(e, SECTIONS, w))


# ---------------------------------------------------------------- reports


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_is_one_self_contained_file(policy):
    e = explained(policy, CASES["pay_under"])
    page = render_html(Report(e, SECTIONS))
    assert "<link" not in page and 'src="http' not in page and "<script" not in page
    parser = _Page()
    parser.feed(page)
    text = "".join(parser.text)
    outcome = [a for t, a in parser.tags if "data-outcome" in a]
    assert [a["data-outcome"] for a in outcome] == ["not_eligible"]
    rules = {a["data-rule"]: a["data-effect"] for t, a in parser.tags if t == "details" and a.get("class") == "rule"}
    in_force = {r.rule for r in e.rules if r.effect != "not_in_force"}
    assert rules["smc.employment.pay"] == "not_met" and set(rules) == in_force  # rules not in force are hidden
    assert any(t == "ul" and a.get("class") == "tree" for t, a in parser.tags)
    assert "$47.41 < 1.5 × $31.61 = $47.415" in text
    # each SOP named once per rule, its steps listed
    assert text.count('SOP "Assess skilled employment SMC (SR3)" steps 6, 8a, 8b, 8c') >= 1
    for cite in ("SR3.20(a)", "SR3.35"):
        assert cite in text


def test_case_text_is_escaped_in_html_and_markdown(policy):
    path = ROOT / "tests" / "cases" / "smc-awkward-names.json"
    data = read_case_file(path)
    data["work"][0]["employer"] = "<script>alert(1)</script> *bold* [x](y)"
    case = load_case(policy, data)
    e = explain(policy, case, verdict(policy, case))
    page = render_html(Report(e, SECTIONS))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\\*bold\\*" in render_markdown(Report(e, SECTIONS))


def test_reports_are_byte_identical_across_runs(policy):
    first = [explained(policy, CASES[k]) for k in ("pay_under", "age_56", "wx_start")]
    second = [explained(policy, CASES[k]) for k in ("pay_under", "age_56", "wx_start")]
    for a, b in zip(first, second):
        for render in (render_json, render_markdown, render_html):
            assert render(Report(a, SECTIONS)) == render(Report(b, SECTIONS))


def test_json_has_the_documented_keys(policy):
    doc = json.loads(render_json(Report(explained(policy, CASES["pay_under"]), ("why", "why_not"))))
    assert list(doc) == [
        "schema", "source", "outcome", "category", "lodgement_date", "instruction_version", "points",
        "engine", "cross_checked_with", "sections", "why", "why_not", "what_if",
    ]  # fmt: skip
    assert doc["what_if"] is None and doc["sections"] == ["why", "why_not"]
    rule = doc["why"]["rules"][0]
    assert set(rule) == {
        "rule", "title", "kind", "stage", "effect", "text", "points", "max_points", "cites", "clauses",
        "sop_steps", "version", "in_force", "blocked_by", "applies", "tree", "facts", "parameters", "tables",
    }  # fmt: skip
    assert set(rule["tree"]) == {"kind", "label", "value", "holds", "detail", "doc", "note", "cites", "children"}


CASES = {
    "pay_under": ROOT / "tests" / "cases" / "smc-pay-level4-one-cent-under-1.5x.json",
    "hours_29": ROOT / "tests" / "cases" / "smc-hours-29-part-time.json",
    "age_56": ROOT / "tests" / "cases" / "smc-age-56-on-birthday.json",
    "unknown_code": ROOT / "tests" / "cases" / "smc-unknown-anzsco-code-concern.json",
    "income_3x_under": ROOT / "tests" / "cases" / "smc-income-3x-one-cent-under.json",
    "wx_start": ROOT / "tests" / "cases" / "smc-wx-started-day-before-median-change.json",
}
