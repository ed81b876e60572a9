"""`main` reads a plain `decide` command line itself, without typer (`cli.decide.plain_args`): every
line it reads must mean what typer reads it to mean, every option typer declares for `decide` must
be read, and any other line must be left to typer. A plain JSON decision loads neither typer,
rich, pydantic nor a JSON Schema library (what made a cold start slow)."""

import subprocess
import sys
from pathlib import Path

import pytest
import typer

from visarules.cli import app as app_module
from visarules.cli import decide

ROOT = Path(__file__).resolve().parent.parent
CASE = "examples/smc-eligible.json"

PLAIN = [
    ["decide", CASE],
    ["--no-cache", "decide", CASE],
    ["decide", CASE, "--format", "json"],
    ["decide", "--format=json", CASE],
    ["decide", "-f", "text", CASE, "--engine", "python"],
    ["decide", CASE, "--engine=z3", "-p", "policy"],
    ["decide", CASE, "--policy", "some folder"],
    ["decide", "--policy=policy", "--format", "json", "--engine", "clingo", CASE],
]
NOT_PLAIN = [
    [],
    ["decide"],
    ["decide", "--help"],
    ["--help"],
    ["--version"],
    ["explain", CASE],
    ["decide", CASE, "other.json"],
    ["decide", CASE, "--format", "xml"],
    ["decide", CASE, "--format", "JSON"],
    ["decide", CASE, "--engine", "nope"],
    ["decide", CASE, "--format"],
    ["decide", CASE, "--format", "json", "--format", "text"],
    ["decide", CASE, "-fjson"],
    ["decide", CASE, "-f=json"],
    ["decide", CASE, "--form", "json"],
    ["decide", CASE, "--bogus"],
    ["decide", CASE, "--no-cache"],
    ["decide", "--", CASE],
    ["decide", "-"],
    ["decide", ""],
    ["decide", CASE, "--policy", ""],
    ["decide", CASE, "--policy", "-x"],
    ["dec", CASE],
]


def typer_reads(argv, monkeypatch):
    """What typer passes on for a command line: decide.run's arguments and whether the cache is bypassed."""
    seen = {"no_cache": False}
    monkeypatch.setattr(app_module, "bypass_cache", lambda: seen.update(no_cache=True))
    monkeypatch.setattr(decide, "run", lambda case_file, policy, format, engine: seen.update(
        case_file=case_file, policy=policy, format=format, engine=engine))  # fmt: skip
    app_module.app(list(argv), standalone_mode=False)
    return seen


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_a_plain_line_means_what_typer_reads(argv, monkeypatch):
    plain = decide.plain_args(list(argv))
    assert plain is not None
    assert plain == typer_reads(argv, monkeypatch)


@pytest.mark.parametrize("argv", NOT_PLAIN, ids=" ".join)
def test_any_other_line_is_left_to_typer(argv):
    assert decide.plain_args(list(argv)) is None


def test_every_option_typer_declares_for_decide_is_read():
    command = typer.main.get_command(app_module.app)
    params = command.commands["decide"].params
    options = [p for p in params if p.opts[0].startswith("-")]
    assert options
    for p in options:
        value = "json" if p.name == "format" else "python" if p.name == "engine" else "x"
        for opt in p.opts:
            argv = ["decide", CASE, opt, value]
            assert decide.plain_args(argv) is not None, f"{opt} is not read plainly"


def test_a_plain_json_decision_loads_no_typer_rich_pydantic_or_jsonschema():
    code = (
        "import sys\n"
        "from visarules.cli import main\n"
        f"sys.argv = ['visa-rules', 'decide', {CASE!r}, '--format', 'json']\n"
        "main()\n"
        "slow = ('typer', 'rich', 'pydantic', 'jsonschema', 'fastjsonschema', 'lark', 'z3')\n"
        "assert not [m for m in slow if m in sys.modules], [m for m in slow if m in sys.modules]\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert '"outcome": "eligible"' in run.stdout
