"""Declarations → the Scope: enumerations, records and inputs, SOPs, points categories, dated
parameters, tables and instruction versions, each checked (duplicates, types, date series, sources)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from .. import ast, ir
from ..diagnostics import Span
from ..units import date_code, months_code
from .scope import BASE_TYPES, Diagnostics, Failed, Reporter, Scope, suggest
from .tables import DataFile, DataFiles, read_rows

if TYPE_CHECKING:
    from .expressions import ExpressionChecker

# the latest date a case may give: a last day is stored as the day after, which must be a date too
LATEST_CASE_DATE = dt.date(9998, 12, 31)
_RANGE_KINDS = frozenset({"int", "decimal", "money", "date", "duration"})
_RANGE_EXAMPLE = {
    "int": "0..168",
    "decimal": "0..9",
    "money": "$0..$10,000",
    "date": "1900-01-01..2100-12-31",
    "duration": "0 months..10 years",
}


def declare(modules: list[ast.Module], diags: Diagnostics, data: DataFiles | None = None) -> Scope:
    """The resolved declarations of a policy (tables read from `data`); problems go to `diags`."""
    return Declarations(modules, diags, data).scope()


def cite(c: ast.Cite, sops: dict[str, ir.Sop], diags: Diagnostics) -> ir.Citation:
    """A citation, with an SOP reference checked against the declared SOPs and their steps."""
    if c.kind != "sop" or not sops:
        return ir.Citation(c.kind, c.text, c.step)
    if c.by_name:
        sop = sops.get(c.text)
        if sop is None:
            diags.error(
                c.span, f"unknown SOP '{c.text}'", suggest(c.text, sops) or 'declare it with: sop NAME "title" …'
            )
            return ir.Citation(c.kind, c.text, c.step)
    else:
        matches = [s for s in sops.values() if s.title.lower().startswith(c.text.lower())]
        if len(matches) != 1:
            diags.error(
                c.span, f'no single declared SOP is titled "{c.text}…"', "cite it by name: SOP smc_overall step 2"
            )
            return ir.Citation(c.kind, c.text, c.step)
        sop = matches[0]
    if c.step not in {st.id for st in sop.steps}:
        diags.error(
            c.span, f"SOP {sop.name} has no step {c.step}", "its steps: " + ", ".join(st.id for st in sop.steps)
        )
    return ir.Citation("sop", sop.title, c.step, sop.name)


class Declarations(Reporter):
    """Builds the Scope one kind of declaration at a time (later kinds read earlier ones)."""

    def __init__(self, modules: list[ast.Module], diags: Diagnostics, data: DataFiles | None = None):
        self.modules = modules
        self.diags = diags
        self.data = data or {}
        self.decls: dict[type, list] = {}
        for m in modules:
            for d in m.decls:
                self.decls.setdefault(type(d), []).append(d)

    def of(self, kind: type) -> list:
        return self.decls.get(kind, [])

    def first_file(self) -> str:
        return self.modules[0].file if self.modules else "<policy>"

    def scope(self) -> Scope:
        self._check_global_names()
        self.enums = self._enums()
        self.sops = self._sops()
        self.records = {r.name: r for r in self.of(ast.RecordDecl)}
        self.dates = self._dates()
        self.inputs, self.lists = self._inputs()
        self.input_by_path = {f.path: f for f in self.inputs}
        self._check_sop_inputs()
        record_inputs = {
            d.name: d for d in self.of(ast.InputDecl) if d.type.name in self.records and not d.type.is_list
        }
        return Scope(
            modules=tuple(self.modules),
            decls=self.decls,
            enums=self.enums,
            sops=self.sops,
            records=self.records,
            inputs=self.inputs,
            lists=self.lists,
            input_by_path=self.input_by_path,
            record_inputs=record_inputs,
            list_by_name={lst.name: lst for lst in self.lists},
            categories=self._categories(),
            params=self._params(),
            tables=self._tables(),
            versions=self._versions(),
            define_decls={d.name: d for d in self.of(ast.DefineDecl) if not d.source},
            item_define_decls={(d.source, d.name): d for d in self.of(ast.DefineDecl) if d.source},
            dates=self.dates,
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
                self.diags.unique(seen, d.name, label, d.span)
        for d in self.of(ast.DefineDecl):
            if not d.source:
                self.diags.unique(seen, d.name, "definition", d.span)
        # points categories are only ever named inside points(…), so they have a namespace of their own
        category_seen: dict[str, tuple[str, Span]] = {}
        for d in self.of(ast.CategoryDecl):
            self.diags.unique(category_seen, d.name, "points category", d.span)
        item_seen: dict[str, tuple[str, Span]] = {}
        for d in self.of(ast.DefineDecl):
            if d.source:
                self.diags.unique(item_seen, f"{d.source}.{d.name}", "item definition", d.span)
        rule_seen: dict[str, tuple[str, Span]] = {}
        for r in self.of(ast.RuleDecl):
            self.diags.unique(rule_seen, r.id, "rule", r.span, "rule ids must be unique: give this rule its own id")

    def _enums(self) -> dict[str, ir.Enum]:
        enums = {}
        for d in self.of(ast.EnumDecl):
            names = [m[0] for m in d.members]
            for i, (name, _, span) in enumerate(d.members):
                if name in names[:i]:
                    self.error(span, f"'{name}' is listed twice in enumeration {d.name}")
            enums[d.name] = ir.Enum(d.name, tuple(names), tuple(m[1] for m in d.members), d.doc)
        if "Category" not in enums:
            first = self.first_file()
            self.error(
                Span(first, 1, 1),
                "the policy declares no 'Category' enumeration",
                'declare: enum Category { smc "Skilled Migrant Category" }',
            )
            enums["Category"] = ir.Enum("Category", ("none",), ("none",))
        return enums

    def _type(self, ref: ast.TypeRef) -> ir.Type | None:
        if ref.name in BASE_TYPES:
            return BASE_TYPES[ref.name]
        if ref.name in self.enums:
            return ir.Type("enum", ref.name)
        known = list(BASE_TYPES) + list(self.enums)
        self.error(ref.span, f"unknown type '{ref.name}'", suggest(ref.name, known) or "types: " + ", ".join(known))
        return None

    def _field(
        self, path: str, decl: ast.FieldDecl | ast.InputDecl, in_optional_block: bool = False
    ) -> ir.InputField | None:
        """One scalar input; in an optional block (`input qualification: optional Qualification`)
        every field may be unknown, and the fields the record does not declare optional are
        required only when the block is given."""
        ref = decl.type
        if ref.is_list or ref.name in self.records:
            self.error(ref.span, f"'{path}' cannot hold a record or a list here", "records hold scalar fields only")
            return None
        t = self._type(ref)
        if t is None:
            return None
        if ref.last_day and t != ir.DATE:
            self.error(ref.span, "'last day' applies only to dates")
        bounds = self._bounds(path, t, ref, decl.cites)
        required_for = self._required_for(path, decl)
        return ir.InputField(
            path,
            t,
            ref.optional or in_optional_block,
            decl.doc,
            ref.last_day,
            decl.change_cost,
            bounds,
            optional_block=in_optional_block,
            required_in_block=in_optional_block and not ref.optional,
            required_for=required_for,
        )

    def _required_for(self, path: str, decl: ast.FieldDecl | ast.InputDecl) -> tuple[str, ...]:
        """The categories whose cases must give an optional input (`required for wtr`), checked."""
        if not decl.required_for or decl.required_span is None:
            return ()
        if not decl.type.optional:
            self.error(
                decl.required_span,
                f"'{path}' is required of every case already",
                "`required for` names the categories that need an optional input",
            )
            return ()
        members = self.enums["Category"].members
        for name in decl.required_for:
            if name not in members:
                self.error(
                    decl.required_span,
                    f"'{name}' is not a category",
                    suggest(name, members) or "categories: " + ", ".join(members),
                )
        return tuple(n for n in decl.required_for if n in members)

    def _bounds(self, path: str, t: ir.Type, ref: ast.TypeRef, cites: tuple[ast.Cite, ...]) -> ir.Bounds | None:
        """The declared range of a value, checked, or the default of its type (None: its type bounds it)."""
        if ref.range is None:
            if cites:
                self.error(
                    cites[0].span,
                    f"'{path}' cites a source but declares no range",
                    f"declare the range the source gives, e.g. {path.rsplit('.', 1)[-1]}: {ref.name} "
                    f"{_RANGE_EXAMPLE.get(t.kind, '0..100')}",
                )
            return self._default_bounds(t)
        if t.kind not in _RANGE_KINDS:
            self.error(
                ref.span,
                f"'{path}' is {_a(t)}: only numbers, money, durations and dates take a range",
                "its type already says which values it may hold",
            )
            return None
        low, high = ref.range
        ends = []
        for lit in (low, high):
            value = self._literal_value(lit, t, f"a bound of {path}")
            if not isinstance(value, int):
                return self._default_bounds(t)
            ends.append(value)
        if ends[0] > ends[1]:
            self.error(
                low.span,
                f"the range of '{path}' is empty: {low.value}..{high.value} starts above where it ends",
                "write the lower bound first",
            )
        if t.kind == "date" and isinstance(high.value, dt.date) and high.value > LATEST_CASE_DATE:
            self.error(
                high.span,
                f"the range of '{path}' ends after {LATEST_CASE_DATE}",
                f"dates of a case end at {LATEST_CASE_DATE} (a last day is stored as the day after)",
            )
        elif t.kind != "date" and ends[1] > ir.CLINGO_MAX:
            self.error(
                high.span,
                f"the range of '{path}' ends above {ir.CLINGO_MAX}, the largest number clingo holds",
                "no case value may be that large: clingo's numbers are 32-bit",
            )
        if not cites:
            self.error(
                ref.span, f"the range of '{path}' has no source", 'add: cites SR3.10 (or cites inferred "why it holds")'
            )
        return ir.Bounds(ends[0], ends[1], tuple(self._cite(c) for c in cites))

    def _default_bounds(self, t: ir.Type) -> ir.Bounds | None:
        if t.kind == "date":
            return ir.Bounds(self.dates.low, self.dates.high, self.dates.cites, declared=False)
        if t.kind in ("int", "decimal", "money", "duration"):
            return ir.Bounds(0, ir.CLINGO_MAX, declared=False)
        return None

    def _list_items(self, d: ast.InputDecl) -> ir.Bounds | None:
        """How many items a list input may hold, when it says."""
        ref = d.type
        if ref.range is None:
            if d.cites:
                self.error(
                    d.cites[0].span,
                    f"'{d.name}' cites a source but declares no range",
                    f"declare how many items it may hold: input {d.name}: list of {ref.name} 0..20",
                )
            return ir.Bounds(0, ir.MAX_LIST_ITEMS, declared=False)
        low, high = ref.range
        if low.kind != "int" or high.kind != "int":
            bad = low if low.kind != "int" else high
            self.error(bad.span, f"the length of list '{d.name}' is a whole number of items", "e.g. 0..20")
            return ir.Bounds(0, ir.MAX_LIST_ITEMS, declared=False)
        if not isinstance(low.value, int) or not isinstance(high.value, int):
            raise AssertionError("the parser gives whole numbers")
        if low.value > high.value:
            self.error(
                low.span, f"the range of '{d.name}' is empty: {low.value}..{high.value}", "write the lower bound first"
            )
        if not d.cites:
            self.error(
                ref.span,
                f"the length of list '{d.name}' has no source",
                'add: cites SR3.10 (or cites inferred "why it holds")',
            )
        return ir.Bounds(low.value, high.value, tuple(self._cite(c) for c in d.cites))

    def _dates(self) -> ir.Bounds:
        """The span every date of a case lies in (`dates FIRST..LAST`), or the default one."""
        decls = self.of(ast.DatesDecl)
        for extra in decls[1:]:
            self.error(extra.span, "the span of case dates is declared twice", related=[("first here", decls[0].span)])
        if not decls:
            first, last = ir.DEFAULT_DATES
            return ir.Bounds(date_code(first), date_code(last), declared=False)
        d = decls[0]
        first, last = d.first.value, d.last.value
        if not isinstance(first, dt.date) or not isinstance(last, dt.date):
            raise AssertionError("the parser gives dates")
        if first > last:
            self.error(d.first.span, f"the span of case dates is empty: {first}..{last}", "write the first date first")
        if last > LATEST_CASE_DATE:
            self.error(
                d.last.span,
                f"the span of case dates ends after {LATEST_CASE_DATE}",
                "a last day is stored as the day after, which must be a date too",
            )
        if not d.cites:
            self.error(d.span, "the span of case dates has no source", 'add: cites inferred "why it holds"')
        return ir.Bounds(date_code(first), date_code(last), tuple(self._cite(c) for c in d.cites))

    def _inputs(self):
        fields: list[ir.InputField] = []
        lists: list[ir.InputList] = []
        for d in self.of(ast.InputDecl):
            ref = d.type
            if ref.is_list:
                rec = self.records.get(ref.name)
                if rec is None:
                    self.error(ref.span, f"'list of {ref.name}' needs a record type", suggest(ref.name, self.records))
                    continue
                if d.required_for:
                    self.error(d.span, f"a list input ('{d.name}') cannot be required", "a case may give no items")
                item_fields = [self._field(f.name, f) for f in rec.fields]
                items = self._list_items(d)
                lists.append(ir.InputList(d.name, rec.name, tuple(f for f in item_fields if f), d.doc, items))
            elif ref.name in self.records:
                if ref.range is not None or d.cites:
                    self.error(ref.span, "a record input takes no range", "declare ranges on the record's fields")
                if d.required_for:
                    self.error(d.span, f"'{d.name}' is a record: `required for` goes on its fields")
                for f in self.records[ref.name].fields:
                    field = self._field(f"{d.name}.{f.name}", f, in_optional_block=ref.optional)
                    if field:
                        fields.append(field)
            else:
                field = self._field(d.name, d)
                if field:
                    fields.append(field)
        paths = {f.path for f in fields}
        for required, type_name in (("category", "Category"), ("lodgement_date", "date")):
            if required not in paths:
                first = self.first_file()
                self.error(
                    Span(first, 1, 1),
                    f"the policy declares no input '{required}'",
                    f"add: input {required}: {type_name}",
                )
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
                        self.error(
                            st.span,
                            f"SOP {d.name} step {st.id} stands for an unknown input '{name}'",
                            suggest(name, names),
                        )

    def _cite(self, c: ast.Cite) -> ir.Citation:
        return cite(c, self.sops, self.diags)

    def _categories(self) -> tuple[ir.Category, ...]:
        return tuple(ir.Category(d.name, d.title) for d in self.of(ast.CategoryDecl))

    def _literal_value(self, lit: ast.Literal, t: ir.Type, where: str) -> int | str | None:
        """A literal in a parameter or table, checked against its declared type."""
        kind = t.kind
        ok = {
            "int": lit.kind == "int",
            "decimal": lit.kind in ("int", "decimal"),
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
        value = lit.value
        if kind == "decimal" and isinstance(value, (int, Fraction)):
            tenths = Fraction(value) * ir.TENTHS
            if tenths.denominator != 1:
                written = Decimal(tenths.numerator) / Decimal(tenths.denominator) / ir.TENTHS
                self.error(lit.span, f"{where} has one decimal place at most (6.5), not {written}")
                return None
            return int(tenths)
        if kind == "date" and isinstance(value, dt.date):
            return date_code(value)
        if kind == "duration" and isinstance(value, int):
            return months_code(value)
        if kind == "bool":
            return int(bool(value))
        if isinstance(value, (int, str)):
            return value
        raise AssertionError(f"a {lit.kind} literal of a {kind} value")  # the kind check above rules it out

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
                            f"{d.name}: a gap from {previous.end + dt.timedelta(days=1)} to "
                            f"{e.start - dt.timedelta(days=1)} has no value",
                            f"start it on {previous.end + dt.timedelta(days=1)}, or extend the earlier value",
                            related=[("the earlier value", previous.span)],
                        )
                if e.end is not None and e.end < e.start:
                    self.error(e.span, f"{d.name}: this value ends ({e.end}) before it starts ({e.start})")
                if not e.cites:
                    self.error(
                        e.span,
                        f"{d.name}: the value from {e.start} has no source",
                        'add: cites SR3.35 (or cites "where it came from")',
                    )
                value = self._literal_value(e.value, t, f"a value of {d.name}")
                if isinstance(value, int):  # dated values are never text
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
            typed = [(c.name, self._type(ast.TypeRef(c.span, c.type_name))) for c in d.columns]
            cols = [(c, t) for c, t in typed if t is not None]
            if key_t is None or len(cols) != len(typed):
                continue
            rows: list[tuple[int | str, tuple[int | str, ...]]] = []
            keys: dict = {}
            if d.source is not None:
                if d.rows:
                    self.error(
                        d.rows[0].span,
                        f"table {d.name} is read from {d.source.path}: it cannot list rows too",
                        "put every row in the file, or write them all here",
                    )
                if not d.source.cites:
                    self.error(
                        d.source.span,
                        f"table {d.name}: its data has no source",
                        'add: from "file.csv" cites "where the data comes from"',
                    )
                data = self.data.get((d.span.file, d.source.path)) or DataFile(d.source.path, None, "not read")
                for row_key, row_values, span in read_rows(d, data, (d.key.name, key_t), cols, self.enums, self.error):
                    if row_key in keys:
                        self.error(
                            span,
                            f"table {d.name}: the key {row_key} appears twice",
                            related=[("first here", keys[row_key])],
                        )
                        continue
                    keys[row_key] = span
                    rows.append((row_key, row_values))
            for row in d.rows:
                if len(row.values) != len(cols):
                    self.error(
                        row.span,
                        f"table {d.name}: this row has {len(row.values)} values for {len(cols)} columns",
                        "columns: " + ", ".join(c for c, _ in cols),
                    )
                    continue
                key = self._literal_value(row.key, key_t, f"a key of {d.name}")
                values = [self._literal_value(v, t, f"column {c} of {d.name}") for v, (c, t) in zip(row.values, cols)]
                if key in keys:
                    self.error(
                        row.span,
                        f"table {d.name}: the key {row.key.value} appears twice",
                        related=[("first here", keys[key])],
                    )
                    continue
                keys[key] = row.span
                present = tuple(v for v in values if v is not None)
                if key is not None and len(present) == len(values):
                    rows.append((key, present))
            source, cites = (
                ("", ()) if d.source is None else (d.source.path, tuple(self._cite(c) for c in d.source.cites))
            )
            tables[d.name] = ir.Table(d.name, d.doc, key_t, tuple(cols), tuple(rows), source, cites)
        return tables

    def _versions(self) -> tuple[ir.Version, ...]:
        decls = sorted(self.of(ast.VersionDecl), key=lambda v: v.start)
        if not decls:
            first = self.first_file()
            self.error(
                Span(first, 1, 1),
                "the policy declares no instruction version",
                'add: version "name" from YYYY-MM-DD cites SR3.10',
            )
        members = self.enums["Category"].members
        versions = []
        for v in decls:
            unknown = [c for c in v.categories if c not in members]
            for c in unknown:
                self.error(v.span, f"version {v.name!r}: '{c}' is not a Category", "members: " + ", ".join(members))
            indexes = tuple(members.index(c) for c in v.categories if c in members)
            versions.append(ir.Version(v.name, v.start, tuple(self._cite(c) for c in v.cites), indexes))
        spans = {id(v): d.span for v, d in zip(versions, decls)}
        named: dict[str, Span] = {}
        for v, d in zip(versions, decls):
            if v.name in named:  # a reason names its version: the name must say which one
                self.error(
                    d.span, f"two instruction versions are named {v.name!r}", related=[("the other one", named[v.name])]
                )
            named.setdefault(v.name, d.span)
        for i, member in enumerate(members):
            own = [v for v in versions if v.covers(i)]
            if versions and not own:
                self.error(
                    spans[id(versions[0])],
                    f"no instruction version is in force for {member}",
                    f"add a version for {member}, or one without 'for'",
                )
            for a, b in zip(own, own[1:]):
                if a.start == b.start:
                    self.error(
                        spans[id(b)],
                        f"two instruction versions of {member} start on {b.start}",
                        related=[("the other one", spans[id(a)])],
                    )
        return tuple(versions)


def check_constraints(scope: Scope, exprs: ExpressionChecker, diags: Diagnostics) -> tuple[ir.Constraint, ...]:
    """Every `constraint` declaration: a condition on the inputs, with its message and source."""
    out = []
    for d in scope.of(ast.ConstraintDecl):
        env: dict[str, str] = {}
        if d.source:
            if d.source not in scope.list_by_name:
                diags.error(d.span, f"'{d.source}' is not a list input", suggest(d.source, scope.list_by_name))
                continue
            env = {d.var: d.source}
        try:
            condition = exprs.typed(d.condition, env, "bool")
        except Failed:
            continue
        if any(isinstance(n, ir.PointsOf) for n in ir.walk(condition)):
            diags.error(
                d.condition.span,
                "a constraint reads the case's inputs, not points",
                "points are what a decision finds; a constraint says what a case may hold",
            )
            continue
        if not d.message.strip():
            diags.error(d.span, "a constraint needs a message", 'e.g. "a period ends on or after the day it starts"')
        if not d.cites:
            diags.error(d.span, "this constraint has no source", 'add: cites SR3.10 (or cites inferred "why")')
        cites = tuple(cite(c, scope.sops, diags) for c in d.cites)
        out.append(ir.Constraint(condition, d.message, cites, d.span, d.source))
    return tuple(out)


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
        "decimal": "write a number with one decimal place at most, such as 6.5",
        "bool": "write true or false",
    }.get(t.kind, "")
