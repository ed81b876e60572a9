"""The clingo back end: `emit` writes the policy's ASP program from the IR, `predicates` is the
vocabulary of atoms that cross its boundary, `run` decides a case (its facts added as Symbols)."""

from .emit import DECISION, Emitter, program
from .predicates import Predicate, quote
from .run import SolverError, case_symbols, solve, verdict_from_atoms

__all__ = ["program", "Emitter", "DECISION", "Predicate", "quote", "case_symbols", "solve", "verdict_from_atoms",
           "SolverError", "evaluate"]  # fmt: skip

evaluate = solve  # the registry's name for "decide one case"
