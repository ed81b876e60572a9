"""Policy text → AST, every node with the span it was parsed from (syntax errors: `parse_errors`)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib.resources import files

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedInput, VisitError

from . import ast
from .diagnostics import Diagnostic, PolicyError, Span
from .parse_errors import expected_hint, syntax_error

_GRAMMAR = files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")


@cache
def _parser(start: str) -> Lark:
    """The LALR parser for a start symbol. Lark's own cache keeps its tables on disk (checked
    against a hash of the grammar and options, rebuilt when stale or unreadable), so a process does
    not build them afresh; the cache folder is the IR cache's (`loader.cache_dir`)."""
    from .loader import cache_dir, cache_enabled

    options = {"parser": "lalr", "start": start, "propagate_positions": True, "maybe_placeholders": False}
    if cache_enabled():
        folder = cache_dir() / "lark"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return Lark(_GRAMMAR, cache=str(folder / f"{start}.cache"), **options)
        except OSError:  # an unwritable cache only costs speed
            pass
    return Lark(_GRAMMAR, **options)


# The formatter reads the concrete tree (every token kept, keywords included) and the comments,
# which the grammar ignores: a lexer callback hands them to the parse that is running.
_comment_sink = threading.local()


def _keep_comment(token: Token) -> Token:
    sink = getattr(_comment_sink, "tokens", None)
    if sink is not None:
        sink.append(token)
    return token


@cache
def _concrete_parser() -> Lark:
    return Lark(
        _GRAMMAR,
        parser="lalr",
        start="start",
        keep_all_tokens=True,
        propagate_positions=True,
        maybe_placeholders=False,
        lexer_callbacks={"COMMENT": _keep_comment},
    )


def parse_concrete(text: str, file: str) -> tuple[Tree, tuple[Token, ...]]:
    """The concrete syntax tree of a file, every token kept, and its comments in order (for the
    formatter). Raises PolicyError with a positioned diagnostic on bad syntax."""
    comments: list[Token] = []
    _comment_sink.tokens = comments
    try:
        tree = _concrete_parser().parse(text)
    except UnexpectedInput as err:
        raise PolicyError([syntax_error(err, text, file, _parser("start"))], {file: text}) from None
    finally:
        _comment_sink.tokens = None
    return tree, tuple(comments)


def _span(file: str, meta_or_token, line_offset: int = 0, col_offset: int = 0) -> Span:
    line = getattr(meta_or_token, "line", 0) or 0
    column = getattr(meta_or_token, "column", 0) or 0
    end_line = getattr(meta_or_token, "end_line", line) or line
    end_column = getattr(meta_or_token, "end_column", column) or column
    if line == 1:
        column += col_offset
        end_column += col_offset if end_line == 1 else 0
    return Span(file, line + line_offset, column, end_line + line_offset, end_column)


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def parse_money(text: str) -> int:
    """'$1,234.5' → 123450 cents, exactly."""
    return int(Decimal(text.lstrip("$").replace(",", "")) * 100)


