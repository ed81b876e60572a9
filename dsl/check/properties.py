"""Properties (proofs/*.props) checked with the policy's names in scope, lowered to formulas.

A formula is split where it must be: at `implies`, `each`, decisions (outcome, result, assessed,
awarded) and comparisons of two cases. Any part that reads one case only is an ordinary policy
expression, checked like a rule's.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ast, ir
from ..diagnostics import Span
from .expressions import ExpressionChecker, Ratio, scale_ratios
from .scope import ORDERED_KINDS, Diagnostics, Failed, Reporter, Scope, suggest


class PropertyChecker(Reporter):
    def __init__(self, scope: Scope, exprs: ExpressionChecker, diags: Diagnostics):
        self.scope = scope
        self.exprs = exprs
        self.diags = diags

    def properties(self, proof_modules: list[ast.Module], policy: ir.Policy) -> tuple[ir.Property, ...]:
        decls = []
        for m in proof_modules:
            for d in m.decls:
                if isinstance(d, ast.PropertyDecl):
                    decls.append(d)
                else:
                    self.error(
                        d.span,
                        "a proofs file holds properties only",
                        "declare inputs, definitions and rules in the policy; the properties can use them",
                    )
        seen: dict[str, tuple[str, Span]] = {}
        properties = []
        for d in decls:
            self.diags.unique(
                seen, d.id, "property", d.span, "property ids must be unique: give this property its own id"
            )
            try:
                properties.append(self._property(d, policy))
            except Failed:
                pass
            finally:
                self.exprs.prop_values, self.exprs.prop_case = {}, None
        return tuple(properties)

    def _property(self, d: ast.PropertyDecl, policy: ir.Policy) -> ir.Property:
        if not d.cites:
            self.error(
                d.span, f"property {d.id} cites no instruction", "add: cites SR3.10(b)(i) (the clause it protects)"
            )
        if len(d.foralls) != 1:
            self.fail(
                d.span,
                f"property {d.id} needs one 'forall' clause; it has {len(d.foralls)}",
                "e.g. forall case: age_at_lodgement >= 56 implies outcome != eligible",
            )
        q = d.foralls[0]
        names = self._binder_names(q)
        values: tuple[tuple[str, ir.Type], ...] = ()
        cases: tuple[str, ...] = ()
        if q.type_name:
            t = self.scope.type_of(ast.TypeRef(q.span, q.type_name), self.diags)
            if t is None:
                raise Failed
            if t.kind == "text":
                self.fail(
                    q.span,
                    "a property cannot quantify over text",
                    "quantify over dates, money, integers, durations, bools or an enumeration",
                )
            values = tuple((n, t) for n in names)
        else:
            cases = names
        same = None
        if q.same_except is not None:
            if len(cases) < 2:
                self.fail(
                    q.span,
                    "'same except' relates two or more cases",
                    "e.g. forall a, b same except employment.pay_per_hour: …",
                )
            same = self._same_except(q.same_except)
        self.exprs.prop_values = dict(values)
        scope = _PropScope(cases, cases[0] if len(cases) == 1 else ("" if values else None), {}, policy)
        formula = self._formula(q.body, scope)
        return ir.Property(d.id, d.title, tuple(_cite(c) for c in d.cites), cases, values, same, formula, d.span)

    def _binder_names(self, q: ast.Forall) -> tuple[str, ...]:
        taken = (
            set(self.scope.input_by_path)
            | set(self.scope.record_inputs)
            | set(self.scope.list_by_name)
            | set(self.scope.define_decls)
            | set(self.scope.params)
            | set(self.scope.tables)
            | {m for en in self.scope.enums.values() for m in en.members}
            | set(ir.DECISION_OUTCOMES)
            | {"outcome"}
        )
        out: list[str] = []
        for name, span in q.names:
            if name in taken:
                self.error(
                    span,
                    f"'{name}' is already a name in the policy",
                    "choose another name for what the property quantifies over",
                )
            elif name in out:
                self.error(span, f"'{name}' is named twice")
            out.append(name)
        return tuple(out)

    def _same_except(self, paths) -> tuple[str, ...]:
        out: list[str] = []
        list_fields = {f"{lst.name}.{f.path}" for lst in self.scope.lists for f in lst.fields}
        for path, span in paths:
            if path in self.scope.input_by_path or path in self.scope.list_by_name or path in list_fields:
                out.append(path)
            elif path in self.scope.record_inputs:
                out.extend(f.path for f in self.scope.inputs if f.path.startswith(path + "."))
            else:
                known = (
                    list(self.scope.input_by_path)
                    + list(self.scope.record_inputs)
                    + list(self.scope.list_by_name)
                    + sorted(list_fields)
                )
                self.error(
                    span,
                    f"'{path}' is not an input",
                    suggest(path, known) or "name inputs, record fields, lists or list fields",
                )
        return tuple(dict.fromkeys(out))

    # A formula is split where it must be: at `implies`, `each`, decisions (outcome, result,
    # assessed, awarded) and comparisons of two cases. Any part that reads one case only is an
    # ordinary policy expression, checked like a rule's.

    def _formula(self, e: ast.Expr, scope: _PropScope) -> ir.Formula:
        if not _has_observable(e) and len(self._cases_read(e, scope)) <= 1:
            return self._case_expr(e, scope, "bool")
        if isinstance(e, ast.Implies):
            return ir.Connective("implies", self._formula(e.left, scope), self._formula(e.right, scope))
        if isinstance(e, ast.Binary) and e.op in ("and", "or"):
            return ir.Connective(e.op, self._formula(e.left, scope), self._formula(e.right, scope))
        if isinstance(e, ast.Unary) and e.op == "not":
            return ir.FNot(self._formula(e.operand, scope))
        if isinstance(e, ast.IfThen):
            cond = self._formula(e.cond, scope)
            return ir.Connective(
                "or",
                ir.Connective("and", cond, self._formula(e.then, scope)),
                ir.Connective("and", ir.FNot(cond), self._formula(e.orelse, scope)),
            )
        if isinstance(e, ast.OfCase):
            return self._formula(e.base, scope.reading(self._case_name(e, scope)))
        if isinstance(e, ast.EachItem):
            if scope.items:
                self.fail(e.span, "'each' cannot be nested inside another 'each'")
            if e.source not in self.scope.list_by_name:
                self.fail(e.span, f"'{e.source}' is not a list input", suggest(e.source, self.scope.list_by_name))
            if not scope.cases:
                self.fail(e.span, "'each' needs a case to read the list of", "quantify over cases: forall case: …")
            return ir.EachItem(e.source, self._formula(e.body, scope.with_item(e.var, e.source)))
        if isinstance(e, ast.Binary) and e.op in _COMPARISONS:
            return self._relation(e, scope)
        if isinstance(e, ast.Call) and e.func == "assessed":
            case, rule = self._rule_arg(e, scope)
            return ir.RuleIs(case, rule.id, "assessed")
        if _observable_kind(e):
            self.fail(
                e.span,
                f"'{_observable_kind(e)}' is not a condition on its own",
                "compare it, e.g. outcome == eligible or result(smc.age) == stopped",
            )
        self.fail(
            e.span,
            "this combines values of different cases (or decisions) other than by comparing them",
            "compare them with ==, <, … and join the comparisons with and / or / implies",
        )

    def _relation(self, e: ast.Binary, scope: _PropScope) -> ir.Formula:
        lk, rk = (_observable_kind(self._of(x, scope)[0]) for x in (e.left, e.right))
        if lk in ("outcome", "result") or rk in ("outcome", "result"):
            return self._decision_compare(e, scope)
        if lk == "awarded" or rk == "awarded":
            sides = [self._award_or_int(x, scope) for x in (e.left, e.right)]
            return ir.Relation(e.op, *sides)
        if _has_observable(e.left) or _has_observable(e.right):
            self.fail(
                e.span,
                "a comparison cannot hold 'implies', 'each' or a decision inside its sides",
                "compare plain values",
            )
        cases = [self._single_case(x, scope) for x in (e.left, e.right)]
        sides = []
        for x, case in zip((e.left, e.right), cases):
            self.exprs.prop_case = case
            try:
                sides.append(self.exprs.expr(x, scope.items))
            finally:
                self.exprs.prop_case = None
        lv, rv = sides
        if isinstance(lv, Ratio) or isinstance(rv, Ratio):
            lv, rv = scale_ratios(lv, rv)
        lv, rv = self.exprs.unify(lv, rv, e)
        if e.op not in ("==", "!=") and lv.type.kind not in ORDERED_KINDS:
            self.fail(e.span, f"{lv.type} values can only be compared with == or !=")
        return ir.Relation(e.op, ir.CaseExpr(cases[0], lv), ir.CaseExpr(cases[1], rv))

    def _decision_compare(self, e: ast.Binary, scope: _PropScope) -> ir.Formula:
        """`outcome == eligible`, `outcome of a == outcome of b`, `result(smc.age) != stopped`."""
        if e.op not in ("==", "!="):
            self.fail(e.span, "an outcome or a rule's result can only be compared with == or !=")
        (lbase, lscope), (rbase, rscope) = self._of(e.left, scope), self._of(e.right, scope)
        if _observable_kind(lbase) is None:  # put the decision on the left
            (lbase, lscope), (rbase, rscope) = (rbase, rscope), (lbase, lscope)
        kinds = (_observable_kind(lbase), _observable_kind(rbase))
        if kinds == ("outcome", "outcome"):
            a, b = self._case_name(lbase, lscope), self._case_name(rbase, rscope)
            pairs = [ir.Connective("and", ir.OutcomeIs(a, o), ir.OutcomeIs(b, o)) for o in ir.DECISION_OUTCOMES]
            same: ir.Formula = pairs[0]
            for both in pairs[1:]:
                same = ir.Connective("or", same, both)
            return same if e.op == "==" else ir.FNot(same)
        if kinds[1] is not None or not isinstance(rbase, ast.Name):
            self.fail(
                rbase.span,
                "compare an outcome with an outcome name, a rule's result with a result name",
                "e.g. outcome == eligible, result(smc.age) == stopped",
            )
        value = rbase.name
        if kinds[0] == "outcome":
            if value not in ir.DECISION_OUTCOMES:
                self.fail(rbase.span, f"'{value}' is not an outcome", "outcomes: " + ", ".join(ir.DECISION_OUTCOMES))
            out: ir.Formula = ir.OutcomeIs(self._case_name(lbase, lscope), value)
        else:
            case, rule = self._rule_arg(lbase, lscope)
            allowed = ir.EFFECT_OUTCOMES[rule.kind] + ir.RULE_STATES
            if value not in allowed:
                self.fail(rbase.span, f"rule {rule.id} has no result '{value}'", "its results: " + ", ".join(allowed))
            out = ir.RuleIs(case, rule.id, value)
        return out if e.op == "==" else ir.FNot(out)

    def _award_or_int(self, e: ast.Expr, scope: _PropScope) -> ir.Formula:
        base, base_scope = self._of(e, scope)
        if _observable_kind(base) == "awarded":
            case_name, rule = self._rule_arg(base, base_scope)
            if rule.kind != "points":
                self.fail(base.span, f"rule {rule.id} awards no points", "awarded(…) takes a points rule")
            return ir.AwardOf(case_name, rule.id)
        if _has_observable(e):
            self.fail(e.span, "compare awarded(…) with a whole number")
        return self._case_expr(e, scope, "int")

    def _rule_arg(self, e: ast.Expr, scope: _PropScope) -> tuple[str, ir.Rule]:
        """The case and the rule of `result(rule)`, `assessed(rule)` or `awarded(rule)`."""
        if not isinstance(e, ast.Call) or len(e.args) != 1:
            self.fail(e.span, "name one rule, e.g. result(smc.age)")
        rule_id = _dotted(e.args[0])
        rules = scope.policy.rule_by_id
        if rule_id not in rules:
            self.fail(e.args[0].span, f"'{rule_id or 'this'}' is not a rule id", suggest(rule_id or "", rules))
        return self._case_name(e, scope), rules[rule_id]

    def _of(self, e: ast.Expr, scope: _PropScope) -> tuple[ast.Expr, _PropScope]:
        """`x of a` → x, read for a (checked to be a case of the property)."""
        while isinstance(e, ast.OfCase):
            scope = scope.reading(self._case_name(e, scope))
            e = e.base
        return e, scope

    def _case_name(self, e: ast.Expr, scope: _PropScope) -> str:
        """The case a decision is read for: the one named by `of`, else the property's only case."""
        if isinstance(e, ast.OfCase):
            if e.case not in scope.cases:
                self.fail(
                    e.span,
                    f"'{e.case}' is not a case of this property",
                    ("its cases: " + ", ".join(scope.cases))
                    if scope.cases
                    else "this property quantifies values, not cases",
                )
            return e.case
        if not scope.default:
            self.fail(
                e.span,
                "which case is this read for?",
                f"write: … of {scope.cases[0]}" if scope.cases else "quantify over cases: forall case: …",
            )
        return scope.default

    def _single_case(self, e: ast.Expr, scope: _PropScope) -> str:
        cases = self._cases_read(e, scope)
        if len(cases) > 1:
            self.fail(e.span, "this side reads more than one case", "compare the cases' values with each other instead")
        return next(iter(cases), "")

    def _cases_read(self, e: ast.Expr, scope: _PropScope) -> set[str]:
        """The cases a part of a formula reads: named by `of`, or the case in scope for a bare name."""
        if isinstance(e, ast.OfCase):
            return self._cases_read(e.base, scope.reading(self._case_name(e, scope)))
        if self._reads_case(e, scope):
            return {self._case_name(e, scope)}
        out: set[str] = set()
        for child in _sub_expressions(e):
            out |= self._cases_read(child, scope)
        return out

    def _reads_case(self, e: ast.Expr, scope: _PropScope) -> bool:
        """A bare name (or call) that reads the case's data, rather than a quantified value or a member."""
        if isinstance(e, ast.Name):
            n = e.name
            if n in self.exprs.prop_values or n in scope.items:
                return False
            return (
                n in self.scope.input_by_path
                or n in self.scope.define_decls
                or n in self.scope.list_by_name
                or n in self.scope.record_inputs
            )
        if isinstance(e, ast.Attr) and isinstance(e.base, ast.Name):
            return e.base.name in scope.items or e.base.name in self.scope.record_inputs
        return isinstance(e, ast.Aggregate) or isinstance(e, ast.Call) and e.func == "points"

    def _case_expr(self, e: ast.Expr, scope: _PropScope, kind: str) -> ir.CaseExpr:
        case = self._single_case(e, scope)
        self.exprs.prop_case = case
        try:
            return ir.CaseExpr(case, self.exprs.typed(e, scope.items, kind))
        finally:
            self.exprs.prop_case = None


