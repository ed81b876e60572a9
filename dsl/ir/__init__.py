"""The resolved IR: frozen, with no names left to look up. The only input of every back end.

`types` (value types), `expr` (what rules compute), `policy` (declarations, rules, dated values),
`semantics` (what a decision is), `formula` (properties to prove) and `visitor` (the one way to
read a tree of nodes). Everything is re-exported here: `from visarules.dsl import ir; ir.Compare`.
"""

from .expr import (
    COMPARE_OPS,
    EXPR_NODES,
    Aggregate,
    Arith,
    BoolOp,
    Compare,
    Const,
    Covered,
    Divide,
    Expr,
    Field,
    FieldKnown,
    FloorDiv,
    If,
    Input,
    InputKnown,
    InTable,
    Lookup,
    MinMax,
    Named,
    Neg,
    Not,
    ParamAt,
    PointsOf,
    Scale,
    walk,
)
from .formula import (
    FORMULA_NODES,
    AwardOf,
    CaseExpr,
    Connective,
    EachItem,
    FNot,
    Formula,
    OutcomeIs,
    Property,
    Relation,
    RuleIs,
    walk_formula,
)
from .policy import (
    CLINGO_MAX,
    CLINGO_MIN,
    DEFAULT_DATES,
    EFFECT_OUTCOMES,
    MAX_CASE_BYTES,
    MAX_LIST_ITEMS,
    Bounds,
    Category,
    Citation,
    Constraint,
    Enum,
    InputField,
    InputList,
    Param,
    ParamEntry,
    ParamWindow,
    Policy,
    Rule,
    Sop,
    SopStep,
    Table,
    Version,
)
from .semantics import (
    ADVERSE_RESULTS,
    CATEGORY,
    DECISION_OUTCOMES,
    LODGEMENT,
    OUTCOMES,
    RULE_STATES,
    Verdict,
    in_force,
    outcome_of,
    result_of,
)
from .types import (
    BOOL,
    DATE,
    DECIMAL,
    DURATION,
    INT,
    MONEY,
    ORDERED_KINDS,
    SCALAR_KINDS,
    TENTHS,
    TEXT,
    Type,
    zero_of,
)
from .visitor import ExprVisitor, FormulaVisitor, MissingHandler, Visitor

__all__ = [
    # types
    "Type", "BOOL", "INT", "DECIMAL", "TENTHS",
    "MONEY", "DATE", "DURATION", "TEXT", "SCALAR_KINDS", "ORDERED_KINDS", "zero_of",
    # expressions
    "Expr", "Const", "Input", "InputKnown", "Field", "FieldKnown", "Named", "Not", "Neg", "Arith", "Scale",
    "FloorDiv", "Divide", "Compare", "BoolOp", "MinMax", "If", "ParamAt", "Lookup", "InTable", "Aggregate",
    "Covered", "PointsOf",
    "EXPR_NODES", "COMPARE_OPS", "walk",
    # declarations, rules, the policy
    "Citation", "Enum", "InputField", "InputList", "ParamEntry", "ParamWindow", "Param", "Table", "Version",
    "SopStep", "Sop", "Category", "Rule", "Policy", "EFFECT_OUTCOMES",
    # what a case may hold: value ranges, constraints, clingo's number range
    "Bounds", "Constraint", "CLINGO_MIN", "CLINGO_MAX", "DEFAULT_DATES", "MAX_CASE_BYTES", "MAX_LIST_ITEMS",
    # decision semantics
    "Verdict", "OUTCOMES", "DECISION_OUTCOMES", "RULE_STATES", "ADVERSE_RESULTS", "LODGEMENT", "CATEGORY",
    "outcome_of", "result_of", "in_force",
    # properties
    "Formula", "CaseExpr", "OutcomeIs", "RuleIs", "AwardOf", "FNot", "Connective", "Relation", "EachItem",
    "FORMULA_NODES", "walk_formula", "Property",
    # reading trees
    "Visitor", "ExprVisitor", "FormulaVisitor", "MissingHandler",
]  # fmt: skip
