"""IR → an ASP program for clingo: text generated only from the IR, never from case data.

Lean emission: an expression is an ASP *term* wherever clingo's integer arithmetic can say it —
constants, inputs, fields, `+ - ×`, `not`, `and`/`or` (0/1 products), comparisons, `min`/`max`,
`if` and whole-number division — so most IR nodes cost no atom and no ground rule of their own.
Comparisons, `min`/`max` and `if` on whole numbers become exact integer formulas: with d = a - b,
[d ≥ 0] = (|d+1| - |d| + 1)/2 (the numerator is 2 or 0), min = (a+b-|a-b|)/2 and
if c then t else e = c·t + (1-c)·e. A node is *materialised* as the atom `vN(Value)` (case-level)
or `wN(Item, Value)` (per list item) when clingo needs an atom for it (dated values, table
look-ups, aggregates, points, anything on text), when several parents share it, or when its term
would grow large; each materialised node is guarded by its reader being in force (or, read by
several rules, by their categories), so that a case computes little that no rule in force for it
reads. Nodes written alike in several places are one node (`Canon`). Every materialised node and
every rule has predicates of its own (`v7`, `in_force_3`): clingo grounds the program one
predicate's rules after another's, and shared predicates made it one recursive component.

Rules then derive, in the same program, whether each policy rule is in force, blocked by an
earlier stop, applicable and what it found, the points, the outcome, the instruction version and
the values its reason text shows.

`program` is the one-case program (case facts `input(Path, Value)`, …); `batch_program` is the same
program with a case number first in every case-dependent atom (`input(Case, Path, Value)`, …), so
that many cases are grounded and solved in one clingo Control while the tables are grounded once.
A batch's case facts come packed, one Symbol per case and per item (`Packing`), and its first rules
unpack them; it shows each rule's result and reason values as one atom (`rule_shown`). Building a
fact per value and reading an atom per value had cost a batch more than grounding it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ....dsl import ir
from ....dsl.units import date_code
from .predicates import (
    CASE,
    CASE_VALUES,
    FIELD,
    FIELD_KNOWN,
    INPUT,
    ITEM,
    ITEM_VALUES,
    KNOWN,
    NOT_APPLICABLE,
    NOT_ASSESSED,
    OUTCOME,
    POINTS_AWARDED,
    RESULT,
    RULE_SHOWN,
    SHOW_VALUE,
    SHOWN,
    SHOWN_BATCHED,
    TABLE_CELL,
    TABLE_KEY,
    VERSION,
    Predicate,
    quote,
)

# An inline term past these sizes is materialised instead (terms that repeat an operand, such as
# min and max, would otherwise grow exponentially; and a rule joining many atoms grounds their
# product when what-if analysis gives inputs several candidate values).
MAX_TERM_CHARS = 160
MAX_TERM_ATOMS = 3


def _const(value: int | str) -> str:
    return quote(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Term:
    """An ASP term for a node's value, and the body literals that bind its variables."""

    text: str
    body: tuple[str, ...] = ()


