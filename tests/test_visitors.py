"""One dispatch, loud on a gap: every reader of the IR (and of property formulas) handles every
node class of its family, and a node it cannot read fails with a message naming the reader."""

import importlib
import pkgutil
from dataclasses import dataclass

import pytest

from visarules.dsl import ir


def _import_everything() -> None:
    """Readers are defined across the stages; import every module of them so that all are registered."""
    for name in ("visarules.dsl", "visarules.solver", "visarules.cli"):
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            importlib.import_module(info.name)


_import_everything()
READERS = ir.Visitor.readers()


def test_the_readers_were_found():
    names = {r.__name__ for r in READERS}
    expected = {"Evaluator", "Emitter", "SmtLowering", "JustificationTree", "Describer", "WhyNot", "FormulaLowering",
                "FormulaEvaluator", "ExpressionChecker"}  # fmt: skip
    assert expected <= names, expected - names


@pytest.mark.parametrize("reader", READERS, ids=[r.__name__ for r in READERS])
def test_every_reader_handles_every_node(reader):
    assert reader.nodes, f"{reader.__name__} reads no node classes"
    missing = reader.missing()
    assert not missing, "; ".join(
        f"{reader.reader_name()} cannot read {', '.join(n)} (handlers {f}<Node>)" for f, n in missing.items()
    )


def test_a_node_without_a_handler_fails_naming_the_reader():
    @dataclass(frozen=True)
    class Novel(ir.Expr):
        pass

    from visarules.solver.backends.python import Evaluator

    with pytest.raises(ir.MissingHandler, match="the Python evaluator cannot read Novel"):
        Evaluator.dispatch(object.__new__(Evaluator), Novel())


def test_a_reader_lacking_a_handler_is_reported():
    class Partial(ir.ExprVisitor, register=False):  # a test's reader, not one of the package's
        def _Const(self, e):
            return e.value

    missing = Partial.missing()["_"]
    assert "Compare" in missing and "Const" not in missing
    assert Partial not in ir.Visitor.readers()
