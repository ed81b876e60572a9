"""Every back end reads every IR node, and all three agree on a policy that uses every construct."""

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from strategies import cases
from visarules.dsl import ir, load_policy
from visarules.solver import asp, interp, smt
from visarules.solver.case import load_case
from visarules.solver.decide import solve_clingo

FEATURES = Path(__file__).parent / "dsl" / "good" / "features.rules"


@pytest.mark.parametrize(
    "backend",
    [asp._Emitter, interp._Evaluator, smt.SmtLowering],
    ids=["asp", "python", "z3"],
)
def test_every_ir_node_has_a_handler(backend):
    missing = [n.__name__ for n in ir.EXPR_NODES if not callable(getattr(backend, "_" + n.__name__, None))]
    assert not missing, f"{backend.__name__} cannot read: {missing}"


def test_every_ir_node_class_is_listed():
    """EXPR_NODES is what the handler test checks, so it must name every expression class."""
    defined = {c for c in vars(ir).values() if isinstance(c, type) and issubclass(c, ir.Expr) and c is not ir.Expr}
    assert defined == set(ir.EXPR_NODES)


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    folder = tmp_path_factory.mktemp("features")
    (folder / "features.rules").write_text(FEATURES.read_text())
    return load_policy(folder)


def test_feature_policy_uses_every_ir_node(features):
    used = set()
    for r in features.rules:
        for e in [r.expr, r.applies, *r.placeholders]:
            if e is not None:
                used.update(type(n) for n in ir.walk(e))
    assert used == set(ir.EXPR_NODES), set(ir.EXPR_NODES) - used


@given(data=st.data())
def test_three_readings_agree_on_every_construct(features, data):
    case = load_case(features, data.draw(cases(features, max_items=3)))
    python = interp.evaluate(features, case)
    assert solve_clingo(features, case).comparable() == python.comparable()
    assert smt.evaluate(features, case).comparable() == python.comparable()
