"""IR → an ASP program for clingo: text generated only from the IR, never from case data.

Every expression node gets a number N. A case-level node's value is the atom `v(N, Value)`; a node
evaluated per list item has `w(N, Item, Value)`. Rules then derive, in the same program, whether
each policy rule is in force, blocked by an earlier stop, applicable and what it found, the points,
the outcome, the instruction version and the values its reason text shows.
"""

from __future__ import annotations

from ....dsl import ir
from ....dsl.units import date_code
from .predicates import (
    FIELD,
    FIELD_KNOWN,
    INPUT,
    ITEM,
    KNOWN,
    NOT_APPLICABLE,
    NOT_ASSESSED,
    OUTCOME,
    POINTS_AWARDED,
    RESULT,
    SHOW_VALUE,
    SHOWN,
    TABLE_CELL,
    TABLE_KEY,
    VERSION,
    quote,
)

SHOW = "\n" + "\n".join(f"#show {p.signature}." for p in SHOWN) + "\n"

# The decision semantics (see dsl/ir/semantics.py), independent of any one policy.
DECISION = f"""
lodged(D) :- {INPUT.text('"lodgement_date"', "D", sep=", ")}.
category(C) :- {INPUT.text('"category"', "C", sep=", ")}.
blocked(R) :- rule_stage(R, K), fired(S), rule_stage(S, J), J < K.
{NOT_ASSESSED.text("R")} :- in_force(R), blocked(R).
{NOT_APPLICABLE.text("R")} :- in_force(R), not blocked(R), not applicable(R).
fired(R) :- {RESULT.text("R", "stopped", sep=", ")}.
not_eligible :- {RESULT.text("_", "not_met", sep=", ")}.
not_eligible :- {RESULT.text("_", "stopped", sep=", ")}.
has_concern :- {RESULT.text("_", "raised", sep=", ")}.
{OUTCOME.text("not_eligible")} :- not_eligible.
{OUTCOME.text("concerns")} :- has_concern, not not_eligible.
{OUTCOME.text("eligible")} :- not not_eligible, not has_concern.
"""


def _const(value: int | str) -> str:
    return quote(value) if isinstance(value, str) else str(value)


