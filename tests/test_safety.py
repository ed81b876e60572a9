"""Issue 11: bad input never crashes visa-rules, and nonsense is never decided.

A corpus of hostile inputs is kept under tests/hostile/: case files (`cases/`, with the exit code
and the message each gets in `cases.json`) and broken copies of the shipped policy (the edits and
the message each gets in `policies.json`). Each is run through the command line in-process
(`main()`, exactly as the `visa-rules` script runs it): a traceback would fail the test, as would
any other exit code or message. The command line's own behaviour (a closed pipe, option values)
is tested in subprocesses, as a user meets it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from visarules.cli import main

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "hostile"
CASES = json.loads((HOSTILE / "cases.json").read_text(encoding="utf-8"))
POLICIES = json.loads((HOSTILE / "policies.json").read_text(encoding="utf-8"))
EXAMPLE = ROOT / "examples" / "smc-eligible.json"


def cli(*args) -> tuple[int, str, str]:
    """`visa-rules ARGS` in this process: (exit code, stdout, stderr). Anything but a clean exit
    (an exception escaping `main`) fails the calling test with its traceback."""
    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["visa-rules", *map(str, args)]
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "2000"  # usage errors are drawn in a box as wide as this: no wrapping mid-path
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = argv
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return code, out.getvalue(), err.getvalue()


def plain(text: str) -> str:
    """A usage error as words: typer draws it in a box and wraps it to the terminal's width."""
    return " ".join(text.replace("│", " ").split())


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "visarules", *map(str, args)], capture_output=True, text=True, **kwargs
    )


# ---------------------------------------------------------------- the corpus of case files


def test_the_corpus_holds_every_case_file_and_only_those():
    assert set(CASES) == {p.name for p in (HOSTILE / "cases").iterdir()}
    assert len(CASES) >= 50


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_case_file_gets_its_message(name):
    expected = CASES[name]
    path = HOSTILE / "cases" / name
    code, out, err = cli("decide", path, "--format", "json")
    assert "Traceback" not in err
    assert code == expected["exit"], err
    if code == 0:
        assert json.loads(out)["outcome"] == expected["outcome"]
        return
    at = f":{expected['at']}" if "at" in expected else ""
    assert err.startswith(f"{path}{at}: the case file is not valid:\n"), err
    assert f"  - {expected['message']}" in err.splitlines()


def test_money_as_a_json_number_is_exact_cents():
    code, out, _ = cli("decide", HOSTILE / "cases" / "money-number-exact.json", "--format", "json")
    assert code == 0
    texts = [r["text"] for r in json.loads(out)["reasons"] if r["rule"] == "smc.employment.pay"]
    assert texts and "$65.10" in texts[0]


def test_the_pay_that_wrapped_at_32_bits_is_refused_by_every_reading():
    """Schema-valid before the bounds: not_eligible under clingo, eligible under Python and Z3."""
    for engine in ("clingo", "python", "z3"):
        code, _, err = cli("decide", HOSTILE / "cases" / "pay-15-million-an-hour.json", "--engine", engine)
        assert code == 2 and "work[0].pay_per_hour: $15,000,000.00 is above the highest value" in err


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    from visarules.solver.case import MAX_CASE_BYTES

    path = tmp_path / "big.json"
    path.write_text('{"about": "' + "x" * MAX_CASE_BYTES + '"}')
    code, _, err = cli("decide", path)
    assert code == 2 and f"larger than {MAX_CASE_BYTES:,} bytes" in err


def test_a_folder_or_a_missing_file_is_named(tmp_path):
    code, _, err = cli("decide", tmp_path)
    assert code == 2 and f"{tmp_path}: the case file is not valid:\n  - this is a folder, not a case file" in err
    code, _, err = cli("decide", tmp_path / "nothing.json")
    assert code == 2 and "nothing.json: the case file is not valid:\n  - cannot read the file: No such file" in err


