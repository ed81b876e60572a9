"""The clingo back end: `emit` writes the policy's ASP program from the IR, `predicates` is the
vocabulary of atoms that cross its boundary, `run` decides a case (its facts added as Symbols)."""

from .emit import DECISION, Emitter, batch_program, program
from .predicates import Predicate, quote
from .run import SolverError, case_control, case_symbols, numbered_case_symbols, solve, solve_many, verdict_from_atoms

__all__ = ["program", "batch_program", "Emitter", "DECISION", "Predicate", "quote", "case_symbols",
           "numbered_case_symbols", "case_control", "solve", "solve_many", "verdict_from_atoms", "SolverError",
           "evaluate", "evaluate_many"]  # fmt: skip

evaluate = solve  # the registry's name for "decide one case"
evaluate_many = solve_many  # ... and for "decide a list of cases together"