@v_args(meta=True, inline=True)
class _ToAst(Transformer):
    def __init__(self, file: str, line_offset: int = 0, col_offset: int = 0):
        super().__init__()
        self.file = file
        self.line_offset = line_offset
        self.col_offset = col_offset

    def sp(self, meta) -> Span:
        return _span(self.file, meta, self.line_offset, self.col_offset)

    # ---------------------------------------------------------- literals
    def int_lit(self, meta, tok):
        return ast.Literal(self.sp(meta), "int", int(tok))

    def negint_lit(self, meta, tok):
        return ast.Literal(self.sp(meta), "int", -int(tok))

    def decimal_lit(self, meta, tok):
        return ast.Literal(self.sp(meta), "decimal", Fraction(str(tok)))

    def money_lit(self, meta, tok):
        return ast.Literal(self.sp(meta), "money", parse_money(str(tok)))

    def date_lit(self, meta, tok):
        return ast.Literal(self.sp(meta), "date", _date(tok, self.sp(meta)))

    def duration_lit(self, meta, n, unit):
        months = int(n) * (12 if str(unit).startswith("year") else 1)
        return ast.Literal(self.sp(meta), "duration", months)

    def string_lit(self, meta, tok):
        return ast.Literal(self.sp(meta), "string", _unquote(str(tok)))

    def true_lit(self, meta):
        return ast.Literal(self.sp(meta), "bool", True)

    def false_lit(self, meta):
        return ast.Literal(self.sp(meta), "bool", False)

    def name_lit(self, meta, tok):
        return ast.Literal(self.sp(meta), "name", str(tok))

    def value(self, meta, lit):
        return lit

    def literal(self, meta, lit):
        return lit

    # ---------------------------------------------------------- expressions
    def name(self, meta, tok):
        return ast.Name(self.sp(meta), str(tok))

    def attr(self, meta, base, tok):
        return ast.Attr(self.sp(meta), base, str(tok))

    def at(self, meta, param, date):
        return ast.At(self.sp(meta), str(param), date)

    def lookup(self, meta, table, key, column):
        return ast.Lookup(self.sp(meta), str(table), key, str(column))

    def in_table(self, meta, key, table):
        return ast.InTable(self.sp(meta), key, str(table))

    def call(self, meta, func, *args):
        return ast.Call(self.sp(meta), str(func), tuple(args))

    def aggregate(self, meta, func, body, var, source, where=None):
        return ast.Aggregate(self.sp(meta), str(func), body, str(var), str(source), where)

    def interval_aggregate(self, meta, func, start, end, var, source, where=None):
        return ast.IntervalAggregate(self.sp(meta), str(func), start, end, str(var), str(source), where)

    def count(self, meta, var, source, where=None):
        return ast.Aggregate(self.sp(meta), "count", None, str(var), str(source), where)

    def neg(self, meta, operand):
        return ast.Unary(self.sp(meta), "-", operand)

    def not_(self, meta, operand):
        return ast.Unary(self.sp(meta), "not", operand)

    def binary(self, meta, left, op, right):
        return ast.Binary(self.sp(meta), {"×": "*", "÷": "/"}.get(str(op), str(op)), left, right)

    def compare(self, meta, left, op, right):
        return ast.Binary(self.sp(meta), str(op), left, right)

    def and_(self, meta, left, right):
        return ast.Binary(self.sp(meta), "and", left, right)

    def or_(self, meta, left, right):
        return ast.Binary(self.sp(meta), "or", left, right)

    def if_(self, meta, cond, then, orelse):
        return ast.IfThen(self.sp(meta), cond, then, orelse)

    # ---------------------------------------------------------- property-only expressions
    def implies(self, meta, left, right):
        return ast.Implies(self.sp(meta), left, right)

    def of_case(self, meta, base, case):
        return ast.OfCase(self.sp(meta), base, str(case))

    def each_item(self, meta, var, source, body):
        return ast.EachItem(self.sp(meta), str(var), str(source), body)

    # ---------------------------------------------------------- declarations
    def start(self, meta, *decls):
        return ast.Module(self.file, tuple(decls))

    def policy_decl(self, meta, title):
        return ast.PolicyDecl(self.sp(meta), _unquote(title))

    def version_decl(self, meta, name, date, *rest):
        categories: tuple[str, ...] = ()
        cites: tuple = ()
        for clause in rest:
            if clause and clause[0] == "for":  # ("for", names, span) from for_clause
                categories = clause[1]
            else:
                cites = clause
        return ast.VersionDecl(self.sp(meta), _unquote(name), _date(date, self.sp(meta)), tuple(cites), categories)

    def category_decl(self, meta, name, title=None):
        return ast.CategoryDecl(self.sp(meta), str(name), _unquote(title) if title else str(name))

    def enum_member(self, meta, name, label=None):
        return (str(name), _unquote(label) if label else str(name), self.sp(meta))

    def enum_decl(self, meta, name, *rest):
        doc = ""
        if rest and isinstance(rest[0], Token):
            doc, rest = _unquote(rest[0]), rest[1:]
        return ast.EnumDecl(self.sp(meta), str(name), doc, tuple(rest))

    def scalar_type(self, meta, *toks):
        bounds = next((t for t in toks if isinstance(t, tuple)), None)
        toks = tuple(t for t in toks if isinstance(t, Token))
        optional = any(t.type == "OPTIONAL" for t in toks)
        last_day = any(t.type == "LASTDAY" for t in toks)
        name = next(str(t) for t in toks if t.type == "NAME")
        return ast.TypeRef(self.sp(meta), name, optional=optional, last_day=last_day, range=bounds)

    def list_type(self, meta, name, bounds=None):
        return ast.TypeRef(self.sp(meta), str(name), is_list=True, range=bounds)

    def range(self, meta, low, high):
        return (low, high)

    def bound(self, meta, tok, unit=None):
        if unit is not None:
            return self.duration_lit(meta, tok, unit)
        return {"INT": self.int_lit, "MONEY": self.money_lit, "DATE": self.date_lit}[tok.type](meta, tok)

    def dates_decl(self, meta, first, last, cites=()):
        span = self.sp(meta)
        first_lit, last_lit = (ast.Literal(_span(self.file, t), "date", _date(t, span)) for t in (first, last))
        return ast.DatesDecl(span, first_lit, last_lit, tuple(cites))

    def constraint_decl(self, meta, *parts):
        var = source = ""
        if isinstance(parts[0], Token) and parts[0].type == "NAME":
            var, source, parts = str(parts[0]), str(parts[1]), parts[2:]
        condition, message, cites = parts[0], _unquote(parts[1]), (parts[2] if len(parts) > 2 else ())
        return ast.ConstraintDecl(self.sp(meta), var, source, condition, message, tuple(cites))

    def changeable(self, meta, cost=None):
        return ("changeable", int(cost) if cost is not None else 1)

    def required_for(self, meta, *names):
        return ("required", tuple(str(n) for n in names), self.sp(meta))

    def field_decl(self, meta, name, type_, *rest):
        cost, doc, cites, required = _change_doc_and_cites(rest)
        return ast.FieldDecl(self.sp(meta), str(name), type_, doc, cost, cites, *required)

    def record_decl(self, meta, name, *rest):
        doc = ""
        if rest and isinstance(rest[0], Token):
            doc, rest = _unquote(rest[0]), rest[1:]
        return ast.RecordDecl(self.sp(meta), str(name), doc, tuple(rest))

    def input_decl(self, meta, name, type_, *rest):
        cost, doc, cites, required = _change_doc_and_cites(rest)
        return ast.InputDecl(self.sp(meta), str(name), type_, doc, cost, cites, *required)

    def param_entry(self, meta, date, *rest):
        end = None
        if isinstance(rest[0], Token):
            end, rest = _date(rest[0], self.sp(meta)), rest[1:]
        value, cites = rest[0], (rest[1] if len(rest) > 1 else ())
        return ast.ParamEntry(self.sp(meta), _date(date, self.sp(meta)), end, value, tuple(cites))

    def param_decl(self, meta, name, type_name, *rest):
        doc = ""
        if rest and isinstance(rest[0], Token):
            doc, rest = _unquote(rest[0]), rest[1:]
        return ast.ParamDecl(self.sp(meta), str(name), str(type_name), doc, tuple(rest))

    def column(self, meta, name, type_name):
        return ast.Column(self.sp(meta), str(name), str(type_name))

    def table_row(self, meta, key, *rest):
        cites: tuple = ()
        if rest and isinstance(rest[-1], tuple):
            cites, rest = rest[-1], rest[:-1]
        return ast.TableRow(self.sp(meta), key, tuple(rest), cites)

    def table_source(self, meta, path, cites=()):
        return ast.TableSource(self.sp(meta), _unquote(path), tuple(cites))

    def table_decl(self, meta, name, *rest):
        doc = ""
        if rest and isinstance(rest[0], Token):
            doc, rest = _unquote(rest[0]), rest[1:]
        source = None
        if rest and isinstance(rest[0], ast.TableSource):
            source, rest = rest[0], rest[1:]
        key, rest = rest[0], rest[1:]
        columns = tuple(r for r in rest if isinstance(r, ast.Column))
        rows = tuple(r for r in rest if isinstance(r, ast.TableRow))
        return ast.TableDecl(self.sp(meta), str(name), doc, key, columns, rows, source)

    def define_decl(self, meta, name, expr, doc=None):
        return ast.DefineDecl(self.sp(meta), str(name), expr, _unquote(doc) if doc else "")

    def item_define_decl(self, meta, name, var, source, expr, doc=None):
        return ast.DefineDecl(
            self.sp(meta), str(name), expr, _unquote(doc) if doc else "", var=str(var), source=str(source)
        )

    # ---------------------------------------------------------- properties
    def input_path(self, meta, *names):
        return (".".join(str(n) for n in names), self.sp(meta))

    def same_except(self, meta, *paths):
        return tuple(paths)

    def forall_cases(self, meta, *rest):
        names = tuple((str(t), _span(self.file, t)) for t in rest if isinstance(t, Token))
        same = next((r for r in rest if isinstance(r, tuple)), None)
        return ast.Forall(self.sp(meta), names, "", same, rest[-1])

    def forall_values(self, meta, type_name, *rest):
        names = tuple((str(t), _span(self.file, t)) for t in rest[:-1])
        return ast.Forall(self.sp(meta), names, str(type_name), None, rest[-1])

    def property_decl(self, meta, prop_id, title, *clauses):
        cites = tuple(c for clause in clauses if isinstance(clause, tuple) for c in clause)
        foralls = tuple(c for c in clauses if isinstance(c, ast.Forall))
        return ast.PropertyDecl(self.sp(meta), str(prop_id), _unquote(title), cites, foralls)

    # ---------------------------------------------------------- citations
    def cites(self, meta, *cites):
        return tuple(cites)

    def clause_cite(self, meta, tok):
        return ast.Cite(self.sp(meta), "clause", str(tok))

    def sop_cite(self, meta, name, step):
        if name.type == "NAME":
            return ast.Cite(self.sp(meta), "sop", str(name), str(step), by_name=True)
        return ast.Cite(self.sp(meta), "sop", _unquote(name), str(step))

    def dotted_name(self, meta, *names):
        return ".".join(str(n) for n in names)

    def step_inputs(self, meta, *names):
        return ("input", tuple(names), "")

    def step_lost(self, meta, why):
        return ("lost", (), _unquote(why))

    def step_outcome(self, meta):
        return ("outcome", (), "")

    def sop_step(self, meta, step, title, status=("", (), "")):
        kind, inputs, note = status
        return ast.SopStep(self.sp(meta), str(step), _unquote(title), kind, inputs, note)

    def sop_decl(self, meta, name, title, published, source, *steps):
        return ast.SopDecl(
            self.sp(meta), str(name), _unquote(title), _date(published, self.sp(meta)), _unquote(source), tuple(steps)
        )

    def inferred_cite(self, meta, why):
        return ast.Cite(self.sp(meta), "inferred", _unquote(why))

    def source_cite(self, meta, text):
        return ast.Cite(self.sp(meta), "source", _unquote(text))

    # ---------------------------------------------------------- rules
    def stage_clause(self, meta, n):
        return ("stage", int(n), self.sp(meta))

    def from_clause(self, meta, d):
        return ("from", _date(d, self.sp(meta)), self.sp(meta))

    def until_clause(self, meta, d):
        return ("until", _date(d, self.sp(meta)), self.sp(meta))

    def for_clause(self, meta, *names):
        return ("for", tuple(str(n) for n in names), self.sp(meta))

    def applies_clause(self, meta, expr):
        return ("applies", expr, self.sp(meta))

    def require(self, meta, expr):
        return ast.Effect(self.sp(meta), "require", expr)

    def concern(self, meta, expr):
        return ast.Effect(self.sp(meta), "concern", expr)

    def stop(self, meta, expr):
        return ast.Effect(self.sp(meta), "stop", expr)

    def award(self, meta, category, expr):
        return ast.Effect(self.sp(meta), "points", expr, category=str(category))

    def defer(self, meta, expr):
        return ast.Effect(self.sp(meta), "defer", expr)

    def outcome_text(self, meta, outcome, text):
        outcome_name = re.sub(r"\s+", "_", str(outcome))
        parts = _template_parts(self.file, text)
        return ast.OutcomeText(self.sp(meta), outcome_name, parts)

    def rule_decl(self, meta, rule_id, title, *clauses):
        fields: dict = {"stage": None, "from": None, "until": None, "for": (), "applies": None}
        cites: list[ast.Cite] = []
        effects: list[ast.Effect] = []
        texts: list[ast.OutcomeText] = []
        for clause in clauses:
            if isinstance(clause, ast.Effect):
                effects.append(clause)
            elif isinstance(clause, ast.OutcomeText):
                texts.append(clause)
            elif isinstance(clause, tuple) and clause and isinstance(clause[0], ast.Cite):
                cites.extend(clause)
            elif isinstance(clause, tuple):
                key, value, span = clause
                if fields[key] not in (None, ()):
                    raise _DuplicateClause(span, key)
                fields[key] = value
        return ast.RuleDecl(
            self.sp(meta),
            str(rule_id),
            _unquote(title),
            fields["stage"],
            tuple(cites),
            fields["from"],
            fields["until"],
            fields["for"],
            fields["applies"],
            tuple(effects),
            tuple(texts),
        )


