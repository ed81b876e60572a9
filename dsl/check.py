"""AST → IR: resolve every name, check every type and date series, collect all diagnostics.

Nothing runs on a policy that has errors: `check` either returns a Policy or raises one
PolicyError listing every problem found, each with its position, source line and a hint.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass
from fractions import Fraction

from . import ast
from . import ir
from .diagnostics import Diagnostic, PolicyError, Span
from .encoding import UNITS_PER_MONTH, UNITS_PER_YEAR, date_code, months_code

BASE_TYPES = {
    "bool": ir.BOOL,
    "integer": ir.INT,
    "money": ir.MONEY,
    "date": ir.DATE,
    "duration": ir.DURATION,
    "text": ir.TEXT,
}
ORDERED_KINDS = {"int", "money", "date", "duration"}


@dataclass(frozen=True)
class _EnumMember:
    """A bare name that can only be an enumeration member; typed by what it is compared with."""

    name: str
    span: Span


@dataclass(frozen=True)
class _Ratio:
    """`1.5 * x`: only meaningful inside a comparison, which is scaled to whole numbers."""

    factor: Fraction
    expr: ir.Expr


class _Failed(Exception):
    """Raised inside expression checking once a diagnostic has been recorded."""


def check(modules: list[ast.Module], sources: dict[str, str]) -> ir.Policy:
    return _Checker(modules, sources).run()


def check_with_properties(
    modules: list[ast.Module], proof_modules: list[ast.Module], sources: dict[str, str]
) -> tuple[ir.Policy, tuple[ir.Property, ...]]:
    """The policy, then the properties of a proofs folder with the policy's names in scope."""
    return _Checker(modules, sources).run_with_properties(proof_modules)