class Emitter(ir.ExprVisitor):
    """One method per IR node, each returning the ASP rules that define the node's value."""

    reader = "the ASP emitter"

    def __init__(self) -> None:
        self.ids: dict[ir.Expr, int] = {}
        self.lines: list[str] = []

    def node(self, e: ir.Expr) -> int:
        """The number of a node, emitting it (and its children first) the first time it is seen."""
        if e in self.ids:
            return self.ids[e]
        for child in e.children:
            self.node(child)
        n = len(self.ids)
        self.ids[e] = n
        label = f"  % {type(e).__name__}" + (f" {e.name}" if isinstance(e, ir.Named) else "")
        self.lines.append(f"% n{n}:{label.strip()[1:]}")
        self.lines.extend(self.dispatch(e, n))
        return n

    # --- helpers: the atom of a node's value, in the scope of the node that reads it
    def ref(self, e: ir.Expr, var: str) -> str:
        n = self.ids[e]
        return f"v({n},{var})" if e.scope is None else f"w({n},I,{var})"

    def head(self, e: ir.Expr, n: int, value: str) -> str:
        return f"v({n},{value})" if e.scope is None else f"w({n},I,{value})"

    def rule(self, e: ir.Expr, n: int, value: str, *body: str) -> str:
        return f"{self.head(e, n, value)} :- {', '.join(body)}." if body else f"{self.head(e, n, value)}."

    # --- leaves
    def _Const(self, e: ir.Const, n):
        return [f"v({n},{_const(e.value)})."]

    def _Input(self, e: ir.Input, n):
        return [f"v({n},X) :- {INPUT.text(quote(e.path), 'X')}."]

    def _InputKnown(self, e: ir.InputKnown, n):
        return [f"v({n},X) :- {KNOWN.text(quote(e.path), 'X')}."]

    def _Field(self, e: ir.Field, n):
        return [f"w({n},I,X) :- {FIELD.text(quote(e.list), 'I', quote(e.name), 'X')}."]

    def _FieldKnown(self, e: ir.FieldKnown, n):
        return [f"w({n},I,X) :- {FIELD_KNOWN.text(quote(e.list), 'I', quote(e.name), 'X')}."]

    def _PointsOf(self, e: ir.PointsOf, n):
        return [f"v({n},S) :- S = #sum{{ P,R : {POINTS_AWARDED.text('R', quote(e.category), 'P')} }}."]

    # --- one child
    def _unary(self, e, n, child, value):
        return [self.rule(e, n, value, self.ref(child, "X"))]

    def _Named(self, e: ir.Named, n):
        return self._unary(e, n, e.expr, "X")

    def _Not(self, e: ir.Not, n):
        return self._unary(e, n, e.operand, "1-X")

    def _Neg(self, e: ir.Neg, n):
        return self._unary(e, n, e.operand, "-X")

    def _Scale(self, e: ir.Scale, n):
        return self._unary(e, n, e.operand, f"{e.factor}*X")

    def _FloorDiv(self, e: ir.FloorDiv, n):
        # ASP `/` truncates towards zero; Z3 and Python floor. Emit flooring for negative values.
        k, x = e.divisor, self.ref(e.operand, "X")
        return [
            self.rule(e, n, f"X/{k}", x, "X >= 0"),
            self.rule(e, n, f"-((-X+{k - 1})/{k})", x, "X < 0"),
        ]

    def _ParamAt(self, e: ir.ParamAt, n):
        d = self.ref(e.date, "D")
        out = []
        for w in e.param.windows():
            conds = [d]
            if w.first is not None:  # before the first start: the first value
                conds.append(f"D >= {w.first}")
            if w.stop is not None:
                conds.append(f"D < {w.stop}")
            out.append(self.rule(e, n, _const(w.entry.value), *conds))
        return out

    def _Lookup(self, e: ir.Lookup, n):
        key, t = self.ref(e.key, "K"), quote(e.table.name)
        return [
            self.rule(e, n, "X", key, TABLE_CELL.text(t, "K", quote(e.column), "X")),
            self.rule(e, n, _const(ir.zero_of(e.type)), key, f"not {TABLE_KEY.text(t, 'K')}"),
        ]

    def _InTable(self, e: ir.InTable, n):
        key, t = self.ref(e.key, "K"), quote(e.table.name)
        return [
            self.rule(e, n, "1", key, TABLE_KEY.text(t, "K")),
            self.rule(e, n, "0", key, f"not {TABLE_KEY.text(t, 'K')}"),
        ]

    # --- two or three children
    def _binary(self, e, n, value, *conds):
        return self.rule(e, n, value, self.ref(e.left, "X"), self.ref(e.right, "Y"), *conds)

    def _Arith(self, e: ir.Arith, n):
        return [self._binary(e, n, f"X{e.op}Y")]

    def _Compare(self, e: ir.Compare, n):
        negation = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}[e.op]
        op = "=" if e.op == "==" else e.op
        neg = "=" if negation == "==" else negation
        return [self._binary(e, n, "1", f"X {op} Y"), self._binary(e, n, "0", f"X {neg} Y")]

    def _BoolOp(self, e: ir.BoolOp, n):
        return [self._binary(e, n, "X*Y" if e.op == "and" else "X+Y-X*Y")]

    def _MinMax(self, e: ir.MinMax, n):
        first, second = ("X <= Y", "X > Y") if e.op == "min" else ("X >= Y", "X < Y")
        return [self._binary(e, n, "X", first), self._binary(e, n, "Y", second)]

    def _If(self, e: ir.If, n):
        c = self.ref(e.cond, "C")
        return [
            self.rule(e, n, "X", c, "C = 1", self.ref(e.then, "X")),
            self.rule(e, n, "X", c, "C = 0", self.ref(e.orelse, "X")),
        ]

    def _Aggregate(self, e: ir.Aggregate, n):
        element = f"{ITEM.text(quote(e.list), 'I')}, {self.ref(e.where, '1')}"
        if e.func == "count":
            return [f"v({n},S) :- S = #count{{ I : {element} }}."]
        body = f"{self.ref(e.body, 'X')}, {element}"
        if e.func == "sum":
            return [f"v({n},S) :- S = #sum{{ X,I : {body} }}."]
        agg = "#max" if e.func == "max" else "#min"
        return [
            f"v({n},S) :- S = {agg}{{ X,I : {body} }}, #count{{ I : {element} }} > 0.",
            f"v({n},0) :- #count{{ I : {element} }} = 0.",
        ]

    def _Covered(self, e: ir.Covered, n):
        # The union's length without sorting: take the items in order of (start, index); each adds
        # the part of its interval past the furthest end reached by the items before it.
        start, end, where = self.ref(e.start, "S"), self.ref(e.end, "E"), self.ref(e.where, "1")
        return [
            f"cov_in({n},I) :- {ITEM.text(quote(e.list), 'I')}, {where}.",
            f"cov_s({n},I,S) :- cov_in({n},I), {start}.",
            f"cov_e({n},I,E) :- cov_in({n},I), {end}.",
            f"cov_before({n},J,I) :- cov_s({n},J,SJ), cov_s({n},I,SI), SJ < SI.",
            f"cov_before({n},J,I) :- cov_s({n},J,S), cov_s({n},I,S), J < I.",
            f"cov_has({n},I) :- cov_before({n},_,I).",
            f"cov_reach({n},I,R) :- cov_has({n},I), R = #max{{ E,J : cov_before({n},J,I), cov_e({n},J,E) }}.",
            f"cov_lo({n},I,S) :- cov_s({n},I,S), not cov_has({n},I).",
            f"cov_lo({n},I,S) :- cov_s({n},I,S), cov_reach({n},I,R), S >= R.",
            f"cov_lo({n},I,R) :- cov_s({n},I,S), cov_reach({n},I,R), S < R.",
            f"cov_add({n},I,E-L) :- cov_lo({n},I,L), cov_e({n},I,E), E > L.",
            f"v({n},T) :- T = #sum{{ X,I : cov_add({n},I,X) }}.",
        ]