def test_every_problem_is_listed_but_a_flood_is_cut_short():
    code, _, err = cli("decide", HOSTILE / "cases" / "many-problems.json")
    assert code == 2
    problems = [line for line in err.splitlines() if line.startswith("  - ")]
    assert len(problems) == 51 and problems[-1].startswith("  - … and ") and problems[-1].endswith("more problems")


# ---------------------------------------------------------------- the corpus of broken policies


def broken_policy(spec: dict, tmp: Path) -> Path:
    """A copy of the shipped policy with the edits of a corpus entry made to it."""
    folder = tmp / "policy"
    shutil.copytree(ROOT / "policy", folder)
    for edit in spec["edits"]:
        path = folder / edit["file"]
        if edit.get("mkdir"):
            path.mkdir()
            continue
        if "write" in edit:
            piece, times = edit.get("repeat", ["", 0])
            path.write_text(edit["write"].replace("@@", piece * times), encoding="utf-8")
            continue
        text = path.read_text(encoding="utf-8")
        if "find" in edit:
            assert edit["find"] in text, f"{spec['name']}: the corpus edit no longer applies to {edit['file']}"
            text = text.replace(edit["find"], edit["replace"], 1)
        text += edit.get("append", "")
        for old, new in edit.get("replace_chars", {}).items():
            text = text.replace(old, new)
        path.write_bytes(text.encode(edit.get("encoding", "utf-8")))
    return folder


@pytest.mark.parametrize("spec", POLICIES, ids=[p["name"] for p in POLICIES])
def test_a_broken_policy_gets_its_message(spec, tmp_path):
    folder = broken_policy(spec, tmp_path)
    code, out, err = cli("check", folder)
    assert "Traceback" not in err
    assert code == spec["exit"], err
    if code == 0:
        assert out.startswith("ok: ")
        return
    first = err.replace(f"{folder}/", "").splitlines()[0]
    if "at" not in spec:
        assert first == spec["message"], err
        return
    # file:line:col: the line is found again by the text there, so that edits elsewhere in the policy don't matter
    where, _, message = first.partition(": error: ")
    file, line, column = where.rsplit(":", 2)
    assert (file, message) == (spec["at"]["file"], spec["message"]), err
    source = (folder / file).read_bytes().decode("utf-8", "replace").splitlines()
    assert source[int(line) - 1][int(column) - 1 :].startswith(spec["at"]["text"]), err


def test_an_overflow_is_named_where_it_is_written(tmp_path):
    spec = next(p for p in POLICIES if p["name"] == "pay-up-to-15-million")
    folder = broken_policy(spec, tmp_path)
    code, _, err = cli("check", folder)
    assert code == 2
    found = re.search(
        r"smc/employment.rules:(\d+):(\d+): error: 2 × employment_hourly_pay can reach "
        r"\$30,076,923.06 \(3,007,692,306 in cents\) for some case",
        err,
    )
    assert found, err
    line = (folder / "smc" / "employment.rules").read_text().splitlines()[int(found[1]) - 1]
    assert line[int(found[2]) - 1 :] == "employment_hourly_pay >= 1.5 * favourable_median"
    assert "clingo would decide such a case wrongly" in err
    assert (
        "hint: declare narrower ranges on the inputs it reads (employment.pay_per_hour is $0.00..$15,000,000.00;" in err
    )
    assert f"{found[1]:>4} | {line}" in err  # the source line, then a caret under the expression


def test_decide_with_a_broken_policy_exits_2(tmp_path):
    spec = next(p for p in POLICIES if p["name"] == "latin-1-file")
    code, _, err = cli("decide", EXAMPLE, "--policy", broken_policy(spec, tmp_path))
    assert code == 2 and "smc/income.rules:" in err and "is not UTF-8 text (byte 0xE9)" in err


# ---------------------------------------------------------------- the command line as a user meets it


def test_a_closed_pipe_exits_0_quietly():
    """`visa-rules decide … | head -1`: the reader stops early; that is no error."""
    shell = f"{sys.executable} -m visarules explain {EXAMPLE} --format markdown | head -1; exit ${{PIPESTATUS[0]}}"
    r = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and len(r.stdout.splitlines()) == 1


