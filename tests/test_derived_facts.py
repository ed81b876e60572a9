"""Issue 9, "facts, not conclusions": conclusions the instructions give a rule for are derived from
the facts a case states, and `visa-rules explain` shows each derived conclusion with those facts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"


def explain(name: str) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "visarules", "explain", str(CASES / name)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_partner_age_is_derived_from_the_date_of_birth_at_lodgement():
    out = explain("family-partner-17-without-parental-consent.json")
    assert "! concern raised — family.partner.relationship" in out
    assert "partner_age ≥ 18: no — 17 < 18" in out
    assert "years(lodgement_date − partners[0].date_of_birth) = 17 — years(2024-05-01 − 2006-05-02)" in out
    assert "fact: partners[0].date_of_birth = 2006-05-02" in out
    assert "fact: partners[0].parental_consent = no" in out


def test_months_living_together_are_counted_to_the_assessment_date():
    out = explain("family-partner-living-together-since-a-day-short-of-12-months-at-assessment.json")
    assert "» deferred — family.partner.deferred" in out
    counted = "months(partnership_assessed_on − partners[0].living_together_since) = 11"
    assert f"{counted} — months(2024-08-01 − 2023-08-02)" in out
    assert "partnership_assessed_on = 2024-08-01" in out
    assert "fact: partners[0].living_together_since = 2023-08-02" in out


@pytest.mark.parametrize("field", ["minimums_met", "months_living_together"])
def test_the_partner_conclusions_are_no_longer_inputs(policy, field):
    assert field not in {f.path for f in policy.list_by_name["partners"].fields}


def test_hourly_pay_is_derived_from_the_salary_over_the_most_hours():
    out = explain("smc-pay-salary-variable-hours-max-45-under-median.json")
    assert "✘ not met — smc.employment.pay" in out
    assert "employment_hourly_pay ≥ favourable_median — $28.09 < $31.61" in out
    assert "= $28.09 — $65,748.80 ÷ 52 ÷ 45" in out
    assert "salary_hours_per_week = 45" in out
    assert "fact: employment.annual_salary = $65,748.80" in out
    assert "fact: employment.max_hours_per_week = 45" in out


def test_a_case_stating_no_pay_is_refused_naming_both_fields(tmp_path):
    """Neither an hourly rate nor a salary: refused (exit 2), not decided as paid $0.00."""
    case = json.loads((ROOT / "examples" / "smc-eligible.json").read_text())
    del case["employment"]["pay_per_hour"]
    case["employment"].pop("annual_salary", None)
    path = tmp_path / "no-pay.json"
    path.write_text(json.dumps(case))
    r = subprocess.run([sys.executable, "-m", "visarules", "decide", str(path)], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "employment.pay_per_hour, employment.annual_salary" in r.stdout + r.stderr


def test_a_salary_rounds_down_to_the_cent():
    out = explain("smc-pay-salary-one-cent-short-of-median.json")
    assert "$31.60 < $31.61; short by $0.01" in out
    assert "$65,748.79 ÷ 52 ÷ 40" in out


def test_a_test_sat_remotely_does_not_count():
    out = explain("smc2-english-test-sat-remotely.json")
    assert "! concern raised — smc.english.principal" in out
    assert "english_sat_at_test_centre: no" in out
    assert "fact: english.test_sitting = remotely, outside a test centre" in out


def test_a_partner_meets_english_by_citizenship_with_five_years():
    out = explain("family-partner-english-citizen-5-years.json")
    assert "✔ no concern — family.english" in out
    assert "citizenship route met by 1 partners and 0 children" in out
    assert "partner_english_by_citizenship: yes" in out
    assert "partners[0].english_years_in_listed_countries ≥ 5: yes — 5 ≥ 5" in out


def test_four_years_are_not_enough_for_the_citizenship_route():
    out = explain("family-partner-english-citizen-4-years.json")
    assert "! concern raised — family.english" in out
    assert "partner_english_by_citizenship: no" in out
    assert "partners[0].english_years_in_listed_countries ≥ 5: no — 4 < 5" in out
    assert "partners[0].english_years_in_listed_countries = 4" in out


def test_a_childs_level_8_qualification_needs_a_year_of_study_in_a_listed_country():
    out = explain("family-child-19-english-level-8-no-study-there.json")
    assert "! concern raised — family.english" in out
    assert "child_english_by_qualification: no" in out
    assert "children[0].english_study_years_in_listed_countries ≥ 1: no — 0 < 1" in out


def test_a_partners_bachelors_with_two_years_of_study_meets_it():
    out = explain("family-partner-english-bachelors-2-years-study.json")
    assert "qualification route by 1 partners and 0 children" in out
    assert "partner_english_by_qualification: yes" in out


@pytest.mark.parametrize("records", ["partners", "children"])
def test_the_other_english_route_is_no_longer_an_input(policy, records):
    assert "english_other_route" not in {f.path for f in policy.list_by_name[records].fields}


def test_suitably_qualified_by_a_qualification_at_the_level_of_the_assessed_job():
    out = explain("smc2-suitably-qualified-level-2-relevant-diploma-level-5.json")
    assert "✔ no concern — smc.detailed.suitably_qualified" in out
    assert "suitably_qualified_by_qualification: yes" in out
    assert "required_nzqcf_level = 5" in out
    assert "job_code = 313112" in out
    assert "fact: suitably_qualified_assessment.qualification_nzqcf_level = 5" in out


def test_a_qualification_under_the_level_is_not_enough():
    out = explain("smc2-suitably-qualified-level-2-relevant-level-4-short.json")
    assert "! concern raised — smc.detailed.suitably_qualified" in out
    assert "suitably_qualified_assessment.qualification_nzqcf_level ≥ required_nzqcf_level: no — 4 < 5" in out


def test_experience_substitutes_at_skill_level_4():
    out = explain("smc2-suitably-qualified-level-4-one-year-substitutes.json")
    assert "suitably_qualified_by_substitute_experience: yes" in out
    assert "relevant_experience_years_found ≥ skill_level_experience[skill_level].years: yes — 1 ≥ 1" in out
    assert "occupations[job_code].skill_level = 4" in out


def test_three_years_are_needed_at_skill_level_2():
    out = explain("smc2-suitably-qualified-level-2-two-years-short.json")
    assert "! concern raised — smc.detailed.suitably_qualified" in out
    assert "relevant_experience_years_found ≥ 3 — 2 < 3; short by 1" in out


def test_five_years_at_skill_level_1():
    out = explain("smc2-suitably-qualified-level-1-five-years.json")
    assert "suitably_qualified_by_five_years: yes" in out
    out = explain("smc2-suitably-qualified-level-1-four-years-short.json")
    assert "relevant_experience_years_found ≥ 5 — 4 < 5; short by 1" in out


def test_a_registration_needed_by_law_and_not_held_outweighs_the_other_routes():
    out = explain("smc2-suitably-qualified-registration-by-law-not-held-despite-experience.json")
    assert "! concern raised — smc.detailed.suitably_qualified" in out
    assert "registration_by_law_held: no" in out
    assert "fact: employment.registration_required = yes" in out
    assert "fact: employment.registration_held = no" in out


def test_suitably_qualified_is_no_longer_an_input(policy):
    paths = {f.path for f in policy.inputs}
    assert "employment.suitably_qualified" not in paths
    assert "suitably_qualified_assessment.relevant_experience_years" in paths


# ---- the visa history (issue 9): lawful work, the WTR visas and the work visa when applying


@pytest.mark.parametrize("field", ["lawful", "visa", "visa_applied_on"])
def test_the_visa_conclusions_of_a_period_are_no_longer_inputs(policy, field):
    assert field not in {f.path for f in policy.list_by_name["work"].fields}
    assert {"kind", "start", "end", "applied_on"} <= {f.path for f in policy.list_by_name["visas"].fields}


def test_holding_a_work_visa_is_no_longer_an_input(policy):
    assert "applicant.holds_work_visa" not in {i.path for i in policy.inputs}


def test_the_visa_stretches_are_joined_in_as_many_rounds_as_the_list_holds_visas(policy):
    # policy/visas.rules joins at most four visas: four stretches, of 4, 3, 2 and 1 rounds. A larger
    # bound on `visas` needs more stretches and rounds there, and this test says so.
    bound = policy.list_by_name["visas"].items.high
    rules = (ROOT / "policy" / "visas.rules").read_text()
    for prefix in ("work_rights", "wtr_visas", "care_visas"):
        for k in range(1, bound + 1):
            assert f"define {prefix}{k}_from =" in rules
            assert f"define {prefix}{k}_until =" in rules
            assert rules.count(f"define {prefix}{k}_round") == bound - k
        assert f"define {prefix}{bound + 1}_from" not in rules


def test_a_one_day_gap_between_two_visas_makes_a_period_unlawful():
    out = explain("smc-visa-one-day-gap-between-visas-inside-the-period.json")
    assert "✘ not met — smc.six_points" in out
    assert "period_lawful: no" in out
    assert "period_end ≤ work_rights1_until: no — 2024-05-01 > 2022-12-31" in out
    assert "fact: visas[0].end = 2022-12-30" in out
    assert "fact: visas[1].start = 2023-01-01" in out


def test_consecutive_visas_join_into_one_stretch():
    out = explain("smc-visa-two-consecutive-visas-cover-the-period.json")
    assert "3 points: qualifying work of" in out
    assert "period_lawful: yes" in out
    assert "fact: visas[0].end = 2022-12-31" in out


def test_the_work_visa_when_applying_is_read_from_the_history():
    out = explain("wtr-visa-work-visa-ends-the-day-before-applying.json")
    assert "✘ not met — wtr.work_visa_at_application" in out
    assert "holds_work_visa_at_lodgement: no" in out
    assert "end 2024-04-30" in out
    met = explain("wtr-visa-work-visa-ends-on-the-day-of-applying.json")
    assert "✔ met — wtr.work_visa_at_application" in met


def test_an_interim_visa_counts_for_care_work_but_not_tier2_without_a_work_visa_before_it():
    tier2 = explain("wtr-visa-interim-visa-not-after-a-work-visa-not-counted.json")
    assert "✘ not met — wtr.work.months" in tier2
    assert "wtr_visa_covers: no" in tier2
    care = explain("wtr-care-interim-visa-after-a-student-visa-counts.json")
    assert "✔ met — wtr.work.months" in care
    assert "care_visa_covers: yes" in care


def test_the_median_exemption_is_read_from_the_visa_applied_for():
    out = explain("wtr-exemption-held-earlier-visa-applied-2023-09-28.json")
    assert "✔ met — wtr.work.months" in out
    assert "wtr_median_exempt: yes" in out
    assert "fact: visas[0].applied_on = 2023-09-28" in out
    late = explain("wtr-exemption-held-earlier-visa-applied-2023-09-29.json")
    assert "✘ not met — wtr.work.months" in late
    assert "wtr_median_exempt: no" in late


def test_an_interim_visa_counts_only_when_granted_while_the_work_visa_was_held():
    held = explain("wtr-visa-interim-granted-on-the-work-visas-last-day-counts.json")
    assert "✔ met — wtr.work.months" in held
    assert "fact: visas[1].granted_on = 2021-10-31" in held
    after = explain("wtr-visa-interim-granted-after-the-work-visa-ended-not-counted.json")
    assert "✘ not met — wtr.work.months" in after
    assert "wtr_visa_covers: no" in after
    assert "fact: visas[1].granted_on = 2021-11-01" in after


def test_work_begun_within_5_months_of_the_visa_grant_is_held_to_the_grant_days_median():
    within = explain("smc2026-grace-skilled-work-began-5-months-after-the-visa-grant.json")
    assert "✔ met — smc.employment.pay_2026" in within
    assert "smc_threshold_date = 2025-08-01" in within
    assert "fact: visas[0].granted_on = 2025-08-01" in within
    late = explain("smc2026-grace-skilled-work-began-a-day-too-late.json")
    assert "✘ not met — smc.employment.pay_2026" in late
    assert "smc_threshold_date = 2026-01-02" in late
    wtr = explain("wtr2026-grace-work-began-5-months-after-the-visa-grant.json")
    assert "✔ met — wtr.employment.pay_2026" in wtr
    assert "wtr_rate_date = 2023-10-01" in wtr
    wtr_late = explain("wtr2026-grace-work-began-a-day-too-late.json")
    assert "✘ not met — wtr.employment.pay_2026" in wtr_late
    assert "wtr_rate_date = 2024-03-02" in wtr_late
