"""The on-disk cache of checked policies (and Lark's tables): a hit is the same policy, every file
under the policy folder is part of the key, a corrupt entry is rebuilt, the cache can be bypassed."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from same_ir import same

from visarules.dsl import PolicyError, load_policy
from visarules.dsl.loader import NO_CACHE_ENV, cache_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache(tmp_path, monkeypatch):
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    return home / "visa-rules"


@pytest.fixture
def policy_copy(tmp_path):
    folder = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "policy").glob("*.pickle"))


def test_the_cache_follows_xdg_cache_home(cache):
    assert cache_dir() == cache


def test_a_cached_policy_is_the_policy_checked_afresh(cache, policy_copy):
    fresh = load_policy(policy_copy, cache=False)
    assert entries(cache) == []
    first = load_policy(policy_copy)  # a miss: checked, then stored
    assert len(entries(cache)) == 1
    again = load_policy(policy_copy)  # a hit
    assert same(again, fresh) and same(fresh, first)
    assert again is not first
    assert [r.id for r in again.rules] == [r.id for r in fresh.rules]


def test_every_file_under_the_folder_is_part_of_the_key(cache, policy_copy):
    load_policy(policy_copy)
    (policy_copy / "data").mkdir(exist_ok=True)  # the shipped policy has data/anzsco.csv
    (policy_copy / "data" / "unread.csv").write_text("code,title\n111111,Chief Executive\n")  # read by no rule
    load_policy(policy_copy)
    assert len(entries(cache)) == 2  # a new file, a new entry
    rules = policy_copy / "parameters.rules"
    rules.write_text(rules.read_text() + "\n# a comment changes nothing the rules say, but the key\n")
    load_policy(policy_copy)
    assert len(entries(cache)) == 3


def test_a_changed_rule_is_read_from_the_new_text(cache, policy_copy):
    before = load_policy(policy_copy)
    overall = policy_copy / "smc" / "overall.rules"
    overall.write_text(overall.read_text().replace('"No false or misleading information in the EOI"', '"Changed"'))
    after = load_policy(policy_copy)
    assert before.rule_by_id["smc.false_eoi"].title != "Changed"
    assert after.rule_by_id["smc.false_eoi"].title == "Changed"
    assert not same(before, after)  # the comparison the other tests use sees a change that deep


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05K\x01."])  # empty, junk, a pickled 1
def test_a_corrupt_entry_is_ignored_and_rebuilt(cache, policy_copy, garbage):
    expected = load_policy(policy_copy)
    (entry,) = entries(cache)
    entry.write_bytes(garbage)
    assert same(load_policy(policy_copy), expected)
    assert entry.read_bytes() != garbage  # written again, whole


def test_the_cache_can_be_bypassed(cache, policy_copy, monkeypatch):
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    load_policy(policy_copy)
    assert not cache.exists()


def test_a_policy_with_errors_is_never_cached(cache, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.rules").write_text((ROOT / "tests" / "dsl" / "bad" / "unknown_name.rules").read_text())
    for _ in range(2):  # and the second load reports it as the first did
        with pytest.raises(PolicyError):
            load_policy(bad)
    assert entries(cache) == []


def test_lark_keeps_its_tables_in_the_cache(cache):
    code = "from visarules.dsl.parse import parse_expression; parse_expression('1 + 2')"
    env = {"XDG_CACHE_HOME": str(cache.parent), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert (cache / "lark").is_dir()
    assert any((cache / "lark").iterdir())


def test_the_cli_takes_no_cache(cache, policy_copy):
    run = subprocess.run(
        [sys.executable, "-m", "visarules", "--no-cache", "check", str(policy_copy)],
        capture_output=True, text=True, cwd=ROOT, env={"XDG_CACHE_HOME": str(cache.parent), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert not (cache / "policy").exists()


def test_the_asp_program_is_cached_per_category_and_a_damaged_one_emitted_again(cache, policy_copy, monkeypatch):
    """The one-case ASP program of each category is kept beside the checked policy; a damaged file
    is emitted again (its digest no longer fits), and the decision is the same from all three."""
    from visarules.solver.backends.asp import solve
    from visarules.solver.case import load_case, read_case_file

    def decide(name: str):
        policy = load_policy(policy_copy)  # a new policy object: nothing of it is cached in this process
        return solve(policy, load_case(policy, read_case_file(ROOT / "examples" / name)))

    fresh = decide("smc-eligible.json")
    assert len(list((cache / "asp").glob("*.lp"))) == 1
    assert decide("wtr-minimal.json")
    programs = sorted((cache / "asp").glob("*.lp"))
    assert len(programs) == 2  # one per category
    assert decide("smc-eligible.json") == fresh  # from the cache
    for path in programs:
        path.write_bytes(path.read_bytes().replace(b"in_force", b"in_farce", 1))
    assert decide("smc-eligible.json") == fresh  # the damaged file was emitted again
    assert sorted((cache / "asp").glob("*.lp")) == programs
    assert sum(b"in_farce" in path.read_bytes() for path in programs) == 1  # the SMC one is whole again
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    shutil.rmtree(cache)
    assert decide("smc-eligible.json") == fresh
    assert not cache.exists()
