"""The policy language: text → checked IR. Imports nothing from `solver`.

Stages: `parse` (text → AST, `parse_errors` for syntax errors), `check` (AST → IR, with every
problem as a positioned diagnostic), `ir` (the frozen, resolved IR every back end reads),
`units` (date and money codes, and the one value formatter), `loader` (folders from disk).
"""

from __future__ import annotations

from . import ir
from .check import check, check_with_properties
from .diagnostics import CaseError, Diagnostic, PolicyError, Span, UserError
from .ir import Policy
from .loader import (
    Proofs,
    ProofsError,
    default_policy_dir,
    default_proofs_dir,
    display_name,
    load_policy,
    load_proofs,
)
from .parse import parse_expression, parse_module

__all__ = [
    "ir",
    "Policy",
    "load_policy",
    "load_proofs",
    "default_policy_dir",
    "default_proofs_dir",
    "display_name",
    "Proofs",
    "ProofsError",
    "check",
    "check_with_properties",
    "parse_module",
    "parse_expression",
    "PolicyError",
    "CaseError",
    "UserError",
    "Diagnostic",
    "Span",
]
