"""The policy language: text → checked IR. Imports nothing from `solver`.

Stages: `parse` (text → AST, `parse_errors` for syntax errors), `check` (AST → IR, with every
problem as a positioned diagnostic), `ir` (the frozen, resolved IR every back end reads),
`units` (date and money codes, and the one value formatter), `loader` (folders from disk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ir
from .diagnostics import CaseError, Diagnostic, PolicyError, Span, UserError, closest
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

if TYPE_CHECKING:
    from .check import check, check_with_properties
    from .parse import parse_expression, parse_module

# The checker and the parser (with Lark) are imported when first asked for: a cached policy needs neither.
_LAZY = {"check": "check", "check_with_properties": "check", "parse_module": "parse", "parse_expression": "parse"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "closest",
]
