"""The language server, driven over stdio as an editor drives it: initialize, open a file with an
error and receive the diagnostic at the right range, hover, go to definition, complete."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "tests" / "dsl" / "good" / "features.rules"
WAIT = 120  # seconds: only a guard against a hung server, never part of a result


class Client:
    def __init__(self, cwd: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "visarules", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd
        )
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = 0
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.messages.put(json.loads(out.read(length)))

    def send(self, method: str, params: dict, request: bool = True) -> int | None:
        message: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return message.get("id")

    def wait_for(self, match) -> dict:
        while True:
            message = self.messages.get(timeout=WAIT)
            if match(message):
                return message

    def request(self, method: str, params: dict) -> dict:
        rid = self.send(method, params)
        return self.wait_for(lambda m: m.get("id") == rid and "method" not in m)

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.send("exit", {}, request=False)
            self.proc.wait(timeout=WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def server(tmp_path: Path):
    policy = tmp_path / "policy"
    others = shutil.ignore_patterns(*(p.name for p in FEATURES.parent.glob("*.rules") if p != FEATURES))
    shutil.copytree(FEATURES.parent, policy, ignore=others)  # with the data files it reads (CSV tables)
    client = Client(tmp_path)
    reply = client.request("initialize", {"processId": None, "rootUri": policy.as_uri(), "capabilities": {}})
    assert reply["result"]["capabilities"]["hoverProvider"]
    client.send("initialized", {}, request=False)
    yield client, policy / "features.rules"
    client.close()


def _position(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def _at(uri: str, line: int, character: int) -> dict:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def test_diagnostic_hover_definition_and_completion_over_stdio(server):
    client, path = server
    uri = path.as_uri()
    text = FEATURES.read_text(encoding="utf-8").replace(
        "count(each j in jobs where j.good_job)", "count(each j in jobs where j.good_jobb)"
    )
    client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "visa-rules", "version": 1,
                                                           "text": text}}, request=False)  # fmt: skip
    published = client.wait_for(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    )
    (diag,) = published["params"]["diagnostics"]
    line, col = _position(text, "j.good_jobb")
    assert diag["range"]["start"] == {"line": line, "character": col}
    assert diag["range"]["end"] == {"line": line, "character": col + len("j.good_jobb")}
    assert "good_jobb" in diag["message"] and "good_job" in diag["message"]
    assert diag["severity"] == 1 and diag["source"] == "visa-rules"

    # hover on `rate` in `rate at j.start`: the parameter as written, with its dated values and sources
    line, col = _position(text, "rate at j.start", 1)
    reply = client.request("textDocument/hover", _at(uri, line, col))
    contents = reply["result"]["contents"]["value"]
    assert "parameter" in contents and "rate: money" in contents
    assert "$20.00 cites SR3.35" in contents and '$22.50 cites "facts.md"' in contents

    reply = client.request("textDocument/definition", _at(uri, line, col))
    declared, _ = _position(text, "parameter rate: money")
    assert reply["result"]["uri"] == uri and reply["result"]["range"]["start"]["line"] == declared

    # fixing the error clears the diagnostic
    change = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": FEATURES.read_text()}]}
    client.send("textDocument/didChange", change, request=False)
    cleared = client.wait_for(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    )
    assert cleared["params"]["diagnostics"] == []

    line, col = _position(text, "person.born", len("person."))
    reply = client.request("textDocument/completion", _at(uri, line, col))
    labels = {item["label"] for item in reply["result"]["items"]}
    assert {"born", "level", "nickname"} <= labels and "rate" not in labels
    reply = client.request("textDocument/completion", _at(uri, line, 0))
    labels = {item["label"] for item in reply["result"]["items"]}
    assert {"lodgement_date", "rate", "factor", "person.born", "good_job", "codes"} <= labels
