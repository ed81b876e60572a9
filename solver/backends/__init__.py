"""The readings of the IR: `asp` (clingo), `smt` (Z3), `python` (the plain evaluator), and the
`registry` that names them."""

from .registry import BACKENDS, DEFAULT, ENGINES, Backend, backend, verdict, verdicts

__all__ = ["BACKENDS", "DEFAULT", "ENGINES", "Backend", "backend", "verdict", "verdicts"]
