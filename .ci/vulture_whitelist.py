"""Names vulture cannot see used: Lark calls the transformer's methods by grammar rule name, the
visitor dispatch calls handlers by node class name, typer calls the commands, and a few public
API names are used by tests and by the analyses built on the IR."""

# ruff: noqa
_ = object()
from visarules.dsl.ir import Expr, Visitor
from visarules.dsl.parse import _ToAst

Expr.with_children  # rewriting passes (mutation testing) and its test
Visitor.readers  # tests/test_visitors.py walks every reader

# clingo's solve configuration is set by attribute
_.enum_mode
_.opt_mode

# Lark calls these by the grammar's rule names
_ToAst.aggregate
_ToAst.and_
_ToAst.applies_clause
_ToAst.at
_ToAst.attr
_ToAst.award
_ToAst.binary
_ToAst.call
_ToAst.category_decl
_ToAst.changeable
_ToAst.clause_cite
_ToAst.compare
_ToAst.concern
_ToAst.count
_ToAst.constraint_decl
_ToAst.date_lit
_ToAst.dates_decl
_ToAst.decimal_lit
_ToAst.define_decl
_ToAst.dotted_name
_ToAst.duration_lit
_ToAst.each_item
_ToAst.enum_decl
_ToAst.enum_member
_ToAst.false_lit
_ToAst.field_decl
_ToAst.for_clause
_ToAst.forall_cases
_ToAst.forall_values
_ToAst.from_clause
_ToAst.if_
_ToAst.implies
_ToAst.in_table
_ToAst.inferred_cite
_ToAst.input_decl
_ToAst.input_path
_ToAst.int_lit
_ToAst.item_define_decl
_ToAst.list_type
_ToAst.literal
_ToAst.lookup
_ToAst.money_lit
_ToAst.name_lit
_ToAst.neg
_ToAst.negint_lit
_ToAst.not_
_ToAst.of_case
_ToAst.or_
_ToAst.outcome_text
_ToAst.param_decl
_ToAst.param_entry
_ToAst.policy_decl
_ToAst.property_decl
_ToAst.record_decl
_ToAst.require
_ToAst.rule_decl
_ToAst.same_except
_ToAst.scalar_type
_ToAst.sop_cite
_ToAst.sop_decl
_ToAst.sop_step
_ToAst.source_cite
_ToAst.stage_clause
_ToAst.step_inputs
_ToAst.step_lost
_ToAst.step_outcome
_ToAst.stop
_ToAst.string_lit
_ToAst.table_decl
_ToAst.table_row
_ToAst.true_lit
_ToAst.until_clause
_ToAst.version_decl

# visa-rules serve: FastAPI calls the routes and exception handlers it registers; pydantic reads the
# model fields (each is a key of the JSON it validates)

bad_case, big_batch, bad_parameter, bad_request  # app.py exception handlers
answer_schema, policy_summary, health, page, favicon, docs  # app.py routes
_.model_config
_.from_, _.by_category, _.instruction_version, _.date_of, _.action, _.must_hold, _.to, _.from_value, _.to_value
_.schema_, _.lodgement_date, _.cross_checked_with, _.in_force_on_date, _.digest, _.version_in_force
app_from_environment  # uvicorn imports it by path (serve --workers)
_ToAst.interval_aggregate
_ToAst.table_source
_ToAst.defer

# module-level __getattr__ (lazy imports) and typer's callback are called by Python and typer
from visarules.solver.analyses.thresholds import Thresholds  # noqa: E402

Thresholds.by_kind  # the test strategies' view of the thresholds
_.__getattr__
_._options

# pytest calls the plugin's hooks and its items' methods by name (visarules/pytest_plugin.py)
_.pytest_addoption
_.pytest_configure
_.pytest_collect_file
_.collect
_.runtest
_.reportinfo
# pygls calls the language server's handlers, registered by decorator (visarules/cli/lsp.py)
_.did_open
_.did_change
_.did_close
_.hover
_.definition
_.completion
_._repr_pretty_  # Policy: called by Hypothesis's and IPython's pretty printers