def test_output_to_a_closed_pipe_from_every_text_command():
    for args in (["decide", EXAMPLE], ["schema"], ["asp"]):
        cmd = " ".join(map(str, [sys.executable, "-m", "visarules", *args]))
        r = subprocess.run(
            ["bash", "-c", f"{cmd} | head -c 10 > /dev/null; exit ${{PIPESTATUS[0]}}"], capture_output=True, text=True
        )
        assert r.returncode == 0 and r.stderr == "", (args, r.stderr)


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_prove_timeout_must_be_above_zero(value):
    code, _, err = cli("prove", "--timeout", value, "--only", "nothing")
    assert code == 2 and f"Invalid value for '--timeout': {value} is not a time limit" in plain(err)


def test_diff_timeout_must_be_above_zero():
    code, _, err = cli("diff", ROOT / "policy", ROOT / "policy", "--timeout", "-1")
    assert code == 2 and "give a number of seconds above 0" in plain(err)


def test_prove_out_must_be_writable_before_work_starts(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    code, _, err = cli("prove", "--out", a_file / "inside", "--only", "smc.age_limit")
    assert code == 2 and f"Invalid value for '--out': {a_file / 'inside'}: {a_file} is not a folder" in plain(err)
    code, _, err = cli("prove", "--smtlib", a_file, "--only", "smc.age_limit")
    assert code == 2 and f"Invalid value for '--smtlib': {a_file}: {a_file} is not a folder" in plain(err)


def test_prove_out_in_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere: a read-only mount is then the only refusal
            probe = Path("/proc/visa-rules-cannot-write-here")
            code, _, err = cli("prove", "--out", probe, "--only", "smc.age_limit")
        else:
            code, _, err = cli("prove", "--out", locked / "cx", "--only", "smc.age_limit")
        assert code == 2 and "cannot write in" in plain(err)
    finally:
        locked.chmod(0o700)


def test_no_traceback_for_an_unreadable_proofs_file(tmp_path):
    proofs = tmp_path / "proofs"
    proofs.mkdir()
    (proofs / "p.props").write_bytes('property a.b "é" { cites SR3.10 forall case: true }'.encode("latin-1"))
    code, _, err = cli("prove", "--proofs", proofs, "--only", "a.b")
    assert code == 2 and "p.props:1:" in err and "not UTF-8 text" in err


def test_fmt_names_a_file_that_is_not_utf_8_and_accepts_a_bom(tmp_path):
    latin = tmp_path / "latin.rules"
    latin.write_bytes('policy "x"\n# café\n'.encode("latin-1"))
    code, _, err = cli("fmt", "--check", latin)
    assert code == 2 and "latin.rules:2:6" in err and "not UTF-8 text (byte 0xE9)" in err
    bom = tmp_path / "bom.rules"
    bom.write_bytes(b'\xef\xbb\xbfpolicy "x"\n')
    assert cli("fmt", "--check", bom)[0] == 0


@pytest.mark.parametrize(
    "name, raw, message",
    [
        ("utf16.yaml", "expect: {}".encode("utf-16"), "not UTF-8 text"),
        ("latin.json", b'{"about": "\xe9"}', "not UTF-8 text"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
    ],
)
def test_a_case_test_file_that_cannot_be_read_is_named(tmp_path, name, raw, message):
    path = tmp_path / name
    path.write_bytes(raw)
    code, out, _ = cli("test", path)  # the report of case tests, errors included, is the output
    assert code == 2 and f"{name}: the case test is not valid" in out and message in out


@pytest.mark.parametrize("option", ["--output", "--coverage-json"])
def test_case_test_output_must_be_writable_before_work_starts(tmp_path, option):
    code, _, err = cli("test", ROOT / "tests" / "cases", option, tmp_path / "missing" / "report.xml")
    assert code == 2 and "no such folder" in plain(err)
    code, _, err = cli("test", ROOT / "tests" / "cases", option, tmp_path)
    assert code == 2 and "is a folder; give a file name" in plain(err)
