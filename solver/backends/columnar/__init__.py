"""The columnar reading: the IR evaluated over whole columns of cases with numpy (`evaluate`), from
a caseload flattened into arrays (`columns`). It decides outcomes, points, every rule's result and
the values its reasons show, for a whole caseload at once; `evaluate` decides one case the same way,
so that it joins the differential tests as one more reading."""

from ....dsl import ir
from ...case import CaseData
from .columns import Columns, ListColumns
from .evaluate import STATUSES, ColumnEvaluator, ColumnVerdicts, decide_columns

__all__ = ["Columns", "ListColumns", "ColumnEvaluator", "ColumnVerdicts", "decide_columns", "STATUSES", "evaluate",
           "evaluate_many"]  # fmt: skip


def evaluate_many(policy: ir.Policy, cases: list[CaseData]) -> list[ir.Verdict]:
    """Every case's Verdict, the whole list decided in one pass over its columns."""
    decided = decide_columns(policy, Columns.from_cases(policy, cases))
    return [decided.verdict(policy, i) for i in range(len(cases))]


def evaluate(policy: ir.Policy, case: CaseData) -> ir.Verdict:
    return evaluate_many(policy, [case])[0]