class _Checker:
    def __init__(self, modules: list[ast.Module], sources: dict[str, str]):
        self.modules = modules
        self.sources = sources
        self.diags: list[Diagnostic] = []
        self.decls: dict[type, list] = {}
        for m in modules:
            for d in m.decls:
                self.decls.setdefault(type(d), []).append(d)
        # while checking a property: its quantified values, and the case its expressions are read for
        self.prop_values: dict[str, ir.Type] = {}
        self.prop_case: str | None = None

    # ------------------------------------------------------------ plumbing

    def error(self, span: Span, message: str, hint: str = "", related=()) -> None:
        self.diags.append(Diagnostic(span, message, hint, related=tuple(related)))

    def fail(self, span: Span, message: str, hint: str = "", related=()):
        self.error(span, message, hint, related)
        raise _Failed

    def of(self, kind: type) -> list:
        return self.decls.get(kind, [])

    def _suggest(self, name: str, candidates) -> str:
        close = difflib.get_close_matches(name, list(candidates), n=1)
        return f"did you mean '{close[0]}'?" if close else ""

    # ------------------------------------------------------------ the whole policy

    def run(self) -> ir.Policy:
        self._check_global_names()
        self.enums = self._enums()
        self.sops = self._sops()
        self.records = {r.name: r for r in self.of(ast.RecordDecl)}
        self.inputs, self.lists = self._inputs()
        self.input_by_path = {f.path: f for f in self.inputs}
        self.record_inputs = {d.name: d for d in self.of(ast.InputDecl) if d.type.name in self.records and not d.type.is_list}
        self.list_by_name = {lst.name: lst for lst in self.lists}
        self._check_sop_inputs()
        self.categories = self._categories()
        self.params = self._params()
        self.tables = self._tables()
        self.versions = self._versions()
        self.define_decls = {d.name: d for d in self.of(ast.DefineDecl) if not d.source}
        self.item_define_decls = {(d.source, d.name): d for d in self.of(ast.DefineDecl) if d.source}
        self.resolved_defines: dict[tuple[str, str], ir.Named] = {}
        self.resolving: list[tuple[str, str]] = []
        self.failed_defines: set[tuple[str, str]] = set()
        for d in self.of(ast.DefineDecl):
            try:
                self._define(d.source, d.name, d.span)
            except _Failed:
                pass
        rules = self._rules()
        for d in self.of(ast.PropertyDecl):
            self.error(d.span, f"property {d.id} is in a policy file", "properties belong in a proofs folder, in *.props files")
        if self.diags:
            self.diags.sort(key=lambda d: (d.span.file, d.span.line, d.span.column))
            raise PolicyError(self.diags, self.sources)
        titles = [d.title for d in self.of(ast.PolicyDecl)]
        return ir.Policy(
            title=titles[0] if titles else "policy",
            versions=self.versions,
            enums=tuple(self.enums.values()),
            categories=self.categories,
            inputs=self.inputs,
            lists=self.lists,
            params=tuple(self.params.values()),
            tables=tuple(self.tables.values()),
            defines=tuple(n for (src, _), n in self.resolved_defines.items() if not src),
            rules=rules,
            records_doc=tuple((r.name, r.doc) for r in self.of(ast.RecordDecl)),
            sources=self.sources,
            sops=tuple(self.sops.values()),
        )

    def _check_global_names(self) -> None:
        seen: dict[str, tuple[str, Span]] = {}
        kinds = [
            (ast.EnumDecl, "enumeration"),
            (ast.RecordDecl, "record"),
            (ast.InputDecl, "input"),
            (ast.ParamDecl, "parameter"),
            (ast.TableDecl, "table"),
        ]
        for kind, label in kinds:
            for d in self.of(kind):
                self._unique(seen, d.name, label, d.span)
        for d in self.of(ast.DefineDecl):
            if not d.source:
                self._unique(seen, d.name, "definition", d.span)
        # points categories are only ever named inside points(…), so they have a namespace of their own
        category_seen: dict[str, tuple[str, Span]] = {}
        for d in self.of(ast.CategoryDecl):
            self._unique(category_seen, d.name, "points category", d.span)
        item_seen: dict[str, tuple[str, Span]] = {}
        for d in self.of(ast.DefineDecl):
            if d.source:
                self._unique(item_seen, f"{d.source}.{d.name}", "item definition", d.span)
        rule_seen: dict[str, tuple[str, Span]] = {}
        for r in self.of(ast.RuleDecl):
            self._unique(rule_seen, r.id, "rule", r.span, "rule ids must be unique: give this rule its own id")

    def _unique(self, seen, name, label, span, hint="") -> None:
        if name in seen:
            other_label, other_span = seen[name]
            self.error(
                span,
                f"duplicate name '{name}': already declared as {'an' if other_label[0] in 'aeiou' else 'a'} {other_label}",
                hint or "rename one of them",
                related=[("first declared here", other_span)],
            )
        else:
            seen[name] = (label, span)

    # ------------------------------------------------------------ declarations

    def _enums(self) -> dict[str, ir.Enum]:
        enums = {}
        for d in self.of(ast.EnumDecl):
            names = [m[0] for m in d.members]
            for i, (name, _, span) in enumerate(d.members):
                if name in names[:i]:
                    self.error(span, f"'{name}' is listed twice in enumeration {d.name}")
            enums[d.name] = ir.Enum(d.name, tuple(names), tuple(m[1] for m in d.members), d.doc)
        if "Category" not in enums:
            first = self.modules[0].file if self.modules else "<policy>"
            self.error(
                Span(first, 1, 1),
                "the policy declares no 'Category' enumeration",
                "declare: enum Category { smc \"Skilled Migrant Category\" }",
            )
            enums["Category"] = ir.Enum("Category", ("none",), ("none",))
        return enums

    def _type(self, ref: ast.TypeRef) -> ir.Type | None:
        if ref.name in BASE_TYPES:
            return BASE_TYPES[ref.name]
        if ref.name in self.enums:
            return ir.Type("enum", ref.name)
        known = list(BASE_TYPES) + list(self.enums)
        self.error(ref.span, f"unknown type '{ref.name}'", self._suggest(ref.name, known) or "types: " + ", ".join(known))
        return None

    def _field(self, path: str, ref: ast.TypeRef, doc: str, cost: int | None = None) -> ir.InputField | None:
        if ref.is_list or ref.name in self.records:
            self.error(ref.span, f"'{path}' cannot hold a record or a list here", "records hold scalar fields only")
            return None
        t = self._type(ref)
        if t is None:
            return None
        if ref.last_day and t != ir.DATE:
            self.error(ref.span, "'last day' applies only to dates")
        return ir.InputField(path, t, ref.optional, doc, ref.last_day, cost)

    def _inputs(self):
        fields: list[ir.InputField] = []
        lists: list[ir.InputList] = []
        for d in self.of(ast.InputDecl):
            ref = d.type
            if ref.is_list:
                rec = self.records.get(ref.name)
                if rec is None:
                    self.error(ref.span, f"'list of {ref.name}' needs a record type", self._suggest(ref.name, self.records))
                    continue
                item_fields = [self._field(f.name, f.type, f.doc, f.change_cost) for f in rec.fields]
                lists.append(ir.InputList(d.name, rec.name, tuple(f for f in item_fields if f), d.doc))
            elif ref.name in self.records:
                if ref.optional:
                    self.error(ref.span, "a record input cannot be optional", "make its fields optional instead")
                for f in self.records[ref.name].fields:
                    field = self._field(f"{d.name}.{f.name}", f.type, f.doc, f.change_cost)
                    if field:
                        fields.append(field)
            else:
                field = self._field(d.name, ref, d.doc, d.change_cost)
                if field:
                    fields.append(field)
        paths = {f.path for f in fields}
        for required, type_name in (("category", "Category"), ("lodgement_date", "date")):
            if required not in paths:
                first = self.modules[0].file if self.modules else "<policy>"
                self.error(Span(first, 1, 1), f"the policy declares no input '{required}'", f"add: input {required}: {type_name}")
        return tuple(fields), tuple(lists)

    def _sops(self) -> dict[str, ir.Sop]:
        sops: dict[str, ir.Sop] = {}
        for d in self.of(ast.SopDecl):
            if d.name in sops:
                self.error(d.span, f"SOP '{d.name}' is declared twice")
                continue
            seen: dict[str, Span] = {}
            steps = []
            for st in d.steps:
                if st.id in seen:
                    self.error(st.span, f"SOP {d.name} lists step {st.id} twice", related=[("first here", seen[st.id])])
                    continue
                seen[st.id] = st.span
                steps.append(ir.SopStep(st.id, st.title, st.status, st.inputs, st.note))
            sops[d.name] = ir.Sop(d.name, d.title, d.published, d.source, tuple(steps))
        return sops

    def _check_sop_inputs(self) -> None:
        """Inputs that stand for SOP steps must exist (checked once inputs are known)."""
        names = set(self.input_by_path) | {d.name for d in self.of(ast.InputDecl)}
        for d in self.of(ast.SopDecl):
            for st in d.steps:
                for name in st.inputs:
                    if name not in names:
                        self.error(st.span, f"SOP {d.name} step {st.id} stands for an unknown input '{name}'",
                                   self._suggest(name, names))

    def _cite(self, c: ast.Cite) -> ir.Citation:
        if c.kind != "sop" or not self.sops:
            return ir.Citation(c.kind, c.text, c.step)
        if c.by_name:
            sop = self.sops.get(c.text)
            if sop is None:
                self.error(c.span, f"unknown SOP '{c.text}'", self._suggest(c.text, self.sops) or "declare it with: sop NAME \"title\" …")
                return ir.Citation(c.kind, c.text, c.step)
        else:
            matches = [s for s in self.sops.values() if s.title.lower().startswith(c.text.lower())]
            if len(matches) != 1:
                self.error(c.span, f'no single declared SOP is titled "{c.text}…"', "cite it by name: SOP smc_overall step 2")
                return ir.Citation(c.kind, c.text, c.step)
            sop = matches[0]
        if c.step not in {st.id for st in sop.steps}:
            self.error(c.span, f"SOP {sop.name} has no step {c.step}", "its steps: " + ", ".join(st.id for st in sop.steps))
        return ir.Citation("sop", sop.title, c.step, sop.name)

    def _categories(self) -> tuple[ir.Category, ...]:
        return tuple(ir.Category(d.name, d.title) for d in self.of(ast.CategoryDecl))

    def _literal_value(self, lit: ast.Literal, t: ir.Type, where: str) -> int | str | None:
        """A literal in a parameter or table, checked against its declared type."""
        kind = t.kind
        ok = {
            "int": lit.kind == "int",
            "money": lit.kind == "money",
            "date": lit.kind == "date",
            "duration": lit.kind == "duration",
            "text": lit.kind == "string",
            "bool": lit.kind == "bool",
            "enum": lit.kind == "name",
        }[kind]
        if not ok:
            self.error(lit.span, f"{where} must be {_a(t)}", _literal_hint(t))
            return None
        if kind == "enum":
            members = self.enums[t.enum].members
            if lit.value not in members:
                self.error(lit.span, f"'{lit.value}' is not a member of {t.enum}", "members: " + ", ".join(members))
                return None
            return members.index(lit.value)
        if kind == "date":
            return date_code(lit.value)
        if kind == "duration":
            return months_code(lit.value)
        if kind == "bool":
            return int(lit.value)
        return lit.value

    def _params(self) -> dict[str, ir.Param]:
        params = {}
        for d in self.of(ast.ParamDecl):
            t = self._type(ast.TypeRef(d.span, d.type_name))
            if t is None:
                continue
            entries = []
            previous: ast.ParamEntry | None = None
            for e in d.entries:
                if previous is not None:
                    if e.start <= previous.start:
                        self.error(
                            e.span,
                            f"{d.name}: the value from {e.start} overlaps the one from {previous.start}",
                            "list values in date order, each starting after the one before",
                            related=[("the earlier value", previous.span)],
                        )
                    elif previous.end is not None and e.start <= previous.end:
                        self.error(
                            e.span,
                            f"{d.name}: the value from {e.start} overlaps the one that holds until {previous.end}",
                            f"start it on {previous.end + dt.timedelta(days=1)} or end the earlier one sooner",
                            related=[("the earlier value", previous.span)],
                        )
                    elif previous.end is not None and e.start > previous.end + dt.timedelta(days=1):
                        self.error(
                            e.span,
                            f"{d.name}: a gap from {previous.end + dt.timedelta(days=1)} to {e.start - dt.timedelta(days=1)} has no value",
                            f"start it on {previous.end + dt.timedelta(days=1)}, or extend the earlier value",
                            related=[("the earlier value", previous.span)],
                        )
                if e.end is not None and e.end < e.start:
                    self.error(e.span, f"{d.name}: this value ends ({e.end}) before it starts ({e.start})")
                if not e.cites:
                    self.error(e.span, f"{d.name}: the value from {e.start} has no source", 'add: cites SR3.35 (or cites "where it came from")')
                value = self._literal_value(e.value, t, f"a value of {d.name}")
                if value is not None:
                    entries.append(ir.ParamEntry(e.start, value, tuple(self._cite(c) for c in e.cites)))
                previous = e
            if not d.entries:
                self.error(d.span, f"parameter {d.name} has no values")
            params[d.name] = ir.Param(d.name, t, d.doc, tuple(entries))
        return params

    def _tables(self) -> dict[str, ir.Table]:
        tables = {}
        for d in self.of(ast.TableDecl):
            key_t = self._type(ast.TypeRef(d.key.span, d.key.type_name))
            if key_t is not None and key_t.kind not in ("int", "text", "enum"):
                self.error(d.key.span, "a table key must be an integer, a text or an enumeration")
            cols = [(c.name, self._type(ast.TypeRef(c.span, c.type_name))) for c in d.columns]
            if key_t is None or any(t is None for _, t in cols):
                continue
            rows = []
            keys: dict = {}
            for row in d.rows:
                if len(row.values) != len(cols):
                    self.error(row.span, f"table {d.name}: this row has {len(row.values)} values for {len(cols)} columns",
                               "columns: " + ", ".join(c for c, _ in cols))
                    continue
                key = self._literal_value(row.key, key_t, f"a key of {d.name}")
                values = [self._literal_value(v, t, f"column {c} of {d.name}") for v, (c, t) in zip(row.values, cols)]
                if key in keys:
                    self.error(row.span, f"table {d.name}: the key {row.key.value} appears twice", related=[("first here", keys[key])])
                    continue
                keys[key] = row.span
                if key is not None and all(v is not None for v in values):
                    rows.append((key, tuple(values)))
            tables[d.name] = ir.Table(d.name, d.doc, key_t, tuple((c, t) for c, t in cols), tuple(rows))
        return tables

    def _versions(self) -> tuple[ir.Version, ...]:
        decls = sorted(self.of(ast.VersionDecl), key=lambda v: v.start)
        if not decls:
            first = self.modules[0].file if self.modules else "<policy>"
            self.error(Span(first, 1, 1), "the policy declares no instruction version",
                       'add: version "name" from YYYY-MM-DD cites SR3.10')
        for a, b in zip(decls, decls[1:]):
            if a.start == b.start:
                self.error(b.span, f"two instruction versions start on {b.start}", related=[("the other one", a.span)])
        return tuple(ir.Version(v.name, v.start, tuple(self._cite(c) for c in v.cites)) for v in decls)

    # ------------------------------------------------------------ definitions

    def _define(self, source: str, name: str, use_span: Span) -> ir.Named:
        key = (source, name)
        if key in self.resolved_defines:
            return self.resolved_defines[key]
        if key in self.failed_defines:
            raise _Failed  # its own error is reported once, where it is defined
        decl = self.item_define_decls.get(key) if source else self.define_decls.get(name)
        if key in self.resolving:
            cycle = " → ".join(n for _, n in self.resolving[self.resolving.index(key):] + [key])
            self.fail(decl.span, f"'{name}' is defined in terms of itself ({cycle})", "break the cycle")
        self.resolving.append(key)
        try:
            if source:
                if source not in self.list_by_name:
                    self.fail(decl.span, f"'{source}' is not a list input", self._suggest(source, self.list_by_name))
                env = {decl.var: source}
            else:
                env = {}
            expr = self.value(decl.expr, env)
            named = ir.Named(name, expr, decl.doc)
            self.resolved_defines[key] = named
            return named
        except _Failed:
            self.failed_defines.add(key)
            raise
        finally:
            self.resolving.pop()

    # ------------------------------------------------------------ expressions

    def value(self, e: ast.Expr, env: dict[str, str]) -> ir.Expr:
        """An expression that must stand on its own (no bare enum member, no 1.5 × x)."""
        out = self.expr(e, env)
        if isinstance(out, _EnumMember):
            self.fail(out.span, f"'{out.name}' alone has no type here", "compare it with a value, e.g. employment.term == permanent")
        if isinstance(out, _Ratio):
            self.fail(e.span, "a decimal factor can only be used directly in a comparison",
                      "money is whole cents: write the comparison in full, e.g. pay >= 1.5 * median")
        return out

    def typed(self, e: ast.Expr, env, *kinds: str) -> ir.Expr:
        out = self.value(e, env)
        if out.type.kind not in kinds:
            want = " or ".join(kinds)
            self.fail(e.span, f"expected {want}, found {out.type}", _type_hint(kinds))
        return out

    def expr(self, e: ast.Expr, env: dict[str, str]):
        method = getattr(self, "_x_" + type(e).__name__)
        return method(e, env)

    def _x_Literal(self, e: ast.Literal, env):
        k = e.kind
        if k == "int":
            return ir.Const(ir.INT, e.value)
        if k == "money":
            return ir.Const(ir.MONEY, e.value)
        if k == "date":
            return ir.Const(ir.DATE, date_code(e.value))
        if k == "duration":
            return ir.Const(ir.DURATION, months_code(e.value))
        if k == "string":
            return ir.Const(ir.TEXT, e.value)
        if k == "bool":
            return ir.Const(ir.BOOL, int(e.value))
        if k == "decimal":
            return _Ratio(e.value, None)
        self.fail(e.span, f"unexpected literal {e.value!r}")

    def _x_Name(self, e: ast.Name, env):
        n = e.name
        if n in env:
            self.fail(e.span, f"'{n}' stands for one item of {env[n]}", f"use one of its fields, e.g. {n}.{self._first_field(env[n])}")
        if n in self.prop_values:  # a value a property quantifies over: a free input of its own
            return ir.Input(n, self.prop_values[n])
        if n in self.input_by_path:
            f = self.input_by_path[n]
            return ir.Input(f.path, f.type)
        if n in self.define_decls:
            return self._define("", n, e.span)
        if n in self.list_by_name:
            self.fail(e.span, f"'{n}' is a list", f"use an aggregate, e.g. count(each p in {n})")
        if n in self.record_inputs:
            self.fail(e.span, f"'{n}' is a record", f"use one of its fields, e.g. {n}.{self.records[self.record_inputs[n].type.name].fields[0].name}")
        if any(n in en.members for en in self.enums.values()):
            return _EnumMember(n, e.span)
        for kind, table in (("parameter", self.params), ("table", self.tables)):
            if n in table:
                hint = f"{n} at lodgement_date" if kind == "parameter" else f"{n}[key].column"
                self.fail(e.span, f"'{n}' is a {kind}", f"write {hint}")
        members = [m for en in self.enums.values() for m in en.members]
        candidates = list(self.input_by_path) + list(self.define_decls) + list(env) + members
        self.fail(e.span, f"unknown name '{n}'", self._suggest(n, candidates))

    def _first_field(self, list_name: str) -> str:
        lst = self.list_by_name[list_name]
        return lst.fields[0].path if lst.fields else "field"

    def _x_Attr(self, e: ast.Attr, env):
        if isinstance(e.base, ast.Name):
            base = e.base.name
            if base in env:
                lst = self.list_by_name[env[base]]
                for f in lst.fields:
                    if f.path == e.name:
                        return ir.Field(lst.name, f.path, f.type)
                if (lst.name, e.name) in self.item_define_decls:
                    return self._define(lst.name, e.name, e.span)
                names = [f.path for f in lst.fields] + [n for (s, n) in self.item_define_decls if s == lst.name]
                self.fail(e.span, f"an item of {lst.name} has no field '{e.name}'", self._suggest(e.name, names))
            if base in self.record_inputs:
                path = f"{base}.{e.name}"
                if path in self.input_by_path:
                    f = self.input_by_path[path]
                    return ir.Input(f.path, f.type)
                fields = [f.name for f in self.records[self.record_inputs[base].type.name].fields]
                self.fail(e.span, f"{base} has no field '{e.name}'", self._suggest(e.name, fields))
        self.fail(e.span, "only record inputs and list items have fields", "e.g. employment.hours_per_week or p.start")

    def _x_At(self, e: ast.At, env):
        if e.param not in self.params:
            self.fail(e.span, f"unknown parameter '{e.param}'", self._suggest(e.param, self.params))
        date = self.typed(e.date, env, "date")
        return ir.ParamAt(self.params[e.param], date)

    def _table(self, name: str, span: Span) -> ir.Table:
        if name not in self.tables:
            self.fail(span, f"unknown table '{name}'", self._suggest(name, self.tables))
        return self.tables[name]

    def _key(self, table: ir.Table, key_ast: ast.Expr, env) -> ir.Expr:
        key = self.expr(key_ast, env)
        if isinstance(key, _EnumMember) and table.key_type.kind == "enum":
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
            self.fail(e.span, f"table {table.name} has no column '{e.column}'", self._suggest(e.column, cols))
        return ir.Lookup(table, e.column, key, cols[e.column])

    def _x_InTable(self, e: ast.InTable, env):
        table = self._table(e.table, e.span)
        return ir.InTable(table, self._key(table, e.key, env))

    def _x_Call(self, e: ast.Call, env):
        f, args = e.func, e.args
        if f == "known":
            self._arity(e, 1)
            target = self.value(args[0], env)
            if isinstance(target, ir.Input) and self.input_by_path[target.path].optional:
                return ir.InputKnown(target.path)
            if isinstance(target, ir.Field):
                fld = next(x for x in self.list_by_name[target.list].fields if x.path == target.name)
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
            if not isinstance(args[0], ast.Name) or args[0].name not in {c.name for c in self.categories}:
                names = [c.name for c in self.categories]
                got = args[0].name if isinstance(args[0], ast.Name) else "this"
                self.fail(args[0].span, f"'{got}' is not a points category", self._suggest(got, names) or "categories: " + ", ".join(names))
            return ir.PointsOf(args[0].name)
        if f in ("sum", "count"):
            self.fail(e.span, f"{f}(…) needs 'for each'", f"e.g. {f}(p.x for each p in work where …)")
        self.fail(e.span, f"unknown function '{f}'", self._suggest(f, ["known", "min", "max", "years", "months", "overlap", "points"])
                  or "functions: known, min, max, years, months, overlap, points")

    def _arity(self, e: ast.Call, n: int) -> None:
        if len(e.args) != n:
            self.fail(e.span, f"{e.func}(…) takes {n} value{'s' if n > 1 else ''}, found {len(e.args)}")

    def _x_Aggregate(self, e: ast.Aggregate, env):
        if e.source not in self.list_by_name:
            self.fail(e.span, f"'{e.source}' is not a list input", self._suggest(e.source, self.list_by_name))
        if env:
            self.fail(e.span, "an aggregate cannot be nested inside another list's item", "define it at the case level first")
        inner = {e.var: e.source}
        where = self.typed(e.where, inner, "bool") if e.where is not None else ir.Const(ir.BOOL, 1)
        if e.func == "count":
            return ir.Aggregate("count", e.source, ir.Const(ir.INT, 1), where, ir.INT)
        if e.func not in ("sum", "max", "min"):
            self.fail(e.span, f"unknown aggregate '{e.func}'", "aggregates: sum, count, max, min")
        body = self.typed(e.body, inner, "int", "money", "duration") if e.func == "sum" else self.typed(e.body, inner, *ORDERED_KINDS)
        return ir.Aggregate(e.func, e.source, body, where, body.type)

    def _x_Implies(self, e: ast.Implies, env):
        self.fail(e.span, "'implies' can only be used in a property", "in a rule write: not A or B")

    def _x_OfCase(self, e: ast.OfCase, env):
        if self.prop_case is None:
            self.fail(e.span, f"'of {e.case}' names a case of a property", "a rule reads the case it decides: leave 'of …' out")
        if e.case != self.prop_case:  # the property checker splits expressions by case first
            self.fail(e.span, f"this reads case '{e.case}' inside an expression read for '{self.prop_case}'")
        return self.expr(e.base, env)

    def _x_EachItem(self, e: ast.EachItem, env):
        self.fail(e.span, "'each … :' can only be used in a property", f"in a rule use count(each {e.var} in {e.source} where …)")

    def _x_Unary(self, e: ast.Unary, env):
        if e.op == "not":
            return ir.Not(self.typed(e.operand, env, "bool"))
        return ir.Neg(self.typed(e.operand, env, "int", "money", "duration"))

    def _x_IfThen(self, e: ast.IfThen, env):
        cond = self.typed(e.cond, env, "bool")
        then, orelse = self.expr(e.then, env), self.expr(e.orelse, env)
        then, orelse = self._unify(then, orelse, e)
        return ir.If(cond, then, orelse)

    def _unify(self, a, b, e):
        """Give two sides one type: an enum member takes its type from the other side."""
        if isinstance(a, _EnumMember) and isinstance(b, _EnumMember):
            self.fail(e.span, "cannot tell which enumeration these members belong to", "compare them with an input")
        if isinstance(a, _EnumMember):
            return self._coerce(a, b.type if isinstance(b, ir.Expr) else None), b
        if isinstance(b, _EnumMember):
            return a, self._coerce(b, a.type if isinstance(a, ir.Expr) else None)
        for side, ast_side in ((a, e), (b, e)):
            if isinstance(side, _Ratio):
                self.fail(ast_side.span, "a decimal factor can only be used directly in a comparison")
        if a.type != b.type:
            self.fail(e.span, f"the two sides have different types: {a.type} and {b.type}")
        return a, b

    def _coerce(self, member: _EnumMember, t: ir.Type | None) -> ir.Const:
        if t is None or t.kind != "enum":
            self.fail(member.span, f"'{member.name}' is an enumeration member but is compared with {t}")
        members = self.enums[t.enum].members
        if member.name not in members:
            self.fail(member.span, f"'{member.name}' is not a member of {t.enum}", "members: " + ", ".join(members))
        return ir.Const(t, members.index(member.name))

    def _x_Binary(self, e: ast.Binary, env):
        op = e.op
        if op in ("and", "or"):
            return ir.BoolOp(op, self.typed(e.left, env, "bool"), self.typed(e.right, env, "bool"))
        if op in (">=", ">", "<=", "<", "==", "!="):
            return self._compare(e, env)
        if op == "*":
            return self._multiply(e, env)
        left, right = self.value(e.left, env), self.value(e.right, env)
        lk, rk = left.type.kind, right.type.kind
        result = _ARITH.get((op, lk, rk))
        if result is None:
            hint = "dates take durations (lodgement_date - 5 years); date - date is a duration"
            if "date" not in (lk, rk):
                hint = "both sides need the same kind of value (money with money, months with months)"
            self.fail(e.span, f"cannot {'add' if op == '+' else 'subtract'} {right.type} {'to' if op == '+' else 'from'} {left.type}", hint)
        return ir.Arith(op, left, right, result)

    def _multiply(self, e: ast.Binary, env):
        left, right = self.expr(e.left, env), self.expr(e.right, env)
        const, other = (left, right) if _is_factor(left) else (right, left)
        if not _is_factor(const):
            self.fail(e.span, "only a number times a value can be multiplied", "e.g. 2 * median_wage at lodgement_date")
        if isinstance(other, (_Ratio, _EnumMember)) or other.type.kind not in ("int", "money", "duration"):
            self.fail(e.span, "multiply money, whole numbers or durations by a number")
        if isinstance(const, _Ratio):
            return _Ratio(const.factor, other)
        return ir.Scale(const.value, other)

    def _compare(self, e: ast.Binary, env):
        left, right = self.expr(e.left, env), self.expr(e.right, env)
        if isinstance(left, _Ratio) or isinstance(right, _Ratio):
            left, right = _scale_ratios(left, right)
        left, right = self._unify(left, right, e)
        kind = left.type.kind
        if e.op not in ("==", "!=") and kind not in ORDERED_KINDS:
            self.fail(e.span, f"{left.type} values can only be compared with == or !=")
        return ir.Compare(e.op, left, right)

    # ------------------------------------------------------------ rules

    def _rules(self) -> tuple[ir.Rule, ...]:
        out = []
        category_enum = self.enums["Category"]
        point_stages: dict[str, list[int]] = {}
        for r in self.of(ast.RuleDecl):
            for eff in r.effects:
                if eff.kind == "points" and r.stage is not None:
                    point_stages.setdefault(eff.category, []).append(r.stage)
        for r in self.of(ast.RuleDecl):
            rule = self._rule(r, category_enum, point_stages)
            if rule is not None:
                out.append(rule)
        order = {id(r): i for i, r in enumerate(out)}
        return tuple(sorted(out, key=lambda r: (r.stage, order[id(r)])))

    def _rule(self, r: ast.RuleDecl, category_enum: ir.Enum, point_stages) -> ir.Rule | None:
        ok = True
        if r.stage is None:
            self.error(r.span, f"rule {r.id} has no stage", "add: stage N (the step of the overall assessment it belongs to)")
            ok = False
        if not r.cites:
            self.error(r.span, f"rule {r.id} cites no source", 'add: cites SR3.10(b)(i), SOP "…" step 2')
            ok = False
        if len(r.effects) != 1:
            self.error(r.span, f"rule {r.id} must have exactly one effect (require, concern, stop or points); it has {len(r.effects)}")
            return None
        if r.start and r.until and r.until < r.start:
            self.error(r.span, f"rule {r.id} ends ({r.until}) before it starts ({r.start})")
        categories = []
        for name in r.categories or category_enum.members:
            if name not in category_enum.members:
                self.error(r.span, f"rule {r.id}: '{name}' is not a Category", "members: " + ", ".join(category_enum.members))
                ok = False
            else:
                categories.append(category_enum.members.index(name))
        eff = r.effects[0]
        allowed = ir.EFFECT_OUTCOMES[eff.kind]
        texts = []
        for t in r.texts:
            if t.outcome not in allowed:
                self.error(t.span, f"a '{eff.kind}' rule has no '{t.outcome.replace('_', ' ')}' outcome",
                           "its outcomes: " + ", ".join(o.replace("_", " ") for o in allowed))
                ok = False
                continue
            try:
                parts = tuple(p if isinstance(p, str) else self.value(p, {}) for p in t.parts)
                texts.append((t.outcome, parts))
            except _Failed:
                ok = False
        missing = [o for o in allowed if o not in {t.outcome for t in r.texts}]
        if missing:
            self.error(r.span, f"rule {r.id} has no reason text for: " + ", ".join(m.replace("_", " ") for m in missing),
                       f'add e.g. {missing[0].replace("_", " ")}: "…"')
            ok = False
        if eff.kind == "points" and eff.category not in {c.name for c in self.categories}:
            self.error(eff.span, f"'{eff.category}' is not a points category", self._suggest(eff.category, [c.name for c in self.categories]))
            ok = False
        try:
            applies = self.typed(r.applies, {}, "bool") if r.applies is not None else None
        except _Failed:
            ok, applies = False, None
        try:
            kinds = ("int",) if eff.kind == "points" else ("bool",)
            expr = self.typed(eff.expr, {}, *kinds)
        except _Failed:
            return None
        if not ok:
            return None
        for e in [expr] + ([applies] if applies is not None else []):
            for node in ir.walk(e):
                if isinstance(node, ir.PointsOf) and any(s >= r.stage for s in point_stages.get(node.category, [])):
                    self.error(eff.span, f"rule {r.id} (stage {r.stage}) reads points({node.category}) before every rule awarding them has run",
                               "points may only be read by rules at a later stage than the rules that award them")
                    return None
        cites = tuple(self._cite(c) for c in r.cites)
        return ir.Rule(
            id=r.id, title=r.title, stage=r.stage, cites=cites, start=r.start, until=r.until,
            categories=tuple(categories), applies=applies, kind=eff.kind, expr=expr,
            points_category=eff.category, texts=tuple(texts), span=r.span,
            inferred=any(c.kind == "inferred" for c in cites),
        )  # fmt: skip

    # ------------------------------------------------------------ properties

    def run_with_properties(self, proof_modules: list[ast.Module]) -> tuple[ir.Policy, tuple[ir.Property, ...]]:
        policy = self.run()  # a policy with errors is reported on its own first
        decls = []
        for m in proof_modules:
            for d in m.decls:
                if isinstance(d, ast.PropertyDecl):
                    decls.append(d)
                else:
                    self.error(d.span, "a proofs file holds properties only",
                               "declare inputs, definitions and rules in the policy; the properties can use them")
        seen: dict[str, tuple[str, Span]] = {}
        properties = []
        for d in decls:
            self._unique(seen, d.id, "property", d.span, "property ids must be unique: give this property its own id")
            try:
                properties.append(self._property(d, policy))
            except _Failed:
                pass
            finally:
                self.prop_values, self.prop_case = {}, None
        if self.diags:
            self.diags.sort(key=lambda d: (d.span.file, d.span.line, d.span.column))
            raise PolicyError(self.diags, self.sources)
        return policy, tuple(properties)

    def _property(self, d: ast.PropertyDecl, policy: ir.Policy) -> ir.Property:
        if not d.cites:
            self.error(d.span, f"property {d.id} cites no instruction", "add: cites SR3.10(b)(i) (the clause it protects)")
        if len(d.foralls) != 1:
            self.fail(d.span, f"property {d.id} needs one 'forall' clause; it has {len(d.foralls)}",
                      "e.g. forall case: age_at_lodgement >= 56 implies outcome != eligible")
        q = d.foralls[0]
        names = self._binder_names(q)
        values: tuple[tuple[str, ir.Type], ...] = ()
        cases: tuple[str, ...] = ()
        if q.type_name:
            t = self._type(ast.TypeRef(q.span, q.type_name))
            if t is None:
                raise _Failed
            if t.kind == "text":
                self.fail(q.span, "a property cannot quantify over text", "quantify over dates, money, integers, durations, bools or an enumeration")
            values = tuple((n, t) for n in names)
        else:
            cases = names
        same = None
        if q.same_except is not None:
            if len(cases) < 2:
                self.fail(q.span, "'same except' relates two or more cases", "e.g. forall a, b same except employment.pay_per_hour: …")
            same = self._same_except(q.same_except)
        self.prop_values = dict(values)
        scope = _PropScope(cases, cases[0] if len(cases) == 1 else ("" if values else None), {}, policy)
        formula = self._formula(q.body, scope)
        return ir.Property(d.id, d.title, tuple(_cite(c) for c in d.cites), cases, values, same, formula, d.span)

    def _binder_names(self, q: ast.Forall) -> tuple[str, ...]:
        taken = (set(self.input_by_path) | set(self.record_inputs) | set(self.list_by_name) | set(self.define_decls)
                 | set(self.params) | set(self.tables) | {m for en in self.enums.values() for m in en.members}
                 | set(ir.DECISION_OUTCOMES) | {"outcome"})
        out: list[str] = []
        for name, span in q.names:
            if name in taken:
                self.error(span, f"'{name}' is already a name in the policy", "choose another name for what the property quantifies over")
            elif name in out:
                self.error(span, f"'{name}' is named twice")
            out.append(name)
        return tuple(out)

    def _same_except(self, paths) -> tuple[str, ...]:
        out: list[str] = []
        list_fields = {f"{lst.name}.{f.path}" for lst in self.lists for f in lst.fields}
        for path, span in paths:
            if path in self.input_by_path or path in self.list_by_name or path in list_fields:
                out.append(path)
            elif path in self.record_inputs:
                out.extend(f.path for f in self.inputs if f.path.startswith(path + "."))
            else:
                known = list(self.input_by_path) + list(self.record_inputs) + list(self.list_by_name) + sorted(list_fields)
                self.error(span, f"'{path}' is not an input", self._suggest(path, known) or "name inputs, record fields, lists or list fields")
        return tuple(dict.fromkeys(out))

    # A formula is split where it must be: at `implies`, `each`, decisions (outcome, result,
    # assessed, awarded) and comparisons of two cases. Any part that reads one case only is an
    # ordinary policy expression, checked like a rule's.

    def _formula(self, e: ast.Expr, scope: "_PropScope") -> ir.Formula:
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
            return ir.Connective("or", ir.Connective("and", cond, self._formula(e.then, scope)),
                                 ir.Connective("and", ir.FNot(cond), self._formula(e.orelse, scope)))
        if isinstance(e, ast.OfCase):
            return self._formula(e.base, scope.reading(self._case_name(e, scope)))
        if isinstance(e, ast.EachItem):
            if scope.items:
                self.fail(e.span, "'each' cannot be nested inside another 'each'")
            if e.source not in self.list_by_name:
                self.fail(e.span, f"'{e.source}' is not a list input", self._suggest(e.source, self.list_by_name))
            if not scope.cases:
                self.fail(e.span, "'each' needs a case to read the list of", "quantify over cases: forall case: …")
            return ir.EachItem(e.source, self._formula(e.body, scope.with_item(e.var, e.source)))
        if isinstance(e, ast.Binary) and e.op in _COMPARISONS:
            return self._relation(e, scope)
        if isinstance(e, ast.Call) and e.func == "assessed":
            case, rule = self._rule_arg(e, scope)
            return ir.RuleIs(case, rule.id, "assessed")
        if _observable_kind(e):
            self.fail(e.span, f"'{_observable_kind(e)}' is not a condition on its own", "compare it, e.g. outcome == eligible or result(smc.age) == stopped")
        self.fail(e.span, "this combines values of different cases (or decisions) other than by comparing them",
                  "compare them with ==, <, … and join the comparisons with and / or / implies")

    def _relation(self, e: ast.Binary, scope: "_PropScope") -> ir.Formula:
        lk, rk = (_observable_kind(self._of(x, scope)[0]) for x in (e.left, e.right))
        if lk in ("outcome", "result") or rk in ("outcome", "result"):
            return self._decision_compare(e, scope)
        if lk == "awarded" or rk == "awarded":
            sides = [self._award_or_int(x, scope) for x in (e.left, e.right)]
            return ir.Relation(e.op, *sides)
        if _has_observable(e.left) or _has_observable(e.right):
            self.fail(e.span, "a comparison cannot hold 'implies', 'each' or a decision inside its sides", "compare plain values")
        cases = [self._single_case(x, scope) for x in (e.left, e.right)]
        sides = []
        for x, case in zip((e.left, e.right), cases):
            self.prop_case = case
            try:
                sides.append(self.expr(x, scope.items))
            finally:
                self.prop_case = None
        lv, rv = sides
        if isinstance(lv, _Ratio) or isinstance(rv, _Ratio):
            lv, rv = _scale_ratios(lv, rv)
        lv, rv = self._unify(lv, rv, e)
        if e.op not in ("==", "!=") and lv.type.kind not in ORDERED_KINDS:
            self.fail(e.span, f"{lv.type} values can only be compared with == or !=")
        return ir.Relation(e.op, ir.CaseExpr(cases[0], lv), ir.CaseExpr(cases[1], rv))

    def _decision_compare(self, e: ast.Binary, scope: "_PropScope") -> ir.Formula:
        """`outcome == eligible`, `outcome of a == outcome of b`, `result(smc.age) != stopped`."""
        if e.op not in ("==", "!="):
            self.fail(e.span, "an outcome or a rule's result can only be compared with == or !=")
        (lbase, lscope), (rbase, rscope) = self._of(e.left, scope), self._of(e.right, scope)
        if _observable_kind(lbase) is None:  # put the decision on the left
            (lbase, lscope), (rbase, rscope) = (rbase, rscope), (lbase, lscope)
        kinds = (_observable_kind(lbase), _observable_kind(rbase))
        if kinds == ("outcome", "outcome"):
            a, b = self._case_name(lbase, lscope), self._case_name(rbase, rscope)
            same = None
            for o in ir.DECISION_OUTCOMES:
                both = ir.Connective("and", ir.OutcomeIs(a, o), ir.OutcomeIs(b, o))
                same = both if same is None else ir.Connective("or", same, both)
            return same if e.op == "==" else ir.FNot(same)
        if kinds[1] is not None or not isinstance(rbase, ast.Name):
            self.fail(rbase.span, "compare an outcome with an outcome name, a rule's result with a result name",
                      "e.g. outcome == eligible, result(smc.age) == stopped")
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

    def _award_or_int(self, e: ast.Expr, scope: "_PropScope") -> ir.Formula:
        base, base_scope = self._of(e, scope)
        if _observable_kind(base) == "awarded":
            case_name, rule = self._rule_arg(base, base_scope)
            if rule.kind != "points":
                self.fail(base.span, f"rule {rule.id} awards no points", "awarded(…) takes a points rule")
            return ir.AwardOf(case_name, rule.id)
        if _has_observable(e):
            self.fail(e.span, "compare awarded(…) with a whole number")
        return self._case_expr(e, scope, "int")

    def _rule_arg(self, e: ast.Expr, scope: "_PropScope") -> tuple[str, ir.Rule]:
        """The case and the rule of `result(rule)`, `assessed(rule)` or `awarded(rule)`."""
        if not isinstance(e, ast.Call) or len(e.args) != 1:
            self.fail(e.span, "name one rule, e.g. result(smc.age)")
        rule_id = _dotted(e.args[0])
        rules = scope.policy.rule_by_id
        if rule_id not in rules:
            self.fail(e.args[0].span, f"'{rule_id or 'this'}' is not a rule id", self._suggest(rule_id or "", rules))
        return self._case_name(e, scope), rules[rule_id]

    def _of(self, e: ast.Expr, scope: "_PropScope") -> tuple[ast.Expr, "_PropScope"]:
        """`x of a` → x, read for a (checked to be a case of the property)."""
        while isinstance(e, ast.OfCase):
            scope = scope.reading(self._case_name(e, scope))
            e = e.base
        return e, scope

    def _case_name(self, e: ast.Expr, scope: "_PropScope") -> str:
        """The case a decision is read for: the one named by `of`, else the property's only case."""
        if isinstance(e, ast.OfCase):
            if e.case not in scope.cases:
                self.fail(e.span, f"'{e.case}' is not a case of this property",
                          ("its cases: " + ", ".join(scope.cases)) if scope.cases else "this property quantifies values, not cases")
            return e.case
        if not scope.default:
            self.fail(e.span, "which case is this read for?", f"write: … of {scope.cases[0]}" if scope.cases else "quantify over cases: forall case: …")
        return scope.default

    def _single_case(self, e: ast.Expr, scope: "_PropScope") -> str:
        cases = self._cases_read(e, scope)
        if len(cases) > 1:
            self.fail(e.span, "this side reads more than one case", "compare the cases' values with each other instead")
        return next(iter(cases), "")

    def _cases_read(self, e: ast.Expr, scope: "_PropScope") -> set[str]:
        """The cases a part of a formula reads: named by `of`, or the case in scope for a bare name."""
        if isinstance(e, ast.OfCase):
            return self._cases_read(e.base, scope.reading(self._case_name(e, scope)))
        if self._reads_case(e, scope):
            return {self._case_name(e, scope)}
        out: set[str] = set()
        for child in _sub_expressions(e):
            out |= self._cases_read(child, scope)
        return out

    def _reads_case(self, e: ast.Expr, scope: "_PropScope") -> bool:
        """A bare name (or call) that reads the case's data, rather than a quantified value or a member."""
        if isinstance(e, ast.Name):
            n = e.name
            if n in self.prop_values or n in scope.items:
                return False
            return n in self.input_by_path or n in self.define_decls or n in self.list_by_name or n in self.record_inputs
        if isinstance(e, ast.Attr) and isinstance(e.base, ast.Name):
            return e.base.name in scope.items or e.base.name in self.record_inputs
        return isinstance(e, ast.Aggregate) or isinstance(e, ast.Call) and e.func == "points"

    def _case_expr(self, e: ast.Expr, scope: "_PropScope", kind: str) -> ir.CaseExpr:
        case = self._single_case(e, scope)
        self.prop_case = case
        try:
            return ir.CaseExpr(case, self.typed(e, scope.items, kind))
        finally:
            self.prop_case = None


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

    def reading(self, case: str) -> "_PropScope":
        return _PropScope(self.cases, case, self.items, self.policy)

    def with_item(self, var: str, source: str) -> "_PropScope":
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
    return isinstance(x, _Ratio) and x.expr is None or isinstance(x, ir.Const) and x.type == ir.INT


