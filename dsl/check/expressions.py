"""Expressions: every name resolved, every type checked, lowered to IR expressions.

A decimal factor (`1.5 * median`) is kept as a `Ratio` until the comparison it stands in is
scaled to whole numbers (`2 * pay >= 3 * median`); a bare enumeration member takes its type from
what it is compared with. Definitions are resolved on first use, with cycles reported.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

from .. import ast, ir
from ..diagnostics import Span
from ..ir.visitor import Visitor
from ..units import UNITS_PER_MONTH, UNITS_PER_YEAR, date_code, months_code
from .scope import ORDERED_KINDS, Diagnostics, Failed, Reporter, Scope, suggest


@dataclass(frozen=True)
class EnumMember:
    """A bare name that can only be an enumeration member; typed by what it is compared with."""

    name: str
    span: Span


@dataclass(frozen=True)
class Ratio:
    """`1.5 * x`: only meaningful inside a comparison, which is scaled to whole numbers."""

    factor: Fraction
    expr: ir.Expr | None


class ExpressionChecker(Visitor, Reporter):
    """AST expressions → IR expressions, one handler per AST expression class."""

    nodes = ast.EXPR_NODES
    families = ("_x_",)

    def __init__(self, scope: Scope, diags: Diagnostics):
        self.scope = scope
        self.diags = diags
        self.resolved_defines: dict[tuple[str, str], ir.Named] = {}
        self.resolving: list[tuple[str, str]] = []
        self.failed_defines: set[tuple[str, str]] = set()
        # while checking a property: its quantified values, and the case its expressions are read for
        self.prop_values: dict[str, ir.Type] = {}
        self.prop_case: str | None = None
        # where each IR node was written, for messages about the checked IR (see `bounds`); keyed by
        # id (hashing a frozen tree rehashes all of it), the node kept so that its id stays its own
        self.spans: dict[int, tuple[ir.Expr, Span]] = {}

    def resolve_defines(self) -> tuple[ir.Named, ...]:
        """Every definition, each checked once (also those no rule uses); the case-level ones."""
        for d in self.scope.of(ast.DefineDecl):
            try:
                self.define(d.source, d.name)
            except Failed:
                pass
        return tuple(n for (src, _), n in self.resolved_defines.items() if not src)

    def define(self, source: str, name: str) -> ir.Named:
        key = (source, name)
        if key in self.resolved_defines:
            return self.resolved_defines[key]
        if key in self.failed_defines:
            raise Failed  # its own error is reported once, where it is defined
        decl = self.scope.item_define_decls[key] if source else self.scope.define_decls[name]
        if key in self.resolving:
            cycle = " → ".join(n for _, n in self.resolving[self.resolving.index(key) :] + [key])
            self.fail(decl.span, f"'{name}' is defined in terms of itself ({cycle})", "break the cycle")
        self.resolving.append(key)
        try:
            if source:
                if source not in self.scope.list_by_name:
                    self.fail(decl.span, f"'{source}' is not a list input", suggest(source, self.scope.list_by_name))
                env = {decl.var: source}
            else:
                env = {}
            expr = self.value(decl.expr, env)
            named = ir.Named(name, expr, decl.doc)
            self.resolved_defines[key] = named
            return named
        except Failed:
            self.failed_defines.add(key)
            raise
        finally:
            self.resolving.pop()

    def value(self, e: ast.Expr, env: dict[str, str]) -> ir.Expr:
        """An expression that must stand on its own (no bare enum member, no 1.5 × x)."""
        out = self.expr(e, env)
        if isinstance(out, EnumMember):
            self.fail(
                out.span,
                f"'{out.name}' alone has no type here",
                "compare it with a value, e.g. employment.term == permanent",
            )
        if isinstance(out, Ratio):
            self.fail(
                e.span,
                "a decimal factor can only be used directly in a comparison",
                "money is whole cents: write the comparison in full, e.g. pay >= 1.5 * median",
            )
        return out

    def typed(self, e: ast.Expr, env, *kinds: str) -> ir.Expr:
        out = self.value(e, env)
        if out.type.kind not in kinds:
            want = " or ".join(kinds)
            self.fail(e.span, f"expected {want}, found {out.type}", _type_hint(kinds))
        return out

    def expr(self, e: ast.Expr, env: dict[str, str]):
        out = self.dispatch(e, env, family="_x_")
        if isinstance(out, ir.Expr):
            self.spans.setdefault(id(out), (out, e.span))
        return out

    def _x_Literal(self, e: ast.Literal, env):
        k, v = e.kind, e.value
        if k == "bool":
            return ir.Const(ir.BOOL, int(bool(v)))
        if k == "date" and isinstance(v, dt.date):
            return ir.Const(ir.DATE, date_code(v))
        if k == "decimal" and isinstance(v, Fraction):
            return Ratio(v, None)
        if k == "duration" and isinstance(v, int):
            return ir.Const(ir.DURATION, months_code(v))
        types = {"int": ir.INT, "money": ir.MONEY, "string": ir.TEXT}
        if k in types and isinstance(v, (int, str)):
            return ir.Const(types[k], v)
        self.fail(e.span, f"unexpected literal {v!r}")

    def _x_Name(self, e: ast.Name, env):
        n = e.name
        if n in env:
            self.fail(
                e.span,
                f"'{n}' stands for one item of {env[n]}",
                f"use one of its fields, e.g. {n}.{self._first_field(env[n])}",
            )
        if n in self.prop_values:  # a value a property quantifies over: a free input of its own
            return ir.Input(n, self.prop_values[n])
        if n in self.scope.input_by_path:
            f = self.scope.input_by_path[n]
            return ir.Input(f.path, f.type)
        if n in self.scope.define_decls:
            return self.define("", n)
        if n in self.scope.list_by_name:
            self.fail(e.span, f"'{n}' is a list", f"use an aggregate, e.g. count(each p in {n})")
        if n in self.scope.record_inputs:
            first = self.scope.records[self.scope.record_inputs[n].type.name].fields[0].name
            self.fail(e.span, f"'{n}' is a record", f"use one of its fields, e.g. {n}.{first}")
        if any(n in en.members for en in self.scope.enums.values()):
            return EnumMember(n, e.span)
        for kind, table in (("parameter", self.scope.params), ("table", self.scope.tables)):
            if n in table:
                hint = f"{n} at lodgement_date" if kind == "parameter" else f"{n}[key].column"
                self.fail(e.span, f"'{n}' is a {kind}", f"write {hint}")
        members = [m for en in self.scope.enums.values() for m in en.members]
        candidates = list(self.scope.input_by_path) + list(self.scope.define_decls) + list(env) + members
        self.fail(e.span, f"unknown name '{n}'", suggest(n, candidates))

    def _first_field(self, list_name: str) -> str:
        lst = self.scope.list_by_name[list_name]
        return lst.fields[0].path if lst.fields else "field"

    def _x_Attr(self, e: ast.Attr, env):
        if isinstance(e.base, ast.Name):
            base = e.base.name
            if base in env:
                lst = self.scope.list_by_name[env[base]]
                for f in lst.fields:
                    if f.path == e.name:
                        return ir.Field(lst.name, f.path, f.type)
                if (lst.name, e.name) in self.scope.item_define_decls:
                    return self.define(lst.name, e.name)
                names = [f.path for f in lst.fields] + [n for (s, n) in self.scope.item_define_decls if s == lst.name]
                self.fail(e.span, f"an item of {lst.name} has no field '{e.name}'", suggest(e.name, names))
            if base in self.scope.record_inputs:
                path = f"{base}.{e.name}"
                if path in self.scope.input_by_path:
                    f = self.scope.input_by_path[path]
                    return ir.Input(f.path, f.type)
                fields = [f.name for f in self.scope.records[self.scope.record_inputs[base].type.name].fields]
                self.fail(e.span, f"{base} has no field '{e.name}'", suggest(e.name, fields))
        self.fail(e.span, "only record inputs and list items have fields", "e.g. employment.hours_per_week or p.start")

    def _x_At(self, e: ast.At, env):
        if e.param not in self.scope.params:
            self.fail(e.span, f"unknown parameter '{e.param}'", suggest(e.param, self.scope.params))
        date = self.typed(e.date, env, "date")
        return ir.ParamAt(self.scope.params[e.param], date)

    def _table(self, name: str, span: Span) -> ir.Table:
        if name not in self.scope.tables:
            self.fail(span, f"unknown table '{name}'", suggest(name, self.scope.tables))
        return self.scope.tables[name]

    def _key(self, table: ir.Table, key_ast: ast.Expr, env) -> ir.Expr:
        key = self.expr(key_ast, env)
        if isinstance(key, EnumMember) and table.key_type.kind == "enum":
            return self._coerce(key, table.key_type)
        key = self.value(key_ast, env) if not isinstance(key, ir.Expr) else key
        if key.type != table.key_type:
            self.fail(key_ast.span, f"table {table.name} is keyed by {table.key_type}, not {key.type}")
        return key

    def _x_Lookup(self, e: ast.Lookup, env):
        table = self._table(e.table, e.span)
        key = self._key(table, e.key, env)
        cols = dict(table.columns)
        if e.column not in cols:
            self.fail(e.span, f"table {table.name} has no column '{e.column}'", suggest(e.column, cols))
        return ir.Lookup(table, e.column, key, cols[e.column])

    def _x_InTable(self, e: ast.InTable, env):
        table = self._table(e.table, e.span)
        return ir.InTable(table, self._key(table, e.key, env))

    def _x_Call(self, e: ast.Call, env):
        f, args = e.func, e.args
        if f == "known":
            self._arity(e, 1)
            target = self.value(args[0], env)
            if isinstance(target, ir.Input) and self.scope.input_by_path[target.path].optional:
                return ir.InputKnown(target.path)
            if isinstance(target, ir.Field):
                fld = next(x for x in self.scope.list_by_name[target.list].fields if x.path == target.name)
                if fld.optional:
                    return ir.FieldKnown(target.list, target.name)
            self.fail(e.span, "known(…) takes an optional input", "only inputs declared 'optional' can be unknown")
        if f in ("min", "max"):
            if len(args) < 2:
                self.fail(e.span, f"{f}(…) takes two or more values", f"for a list use {f}(x for each p in list)")
            parts = [self.typed(a, env, *ORDERED_KINDS) for a in args]
            for a, p in zip(args[1:], parts[1:]):
                if p.type != parts[0].type:
                    self.fail(a.span, f"{f}(…) mixes {parts[0].type} and {p.type}")
            out = parts[0]
            for p in parts[1:]:
                out = ir.MinMax(f, out, p)
            return out
        if f == "years":
            self._arity(e, 1)
            return ir.FloorDiv(self.typed(args[0], env, "duration"), UNITS_PER_YEAR, ir.INT)
        if f == "months":
            self._arity(e, 1)
            return ir.FloorDiv(self.typed(args[0], env, "duration"), UNITS_PER_MONTH, ir.INT)
        if f == "overlap":
            self._arity(e, 4)
            s, end, ws, we = (self.typed(a, env, "date") for a in args)
            inside = ir.Arith("-", ir.MinMax("min", end, we), ir.MinMax("max", s, ws), ir.DURATION)
            return ir.MinMax("max", ir.Const(ir.DURATION, 0), inside)
        if f == "points":
            self._arity(e, 1)
            if not isinstance(args[0], ast.Name) or args[0].name not in {c.name for c in self.scope.categories}:
                names = [c.name for c in self.scope.categories]
                got = args[0].name if isinstance(args[0], ast.Name) else "this"
                self.fail(
                    args[0].span,
                    f"'{got}' is not a points category",
                    suggest(got, names) or "categories: " + ", ".join(names),
                )
            return ir.PointsOf(args[0].name)
        if f in ("sum", "count"):
            self.fail(e.span, f"{f}(…) needs 'for each'", f"e.g. {f}(p.x for each p in work where …)")
        self.fail(
            e.span,
            f"unknown function '{f}'",
            suggest(f, ["known", "min", "max", "years", "months", "overlap", "points"])
            or "functions: known, min, max, years, months, overlap, points",
        )

    def _arity(self, e: ast.Call, n: int) -> None:
        if len(e.args) != n:
            self.fail(e.span, f"{e.func}(…) takes {n} value{'s' if n > 1 else ''}, found {len(e.args)}")

    def _x_Aggregate(self, e: ast.Aggregate, env):
        if e.source not in self.scope.list_by_name:
            self.fail(e.span, f"'{e.source}' is not a list input", suggest(e.source, self.scope.list_by_name))
        if env:
            self.fail(
                e.span, "an aggregate cannot be nested inside another list's item", "define it at the case level first"
            )
        inner = {e.var: e.source}
        where = self.typed(e.where, inner, "bool") if e.where is not None else ir.Const(ir.BOOL, 1)
        if e.func == "count":
            return ir.Aggregate("count", e.source, ir.Const(ir.INT, 1), where, ir.INT)
        if e.func not in ("sum", "max", "min"):
            self.fail(e.span, f"unknown aggregate '{e.func}'", "aggregates: sum, count, max, min")
        if e.body is None:  # only count has no body, and the parser gives it one function name
            self.fail(e.span, f"{e.func}(…) needs a value to aggregate")
        body = (
            self.typed(e.body, inner, "int", "money", "duration")
            if e.func == "sum"
            else self.typed(e.body, inner, *ORDERED_KINDS)
        )
        return ir.Aggregate(e.func, e.source, body, where, body.type)

    def _x_IntervalAggregate(self, e: ast.IntervalAggregate, env):
        if e.func != "covered":
            self.fail(
                e.span,
                f"unknown aggregate of intervals '{e.func}'",
                "covered(p.start, p.end for each p in work): the time the items' intervals cover",
            )
        if e.source not in self.scope.list_by_name:
            self.fail(e.span, f"'{e.source}' is not a list input", suggest(e.source, self.scope.list_by_name))
        if env:
            self.fail(
                e.span, "an aggregate cannot be nested inside another list's item", "define it at the case level first"
            )
        inner = {e.var: e.source}
        start, end = self.typed(e.start, inner, "date"), self.typed(e.end, inner, "date")
        where = self.typed(e.where, inner, "bool") if e.where is not None else ir.Const(ir.BOOL, 1)
        return ir.Covered(e.source, start, end, where)

    def _x_Implies(self, e: ast.Implies, env):
        self.fail(e.span, "'implies' can only be used in a property", "in a rule write: not A or B")

    def _x_OfCase(self, e: ast.OfCase, env):
        if self.prop_case is None:
            self.fail(
                e.span,
                f"'of {e.case}' names a case of a property",
                "a rule reads the case it decides: leave 'of …' out",
            )
        if e.case != self.prop_case:  # the property checker splits expressions by case first
            self.fail(e.span, f"this reads case '{e.case}' inside an expression read for '{self.prop_case}'")
        return self.expr(e.base, env)

    def _x_EachItem(self, e: ast.EachItem, env):
        self.fail(
            e.span,
            "'each … :' can only be used in a property",
            f"in a rule use count(each {e.var} in {e.source} where …)",
        )

    def _x_Unary(self, e: ast.Unary, env):
        if e.op == "not":
            return ir.Not(self.typed(e.operand, env, "bool"))
        return ir.Neg(self.typed(e.operand, env, "int", "money", "duration"))

    def _x_IfThen(self, e: ast.IfThen, env):
        cond = self.typed(e.cond, env, "bool")
        then, orelse = self.expr(e.then, env), self.expr(e.orelse, env)
        then, orelse = self.unify(then, orelse, e)
        return ir.If(cond, then, orelse, span=e.span)

    def unify(self, a, b, e):
        """Give two sides one type: an enum member takes its type from the other side."""
        if isinstance(a, EnumMember) and isinstance(b, EnumMember):
            self.fail(e.span, "cannot tell which enumeration these members belong to", "compare them with an input")
        if isinstance(a, EnumMember):
            return self._coerce(a, b.type if isinstance(b, ir.Expr) else None), b
        if isinstance(b, EnumMember):
            return a, self._coerce(b, a.type if isinstance(a, ir.Expr) else None)
        for side, ast_side in ((a, e), (b, e)):
            if isinstance(side, Ratio):
                self.fail(ast_side.span, "a decimal factor can only be used directly in a comparison")
        if a.type != b.type:
            self.fail(e.span, f"the two sides have different types: {a.type} and {b.type}")
        return a, b

    def _coerce(self, member: EnumMember, t: ir.Type | None) -> ir.Const:
        if t is None or t.kind != "enum":
            self.fail(member.span, f"'{member.name}' is an enumeration member but is compared with {t}")
        members = self.scope.enums[t.enum].members
        if member.name not in members:
            self.fail(member.span, f"'{member.name}' is not a member of {t.enum}", "members: " + ", ".join(members))
        return ir.Const(t, members.index(member.name))

    def _x_Binary(self, e: ast.Binary, env):
        op = e.op
        if op in ("and", "or"):
            return ir.BoolOp(op, self.typed(e.left, env, "bool"), self.typed(e.right, env, "bool"), span=e.span)
        if op in (">=", ">", "<=", "<", "==", "!="):
            return self._compare(e, env)
        if op == "*":
            return self._multiply(e, env)
        if op == "/":
            return self._divide(e, env)
        left, right = self.value(e.left, env), self.value(e.right, env)
        lk, rk = left.type.kind, right.type.kind
        result = _ARITH.get((op, lk, rk))
        if result is None:
            hint = "dates take durations (lodgement_date - 5 years); date - date is a duration"
            if "date" not in (lk, rk):
                hint = "both sides need the same kind of value (money with money, months with months)"
            self.fail(
                e.span,
                f"cannot {'add' if op == '+' else 'subtract'} {right.type} {'to' if op == '+' else 'from'} {left.type}",
                hint,
            )
        return ir.Arith(op, left, right, result)

    def _multiply(self, e: ast.Binary, env):
        left, right = self.expr(e.left, env), self.expr(e.right, env)
        const, other = (left, right) if _is_factor(left) else (right, left)
        if not _is_factor(const):
            self.fail(e.span, "only a number times a value can be multiplied", "e.g. 2 * median_wage at lodgement_date")
        if isinstance(other, (Ratio, EnumMember)) or other.type.kind not in ("int", "money", "duration"):
            self.fail(e.span, "multiply money, whole numbers or durations by a number")
        if isinstance(const, Ratio):
            return Ratio(const.factor, other)
        return ir.Scale(const.value, other)

    def _divide(self, e: ast.Binary, env):
        """`salary / 52 / hours`: money or a whole number over a whole number, rounded down."""
        left = self.typed(e.left, env, "int", "money")
        right = self.typed(e.right, env, "int")
        if isinstance(right, ir.Const):
            if int(right.value) <= 0:
                hint = "only a divisor read from the case may be 0 (it gives 0)"
                self.fail(e.right.span, "divide by a positive number", hint)
            return ir.FloorDiv(left, int(right.value), left.type)
        return ir.Divide(left, right, left.type)

    def _compare(self, e: ast.Binary, env):
        left, right = self.expr(e.left, env), self.expr(e.right, env)
        left, right = _as_decimal(left, right), _as_decimal(right, left)
        if isinstance(left, Ratio) or isinstance(right, Ratio):
            left, right = scale_ratios(left, right)
        left, right = self.unify(left, right, e)
        kind = left.type.kind
        if e.op not in ("==", "!=") and kind not in ORDERED_KINDS:
            self.fail(e.span, f"{left.type} values can only be compared with == or !=")
        return ir.Compare(e.op, left, right, span=e.span)


# ---------------------------------------------------------------- helpers


_ARITH = {
    ("+", "int", "int"): ir.INT,
    ("-", "int", "int"): ir.INT,
    ("+", "money", "money"): ir.MONEY,
    ("-", "money", "money"): ir.MONEY,
    ("+", "duration", "duration"): ir.DURATION,
    ("-", "duration", "duration"): ir.DURATION,
    ("+", "date", "duration"): ir.DATE,
    ("+", "duration", "date"): ir.DATE,
    ("-", "date", "duration"): ir.DATE,
    ("-", "date", "date"): ir.DURATION,
}


def _is_factor(x) -> bool:
    return isinstance(x, Ratio) and x.expr is None or isinstance(x, ir.Const) and x.type == ir.INT


def _as_decimal(side, other):
    """A number written beside a decimal (`english.score >= 6.5`, `>= 7`) is that decimal, in tenths."""
    if not (isinstance(other, ir.Expr) and other.type == ir.DECIMAL):
        return side
    if isinstance(side, Ratio) and side.expr is None and (side.factor * ir.TENTHS).denominator == 1:
        return ir.Const(ir.DECIMAL, int(side.factor * ir.TENTHS))
    if isinstance(side, ir.Const) and side.type == ir.INT:
        return ir.Const(ir.DECIMAL, int(side.value) * ir.TENTHS)
    return side


def scale_ratios(left, right):
    """`a >= 1.5 * b` becomes `2 * a >= 3 * b`: whole numbers on both sides, no rounding."""
    factors = [x.factor for x in (left, right) if isinstance(x, Ratio)]
    scale = math.lcm(*(f.denominator for f in factors))

    def scaled(x):
        if isinstance(x, Ratio):
            return ir.Scale(int(x.factor * scale), x.expr)
        if not isinstance(x, ir.Expr):
            return x
        return ir.Scale(scale, x) if scale != 1 else x

    return scaled(left), scaled(right)


def _type_hint(kinds) -> str:
    if "bool" in kinds:
        return "a condition such as hours_per_week >= 30"
    if "date" in kinds:
        return "a date such as lodgement_date"
    return ""
