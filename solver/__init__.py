"""Deciding cases and analysing decisions: the back ends (`backends`), case files (`case`), the
Decision with its reasons (`decision`), analyses (`analyses`) and reports (`report`)."""

from .backends import ENGINES, verdict
from .case import CaseData, case_schema, load_case, read_case_file
from .decision import Decision, Reason, build_decision, decide

__all__ = ["ENGINES", "verdict", "CaseData", "case_schema", "load_case", "read_case_file", "Decision", "Reason",
           "build_decision", "decide"]  # fmt: skip
