"""The TextMate grammar (`visa-rules.tmLanguage.json`) for highlighting .rules and .props files,
generated from the Lark grammar: every keyword of the language, and the patterns of its dates,
money, decimals, numbers, clause citations and rule ids, are the grammar's own terminals.

    python -m visarules.dsl.editor.textmate > dsl/editor/visa-rules.tmLanguage.json

regenerates it (tests/test_lsp_grammar.py fails until it is when the grammar's keywords change).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

from lark import Lark

from ..check.scope import BASE_TYPES

__all__ = ["textmate_grammar", "grammar_keywords", "grammar_terminals", "SCOPE"]

SCOPE = "source.visa-rules"
_GRAMMAR = files("visarules.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")

# How keywords are coloured; a keyword of the grammar in none of these is still a keyword.
DECLARATIONS = {"policy", "version", "enum", "record", "input", "parameter", "table", "define", "rule", "sop",
                "property", "points", "category", "key", "columns", "row", "step", "dates", "constraint"}  # fmt: skip
CONTROL = {"if", "then", "else", "require", "concern", "stop", "defer", "when", "applies", "forall", "implies"}
WORD_OPERATORS = {"and", "or", "not", "in", "at", "of", "each", "for", "where", "same", "except"}
CONSTANTS = {"true", "false"}
CITATIONS = {"cites", "SOP", "inferred"}
FUNCTIONS = ("known", "min", "max", "sum", "count", "covered", "years", "months", "overlap", "points", "result",
             "assessed", "awarded", "outcome")  # fmt: skip
# Lark terminal → the scope its tokens get
TERMINALS = {
    "DATE": "constant.numeric.date",
    "MONEY": "constant.numeric.money",
    "DECIMAL": "constant.numeric.decimal",
    "INT": "constant.numeric.integer",
    "CLAUSE": "entity.name.tag.clause",
    "RULE_ID": "entity.name.function.rule-id",
    "STRING": "string.quoted.double",
    "COMMENT": "comment.line.number-sign",
    "OUTCOME": "keyword.other.outcome",
    "LASTDAY": "storage.modifier.last-day",
    "UNIT": "keyword.other.unit",
}


@cache
def _lark() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", start="start")


def grammar_keywords() -> tuple[str, ...]:
    """Every word the grammar spells out ("rule", "require", …), in name order."""
    words = {t.pattern.value for t in _lark().terminals if t.pattern.type == "str" and t.pattern.value.isidentifier()}
    words |= {w for t in _lark().terminals if t.name == "UNIT" for w in re.findall(r"[a-z]+", t.pattern.value)}
    return tuple(sorted(words))


def grammar_terminals() -> dict[str, str]:
    """The regular expression of each named terminal of the grammar."""
    out = {}
    for t in _lark().terminals:
        if t.pattern.type == "re":
            out[t.name] = t.pattern.value
        elif t.name in TERMINALS:  # a terminal of alternatives given as strings
            out[t.name] = t.pattern.value
    return out


def _words(words) -> str:
    return r"\b(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + r")\b"


def _flags_free(pattern: str) -> str:
    """Lark writes some patterns as (?i:…) or with a trailing flag group; TextMate wants them bare."""
    return re.sub(r"^\(\?[a-z]+:(.*)\)$", r"\1", pattern)


def textmate_grammar() -> dict:
    keywords = set(grammar_keywords())
    terminals = grammar_terminals()
    other = keywords - DECLARATIONS - CONTROL - WORD_OPERATORS - CONSTANTS - CITATIONS
    unit_words = re.findall(r"[a-z]+", terminals.get("UNIT", ""))
    other -= set(unit_words)

    def term(name: str, scope: str, bounded: bool = True) -> dict:
        body = _flags_free(terminals[name])
        # not inside a name or after a field's dot (`p.start`), but after a range's `..` (`0..168`)
        pattern = rf"(?<![\w$])(?:(?<=\.\.)|(?<!\.)){body}(?![\w$])" if bounded else body
        return {"name": f"{scope}.visa-rules", "match": pattern}

    repository = {
        "comment": {"name": "comment.line.number-sign.visa-rules", "match": r"#.*$"},
        "string": {
            "name": "string.quoted.double.visa-rules",
            "begin": '"',
            "end": '"|$',
            "patterns": [
                {"name": "constant.character.escape.visa-rules", "match": r"\\."},
                {
                    "name": "meta.embedded.placeholder.visa-rules",
                    "begin": r"\{",
                    "end": r"\}",
                    "patterns": [{"include": "#expression"}],
                },
            ],
        },
        "outcome": {
            "name": "keyword.other.outcome.visa-rules",
            "match": rf"^\s*(?:{terminals['OUTCOME']})(?=\s*:)",  # the grammar's own outcome words
        },
        "citation": {"name": "keyword.other.citation.visa-rules", "match": _words(CITATIONS & keywords)},
        "date": term("DATE", TERMINALS["DATE"]),
        "money": term("MONEY", TERMINALS["MONEY"]),
        "clause": term("CLAUSE", TERMINALS["CLAUSE"]),
        # a rule id is lexed by context (`smc.age` and `p.start` look alike): where it is declared,
        # and where a property reads a rule's result
        "rule-id": {
            "match": rf"\b(rule|property)\s+({_flags_free(terminals['RULE_ID'])})",
            "captures": {
                "1": {"name": "storage.type.declaration.visa-rules"},
                "2": {"name": "entity.name.function.rule-id.visa-rules"},
            },
        },
        "rule-reference": {
            "match": rf"\b(result|assessed|awarded)(\s*\(\s*)({_flags_free(terminals['RULE_ID'])})",
            "captures": {
                "1": {"name": "support.function.visa-rules"},
                "3": {"name": "entity.name.function.rule-id.visa-rules"},
            },
        },
        "decimal": term("DECIMAL", TERMINALS["DECIMAL"]),
        "integer": term("INT", TERMINALS["INT"]),
        "last-day": {"name": "storage.modifier.last-day.visa-rules", "match": r"\blast\s+day\b"},
        "unit": {"name": "keyword.other.unit.visa-rules", "match": _words(unit_words)},
        "declaration": {"name": "storage.type.declaration.visa-rules", "match": _words(DECLARATIONS & keywords)},
        "control": {"name": "keyword.control.visa-rules", "match": _words(CONTROL & keywords)},
        "word-operator": {"name": "keyword.operator.word.visa-rules", "match": _words(WORD_OPERATORS & keywords)},
        "constant": {"name": "constant.language.visa-rules", "match": _words(CONSTANTS & keywords)},
        "keyword": {"name": "keyword.other.visa-rules", "match": _words(other)},
        "type": {"name": "support.type.visa-rules", "match": _words(BASE_TYPES)},
        "function": {"name": "support.function.visa-rules", "match": _words(FUNCTIONS) + r"(?=\s*\()"},
        "operator": {"name": "keyword.operator.visa-rules", "match": r">=|<=|==|!=|[<>+\-*×/÷=]"},
        "expression": {"patterns": [{"include": f"#{name}"} for name in _EXPRESSION]},
    }
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "visa-rules",
        "scopeName": SCOPE,
        "fileTypes": ["rules", "props"],
        "patterns": [{"include": f"#{name}"} for name in _TOP],
        "repository": repository,
    }


# Order matters where two patterns match at one place: a date before a number, money before an
# operator, a rule's id before the keywords.
_EXPRESSION = ("string", "date", "money", "rule-id", "rule-reference", "decimal", "integer", "last-day",
               "unit", "control", "word-operator", "constant", "function", "type", "declaration", "keyword",
               "operator")  # fmt: skip
_TOP = ("comment", "outcome", "citation", "clause") + _EXPRESSION


def main() -> None:
    print(json.dumps(textmate_grammar(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
