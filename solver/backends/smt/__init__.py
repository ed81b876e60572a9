"""The IR lowered to Z3: one symbolic case, the decision over it as terms, and a Z3 reading of a case.

Values: a bool-typed IR expression becomes a Z3 Bool (the Python evaluator's 0/1), a text one a
Z3 String, and every other one a Z3 Int in the units of `dsl.units` (cents, date codes). The
decision terms follow the semantics in `dsl/ir/semantics.py` exactly, so a prover can state
properties over them; `evaluate` binds every input to a case's values and reads the same terms
back from a model, which lets the lowering be cross-checked against the Python evaluator.

`values` (terms of values), `case` (the symbolic case and its domain assumptions), `lower`
(expressions), `decision` (rules, outcome, points; deciding one case).
"""

from .case import Slot, SymbolicCase, field_assumptions
from .decision import (
    DEFAULT_MAX_ITEMS,
    DecisionBuilder,
    PartHook,
    RuleTerms,
    SymbolicDecision,
    build_decision,
    compiled_decision,
    evaluate,
    read_verdict,
)
from .lower import SmtLowering
from .values import any_of, is_calendar_day, literal, py_value, sum_of, text_of, text_val, variable

__all__ = [
    "SymbolicCase", "Slot", "field_assumptions",
    "SmtLowering",
    "DecisionBuilder", "PartHook", "RuleTerms", "SymbolicDecision", "build_decision", "compiled_decision",
    "evaluate", "read_verdict", "DEFAULT_MAX_ITEMS",
    "any_of", "sum_of", "is_calendar_day", "literal", "variable", "py_value", "text_val", "text_of",
]  # fmt: skip
