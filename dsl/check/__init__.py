"""AST → IR: resolve every name, check every type and date series, collect all diagnostics.

Nothing runs on a policy that has errors: `check` either returns a Policy or raises one
PolicyError listing every problem found, each with its position, source line and a hint.

The stages, each a module: `declarations` (the Scope: inputs, enumerations, SOPs, parameters,
tables, versions), `expressions` (names and types, lowered to IR expressions; definitions),
`rules` and `properties`; `scope` holds what they share; `bounds` proves that no number the ASP
program computes can leave clingo's 32-bit range.
"""

from __future__ import annotations

from .. import ast, ir
from .bounds import check_bounds
from .declarations import check_constraints, declare
from .expressions import ExpressionChecker
from .properties import PropertyChecker
from .rules import check_rules
from .scope import Diagnostics, Scope
from .tables import DataFile, DataFiles

__all__ = ["check", "check_with_properties", "Scope", "DataFile", "DataFiles"]


def check(modules: list[ast.Module], sources: dict[str, str], data: DataFiles | None = None) -> ir.Policy:
    """The checked policy; `data` holds the files its tables read (see `loader`)."""
    policy, _, _ = _policy(modules, sources, data)
    return policy


def check_with_properties(
    modules: list[ast.Module],
    proof_modules: list[ast.Module],
    sources: dict[str, str],
    data: DataFiles | None = None,
) -> tuple[ir.Policy, tuple[ir.Property, ...]]:
    """The policy, then the properties of a proofs folder with the policy's names in scope."""
    policy, scope, exprs = _policy(modules, sources, data)  # a policy with errors is reported on its own first
    diags = exprs.diags
    properties = PropertyChecker(scope, exprs, diags).properties(proof_modules, policy)
    diags.raise_if_any(sources)
    return policy, properties


def _policy(
    modules: list[ast.Module], sources: dict[str, str], data: DataFiles | None
) -> tuple[ir.Policy, Scope, ExpressionChecker]:
    diags = Diagnostics()
    scope = declare(modules, diags, data)
    exprs = ExpressionChecker(scope, diags)
    defines = exprs.resolve_defines()
    rules = check_rules(scope, exprs, diags)
    constraints = check_constraints(scope, exprs, diags)
    for d in scope.of(ast.PropertyDecl):
        diags.error(
            d.span, f"property {d.id} is in a policy file", "properties belong in a proofs folder, in *.props files"
        )
    diags.raise_if_any(sources)
    titles = [d.title for d in scope.of(ast.PolicyDecl)]
    policy = ir.Policy(
        title=titles[0] if titles else "policy",
        versions=scope.versions,
        enums=tuple(scope.enums.values()),
        categories=scope.categories,
        inputs=scope.inputs,
        lists=scope.lists,
        params=tuple(scope.params.values()),
        tables=tuple(scope.tables.values()),
        defines=defines,
        rules=rules,
        sources=sources,
        sops=tuple(scope.sops.values()),
        constraints=constraints,
        dates=scope.dates,
    )
    check_bounds(policy, exprs.spans, scope, diags)  # on a policy that is otherwise sound
    diags.raise_if_any(sources)
    return policy, scope, exprs