_PROGRAMS: dict[int, tuple[ir.Policy, str]] = {}


def program(policy: ir.Policy) -> str:
    """The whole ASP program of a policy; cached per policy object, which is immutable."""
    cached = _PROGRAMS.get(id(policy))
    if cached is None or cached[0] is not policy:
        cached = _PROGRAMS[id(policy)] = (policy, _program(policy))
    return cached[1]


def _program(policy: ir.Policy) -> str:
    em = Emitter()
    lines = ["% generated by visa-rules from the policy IR; do not edit", DECISION]
    lines.append("% instruction versions: each category's own, each in force until the next begins")
    for c, member in enumerate(policy.category_enum.members):
        versions = policy.versions_of(c)
        starts = [date_code(v.start) for v in versions]
        for i, v in enumerate(versions):
            until = f", D < {starts[i + 1]}" if i + 1 < len(starts) else ""
            lines.append(
                f"{VERSION.text(quote(v.name))} :- lodged(D), category({c}), D >= {starts[i]}{until}.  % {member}"
            )
    lines.append("% tables")
    for t in policy.tables:
        for key, values in t.rows:
            lines.append(f"{TABLE_KEY.text(quote(t.name), _const(key))}.")
            for (col, _), value in zip(t.columns, values):
                lines.append(f"{TABLE_CELL.text(quote(t.name), _const(key), quote(col), _const(value))}.")
    for rule in policy.rules:
        lines.append(f"% ---- rule {rule.id}: {rule.title}")
        lines.extend(_rule(em, rule))
    return "\n".join(lines + ["% ---- expressions"] + em.lines + [SHOW])


def _rule(em: Emitter, rule: ir.Rule) -> list[str]:
    r = quote(rule.id)
    out = [f"rule_stage({r},{rule.stage})."]
    window = []
    if rule.start is not None:
        window.append(f"D >= {date_code(rule.start)}")
    if rule.until is not None:
        window.append(f"D <= {date_code(rule.until)}")  # until: the last day in force
    for c in rule.categories:
        out.append(f"in_force({r}) :- " + ", ".join(["lodged(D)", f"category({c})"] + window) + ".")
    guard = []
    if rule.applies is not None:
        guard = [f"v({em.node(rule.applies)},1)"]
    out.append(f"applicable({r}) :- " + ", ".join([f"in_force({r})", f"not blocked({r})"] + guard) + ".")
    value = em.node(rule.expr)
    if rule.kind == "points":
        out.append(f"{RESULT.text(r, 'awarded')} :- applicable({r}).")
        out.append(f"{POINTS_AWARDED.text(r, quote(rule.points_category), 'P')} :- applicable({r}), v({value},P).")
    else:
        yes, no = ir.EFFECT_OUTCOMES[rule.kind]
        out.append(f"{RESULT.text(r, yes)} :- applicable({r}), v({value},1).")
        out.append(f"{RESULT.text(r, no)} :- applicable({r}), v({value},0).")
    for k, placeholder in enumerate(rule.placeholders):
        out.append(f"{SHOW_VALUE.text(r, str(k), 'X')} :- applicable({r}), v({em.node(placeholder)},X).")
    return out