# ---------------------------------------------------------------- property helpers

_COMPARISONS = (">=", ">", "<=", "<", "==", "!=")
_DECISION_CALLS = ("result", "assessed", "awarded")


@dataclass(frozen=True)
class _PropScope:
    """What a part of a property is read against."""

    cases: tuple[str, ...]
    default: str | None  # the case a bare name reads: the only case, "" for values only, None: say which
    items: dict[str, str]  # `each p in work`: p → work
    policy: ir.Policy

    def reading(self, case: str) -> _PropScope:
        return _PropScope(self.cases, case, self.items, self.policy)

    def with_item(self, var: str, source: str) -> _PropScope:
        return _PropScope(self.cases, self.default, {var: source}, self.policy)


def _sub_expressions(e: ast.Expr) -> list[ast.Expr]:
    out = []
    for value in vars(e).values():
        if isinstance(value, ast.Expr):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, ast.Expr))
    return out


def _observable_kind(e: ast.Expr) -> str | None:
    """'outcome', 'result', 'assessed' or 'awarded' if the expression reads a decision directly."""
    if isinstance(e, ast.Name) and e.name == "outcome":
        return "outcome"
    if isinstance(e, ast.Call) and e.func in _DECISION_CALLS:
        return e.func
    return None


def _has_observable(e: ast.Expr) -> bool:
    if _observable_kind(e) or isinstance(e, (ast.Implies, ast.EachItem)):
        return True
    return any(_has_observable(c) for c in _sub_expressions(e))


def _dotted(e: ast.Expr) -> str:
    """`smc.points.income` parsed as names and fields, back to the rule id."""
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.Attr):
        base = _dotted(e.base)
        return f"{base}.{e.name}" if base else ""
    return ""


def _cite(c: ast.Cite) -> ir.Citation:
    return ir.Citation(c.kind, c.text, c.step)