def _scale_ratios(left, right):
    """`a >= 1.5 * b` becomes `2 * a >= 3 * b`: whole numbers on both sides, no rounding."""
    factors = [x.factor for x in (left, right) if isinstance(x, _Ratio)]
    scale = math.lcm(*(f.denominator for f in factors))

    def scaled(x):
        if isinstance(x, _Ratio):
            return ir.Scale(int(x.factor * scale), x.expr)
        if not isinstance(x, ir.Expr):
            return x
        return ir.Scale(scale, x) if scale != 1 else x

    return scaled(left), scaled(right)


def _cite(c: ast.Cite) -> ir.Citation:
    return ir.Citation(c.kind, c.text, c.step)


def _a(t: ir.Type) -> str:
    name = str(t)
    return ("an " if name[0] in "aeiou" else "a ") + name


def _literal_hint(t: ir.Type) -> str:
    return {
        "money": "write money as $29.66",
        "date": "write dates as YYYY-MM-DD",
        "duration": "write durations as 12 months or 2 years",
        "text": 'write text in double quotes: "…"',
        "int": "write a whole number",
        "bool": "write true or false",
    }.get(t.kind, "")


def _type_hint(kinds) -> str:
    if "bool" in kinds:
        return "a condition such as hours_per_week >= 30"
    if "date" in kinds:
        return "a date such as lodgement_date"
    return ""
