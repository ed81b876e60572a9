"""Every back end in the registry agrees with the Python evaluator on a policy that uses every
construct of the language (the registry is what --engine offers: a new back end joins here)."""

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visarules.dsl import ir, load_policy
from visarules.solver.backends import registry
from visarules.solver.case import load_case
from visarules.testing import cases

FEATURES = Path(__file__).parent / "dsl" / "good" / "features.rules"
OTHERS = [name for name in registry.ENGINES if name != "python"]


def test_every_ir_node_class_is_listed():
    """EXPR_NODES is what tests/test_visitors.py checks every reader against."""
    defined = {c for c in vars(ir).values() if isinstance(c, type) and issubclass(c, ir.Expr) and c is not ir.Expr}
    assert defined == set(ir.EXPR_NODES)


def test_the_registry_names_three_readings():
    assert {"clingo", "python", "z3"} <= set(registry.ENGINES)
    assert registry.DEFAULT == "clingo"
    with pytest.raises(ValueError, match="unknown engine 'prolog'"):
        registry.backend("prolog")


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    folder = tmp_path_factory.mktemp("features")
    (folder / "features.rules").write_text(FEATURES.read_text())
    shutil.copytree(FEATURES.parent / "data", folder / "data")
    return load_policy(folder)


def test_feature_policy_uses_every_ir_node(features):
    used = set()
    for r in features.rules:
        for e in [r.expr, r.applies, *r.placeholders]:
            if e is not None:
                used.update(type(n) for n in ir.walk(e))
    assert used == set(ir.EXPR_NODES), set(ir.EXPR_NODES) - used


@pytest.mark.parametrize("engine", OTHERS)
@given(data=st.data())
def test_every_reading_agrees_on_every_construct(features, engine, data):
    case = load_case(features, data.draw(cases(features, max_items=3)))
    python = registry.verdict(features, case, "python")
    assert registry.verdict(features, case, engine).comparable() == python.comparable()
