"""What CI systems and editors read besides the language server: `check --format json` (file,
line, column, message, hint for annotations) and `--version`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "dsl" / "bad"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "visarules", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_check_json_lists_every_diagnostic_with_its_position(tmp_path: Path):
    folder = tmp_path / "policy"
    folder.mkdir()
    shutil.copy(BAD / "unknown_name.rules", folder / "unknown_name.rules")
    r = run("check", folder, "--format", "json", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr == ""
    data = json.loads(r.stdout)
    assert data["ok"] is False and data["diagnostics"]
    first = data["diagnostics"][0]
    assert set(first) == {"file", "line", "column", "end_line", "end_column", "severity", "message", "hint"}
    assert first["file"] == "policy/unknown_name.rules" and first["severity"] == "error"
    source_line = (folder / "unknown_name.rules").read_text().splitlines()[first["line"] - 1]
    assert "unknown name" in first["message"]
    name = first["message"].split("'")[1]
    assert source_line[first["column"] - 1 :].startswith(name)
    assert first["end_column"] - first["column"] == len(name)


def test_check_json_on_a_good_policy():
    r = run("check", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["ok"] is True and data["diagnostics"] == [] and data["policy"]["rules"] > 0


def test_version():
    from visarules import __version__

    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"visa-rules {__version__}"
