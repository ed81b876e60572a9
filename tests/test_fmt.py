"""The formatter: one canonical layout, comments kept, idempotent, and never a change of meaning."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from same_ir import same

import visarules.dsl.format as fmt
from visarules.dsl import load_policy, load_proofs
from visarules.dsl.format import FormatterGap, format_source
from visarules.dsl.parse import parse_concrete

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "policy").rglob("*.rules")) + sorted((ROOT / "proofs").glob("*.props"))
GOOD = sorted((ROOT / "tests" / "dsl" / "good").glob("*.rules")) + sorted(
    p for folder in ("good", "refuted") for p in (ROOT / "tests" / "proofs" / folder).glob("*.props")
)


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "visarules", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def _without_positions(policy):
    """The IR less where things were written (which formatting moves)."""
    return dataclasses.replace(policy, rules=tuple(dataclasses.replace(r, span=None) for r in policy.rules))


def _format_folder(src: Path, dst: Path, pattern: str) -> None:
    shutil.copytree(src, dst)
    for f in dst.rglob(pattern):
        f.write_text(format_source(f.read_text(encoding="utf-8"), str(f)), encoding="utf-8")


@pytest.mark.parametrize("path", SHIPPED + GOOD, ids=lambda p: str(p.relative_to(ROOT)))
def test_formatting_is_idempotent_and_keeps_every_comment(path: Path):
    text = path.read_text(encoding="utf-8")
    once = format_source(text, path.name)
    assert format_source(once, path.name) == once
    _, before = parse_concrete(text, path.name)
    _, after = parse_concrete(once, path.name)
    assert [str(c).rstrip() for c in before] == [str(c).rstrip() for c in after]


def test_the_shipped_policy_and_proofs_are_formatted():
    """CI runs `visa-rules fmt --check policy proofs`; this is the same check, in-process."""
    unformatted = [str(p.relative_to(ROOT)) for p in SHIPPED if format_source(p.read_text(), p.name) != p.read_text()]
    assert not unformatted, f"run `visa-rules fmt policy proofs`: {unformatted}"


def test_formatting_the_policy_and_proofs_keeps_the_ir(tmp_path: Path):
    _format_folder(ROOT / "policy", tmp_path / "policy", "*.rules")
    _format_folder(ROOT / "proofs", tmp_path / "proofs", "*.props")
    original = load_proofs(ROOT / "policy", ROOT / "proofs")
    formatted = load_proofs(tmp_path / "policy", tmp_path / "proofs")
    assert same(_without_positions(formatted.policy), _without_positions(original.policy))
    strip = [dataclasses.replace(p, span=None) for p in original.properties]
    assert [dataclasses.replace(p, span=None) for p in formatted.properties] == strip


@pytest.mark.parametrize("name", [p.name for p in (ROOT / "tests" / "dsl" / "good").glob("*.rules")])
def test_formatting_a_test_policy_keeps_its_ir(tmp_path: Path, name: str):
    good = ROOT / "tests" / "dsl" / "good"
    others = shutil.ignore_patterns(*(p.name for p in good.glob("*.rules") if p.name != name))
    for side in ("a", "b"):  # the policy on its own, with the data files it reads (CSV tables)
        shutil.copytree(good, tmp_path / side, ignore=others)
    (tmp_path / "b" / name).write_text(format_source((good / name).read_text(), name))
    assert same(_without_positions(load_policy(tmp_path / "b")), _without_positions(load_policy(tmp_path / "a")))


MESSY = """\
# header comment


policy   "x"   # trailing on policy
version "v1" from 2023-10-09 cites SR3.10
enum Category {smc "SMC",wtr "WTR"}
record Job { start: date  end: optional   date last   day  hours: integer }
parameter rate: money {
    from 2023-01-01: $20.00 cites SR3.35   # first

    # the second value
  from 2024-01-01: $22.50 cites "facts.md" }
define age = years( lodgement_date-person.born )
define n = count( each j in jobs where j.hours>=30 )
define neg = -(-(rate at lodgement_date))
define long_one = age >= 30
         and (n > 1   # more than one
   or age < 20)
   "doc here"
rule f.stop "Stops" {

  stage 1
      # a comment before cites
  cites SR3.5, SOP "Test" step 1(a),
        inferred "x"
  stop when age>=30 and codes[ 1 ].tier == 2
  stopped : "at {age}"
  not   met: "x"
  # before the brace
}
# trailing file comment
"""

CANONICAL = """\
# header comment

policy "x"  # trailing on policy
version "v1" from 2023-10-09 cites SR3.10
enum Category { smc "SMC", wtr "WTR" }
record Job { start: date  end: optional date last day  hours: integer }
parameter rate: money {
  from 2023-01-01: $20.00 cites SR3.35  # first

  # the second value
  from 2024-01-01: $22.50 cites "facts.md"
}
define age = years(lodgement_date - person.born)
define n = count(each j in jobs where j.hours >= 30)
define neg = -(-(rate at lodgement_date))
define long_one = age >= 30
  and (n > 1  # more than one
       or age < 20)
  "doc here"
rule f.stop "Stops" {
  stage 1
  # a comment before cites
  cites SR3.5, SOP "Test" step 1(a),
    inferred "x"
  stop when age >= 30 and codes[1].tier == 2
  stopped: "at {age}"
  not met: "x"
  # before the brace
}
# trailing file comment
"""


def test_the_canonical_layout():
    """Spacing, one member per line in a block written over lines, one-line blocks kept, at most one
    blank line, continuation lines indented from the member or inside the open parenthesis,
    comments where they were."""
    assert format_source(MESSY, "messy.rules") == CANONICAL
    assert format_source(CANONICAL, "messy.rules") == CANONICAL


def test_a_block_written_on_one_line_gets_one_member_per_line_when_split():
    text = 'sop s "S" published 2023-09-25 source "002:1" { step 1 "one"\n step 2 "two" input checks.identity }\n'
    assert format_source(text) == (
        'sop s "S" published 2023-09-25 source "002:1" {\n  step 1 "one"\n  step 2 "two" input checks.identity\n}\n'
    )


def test_a_construct_the_formatter_does_not_know_is_named(monkeypatch):
    monkeypatch.setattr(fmt, "KNOWN_CONSTRUCTS", fmt.KNOWN_CONSTRUCTS - {"in_table"})
    with pytest.raises(FormatterGap, match=r"x\.rules:1: the formatter has no layout for 'in_table'"):
        format_source("define listed = job_code in occupations\n", "x.rules")


def test_fmt_check_diff_and_write(tmp_path: Path):
    messy = tmp_path / "messy.rules"
    messy.write_text(MESSY)
    r = run("fmt", "--check", tmp_path)
    assert r.returncode == 1 and "would reformat" in r.stderr and messy.read_text() == MESSY
    r = run("fmt", "--diff", messy)
    assert r.returncode == 1 and '+policy "x"  # trailing on policy' in r.stdout
    r = run("fmt", tmp_path)
    assert r.returncode == 0, r.stderr
    assert messy.read_text() == CANONICAL
    assert run("fmt", "--check", tmp_path).returncode == 0


def test_fmt_reports_a_syntax_error_with_its_position(tmp_path: Path):
    bad = tmp_path / "bad.rules"
    bad.write_text('version "v1" from 2023-10-09 cites SR3.10\nrule x "y" { stage 1 }\n')
    r = run("fmt", "--check", bad, cwd=tmp_path)
    assert r.returncode == 2
    assert "bad.rules:2:6: error" in r.stderr and "^" in r.stderr and "Traceback" not in r.stderr
    assert bad.read_text().startswith('version "v1"')