def _join(*bodies: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for body in bodies:
        out.extend(b for b in body if b not in out)
    return tuple(out)


def _trivial(t: Term) -> bool:
    """A constant, or one atom's variable: materialising it would only copy it."""
    return len(t.body) <= 1 and (t.text.isidentifier() or t.text.lstrip("-").isdigit() or t.text.startswith('"'))


def _ge0(d: str) -> str:
    """[d >= 0] as an exact 0/1 term over whole numbers."""
    return f"((|{d}+1|-|{d}|+1)/2)"


class Emitter(ir.ExprVisitor):
    """One method per IR node, each returning the node's `Term` (emitting rules when it materialises).

    `batched` puts a case variable `C` first in every case-dependent atom; `uses` maps a node to the
    ids of the policy rules that read it (for the in-force guards of materialised nodes)."""

    reader = "the ASP emitter"

    def __init__(self, batched: bool = False, uses: dict[int, frozenset[str]] | None = None,
                 parents: Counter | None = None, rules: tuple[ir.Rule, ...] = (),
                 canon: Canon | None = None) -> None:  # fmt: skip
        self.batched = batched
        self.canon = canon if canon is not None else Canon()  # as `uses` and `parents` were keyed
        # rule id -> its number in the program's own atoms (`in_force_3`), and the categories it
        # is in force for (the guard of a node that several rules read)
        self.rule_number = {r.id: k for k, r in enumerate(rules)}
        self.categories = {r.id: r.categories for r in rules}
        self.every_category = frozenset(k for r in rules for k in r.categories)
        # every table is keyed by node identity: hashing a frozen IR tree is deep, and the policy
        # keeps its nodes alive while the program is emitted
        self.uses = uses or {}
        self.parents = parents if parents is not None else Counter()
        self.ids: dict[int, int] = {}
        self.terms: dict[int, Term] = {}
        self.materialised: set[int] = set()
        self.lines: list[str] = []
        self.needs: set[tuple[int, int]] = set()  # (node, category)

    # --- atoms, with the case first when batched
    def atom(self, pred: Predicate | str, *terms: str) -> str:
        name = pred.name if isinstance(pred, Predicate) else pred
        args = (("C",) if self.batched else ()) + terms
        return f"{name}({','.join(args)})" if args else name

    def case_domain(self) -> tuple[str, ...]:
        """What binds the case variable in a rule whose body has nothing else."""
        return (CASE.text("C"),) if self.batched else ()

    def number(self, e: ir.Expr) -> int:
        return self.ids.setdefault(id(e), len(self.ids))

    def value_atom(self, e: ir.Expr, value: str) -> str:
        """A materialised node's atom, a predicate of its own (`v7(C, X)`, `w7(C, I, X)` per item):
        clingo grounds a program in the order its predicates depend on each other, and one `v/3`
        for every node made all of them one recursive component, grounded twice as slowly."""
        n = self.number(e)
        return self.atom(f"v{n}", value) if e.scope is None else self.atom(f"w{n}", "I", value)

    def rule_atom(self, name: str, rule_id: str) -> str:
        """A rule's own atom (`in_force_3(C)`), for the same reason as `value_atom`."""
        return self.atom(f"{name}_{self.rule_number[rule_id]}")

    # --- the term of a node: inline, or a reference to its materialised atom
    def term(self, e: ir.Expr) -> Term:
        e = self.canon(e)
        cached = self.terms.get(id(e))
        if cached is not None:
            return cached
        t = self.dispatch(e)
        if id(e) not in self.materialised and not _trivial(t):
            shared = self.parents[id(e)] > 1
            big = len(t.text) > MAX_TERM_CHARS or len(t.body) > MAX_TERM_ATOMS
            if shared or big:
                t = self.materialise(e, [t])
        self.terms[id(e)] = t
        return t

    def materialise(self, e: ir.Expr, cases: list[Term]) -> Term:
        """Emit `vN(Value) :- …` (or `wN`) with one rule per alternative term; return the reference."""
        n = self.number(e)
        self.materialised.add(id(e))
        var = f"X{n}"
        guard = self.guard(e)
        label = type(e).__name__ + (f" {e.name}" if isinstance(e, ir.Named) else "")
        self.lines.append(f"% n{n}: {label}")
        for t in cases:
            body = self.bound(_join(guard, t.body))
            self.lines.append(
                f"{self.value_atom(e, t.text)} :- {', '.join(body)}." if body else f"{self.value_atom(e, t.text)}."
            )
        return Term(var, (self.value_atom(e, var),))

    def bound(self, body: tuple[str, ...]) -> tuple[str, ...]:
        """The body with `case(C)` first when batched and no positive atom of it binds the case."""
        if self.batched and not any(
            b[:1].islower() and not b.startswith("not ") and ("(C," in b or "(C)" in b) for b in body
        ):
            return self.case_domain() + body
        return body

    def guard(self, e: ir.Expr) -> tuple[str, ...]:
        """The in-force condition of the rules that read a node: nothing else needs its value."""
        rules = self.uses.get(id(e))
        if not rules:
            return ()
        if len(rules) == 1:
            (rule,) = rules
            return (self.rule_atom("in_force", rule),)
        # several readers: the categories they are in force for (a `need` atom per node and
        # reader, derived from each reader's in_force, was a sixth of the ground program)
        wanted = frozenset(k for rule in rules for k in self.categories.get(rule, ()))
        if wanted >= self.every_category:
            return ()
        if len(wanted) == 1:
            (k,) = wanted
            return (self.atom("category", str(k)),)
        n = self.number(e)
        for k in sorted(wanted):
            self.needs.add((n, k))
        return (self.atom(f"need{n}"),)

    # --- leaves
    def _Const(self, e: ir.Const):
        return Term(_const(e.value))

    def _Input(self, e: ir.Input):
        var = f"X{self.number(e)}"
        return Term(var, (self.atom(INPUT, quote(e.path), var),))

    def _InputKnown(self, e: ir.InputKnown):
        var = f"X{self.number(e)}"
        return Term(var, (self.atom(KNOWN, quote(e.path), var),))

    def _Field(self, e: ir.Field):
        var = f"X{self.number(e)}"
        return Term(var, (self.atom(FIELD, quote(e.list), "I", quote(e.name), var),))

    def _FieldKnown(self, e: ir.FieldKnown):
        var = f"X{self.number(e)}"
        return Term(var, (self.atom(FIELD_KNOWN, quote(e.list), "I", quote(e.name), var),))

    def _PointsOf(self, e: ir.PointsOf):
        n = self.number(e)
        points = self.atom(POINTS_AWARDED, "R", quote(e.category), "P")
        return self.materialise(e, [Term(f"S{n}", (f"S{n} = #sum{{ P,R : {points} }}",))])

    # --- one child
    def _Named(self, e: ir.Named):
        return self.term(e.expr)

    def _Not(self, e: ir.Not):
        t = self.term(e.operand)
        return Term(f"(1-{t.text})", t.body)

    def _Neg(self, e: ir.Neg):
        t = self.term(e.operand)
        return Term(f"(-{t.text})", t.body)

    def _Scale(self, e: ir.Scale):
        t = self.term(e.operand)
        return Term(f"({e.factor}*{t.text})", t.body)

    def _FloorDiv(self, e: ir.FloorDiv):
        # ASP `/` and `\` truncate towards zero; Z3 and Python floor: subtract the floored remainder first
        t, k = self.term(e.operand), e.divisor
        return Term(f"(({t.text}-(({t.text}\\{k})+{k})\\{k})/{k})", t.body)

    def _Divide(self, e: ir.Divide):
        # a divisor read from the case: one rule for a positive one (floored as in _FloorDiv), one
        # giving 0; clingo drops a rule whose arithmetic divides by zero, so both are materialised
        a, b = self.term(e.left), self.term(e.right)
        body = _join(a.body, b.body)
        floored = f"(({a.text}-(({a.text}\\{b.text})+{b.text})\\{b.text})/{b.text})"
        return self.materialise(e, [Term(floored, body + (f"{b.text} > 0",)), Term("0", body + (f"{b.text} <= 0",))])

    def _ParamAt(self, e: ir.ParamAt):
        d = self.term(e.date)
        cases = []
        for w in e.param.windows():
            conds = []
            if w.first is not None:  # before the first start: the first value
                conds.append(f"{d.text} >= {w.first}")
            if w.stop is not None:
                conds.append(f"{d.text} < {w.stop}")
            cases.append(Term(_const(w.entry.value), d.body + tuple(conds)))
        return self.materialise(e, cases)

    def _Lookup(self, e: ir.Lookup):
        key, t = self.term(e.key), quote(e.table.name)
        var = f"T{self.number(e)}"
        return self.materialise(e, [
            Term(var, key.body + (TABLE_CELL.text(t, key.text, quote(e.column), var),)),
            Term(_const(ir.zero_of(e.type)), key.body + (f"not {TABLE_KEY.text(t, key.text)}",)),
        ])  # fmt: skip

    def _InTable(self, e: ir.InTable):
        key, t = self.term(e.key), quote(e.table.name)
        return self.materialise(e, [
            Term("1", key.body + (TABLE_KEY.text(t, key.text),)),
            Term("0", key.body + (f"not {TABLE_KEY.text(t, key.text)}",)),
        ])  # fmt: skip

    # --- two or three children
    def _Arith(self, e: ir.Arith):
        a, b = self.term(e.left), self.term(e.right)
        return Term(f"({a.text}{e.op}{b.text})", _join(a.body, b.body))

    def _Compare(self, e: ir.Compare):
        a, b = self.term(e.left), self.term(e.right)
        body = _join(a.body, b.body)
        if e.left.type.kind == "text":  # strings have no arithmetic: one rule per answer
            same, differ = ("1", "0") if e.op == "==" else ("0", "1")
            return self.materialise(e, [Term(same, body + (f"{a.text} = {b.text}",)),
                                        Term(differ, body + (f"{a.text} != {b.text}",))])  # fmt: skip
        d = f"({a.text}-{b.text})"
        nd = f"({b.text}-{a.text})"
        formula = {
            ">=": _ge0(d),
            ">": _ge0(f"{d}-1"),
            "<=": _ge0(nd),
            "<": _ge0(f"{nd}-1"),
            "==": f"({_ge0(d)}*{_ge0(nd)})",
            "!=": f"(1-{_ge0(d)}*{_ge0(nd)})",
        }[e.op]
        return Term(formula, body)

    def _BoolOp(self, e: ir.BoolOp):
        a, b = self.term(e.left), self.term(e.right)
        text = f"({a.text}*{b.text})" if e.op == "and" else f"({a.text}+{b.text}-{a.text}*{b.text})"
        return Term(text, _join(a.body, b.body))

    def _MinMax(self, e: ir.MinMax):
        a, b = self.term(e.left), self.term(e.right)
        body = _join(a.body, b.body)
        if e.type.kind == "text":
            first, second = ("<=", ">") if e.op == "min" else (">=", "<")
            return self.materialise(e, [Term(a.text, body + (f"{a.text} {first} {b.text}",)),
                                        Term(b.text, body + (f"{a.text} {second} {b.text}",))])  # fmt: skip
        sign = "-" if e.op == "min" else "+"
        return Term(f"(({a.text}+{b.text}{sign}|{a.text}-{b.text}|)/2)", body)

    def _If(self, e: ir.If):
        c, t, f = self.term(e.cond), self.term(e.then), self.term(e.orelse)
        if e.type.kind == "text":
            return self.materialise(e, [Term(t.text, _join(c.body, (f"{c.text} = 1",), t.body)),
                                        Term(f.text, _join(c.body, (f"{c.text} = 0",), f.body))])  # fmt: skip
        return Term(f"({c.text}*{t.text}+(1-{c.text})*{f.text})", _join(c.body, t.body, f.body))

    def _Aggregate(self, e: ir.Aggregate):
        n = self.number(e)
        where = self.term(e.where)
        element = ", ".join(_join((self.atom(ITEM, quote(e.list), "I"),), where.body, (f"{where.text} = 1",)))
        s = f"S{n}"
        if e.func == "count":
            return self.materialise(e, [Term(s, (f"{s} = #count{{ I : {element} }}",))])
        body = self.term(e.body)
        chosen = ", ".join(_join((self.atom(ITEM, quote(e.list), "I"),), where.body, body.body,
                                 (f"{where.text} = 1",)))  # fmt: skip
        if e.func == "sum":
            return self.materialise(e, [Term(s, (f"{s} = #sum{{ {body.text},I : {chosen} }}",))])
        agg = "#max" if e.func == "max" else "#min"
        return self.materialise(e, [
            Term(s, (f"{s} = {agg}{{ {body.text},I : {chosen} }}", f"#count{{ I : {element} }} > 0")),
            Term("0", (f"#count{{ I : {element} }} = 0",)),
        ])  # fmt: skip

    def need_rules(self) -> list[str]:
        return [f"{self.atom(f'need{n}')} :- {self.atom('category', str(k))}." for n, k in sorted(self.needs)]

    def _Covered(self, e: ir.Covered):
        # The union's length without sorting: take the items in order of (start, index); each adds
        # the part of its interval past the furthest end reached by the items before it.
        n = str(self.number(e))
        start, end, where = self.term(e.start), self.term(e.end), self.term(e.where)
        item = (self.atom(ITEM, quote(e.list), "I"),)
        chosen = _join(self.guard(e), item, where.body, start.body, end.body)
        a = self.atom
        self.lines += [
            f"% n{n}: Covered",
            f"{a('cov_in', n, 'I', 'S', 'E')} :- {', '.join(chosen)}, {where.text} = 1, "
            f"S = {start.text}, E = {end.text}.",
            f"{a('cov_before', n, 'J', 'I')} :- {a('cov_in', n, 'J', 'SJ', '_')}, "
            f"{a('cov_in', n, 'I', 'SI', '_')}, SJ < SI.",
            f"{a('cov_before', n, 'J', 'I')} :- {a('cov_in', n, 'J', 'S', '_')}, "
            f"{a('cov_in', n, 'I', 'S', '_')}, J < I.",
            f"{a('cov_has', n, 'I')} :- {a('cov_before', n, '_', 'I')}.",
            f"{a('cov_reach', n, 'I', 'R')} :- {a('cov_has', n, 'I')}, "
            f"R = #max{{ E,J : {a('cov_before', n, 'J', 'I')}, {a('cov_in', n, 'J', '_', 'E')} }}.",
            f"{a('cov_lo', n, 'I', 'S')} :- {a('cov_in', n, 'I', 'S', '_')}, not {a('cov_has', n, 'I')}.",
            f"{a('cov_lo', n, 'I', 'S')} :- {a('cov_in', n, 'I', 'S', '_')}, {a('cov_reach', n, 'I', 'R')}, S >= R.",
            f"{a('cov_lo', n, 'I', 'R')} :- {a('cov_in', n, 'I', 'S', '_')}, {a('cov_reach', n, 'I', 'R')}, S < R.",
            f"{a('cov_add', n, 'I', 'E-L')} :- {a('cov_lo', n, 'I', 'L')}, {a('cov_in', n, 'I', '_', 'E')}, E > L.",
        ]
        total = f"T{n}"
        return self.materialise(e, [Term(total, (f"{total} = #sum{{ X,I : {a('cov_add', n, 'I', 'X')} }}",))])


def decision(batched: bool) -> str:
    """The decision semantics (see dsl/ir/semantics.py), independent of any one policy."""
    c = "C," if batched else ""
    cc = "(C)" if batched else ""
    show = "\n".join(f"#show {p.name}/{p.arity + int(batched)}." for p in (SHOWN_BATCHED if batched else SHOWN))
    return f"""
lodged({c}D) :- input({c}"lodgement_date", D).
category({c}K) :- input({c}"category", K).
not_eligible{cc} :- {RESULT.name}({c}_, not_met).
not_eligible{cc} :- {RESULT.name}({c}_, stopped).
has_concern{cc} :- {RESULT.name}({c}_, raised).
{OUTCOME.name}({c}not_eligible) :- not_eligible{cc}.
{OUTCOME.name}({c}concerns) :- has_concern{cc}, not not_eligible{cc}.
{OUTCOME.name}({c}eligible) :- {CASE.text("C") + ", " if batched else ""}not not_eligible{cc}, not has_concern{cc}.
{show}
"""


DECISION = decision(False)

_PROGRAMS: dict[tuple[int, bool, bool, int | None], tuple[ir.Policy, str]] = {}


def program(policy: ir.Policy) -> str:
    """The one-case ASP program of a policy; cached per policy object, which is immutable."""
    return _cached(policy, False, True, None)


def batch_program(policy: ir.Policy) -> str:
    """The same program with a case number first in every case-dependent atom (see
    `run.solve_many`), less its table facts: `run` adds as Symbols the rows that a look-up of one
    of the batch's cases can match (grounding all of them was a sixth of a batch of 200)."""
    return _cached(policy, True, False, None)


def category_program(policy: ir.Policy, category: int) -> str:
    """The one-case program for a case of one category (the index of its member): only that
    category's rules, since no other is in force for such a case (`ir.in_force`), a third less for
    clingo to parse and ground; and less its table facts (`tbl`, `tbl_key`), which `run` adds as
    Symbols for the rows a case's look-ups can match."""
    return _cached(policy, False, False, category)


def _cached(policy: ir.Policy, batched: bool, tables: bool, category: int | None) -> str:
    key = (id(policy), batched, tables, category)
    cached = _PROGRAMS.get(key)
    if cached is None or cached[0] is not policy:
        rules = policy.rules if category is None else tuple(r for r in policy.rules if category in r.categories)
        cached = _PROGRAMS[key] = (policy, _program(policy, rules, batched, tables))
    return cached[1]


def rule_uses(rules: tuple[ir.Rule, ...], canon: Canon | None = None) -> tuple[dict[int, frozenset[str]], Counter]:
    """Which of these rules read each node, and how many parent links each node has across them
    (both keyed by the identity of the node's `canon` representative: nodes written alike in two
    places are one node, computed once)."""
    canon = canon if canon is not None else Canon()
    uses: dict[int, set[str]] = {}
    parents: Counter = Counter()
    seen: set[int] = set()
    for rule in rules:
        roots = list(rule.roots) + [p for p in rule.placeholders if all(p is not r for r in rule.roots)]
        for root in roots:
            parents[id(canon(root))] += 1
            stack = [canon(root)]
            visited: set[int] = set()
            while stack:
                node = stack.pop()
                if id(node) in visited:
                    continue
                visited.add(id(node))
                uses.setdefault(id(node), set()).add(rule.id)
                first = id(node) not in seen
                seen.add(id(node))
                for child in map(canon, node.children):
                    if first:
                        parents[id(child)] += 1
                    stack.append(child)
    return {k: frozenset(v) for k, v in uses.items()}, parents


class Canon:
    """One representative of the nodes that are equal (the IR's structural equality, which leaves
    out where a node was written): the program computes an expression written in several rules
    once. Each node object is looked up once, by identity after that."""

    def __init__(self) -> None:
        self.by_value: dict[ir.Expr, ir.Expr] = {}
        self.by_id: dict[int, ir.Expr] = {}

    def __call__(self, e: ir.Expr) -> ir.Expr:
        found = self.by_id.get(id(e))
        if found is None:
            found = self.by_id[id(e)] = self.by_value.setdefault(e, e)
        return found


@dataclass(frozen=True)
class Reads:
    """The case facts a policy's program reads: no other fact need be built for a case."""

    inputs: frozenset[str]
    known: frozenset[str]
    fields: frozenset[tuple[str, str]]  # (list, field)
    fields_known: frozenset[tuple[str, str]]


_READS: dict[int, tuple[ir.Policy, Reads]] = {}


def reads(policy: ir.Policy) -> Reads:
    hit = _READS.get(id(policy))
    if hit is None or hit[0] is not policy:
        every = nodes(policy)
        found = Reads(
            frozenset({n.path for n in every if isinstance(n, ir.Input)} | {ir.LODGEMENT, ir.CATEGORY}),
            frozenset(n.path for n in every if isinstance(n, ir.InputKnown)),
            frozenset((n.list, n.name) for n in every if isinstance(n, ir.Field)),
            frozenset((n.list, n.name) for n in every if isinstance(n, ir.FieldKnown)),
        )
        hit = _READS[id(policy)] = (policy, found)
    return hit[1]


@dataclass(frozen=True)
class Packing:
    """The order of the values in a batched case's packed facts: `case_values(Case, Values, Known)`
    holds, in tuples, the value of every input the program reads and the known bit of every input
    whose knownness it reads; `item_values(Case, List, Index, Values, Known)` the same for each item
    of a list. One Symbol per case and per item, where a fact per value cost a batch more to build
    and add than clingo takes to unpack them (the batched program's first rules)."""

    inputs: tuple[str, ...]
    known: tuple[str, ...]
    lists: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # (list, fields, fields known)


def packing(policy: ir.Policy) -> Packing:
    read = reads(policy)
    return Packing(
        tuple(f.path for f in policy.inputs if f.path in read.inputs),
        tuple(f.path for f in policy.inputs if f.path in read.known),
        tuple(
            (lst.name, tuple(f.path for f in lst.fields if (lst.name, f.path) in read.fields),
             tuple(f.path for f in lst.fields if (lst.name, f.path) in read.fields_known))
            for lst in policy.lists
        ),
    )  # fmt: skip


PACK_CHUNK = 8  # values per inner tuple: clingo matches a pattern against the outer tuple and one chunk


def packed(values: list, chunk: int = PACK_CHUNK) -> list[list]:
    """Values grouped as a packed fact holds them: a tuple of tuples of `chunk` values each (the
    last shorter), so that picking one value out matches two short tuples, not one long one."""
    return [values[i : i + chunk] for i in range(0, len(values), chunk)]


def _tuple(places: list[str]) -> str:
    return "(" + ",".join(places) + ("," if len(places) == 1 else "") + ")"  # clingo: (V,) is a tuple of one


def _picking(position: int, size: int) -> str:
    """The pattern of a packed tuple of `size` values (`packed`) that binds V to the one at
    `position` (the other places are named, not `_`: clingo projects anonymous variables away
    through an atom of its own per rule)."""
    groups = packed(list(range(size)))
    outer = position // PACK_CHUNK
    return _tuple([
        _tuple(["V" if i == position else f"U{i}" for i in group]) if g == outer else f"G{g}"
        for g, group in enumerate(groups)
    ])  # fmt: skip


def _unpacking(policy: ir.Policy) -> list[str]:
    """The batched program's rules that derive the case facts from the packed ones (`Packing`)."""
    pack = packing(policy)
    inp, known, item, field, field_known = (p.for_cases() for p in (INPUT, KNOWN, ITEM, FIELD, FIELD_KNOWN))
    out = ["% case facts, from one packed fact per case and per item (run.numbered_case_symbols)"]
    out.append(f"{CASE.text('C')} :- {CASE_VALUES}(C,Values,Known).")
    for i, path in enumerate(pack.inputs):
        pattern = _picking(i, len(pack.inputs))
        out.append(f"{inp.text('C', quote(path), 'V')} :- {CASE_VALUES}(C,{pattern},Known).")
    for i, path in enumerate(pack.known):
        pattern = _picking(i, len(pack.known))
        out.append(f"{known.text('C', quote(path), 'V')} :- {CASE_VALUES}(C,Values,{pattern}).")
    for name, fields, fields_known in pack.lists:
        lst = quote(name)
        out.append(f"{item.text('C', lst, 'I')} :- {ITEM_VALUES}(C,{lst},I,Values,Known).")
        for i, f in enumerate(fields):
            pattern = _picking(i, len(fields))
            out.append(f"{field.text('C', lst, 'I', quote(f), 'V')} :- {ITEM_VALUES}(C,{lst},I,{pattern},Known).")
        for i, f in enumerate(fields_known):
            pattern = _picking(i, len(fields_known))
            head = field_known.text("C", lst, "I", quote(f), "V")
            out.append(f"{head} :- {ITEM_VALUES}(C,{lst},I,Values,{pattern}).")
    return out


def nodes(policy: ir.Policy) -> list[ir.Expr]:
    """Every node the rules read, each object once (by identity: no deep hashing)."""
    out: dict[int, ir.Expr] = {}
    stack = [root for r in policy.rules for root in (*r.roots, *r.placeholders)]
    while stack:
        node = stack.pop()
        if id(node) not in out:
            out[id(node)] = node
            stack.extend(node.children)
    return list(out.values())


def _program(policy: ir.Policy, rules: tuple[ir.Rule, ...], batched: bool, tables: bool) -> str:
    canon = Canon()
    uses, parents = rule_uses(rules, canon)
    em = Emitter(batched, uses, parents, rules, canon)
    lines = ["% generated by visa-rules from the policy IR; do not edit", decision(batched)]
    if batched:
        lines += _unpacking(policy)
    lines.append("% instruction versions: each category's own, each in force until the next begins")
    for c, member in enumerate(policy.category_enum.members):
        versions = policy.versions_of(c)
        starts = [date_code(v.start) for v in versions]
        for i, v in enumerate(versions):
            until = f", D < {starts[i + 1]}" if i + 1 < len(starts) else ""
            head, lodged, category = (
                em.atom(VERSION, quote(v.name)),
                em.atom("lodged", "D"),
                em.atom("category", str(c)),
            )
            lines.append(f"{head} :- {lodged}, {category}, D >= {starts[i]}{until}.  % {member}")
    lines.append("% tables (case-independent: grounded once however many cases a Control holds)")
    for t in policy.tables if tables else ():
        for key, values in t.rows:
            lines.append(f"{TABLE_KEY.text(quote(t.name), _const(key))}.")
            for (col, _), value in zip(t.columns, values):
                lines.append(f"{TABLE_CELL.text(quote(t.name), _const(key), quote(col), _const(value))}.")
    body = _halts(em, rules)
    for rule in rules:
        body.append(f"% ---- rule {rule.id}: {rule.title}")
        body.extend(_rule(em, rule, rules))
    return "\n".join(lines + body + ["% ---- shared expressions"] + em.lines + em.need_rules()) + "\n"


def _stops(rule: ir.Rule) -> bool:
    return ir.EFFECT_OUTCOMES[rule.kind][0] == "stopped"


def _halts(em: Emitter, rules: tuple[ir.Rule, ...]) -> list[str]:
    """`halt_K`: a rule of a stage before K stopped the assessment, so no rule of stage K is
    assessed; written only for the stages that a stop before them can block."""
    out = ["% stops: the stages a stop at an earlier stage blocks"]
    for stage in sorted({r.stage for r in rules}):
        for stop in (r for r in rules if _stops(r) and r.stage < stage):
            out.append(f"{em.atom(f'halt_{stage}')} :- {em.rule_atom('stop', stop.id)}.")
    return out


def _rule(em: Emitter, rule: ir.Rule, rules: tuple[ir.Rule, ...]) -> list[str]:
    """A rule's atoms: in force, blocked (`halt_K`, when a stop comes before its stage),
    applicable, its result, its points and its reason's values. Each is the rule's own predicate
    (`in_force_3`, `applicable_3`, `stop_3`) so that the program is stratified predicate by
    predicate (see `Emitter.value_atom`); a rule with no condition that no stop can block is
    applicable exactly when it is in force, and its in-force atom serves."""
    r = quote(rule.id)
    out = []
    window = []
    if rule.start is not None:
        window.append(f"D >= {date_code(rule.start)}")
    if rule.until is not None:
        window.append(f"D <= {date_code(rule.until)}")  # until: the last day in force
    in_force = em.rule_atom("in_force", rule.id)
    for c in rule.categories:
        out.append(f"{in_force} :- " + ", ".join([em.atom("lodged", "D"), em.atom("category", str(c))] + window) + ".")
    blockable = any(_stops(s) and s.stage < rule.stage for s in rules)
    halt = em.atom(f"halt_{rule.stage}")
    if blockable:
        out.append(f"{em.atom(NOT_ASSESSED, r)} :- {in_force}, {halt}.")
    applicable = in_force
    if blockable or rule.applies is not None:
        applicable = em.rule_atom("applicable", rule.id)
        unblocked = (in_force, f"not {halt}") if blockable else (in_force,)
        condition: tuple[str, ...] = ()
        if rule.applies is not None:
            t = em.term(rule.applies)
            condition = _join(t.body, (f"{t.text} = 1",))
            out.append(f"{em.atom(NOT_APPLICABLE, r)} :- {', '.join(unblocked)}, not {applicable}.")
        out.append(f"{applicable} :- {', '.join(unblocked + condition)}.")
    value = em.term(rule.expr)
    if rule.kind == "points":
        out.append(f"{em.atom(RESULT, r, 'awarded')} :- {applicable}.")
        body = ", ".join(_join((applicable,), value.body, (f"P = {value.text}",)))
        out.append(f"{em.atom(POINTS_AWARDED, r, quote(rule.points_category), 'P')} :- {body}.")
    else:
        yes, no = ir.EFFECT_OUTCOMES[rule.kind]
        for result, bit in ((yes, 1), (no, 0)):
            body = ", ".join(_join((applicable,), value.body, (f"{value.text} = {bit}",)))
            if result == "stopped":  # its own atom first, which `halt_K` reads
                stop = em.rule_atom("stop", rule.id)
                out += [f"{stop} :- {body}.", f"{em.atom(RESULT, r, result)} :- {stop}."]
            else:
                out.append(f"{em.atom(RESULT, r, result)} :- {body}.")
    terms = [em.term(placeholder) for placeholder in rule.placeholders]
    if em.batched:  # its result and values in one shown atom (RULE_SHOWN)
        n = len(terms)
        # variable names no term uses (terms name theirs X…, S…, I, P, R)
        values = "(" + ",".join(f"Shown{k}" for k in range(n)) + ("," if n == 1 else "") + ")"
        shown = (_join(t.body, (f"Shown{k} = {t.text}",)) for k, t in enumerate(terms))
        joined = _join((em.atom(RESULT, r, "Found"),), *shown)
        out.append(f"{em.atom(RULE_SHOWN, r, 'Found', values)} :- {', '.join(joined)}.")
        return out
    for k, t in enumerate(terms):
        body = ", ".join(_join((applicable,), t.body, (f"V = {t.text}",)))
        out.append(f"{em.atom(SHOW_VALUE, r, str(k), 'V')} :- {body}.")
    return out