def _change_doc_and_cites(rest) -> tuple[int | None, str, tuple[ast.Cite, ...], tuple]:
    """A declaration's what-if cost, documentation, citations and `required for` (names, span; or ())."""
    cost, doc, cites = None, "", ()
    required: tuple = ()
    for r in rest:
        if isinstance(r, tuple) and r and r[0] == "changeable":
            cost = r[1]
        elif isinstance(r, tuple) and r and r[0] == "required":
            required = (r[1], r[2])
        elif isinstance(r, tuple):
            cites = r
        else:
            doc = _unquote(r)
    return cost, doc, cites, required


class _DuplicateClause(Exception):
    def __init__(self, span: Span, key: str):
        self.span, self.key = span, key


class _BadDate(Exception):
    def __init__(self, span: Span, text: str):
        self.span, self.text = span, text


def _date(tok, span: Span) -> dt.date:
    try:
        return dt.date.fromisoformat(str(tok))
    except ValueError:
        if getattr(tok, "line", None):  # point at the date itself, not the declaration
            span = Span(span.file, span.line - (span.line - tok.line), tok.column, tok.end_line, tok.end_column)
        raise _BadDate(span, str(tok)) from None


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _template_parts(file: str, tok: Token) -> tuple:
    """Split a reason template into text and parsed `{expression}` placeholders."""
    raw = str(tok)[1:-1]
    parts: list = []
    pos = 0
    for m in _PLACEHOLDER.finditer(raw):
        if m.start() > pos:
            parts.append(_unquote('"' + raw[pos : m.start()] + '"'))
        # +1 for the opening quote, +1 for the brace; columns are 1-based already
        col_offset = (tok.column or 0) + m.start(1)
        parts.append(parse_expression(m.group(1), file, (tok.line or 1) - 1, col_offset))
        pos = m.end()
    if pos < len(raw):
        parts.append(_unquote('"' + raw[pos:] + '"'))
    return tuple(parts)


