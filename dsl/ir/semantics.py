"""The decision semantics every back end implements, and the Verdict each one returns for a case.

For a case lodged on day D under category C, a rule is
- *in force* when its from/until window contains D and C is one of its categories;
- *blocked* when a stop rule of an earlier stage fired; blocked rules are reported `not_assessed`;
- *applicable* when in force, not blocked and its `applies when` condition holds (otherwise it is
  reported `not_applicable`);
- *assessed* when applicable. An assessed rule has one result: met / not_met (require),
  raised / clear (concern), stopped / passed (stop), awarded (points).

The outcome is `not_eligible` if any requirement is not met or any stop fired, else `concerns` if
any concern was raised, else `eligible`. Points per category are the sum over assessed points
rules. The instruction version is the latest one starting on or before D.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..units import date_code
from .policy import EFFECT_OUTCOMES, Rule

OUTCOMES = ("eligible", "concerns", "not_eligible")
DECISION_OUTCOMES = OUTCOMES
# what `result(rule) == …` may name besides the rule's own results (met, not_met, …)
RULE_STATES = ("assessed", "not_assessed", "not_applicable", "not_in_force")
ADVERSE_RESULTS = ("not_met", "stopped")  # either makes the case not eligible
LODGEMENT = "lodgement_date"  # the inputs the decision itself reads
CATEGORY = "category"


@dataclass(frozen=True)
class Verdict:
    outcome: str
    version: str
    points: dict[str, int]
    results: dict[str, str]  # rule id → met | not_met | raised | clear | stopped | passed | awarded
    awarded: dict[str, int]  # points rule id → points it gave
    not_assessed: tuple[str, ...]
    not_applicable: tuple[str, ...]
    # rule id → the values of its reason-text placeholders, in `Rule.placeholders` order
    values: dict[str, tuple[int | str, ...]] = field(default_factory=dict)

    def comparable(self) -> tuple:
        """What every reading must agree on exactly."""
        return (
            self.outcome,
            self.version,
            tuple(sorted(self.points.items())),
            tuple(sorted(self.results.items())),
            tuple(sorted(self.awarded.items())),
            tuple(sorted(self.not_assessed)),
            tuple(sorted(self.not_applicable)),
            tuple(sorted(self.values.items())),
        )


def outcome_of(results: dict[str, str]) -> str:
    if any(r in ADVERSE_RESULTS for r in results.values()):
        return "not_eligible"
    if any(r == "raised" for r in results.values()):
        return "concerns"
    return "eligible"


def result_of(rule: Rule, value: int) -> str:
    """The result of an assessed rule whose expression has this value (points: always awarded)."""
    outcomes = EFFECT_OUTCOMES[rule.kind]
    if rule.kind == "points":
        return outcomes[0]
    return outcomes[0] if value else outcomes[1]


def in_force(rule: Rule, lodged: int, category: int) -> bool:
    """On the day `lodged` (a date code), for the category with this index."""
    if category not in rule.categories:
        return False
    if rule.start is not None and lodged < date_code(rule.start):
        return False
    return rule.until is None or lodged <= date_code(rule.until)  # until is the last day in force
