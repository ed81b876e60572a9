"""Proofs with Z3: obligations as plain data (`obligations`), the part of a policy each reads
(`slicing`), the symbolic world they are stated in (`scene`), one obligation proved within a
deterministic resource budget (`solve`, `budget`), its model replayed by every reading (`replay`),
and many proved at once (`run`): in processes of their own (`parallel`), from a cache of results
keyed by what each depends on (`cache`)."""

from .budget import Budget
from .cache import Fingerprints, ResultCache, default_cache_dir, obligation_key, tool_version
from .obligations import BUILTIN, Obligation, builtin_obligations, from_property, obligations
from .parallel import WorkerError, cpu_seconds, default_jobs, run_each
from .replay import FormulaEvaluator, evaluate_formula, replay, rule_state, show_value
from .results import (
    DEFAULT_RLIMIT,
    EXIT_BUG,
    EXIT_FAILS,
    EXIT_HOLDS,
    EXIT_UNKNOWN,
    FAILS,
    HOLDS,
    RESOURCE,
    UNKNOWN,
    WALL_CLOCK,
    Example,
    Limits,
    Result,
    Summary,
    exit_code,
    summarise,
)
from .run import Progress, prove
from .scene import FormulaLowering, Scene, build_scene, lower_formula, minimise, summarise_assumptions
from .slicing import Slice, depends_on, inputs_read, lists_read, rule_slice, slice_of, sliced_policy, witness_lists
from .solve import prove_one

__all__ = ["Obligation", "obligations", "builtin_obligations", "from_property", "BUILTIN", "prove", "prove_one",
           "Progress", "Limits", "Result", "Example", "Summary", "summarise", "exit_code", "evaluate_formula",
           "FormulaEvaluator", "replay", "rule_state", "show_value", "HOLDS", "FAILS", "UNKNOWN", "RESOURCE",
           "WALL_CLOCK", "DEFAULT_RLIMIT", "EXIT_HOLDS", "EXIT_FAILS", "EXIT_UNKNOWN", "EXIT_BUG", "Scene",
           "build_scene", "lower_formula", "minimise", "summarise_assumptions", "FormulaLowering", "Budget",
           "Slice", "slice_of", "inputs_read", "witness_lists", "sliced_policy", "rule_slice", "depends_on",
           "lists_read", "ResultCache", "Fingerprints", "obligation_key", "tool_version", "default_cache_dir",
           "run_each", "default_jobs", "WorkerError", "cpu_seconds"]  # fmt: skip
