"""Why a case was decided as it was: a justification tree per rule, with the facts, dated values
and table rows it read, what the analyst must raise with the applicant, and (why not) the gaps.

`build` (the whole explanation), `tree` (one rule's justification), `whynot` (gaps and margins),
`text` (expressions and values as an analyst reads them), `model` (what an explanation holds).
"""

from .build import explain
from .model import (
    SCHEMA,
    Action,
    ExplainMismatch,
    Explanation,
    Fact,
    Node,
    ParamUse,
    RuleExplanation,
    Shortfall,
    TableUse,
)
from .whynot import Gap, Margin, WhyNot

__all__ = ["explain", "SCHEMA", "Explanation", "RuleExplanation", "Node", "Fact", "ParamUse", "TableUse", "Action",
           "Shortfall", "ExplainMismatch", "Gap", "Margin", "WhyNot"]  # fmt: skip
