"""The TextMate grammar for editors, tested against the Lark grammar: it is generated from it, it
knows every keyword, and on the shipped policy every token Lark lexes gets the scope of its kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from visarules.dsl.editor.textmate import grammar_keywords, textmate_grammar
from visarules.dsl.parse import parse_concrete

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "dsl" / "editor" / "visa-rules.tmLanguage.json"
FILES = sorted((ROOT / "policy").rglob("*.rules")) + sorted((ROOT / "proofs").glob("*.props"))
FILES += [ROOT / "tests" / "dsl" / "good" / "features.rules", ROOT / "tests" / "proofs" / "good" / "every_node.props"]

# Lark terminal → the scope TextMate must give its tokens
EXPECTED = {
    "DATE": "constant.numeric.date",
    "MONEY": "constant.numeric.money",
    "DECIMAL": "constant.numeric.decimal",
    "INT": "constant.numeric.integer",
    "STRING": "string.quoted.double",
    "CLAUSE": "entity.name.tag.clause",
    "RULE_ID": "entity.name.function.rule-id",
    "OUTCOME": "keyword.other.outcome",
    "LASTDAY": "storage.modifier.last-day",
}
KEYWORD_SCOPES = ("keyword.", "storage.", "constant.language.", "support.function.")


def test_the_committed_grammar_is_generated_from_the_lark_grammar():
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == textmate_grammar(), (
        "regenerate: python -m visarules.dsl.editor.textmate > dsl/editor/visa-rules.tmLanguage.json"
    )


def test_every_keyword_of_the_grammar_is_highlighted():
    grammar = textmate_grammar()
    words = [p["match"] for p in grammar["repository"].values() if "match" in p and p["match"].startswith(r"\b(?:")]
    missed = [k for k in grammar_keywords() if not any(re.fullmatch(w, k) for w in words)]
    assert not missed, f"keywords without a highlighting pattern: {missed}"


class Highlighter:
    """A small TextMate tokenizer (match, begin/end, captures, includes): the innermost scope of
    every character of a line."""

    def __init__(self, grammar: dict):
        self.repo = grammar["repository"]
        self.top = grammar["patterns"]

    def leaves(self, patterns):
        for p in patterns:
            if "include" in p:
                yield from self.leaves([self.repo[p["include"][1:]]])
            elif "patterns" in p and "match" not in p and "begin" not in p:
                yield from self.leaves(p["patterns"])
            else:
                yield p

    def line(self, text: str) -> list[list[str]]:
        scopes: list[list[str]] = [[] for _ in text]
        self._scan(text, 0, self.top, None, scopes)
        return scopes

    def _scan(self, text, pos, patterns, end, scopes) -> int:
        leaves = list(self.leaves(patterns))
        while pos <= len(text):
            closing = re.compile(end).search(text, pos) if end else None
            best = None
            for p in leaves:
                m = re.compile(p.get("match") or p["begin"]).search(text, pos)
                if m and (best is None or m.start() < best[0].start()):
                    best = (m, p)
            if closing and (best is None or closing.start() <= best[0].start()):
                return closing.end()
            if best is None:
                return len(text)
            m, p = best
            if "match" in p:
                self._mark(scopes, m.start(), m.end(), p.get("name"))
                for group, capture in p.get("captures", {}).items():
                    self._mark(scopes, m.start(int(group)), m.end(int(group)), capture["name"])
                pos = m.end() if m.end() > pos else pos + 1
            else:
                inner: list[list[str]] = [[] for _ in text]
                stop = self._scan(text, m.end(), p.get("patterns", []), p["end"], inner)
                self._mark(scopes, m.start(), stop, p.get("name"))
                for i in range(m.start(), stop):
                    scopes[i] += inner[i]
                pos = stop if stop > pos else pos + 1
        return pos

    @staticmethod
    def _mark(scopes, start, end, name) -> None:
        if name:
            for i in range(start, end):
                scopes[i].append(name)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_token_lark_lexes_gets_the_scope_of_its_kind(path: Path):
    text = path.read_text(encoding="utf-8")
    tree, comments = parse_concrete(text, path.name)
    highlighter = Highlighter(textmate_grammar())
    lines = [highlighter.line(line) for line in text.splitlines()]
    keywords = set(grammar_keywords())
    wrong = []
    for token in list(tree.scan_values(lambda v: True)) + list(comments):
        stack = lines[token.line - 1][token.column - 1]
        innermost = stack[-1] if stack else ""
        want = "comment.line" if token.type == "COMMENT" else EXPECTED.get(token.type)
        if want is not None and not innermost.startswith(want):
            wrong.append(f"{token.line}:{token.column} {token.type} {token!s:.30} got {innermost or 'nothing'}")
            continue
        keyword = token.type != "NAME" and str(token) in keywords
        if want is None and keyword and not innermost.startswith(KEYWORD_SCOPES):
            wrong.append(f"{token.line}:{token.column} keyword {token} got {innermost or 'nothing'}")
    assert not wrong, "\n".join(wrong[:20])


def test_placeholders_in_reason_texts_are_expressions():
    scopes = Highlighter(textmate_grammar()).line('  met: "Pay {employment.pay_per_hour}/h is at least 1.5 × {x}."')
    brace = scopes[12]
    assert "meta.embedded.placeholder.visa-rules" in brace and brace[0] == "string.quoted.double.visa-rules"
    one_and_half = scopes[52]  # the 1 of "1.5" is text, not a number
    assert one_and_half == ["string.quoted.double.visa-rules"]
