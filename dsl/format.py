"""The canonical layout of .rules and .props files, printed from the concrete syntax tree with every
comment kept.

The layout, in the manner of gofmt: every declaration starts at the left margin; a block
(`{ … }`) written over several lines has one member per line, indented two spaces a level, `{` on
the header line and `}` on its own; a block written on one line stays on one line. Within a line,
tokens are spaced one way (`a + b`, `f(x, y)`, `p.start`, `t[k].c`, `-x`, `met: "…"`). A line
break the author put inside a member (a long expression, a list of citations) is kept, and the
continuation line is indented from the member (two spaces) or aligned just inside the innermost open
parenthesis, two more after a dangling `then` or `else`. Blank lines between declarations and
between members are kept, at most one. Comments stay where they were: on their own line (indented
as the line they precede) or at the end of the line they end.

So the output depends only on the tree, the author's line breaks and the comments; formatting is
idempotent. Every construct of the grammar is listed below; one the formatter does not know stops
it with an error naming the construct, and each result is parsed again and compared token by token
with the input, so the formatter never changes what a file says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lark import Token, Tree

from .diagnostics import UserError
from .parse import parse_concrete

__all__ = ["format_source", "FormatterGap", "KNOWN_CONSTRUCTS"]

# A block construct → which of its children inside the braces starts a member (a line of its own).
_is_tree: Callable[[object], bool] = lambda child: isinstance(child, Tree)  # noqa: E731
BLOCKS: dict[str, Callable[[object], bool]] = {
    "enum_decl": lambda c: isinstance(c, Tree) and c.data == "enum_member",
    "record_decl": _is_tree,
    "param_decl": _is_tree,
    "table_decl": lambda c: (
        (isinstance(c, Tree) and c.data == "table_row") or (isinstance(c, Token) and c in ("key", "columns"))
    ),
    "rule_decl": _is_tree,
    "sop_decl": _is_tree,
    "property_decl": _is_tree,
}
# Constructs laid out as a run of tokens (their line breaks kept, spacing canonical).
INLINE = {
    "policy_decl", "version_decl", "category_decl", "input_decl", "define_decl", "item_define_decl",
    "enum_member", "field_decl", "changeable", "required_for", "scalar_type", "list_type", "param_entry", "column",
    "table_row",
    "sop_step", "step_inputs", "step_lost", "step_outcome", "dotted_name",
    "stage_clause", "from_clause", "until_clause", "for_clause", "applies_clause", "require", "concern", "stop",
    "award", "defer", "outcome_text", "table_source", "forall_cases", "forall_values", "same_except", "input_path",
    "cites", "clause_cite", "sop_cite", "inferred_cite", "source_cite",
    "implies", "each_item", "if_", "or_", "and_", "not_", "compare", "in_table", "binary", "neg", "attr", "at",
    "lookup", "of_case", "name", "call", "aggregate", "interval_aggregate", "count", "atom",
    "int_lit", "decimal_lit", "money_lit", "date_lit", "duration_lit", "string_lit", "true_lit", "false_lit",
    "value", "name_lit", "negint_lit",
    "range", "bound", "dates_decl", "constraint_decl",  # the bounds of inputs (issue 11)
}  # fmt: skip
KNOWN_CONSTRUCTS = frozenset({"start"} | set(BLOCKS) | INLINE)
CALLS = {"call", "aggregate", "interval_aggregate", "count"}  # NAME( with no space
NO_SPACE_BEFORE = {",", ")", "]", ":", ".", ".."}
NO_SPACE_AFTER = {"(", "[", ".", ".."}  # a range is written `0..168`
DANGLING = {"then", "else"}  # a continuation after these is indented two more
WHITESPACE_INSIDE = {"LASTDAY", "OUTCOME"}  # `last  day` and `not  met` are written `last day`, `not met`


class FormatterGap(UserError):
    """The formatter met a construct it has no layout for, or would have changed a file: a gap in
    visa-rules (dsl/format.py), reported with where it happened."""


@dataclass
class _Item:
    token: Token
    text: str
    brk: str  # hard: starts a line; join: stays on the line unless a comment intervenes; soft: as written
    indent: int  # a hard break's indentation; a soft one's base (the member's indentation + 2)
    glue: str  # what separates it from the token before on the same line
    block_close: bool = False  # the `}` of a block written over several lines
    after_open: bool = False  # the first member after a `{`


def _text(token: Token) -> str:
    if token.type in WHITESPACE_INSIDE:
        return " ".join(str(token).split())
    return str(token)


class _Flattener:
    """The tree as a sequence of tokens, each with how it joins the one before."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[_Item] = []
        self.next_glue: str | None = None

    def add(self, token: Token, brk: str, indent: int, glue: str | None = None) -> _Item:
        text = _text(token)
        if glue is None:
            glue = " "
            if text in NO_SPACE_BEFORE:
                glue = ""
            elif self.next_glue is not None:
                glue = self.next_glue
        self.next_glue = "" if text in NO_SPACE_AFTER else None
        item = _Item(token, text, brk, indent, glue)
        self.items.append(item)
        return item

    def walk(self, node: Tree | Token, depth: int, first_brk: str = "soft") -> None:
        """Emit a node's tokens; its first token breaks as `first_brk` says."""
        if isinstance(node, Token):
            self.add(node, first_brk, depth * 2)
            return
        data = str(node.data)
        if data not in KNOWN_CONSTRUCTS:
            line = getattr(node.meta, "line", "?")
            raise FormatterGap(
                f"{self.file}:{line}: the formatter has no layout for '{data}': add it to dsl/format.py "
                "(BLOCKS or INLINE)"
            )
        if data == "start":
            for child in node.children:
                self.walk(child, 0, "hard")
            return
        if data in BLOCKS:
            self._block(node, data, depth, first_brk)
            return
        for i, child in enumerate(node.children):
            brk = first_brk if i == 0 else "soft"
            if isinstance(child, Token):
                glue = None
                if child == "(" and data in CALLS and i == 1:
                    glue = ""
                elif child == "[" and data == "lookup":
                    glue = ""
                self.add(child, brk, depth * 2, glue)
                if data in ("neg", "negint_lit") and child == "-":
                    self.next_glue = ""
            else:
                self.walk(child, depth, brk)

    def _block(self, node: Tree, data: str, depth: int, first_brk: str) -> None:
        children = node.children
        open_at = next(i for i, c in enumerate(children) if isinstance(c, Token) and c == "{")
        close_at = len(children) - 1
        opening, closing = children[open_at], children[close_at]
        multiline = closing.line > opening.line  # type: ignore[union-attr]
        for i, child in enumerate(children[:open_at]):
            self.walk(child, depth, first_brk if i == 0 else "soft")
        self.add(opening, "join", depth * 2)  # type: ignore[arg-type]
        starts = BLOCKS[data]
        first = True
        for child in children[open_at + 1 : close_at]:
            if multiline and starts(child):
                self.walk(child, depth + 1, "hard")
                if first:
                    self.items[-_count_tokens(child)].after_open = True
                first = False
            elif not multiline and starts(child) and not first:
                before = self.items[-1].text
                glue = " " if before == "," else "  "
                self.next_glue = glue  # fields without commas are set apart by two spaces
                self.walk(child, depth + 1, "soft")
            else:
                self.walk(child, depth + 1, "soft")
                first = False if starts(child) else first
        item = self.add(closing, "hard" if multiline else "soft", depth * 2)  # type: ignore[arg-type]
        item.block_close = multiline
        if not multiline:
            item.glue = " "


