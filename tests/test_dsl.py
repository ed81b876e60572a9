"""The policy language: good files check clean; each bad file gives the diagnostic it names,
at the line and column it names (`# expect: LINE:COL: message` on its first line)."""

import re
import shutil
from pathlib import Path

import pytest

from visarules.dsl import PolicyError, load_policy
from visarules.dsl.parse import parse_module

HERE = Path(__file__).parent / "dsl"
BAD = sorted((HERE / "bad").glob("*.rules"))
GOOD = sorted((HERE / "good").glob("*.rules"))


def test_there_are_bad_and_good_examples():
    assert len(BAD) >= 15 and GOOD


def _load_single(tmp_path, file: Path):
    shutil.copy(file, tmp_path / file.name)
    if (file.parent / "data").is_dir():  # the CSV files tables read, beside the policy file
        shutil.copytree(file.parent / "data", tmp_path / "data")
    return load_policy(tmp_path)


@pytest.mark.parametrize("file", GOOD, ids=lambda p: p.stem)
def test_good_policy_checks_clean(tmp_path, file):
    policy = _load_single(tmp_path, file)
    assert policy.rules


@pytest.mark.parametrize("file", BAD, ids=lambda p: p.stem)
def test_bad_policy_reports_position_and_message(tmp_path, file):
    expect = re.match(r"# expect: (\d+):(\d+): (.*)", file.read_text().splitlines()[0])
    assert expect, f"{file.name} must start with '# expect: LINE:COL: message'"
    line, col, message = int(expect[1]), int(expect[2]), expect[3]
    with pytest.raises(PolicyError) as info:
        _load_single(tmp_path, file)
    found = [(d.span.line, d.span.column, d.message) for d in info.value.diagnostics]
    assert any(ln == line and c == col and message in m for ln, c, m in found), found
    # the rendering a user sees: file:line:col, the source line, and a caret under the column
    text = info.value.render()
    assert f"{file.name}:{line}:{col}:" in text
    source_line = file.read_text().splitlines()[line - 1]
    rendered = text.splitlines()
    at = next(i for i, r in enumerate(rendered) if r.endswith(source_line.expandtabs(1)) and "|" in r)
    caret_line = rendered[at + 1]
    gutter = rendered[at].index("|") + 2
    assert caret_line.index("^") - gutter == col - 1


def test_all_errors_are_reported_together(tmp_path):
    text = (HERE / "good" / "minimal.rules").read_text()
    text = text.replace("hours >= 30", "hours >= 30 and hurs > 1").replace('{needed}"', '{neded}"', 1)
    text += '\nrule r.x "X" {\n  stage 1\n  require pay >= $1\n  met: "a"\n  not met: "b"\n}\n'
    (tmp_path / "p.rules").write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path)
    messages = [d.message for d in info.value.diagnostics]
    assert any("unknown name 'hurs'" in m for m in messages)
    assert any("unknown name 'neded'" in m for m in messages)
    assert any("cites no source" in m for m in messages)
    assert "3 errors in the policy." in info.value.render()


def test_every_ast_node_carries_a_position():
    module = parse_module((HERE / "good" / "minimal.rules").read_text(), "m.rules")
    rule = next(d for d in module.decls if type(d).__name__ == "RuleDecl")
    assert (rule.span.line, rule.span.column) == (14, 1)
    effect = rule.effects[0]
    assert (effect.span.line, effect.span.column) == (20, 3)
    # the comparison's right-hand side `1.5 * needed`
    assert (effect.expr.left.right.span.line, effect.expr.left.right.span.column) == (20, 18)
    # a placeholder inside a reason text points into the string
    placeholder = rule.texts[0].parts[0]
    assert (placeholder.span.line, placeholder.span.column) == (21, 10)


def test_decimal_factor_is_scaled_not_rounded(tmp_path):
    """pay >= 1.5 * median compares 2 * pay >= 3 * median in whole cents: no rounding at all."""
    from visarules.dsl import ir

    policy = _load_single(tmp_path, HERE / "good" / "minimal.rules")
    cond = policy.rules[0].expr.left
    assert isinstance(cond.left, ir.Scale) and cond.left.factor == 2
    assert isinstance(cond.right, ir.Scale) and cond.right.factor == 3


def test_shipped_policy_checks_clean():
    policy = load_policy(Path(__file__).resolve().parent.parent / "policy")
    assert all(r.cites for r in policy.rules)
    assert policy.versions
