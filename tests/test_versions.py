"""Every decision names the instruction version of its own category (issue 15, item 15).

The shipped policy declares each version for one category (`for smc`, `for wtr`); every worked case
must name the latest version declared for its own category that had begun by its lodgement date, so
a Work to Residence decision never names an SMC version, nor an SMC decision a WTR one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from visarules.solver.case import load_case, read_case_file
from visarules.solver.decision import decide

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def test_every_version_is_declared_for_one_category(policy):
    assert policy.versions and all(len(v.categories) == 1 for v in policy.versions)
    members = policy.category_enum.members
    named = {members[v.categories[0]] for v in policy.versions}
    assert named == set(members), "every category has versions of its own"


def test_every_worked_case_names_a_version_of_its_own_category(policy):
    members = policy.category_enum.members
    by_name = {v.name: v for v in policy.versions}
    for path in CASES:
        data = read_case_file(path)
        decision = decide(policy, load_case(policy, data, path.name), engine="python")
        category = members.index(decision.category)
        version = by_name[decision.version]
        lodged = dt.date.fromisoformat(data["lodgement_date"])
        assert version.categories == (category,), (
            f"{path.name}: {decision.version} is not a {decision.category} version"
        )
        begun = [v for v in policy.versions if category in v.categories and v.start <= lodged]
        assert version == max(begun, key=lambda v: v.start), f"{path.name}: {decision.version} is not the latest begun"


def test_a_wtr_case_changes_version_on_a_wtr_day_and_an_smc_case_does_not(policy):
    """2024-01-01 starts a WTR version (SR6.5, SR6.10) but no SMC one."""
    cases = Path(__file__).parent / "cases"

    def version(name: str, day: str) -> str:
        data = json.loads((cases / name).read_text(encoding="utf-8"))
        data["lodgement_date"] = day
        return decide(policy, load_case(policy, data, name), engine="python").version

    wtr_before, wtr_on = (
        version("wtr-version-2024-01-01.json", "2023-12-31"),
        version("wtr-version-2024-01-01.json", "2024-01-01"),
    )
    smc_before, smc_on = (
        version("smc-eligible-baseline.json", "2023-12-31"),
        version("smc-eligible-baseline.json", "2024-01-01"),
    )
    assert wtr_before != wtr_on and wtr_on.startswith("WTR")
    assert smc_before == smc_on and smc_on.startswith("SMC")