def parse_expression(text: str, file: str = "<expr>", line_offset: int = 0, col_offset: int = 0) -> ast.Expr:
    try:
        tree = _parser("expr").parse(text)
    except UnexpectedInput as err:
        span = Span(file, line_offset + err.line, col_offset + err.column - 1 + 1)
        hint = expected_hint(err, _parser("start"))
        raise PolicyError([Diagnostic(span, f"cannot read the placeholder {{{text}}}", hint)]) from None
    return _ToAst(file, line_offset, col_offset).transform(tree)


def parse_module(text: str, file: str) -> ast.Module:
    """Parse one policy file. Raises PolicyError with a positioned diagnostic on bad syntax."""
    try:
        tree = _parser("start").parse(text)
        return _ToAst(file).transform(tree)
    except UnexpectedInput as err:
        raise PolicyError([syntax_error(err, text, file, _parser("start"))], {file: text}) from None
    except RecursionError:  # the tree is built recursively: thousands of nested brackets exhaust the stack
        deepest = max(range(len(text)), key=lambda i: text.count("(", 0, i) - text.count(")", 0, i), default=0)
        line = text.count("\n", 0, deepest) + 1
        diag = Diagnostic(
            Span(file, line, deepest - text.rfind("\n", 0, deepest)),
            "an expression here nests too deeply to read",
            "write it in steps, with define",
        )
        raise PolicyError([diag], {file: text}) from None
    except VisitError as err:
        inner = err.orig_exc
        if isinstance(inner, _DuplicateClause):
            diag = Diagnostic(inner.span, f"a rule has only one '{inner.key}' clause", "remove the repeated clause")
        elif isinstance(inner, _BadDate):
            diag = Diagnostic(inner.span, f"{inner.text} is not a calendar date", "write dates as YYYY-MM-DD")
        elif isinstance(inner, PolicyError):
            raise PolicyError(inner.diagnostics, {file: text}) from None
        else:
            raise
        raise PolicyError([diag], {file: text}) from None
