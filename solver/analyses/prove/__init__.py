"""Proofs with Z3: obligations as plain data (`obligations`), the symbolic world they are stated in
(`scene`), and proving them (`run`): holds, fails with a replayed counterexample, or unknown."""

from .obligations import BUILTIN, Obligation, builtin_obligations, from_property, obligations
from .run import (
    EXIT_BUG,
    EXIT_FAILS,
    EXIT_HOLDS,
    EXIT_UNKNOWN,
    FAILS,
    HOLDS,
    UNKNOWN,
    Example,
    FormulaEvaluator,
    Limits,
    Result,
    Summary,
    evaluate_formula,
    exit_code,
    prove,
    prove_one,
    summarise,
)
from .scene import FormulaLowering, Scene, build_scene, lower_formula

__all__ = ["Obligation", "obligations", "builtin_obligations", "from_property", "BUILTIN", "prove", "prove_one",
           "Limits", "Result", "Example", "Summary", "summarise", "exit_code", "evaluate_formula", "FormulaEvaluator",
           "HOLDS", "FAILS", "UNKNOWN", "EXIT_HOLDS", "EXIT_FAILS", "EXIT_UNKNOWN", "EXIT_BUG", "Scene", "build_scene",
           "lower_formula", "FormulaLowering"]  # fmt: skip
