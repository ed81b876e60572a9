"""The report analysts read (the page and `explain --format html`, and the other formats in the
same order): what comes first, what is hidden, how citations and marks read. Asserted from the
explanation's data, not from particular rules."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from visarules import __version__
from visarules.solver.analyses.explain import explain
from visarules.solver.analyses.whatif import what_if
from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import verdict
from visarules.solver.report import (
    SECTIONS,
    Report,
    build_view,
    context_for,
    render_fragment,
    render_html,
    render_markdown,
)

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
WTR_UNDER = CASES / "wtr-job-pay-one-cent-under-tier2-median.json"
SMC_AGE = CASES / "smc-age-56-on-birthday.json"
EXAMPLE = ROOT / "examples" / "smc-eligible.json"


def _report(policy, path: Path, with_what_if: bool = True) -> Report:
    case = load_case(policy, read_case_file(path), path.name)
    decided = verdict(policy, case, "clingo")
    alternatives = what_if(policy, case, 2, current=decided) if with_what_if else None
    sections = SECTIONS if with_what_if else ("why", "why_not")
    return Report(explain(policy, case, decided, path.name), sections, alternatives, context_for(policy, __version__))


@pytest.fixture(scope="module")
def wtr(policy):
    return _report(policy, WTR_UNDER)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def _text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return "".join(p.parts)


def test_the_report_leads_with_the_outcome_and_the_failing_rule_with_its_margin(wtr):
    text = _text(render_html(wtr))
    e = wtr.explanation
    failing = [r for r in e.rules if r.effect in ("not_met", "stopped", "raised")]
    assert failing, "the case fails a rule"
    outcome = text.index("not eligible")
    first_failing = min(text.index(r.title) for r in failing)
    first_passing = min(text.index(r.title) for r in e.rules if r.effect in ("met", "passed", "clear"))
    margin = text.index("short by $0.01")
    assert outcome < first_failing < margin < first_passing  # the margin before any rule that passed
    assert margin < text.index("What would change it") < text.index("stage by stage")


def test_rules_not_in_force_are_hidden_and_counted(wtr):
    html = render_html(wtr)
    hidden = [r for r in wtr.explanation.rules if r.effect == "not_in_force"]
    assert hidden, "a WTR case has SMC rules not in force"
    for r in hidden:
        assert f'data-rule="{r.rule}"' not in html
    assert f"{len(hidden)} rules not in force for this case" in _text(html)


def test_no_points_line_where_the_category_scores_none(policy, wtr):
    assert all(v == 0 for v in wtr.explanation.possible.values())
    assert "Points" not in _text(render_html(wtr)) and "points:" not in render_markdown(wtr).lower()
    smc = _report(policy, EXAMPLE, with_what_if=False)
    assert any(smc.explanation.possible.values())
    assert "Points" in _text(render_html(smc))


def test_each_sop_is_named_once_per_rule_with_its_steps(policy, wtr):
    view = build_view(wtr.explanation, wtr.sections, wtr.what_if, wtr.context)
    several = 0
    for stage in view.stages:
        for rule in stage.rules:
            titles = [g.title for g in rule.cites if g.kind == "sop"]
            assert len(titles) == len(set(titles)), rule.rule
            cited = [c for c in wtr.explanation.rule(rule.rule).cites if c.startswith("SOP ")]
            assert sum(len(g.items) for g in rule.cites if g.kind == "sop") == len(cited)
            several += any(len(g.items) > 1 for g in rule.cites)
    assert several  # some rule cites several steps of one SOP, and they are listed under its name once
    lines = [line for line in _text(render_html(wtr)).splitlines() if line.startswith("cites ")]
    assert len(lines) >= len(view.deciding) + sum(len(s.rules) for s in view.stages)
    for line in lines:  # each rule's "cites …" line names each SOP once
        titles = re.findall(r'SOP "([^"]+)"', line)
        assert len(titles) == len(set(titles)), line


def test_stages_are_named_from_their_sop_steps(policy, wtr):
    view = build_view(wtr.explanation, wtr.sections, wtr.what_if, wtr.context)
    step_titles = set(wtr.context.step_titles.values()) | {s.title for s in policy.sops}
    for stage in view.stages:
        assert not stage.name.startswith("Stage ")
        assert any(t in stage.name for t in step_titles), stage.name
    assert len({s.name for s in view.stages}) == len(view.stages)


def test_marks_say_whether_a_condition_went_the_way_the_rule_wants(policy):
    """A stop that did not fire has a condition that does not hold: ✔, not ✘."""
    report = _report(policy, EXAMPLE, with_what_if=False)
    view = build_view(report.explanation, report.sections, None, report.context)
    rules = [r for s in view.stages for r in s.rules if r.tree is not None]
    for r in rules:
        if r.effect in ("passed", "clear", "met"):
            assert r.tree.tone == "good" and r.tree.mark == "✔", r.rule
        if r.effect in ("not_met", "stopped", "raised"):
            assert r.tree.tone == "bad" and r.tree.mark == "✘", r.rule
    assert any(r.effect == "passed" and r.tree.holds is False for r in [report.explanation.rule(x.rule) for x in rules])
    age = _report(policy, SMC_AGE, with_what_if=False)
    stopped = [r for r in build_view(age.explanation, age.sections, None, age.context).deciding]
    assert stopped and all(r.tree.mark == "✘" for r in stopped)


def test_the_report_states_the_policy_instruction_and_tool_versions(policy, wtr):
    text = _text(render_html(wtr))
    e = wtr.explanation
    assert e.version in text and f"visa-rules {__version__}" in text
    assert policy.title in text and wtr.context.policy_digest in text


def test_the_page_fragment_is_the_report_without_the_document(wtr):
    fragment, page = render_fragment(wtr), render_html(wtr)
    assert fragment in page and fragment.startswith("<article") and "<style>" not in fragment


def test_case_text_is_escaped(policy, tmp_path):
    import json

    data = json.loads(WTR_UNDER.read_text())
    data["applicant"]["name"] = "<img src=x onerror=alert(1)> & co"
    data["employment"]["employer"] = "</details><script>alert(2)</script>"
    path = tmp_path / "hostile<b>.json"
    path.write_text(json.dumps(data))
    report = _report(policy, path, with_what_if=True)
    html = render_html(report)
    assert "<script>" not in html and "<img" not in html and "hostile<b>" not in html
    assert "&lt;/details&gt;&lt;script&gt;" in html  # shown, in the changed case file, as text


def test_the_text_and_markdown_formats_follow_the_same_order(wtr):
    md = render_markdown(wtr)
    assert md.index("## What decided it") < md.index("short by $0.01") < md.index("## What would change it")
    assert md.index("## What would change it") < md.index("## Why, stage by stage")
