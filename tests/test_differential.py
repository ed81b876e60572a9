"""Bar 3: one IR, readings that agree. Generated cases are decided by every reading in the back-end
registry (clingo, Z3, the Python evaluator, and any added later); outcome, points, every rule's
result and every reason value must be equal."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from visarules.solver.backends import registry
from visarules.solver.case import load_case
from visarules.testing import cases

SEEN: Counter = Counter()


@given(data=st.data())
def test_every_reading_agrees(policy, seed_cases, data):
    case = load_case(policy, data.draw(cases(policy, seeds=seed_cases)))
    python = registry.verdict(policy, case, "python")
    for engine in registry.ENGINES:
        assert registry.verdict(policy, case, engine).comparable() == python.comparable(), engine
    SEEN[python.outcome] += 1


def test_generated_cases_reached_every_outcome():
    """Runs after the property above (file order): agreement on only one outcome would prove little."""
    assert SEEN["eligible"] > 0 and SEEN["not_eligible"] > 0, SEEN
