"""`visa-rules lsp`: a language server (pygls) for .rules and .props files, over stdio.

Diagnostics as you type (the checker's messages, for every file of the policy folder), hover on a
name (its declaration as written: type, citations, dated values), go to definition, and completion
of input, parameter, definition and table names. Needs the `lsp` extra: pip install "visa-rules[lsp]".
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..dsl.diagnostics import Diagnostic


def lsp_cmd() -> None:
    """Run the language server on stdin/stdout (for editors; see dsl/editor/README.md)."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        from .options import err

        err.print('visa-rules lsp needs pygls: pip install "visa-rules[lsp]"')
        raise typer.Exit(2) from None
    build_server().start_io()


def build_server():
    from lsprotocol import types as lsp
    from pygls.lsp.server import LanguageServer
    from pygls.uris import from_fs_path, to_fs_path

    from .. import __version__
    from ..dsl.editor import PolicyWorkspace, word_at

    server = LanguageServer("visa-rules", __version__)
    policy = PolicyWorkspace()

    def path_of(uri: str) -> Path:
        return Path(to_fs_path(uri) or uri)

    def file_uri(file: str) -> str:
        return from_fs_path(str(Path(file).resolve())) or file

    def span_range(span) -> lsp.Range:
        start = lsp.Position(max(span.line - 1, 0), max(span.column - 1, 0))
        if span.end_line and (span.end_line, span.end_column) > (span.line, span.column):
            end = lsp.Position(span.end_line - 1, max(span.end_column - 1, 0))
        else:
            end = lsp.Position(start.line, start.character + 1)
        return lsp.Range(start, end)

    def to_lsp(d: Diagnostic) -> lsp.Diagnostic:
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        related = [
            lsp.DiagnosticRelatedInformation(lsp.Location(file_uri(s.file), span_range(s)), label)
            for label, s in d.related
        ]
        severity = lsp.DiagnosticSeverity.Error if d.severity == "error" else lsp.DiagnosticSeverity.Warning
        return lsp.Diagnostic(span_range(d.span), message, severity=severity, source="visa-rules",
                              related_information=related or None)  # fmt: skip

    def refresh(uri: str) -> None:
        doc = server.workspace.get_text_document(uri)
        path = path_of(uri)
        policy.open(path, doc.source)
        for file, diags in policy.diagnostics(path).items():
            target = from_fs_path(str(file)) or str(file)
            server.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=target, diagnostics=[to_lsp(d) for d in diags])
            )

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        policy.close(path_of(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(params: lsp.HoverParams) -> lsp.Hover | None:
        doc = server.workspace.get_text_document(params.text_document.uri)
        pos = params.position
        symbol = policy.lookup(path_of(doc.uri), doc.source, pos.line, pos.character)
        if symbol is None:
            return None
        found = word_at(doc.source, pos.line, pos.character)
        text = f"**{symbol.kind}** `{symbol.detail}`"
        if symbol.doc:
            text += f" — {symbol.doc}"
        text += f"\n\n```visa-rules\n{policy.source_of(symbol.span)}\n```\n\n{symbol.span}"
        where = lsp.Range(lsp.Position(pos.line, found[1]), lsp.Position(pos.line, found[2])) if found else None
        return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text), where)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(params: lsp.DefinitionParams) -> lsp.Location | None:
        doc = server.workspace.get_text_document(params.text_document.uri)
        pos = params.position
        symbol = policy.lookup(path_of(doc.uri), doc.source, pos.line, pos.character)
        if symbol is None:
            return None
        return lsp.Location(file_uri(symbol.span.file), span_range(symbol.span))

    kinds = {
        "input": lsp.CompletionItemKind.Variable,
        "field": lsp.CompletionItemKind.Field,
        "parameter": lsp.CompletionItemKind.Constant,
        "define": lsp.CompletionItemKind.Function,
        "table": lsp.CompletionItemKind.Struct,
    }

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
    def completion(params: lsp.CompletionParams) -> lsp.CompletionList:
        doc = server.workspace.get_text_document(params.text_document.uri)
        line = doc.lines[params.position.line] if params.position.line < len(doc.lines) else ""
        before = line[: params.position.character]
        typed = before[len(before.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")) :]
        record, dot, _ = typed.rpartition(".")
        items = []
        for sym in policy.symbols(path_of(doc.uri)).values():
            if sym.kind not in kinds or sym.name.startswith("*."):
                continue
            if dot and not sym.name.startswith(record + "."):
                continue
            label = sym.name[len(record) + 1 :] if dot else sym.name
            items.append(lsp.CompletionItem(label, kind=kinds[sym.kind], detail=sym.detail,
                                            documentation=sym.doc or None))  # fmt: skip
        return lsp.CompletionList(is_incomplete=False, items=items)

    return server
