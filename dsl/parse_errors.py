"""Lark's syntax errors as diagnostics: file:line:col, a caret under the problem, what was expected."""

from __future__ import annotations

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic, Span

# Friendly names for terminals in "expected …" messages.
_TERMINAL_NAMES = {
    "NAME": "a name",
    "STRING": 'a quoted "text"',
    "DATE": "a date (YYYY-MM-DD)",
    "INT": "a whole number",
    "MONEY": "an amount such as $29.66",
    "RULE_ID": "a rule id such as smc.age",
    "CLAUSE": "an instruction clause such as SR3.10(b)(i)",
    "STEP": "an SOP step such as 2 or 3(b)",
    "OUTCOME": "an outcome text (met:, not met:, raised:, …)",
    "COMP_OP": "a comparison (>=, <, ==, …)",
    "RBRACE": "}",
    "LBRACE": "{",
    "RPAR": ")",
    "LPAR": "(",
    "COLON": ":",
    "EQUAL": "=",
    "COMMA": ",",
}


def syntax_error(err: UnexpectedInput, text: str, file: str, parser: Lark) -> Diagnostic:
    """The diagnostic for a syntax error Lark raised while parsing `text`."""
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        char = text[pos] if pos < len(text) else "end of file"
        return Diagnostic(
            Span(file, err.line, err.column), f"unexpected character {char!r}", expected_hint(err, parser)
        )
    if isinstance(err, UnexpectedEOF):
        lines = text.splitlines() or [""]
        return Diagnostic(
            Span(file, len(lines), len(lines[-1]) + 1), "the file ends too early", expected_hint(err, parser)
        )
    if isinstance(err, UnexpectedToken):
        span = Span(file, err.line, err.column, err.token.end_line or err.line, err.token.end_column or err.column)
        got = "end of file" if err.token.type == "$END" else repr(str(err.token))
        return Diagnostic(span, f"unexpected {got}", expected_hint(err, parser))
    return Diagnostic(Span(file, getattr(err, "line", 0) or 0, getattr(err, "column", 0) or 0), "cannot read this", "")


def expected_hint(err: UnexpectedInput, parser: Lark) -> str:
    expected = sorted(getattr(err, "expected", None) or getattr(err, "allowed", None) or [])
    if not expected:
        return ""
    names = []
    for t in expected:
        names.append(_TERMINAL_NAMES.get(t, _keyword(t, parser)))
    names = sorted(set(names))
    if len(names) > 8:
        names = names[:8] + ["…"]
    return "expected " + ", ".join(names)


def _keyword(terminal: str, parser: Lark) -> str:
    try:
        pattern = parser.get_terminal(terminal).pattern
        if pattern.type == "str":
            return f"'{pattern.value}'"
    except (KeyError, AttributeError):
        pass
    return terminal.lower()
