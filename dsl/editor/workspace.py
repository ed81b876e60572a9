"""What an editor asks of a policy folder, as plain functions: the diagnostics of every file (with
the checker's messages), the declaration a name refers to, and the names that can be completed.

A `PolicyWorkspace` reads a policy folder (and, for a .props file, its proofs folder) from disk,
with the unsaved text of open files laid over it. Diagnostics come from the same parser and checker
as `visa-rules check`. The symbol index comes from each file's last text that parsed, so hover,
go to definition and completion keep working while a file has a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import ast
from ..check import check, check_with_properties
from ..diagnostics import Diagnostic, PolicyError, Span
from ..loader import default_policy_dir, display_name, read_data_files
from ..parse import parse_module

__all__ = ["PolicyWorkspace", "Symbol", "policy_root", "word_at"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class Symbol:
    name: str  # as written where it is used: `median_wage`, `employment.pay_per_hour`, `smc.age`
    kind: str  # input, field, parameter, define, table, enum, member, record, category, rule, sop, property
    span: Span  # its declaration (the file named as `visa-rules check` names it: relative to here)
    detail: str  # one line: its type or title
    doc: str = ""


def policy_root(path: Path) -> Path:
    """The policy folder a .rules file belongs to: up from its folder while the parent holds .rules
    files itself (policy/smc/x.rules belongs to policy/)."""
    folder = path.parent
    while any(folder.parent.glob("*.rules")) and folder.parent != folder:
        folder = folder.parent
    return folder


def word_at(text: str, line: int, character: int) -> tuple[str, int, int] | None:
    """The (dotted) name under a 0-based position, cut after the part the position is on; with
    the columns it spans."""
    lines = text.splitlines()
    if line >= len(lines):
        return None
    for m in _WORD.finditer(lines[line]):
        if m.start() <= character <= m.end():
            word = m.group()
            cut = word.find(".", character - m.start())
            return (word if cut < 0 else word[:cut]), m.start(), m.end()
    return None


class PolicyWorkspace:
    def __init__(self, shipped_policy: Path | None = None):
        self.overlay: dict[Path, str] = {}  # open files' unsaved text
        self.last_good: dict[Path, ast.Module] = {}
        self.shipped_policy = shipped_policy or default_policy_dir()

    # ------------------------------------------------------------ files

    def open(self, path: Path, text: str) -> None:
        self.overlay[path.resolve()] = text

    def close(self, path: Path) -> None:
        self.overlay.pop(path.resolve(), None)

    def folders(self, path: Path) -> tuple[Path, Path | None]:
        """(policy folder, proofs folder or None) for a file being edited."""
        path = path.resolve()
        if path.suffix == ".props":
            sibling = path.parent.parent / "policy"
            return (sibling if any(sibling.rglob("*.rules")) else self.shipped_policy), path.parent
        return policy_root(path), None

    def _text(self, path: Path) -> str:
        resolved = path.resolve()
        if resolved in self.overlay:  # an open file, maybe emptied: what the editor holds
            return self.overlay[resolved]
        return path.read_text(encoding="utf-8")

    def _files(self, folder: Path, pattern: str) -> list[Path]:
        found = {p.resolve() for p in folder.rglob(pattern)}
        found |= {p for p in self.overlay if p.suffix == pattern[1:] and folder.resolve() in p.parents}
        return sorted(found)

    # ------------------------------------------------------------ diagnostics

    def diagnostics(self, path: Path) -> dict[Path, list[Diagnostic]]:
        """Every file of the folders `path` is checked with, each with its diagnostics (maybe none)."""
        policy_dir, proofs_dir = self.folders(path)
        groups = [self._files(policy_dir, "*.rules")]
        if proofs_dir is not None:
            groups.append(self._files(proofs_dir, "*.props"))
        found: dict[Path, list[Diagnostic]] = {p: [] for group in groups for p in group}
        sources: dict[str, str] = {}
        parsed: list[list[ast.Module]] = [[] for _ in groups]
        syntax = False
        for n, group in enumerate(groups):
            for p in group:
                text = self._text(p)
                name = display_name(p)  # as `visa-rules check` names it (and the data files' reader)
                sources[name] = text
                try:
                    module = parse_module(text, name)
                except PolicyError as e:
                    found[p] += e.diagnostics
                    syntax = True
                    continue
                self.last_good[p] = module
                parsed[n].append(module)
        if syntax:  # names in a file that does not parse are unknown: report the syntax first
            return found
        data = read_data_files(policy_dir, groups[0], parsed[0])  # the CSV files tables are read from
        try:
            if proofs_dir is None:
                check(parsed[0], sources, data)
            else:
                check_with_properties(parsed[0], parsed[1], sources, data)
        except PolicyError as e:
            for d in e.diagnostics:
                found.setdefault(Path(d.span.file).resolve(), []).append(d)
        return found

    # ------------------------------------------------------------ symbols

    def symbols(self, path: Path) -> dict[str, Symbol]:
        """Every name declared in the folders `path` is read with, from their last text that parsed."""
        policy_dir, proofs_dir = self.folders(path)
        files = self._files(policy_dir, "*.rules") + (self._files(proofs_dir, "*.props") if proofs_dir else [])
        modules = []
        for p in files:
            if p not in self.last_good:
                try:
                    self.last_good[p] = parse_module(self._text(p), display_name(p))
                except PolicyError:
                    continue
            modules.append(self.last_good[p])
        return _index(modules)

    def lookup(self, path: Path, text: str, line: int, character: int) -> Symbol | None:
        """The declaration of the name under a 0-based position."""
        found = word_at(text, line, character)
        if found is None:
            return None
        word = found[0]
        table = self.symbols(path)
        if word in table:
            return table[word]
        _, _, rest = word.partition(".")
        if rest:  # `p.start`: a field of the item of a list
            return table.get(f"*.{rest.rsplit('.', 1)[-1]}")
        return None

    def source_of(self, span: Span, max_lines: int = 12) -> str:
        """The text a declaration was written as (its first lines)."""
        try:
            text = self._text(Path(span.file))
        except OSError:
            return ""
        lines = text.splitlines()[span.line - 1 : (span.end_line or span.line)]
        if len(lines) > max_lines:
            lines = lines[:max_lines] + ["  …"]
        return "\n".join(lines)


def _type_text(t: ast.TypeRef) -> str:
    if t.is_list:
        return f"list of {t.name}"
    return ("optional " if t.optional else "") + t.name + (" last day" if t.last_day else "")


def _index(modules: list[ast.Module]) -> dict[str, Symbol]:
    out: dict[str, Symbol] = {}
    decls = [d for m in modules for d in m.decls]
    records = {d.name: d for d in decls if isinstance(d, ast.RecordDecl)}

    def add(sym: Symbol) -> None:
        out.setdefault(sym.name, sym)

    for d in decls:
        if isinstance(d, ast.InputDecl):
            add(Symbol(d.name, "input", d.span, f"input {d.name}: {_type_text(d.type)}", d.doc))
            record = records.get(d.type.name)
            if record is not None:
                for f in record.fields:
                    name = f"{d.name}.{f.name}" if not d.type.is_list else f"*.{f.name}"
                    add(Symbol(name, "field", f.span, f"{record.name}.{f.name}: {_type_text(f.type)}", f.doc))
        elif isinstance(d, ast.ParamDecl):
            add(Symbol(d.name, "parameter", d.span, f"parameter {d.name}: {d.type_name}", d.doc))
        elif isinstance(d, ast.DefineDecl):
            detail = f"define {d.name}" + (f" for each {d.var} in {d.source}" if d.var else "")
            add(Symbol(d.name, "define", d.span, detail, d.doc))
            if d.var:
                add(Symbol(f"*.{d.name}", "define", d.span, detail, d.doc))
        elif isinstance(d, ast.TableDecl):
            add(Symbol(d.name, "table", d.span, f"table {d.name}", d.doc))
        elif isinstance(d, ast.EnumDecl):
            add(Symbol(d.name, "enum", d.span, f"enum {d.name}", d.doc))
            for member, label, span in d.members:
                add(Symbol(member, "member", span, f"{d.name}.{member}", label))
        elif isinstance(d, ast.RecordDecl):
            add(Symbol(d.name, "record", d.span, f"record {d.name}", d.doc))
        elif isinstance(d, ast.CategoryDecl):
            add(Symbol(d.name, "category", d.span, f"points category {d.name}", d.title))
        elif isinstance(d, ast.RuleDecl):
            add(Symbol(d.id, "rule", d.span, f'rule {d.id} "{d.title}"', ""))
        elif isinstance(d, ast.SopDecl):
            add(Symbol(d.name, "sop", d.span, f'sop {d.name} "{d.title}"', ""))
        elif isinstance(d, ast.PropertyDecl):
            add(Symbol(d.id, "property", d.span, f'property {d.id} "{d.title}"', ""))
    return out