def _count_tokens(node: Tree | Token) -> int:
    return 1 if isinstance(node, Token) else sum(_count_tokens(c) for c in node.children)


class _Printer:
    """Lines from the token sequence, with the comments put back."""

    def __init__(self, items: list[_Item], comments: tuple[Token, ...]):
        self.items = items
        self.comments = list(comments)
        self.lines: list[str] = []
        self.line = ""
        self.parens: list[int] = []  # the output column just inside each open ( or [
        self.last_line = 0  # the source line the last thing printed ended on
        self.last_text = ""

    def run(self) -> str:
        next_comment = 0
        for item in self.items:
            tok = item.token
            pending = []
            while next_comment < len(self.comments) and _before(self.comments[next_comment], tok):
                pending.append(self.comments[next_comment])
                next_comment += 1
            self._comments(pending, item)
            self._token(item, commented=bool(pending))
        self._comments(self.comments[next_comment:], None)
        self._newline()
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        return "\n".join(self.lines) + "\n"

    def _indent_for(self, item: _Item) -> int:
        if item.brk == "hard":
            return item.indent
        base = self.parens[-1] if self.parens else item.indent + 2
        return base + (2 if self.last_text in DANGLING else 0)

    def _comments(self, comments: list[Token], following: _Item | None) -> None:
        for c in comments:
            text = str(c).rstrip()
            if self.line and _line(c) == self.last_line:
                self.line += "  " + text  # it ends the line it was written on
                continue
            if following is None:
                indent = 0
            elif following.block_close:
                indent = following.indent + 2  # inside the block it closes
            else:
                indent = self._indent_for(following)
            allowed = following is None or following.brk == "hard" and not following.block_close
            self._start_line(indent, _line(c), blank_allowed=allowed and not self._just_opened())
            self.line += text
            self.last_line = _line(c)

    def _just_opened(self) -> bool:
        return self.last_text == "{"

    def _token(self, item: _Item, commented: bool) -> None:
        tok = item.token
        breaks = item.brk == "hard" or (item.brk == "soft" and _line(tok) > self.last_line)
        if breaks or (item.brk == "join" and commented) or not (self.line or self.lines):
            blank = item.brk == "hard" and not item.block_close and not item.after_open
            self._start_line(self._indent_for(item), _line(tok), blank_allowed=blank)
            self.line += item.text
        else:
            self.line += item.glue + item.text
        if item.text in ("(", "["):
            self.parens.append(len(self.line))
        elif item.text in (")", "]") and self.parens:
            self.parens.pop()
        self.last_line = tok.end_line or _line(tok)
        self.last_text = item.text

    def _start_line(self, indent: int, source_line: int, blank_allowed: bool) -> None:
        had_text = bool(self.line.strip())
        self._newline()
        if had_text and blank_allowed and source_line - self.last_line >= 2 and self.lines:
            self.lines.append("")
        self.line = " " * indent

    def _newline(self) -> None:
        if self.line.strip():
            self.lines.append(self.line.rstrip())
        self.line = ""


def _line(token: Token) -> int:
    return token.line or 0


def _before(comment: Token, token: Token) -> bool:
    return (_line(comment), comment.column or 0) < (_line(token), token.column or 0)


def _signature(text: str, file: str) -> tuple[list[tuple[str, str]], list[str]]:
    tree, comments = parse_concrete(text, file)
    tokens = [(t.type, _text(t)) for t in tree.scan_values(lambda v: isinstance(v, Token))]
    return tokens, [str(c).rstrip() for c in comments]


def format_source(text: str, file: str = "<policy>") -> str:
    """The canonical layout of one .rules or .props file. Raises PolicyError on bad syntax and
    FormatterGap on a construct the formatter does not know."""
    tree, comments = parse_concrete(text, file)
    flat = _Flattener(file)
    flat.walk(tree, 0, "hard")
    out = _Printer(flat.items, comments).run() if flat.items or comments else ""
    if _signature(out, file) != _signature(text, file):  # never change what the file says
        raise FormatterGap(f"{file}: formatting would change the file's tokens or comments (a bug in dsl/format.py)")
    return out
