"""Issue 11: a fuzz test that stays. Hypothesis throws arbitrary JSON, mutated worked cases (values,
keys, bytes and encodings) and randomly edited policy files at visa-rules. Every input must end in
a decision or a user error (exit 0 or 2), never in any other exception (a traceback); and
whenever a case is decided, clingo, Z3 and the Python evaluator must decide it identically.

Most examples go through the library calls the commands make (the same code, without starting
a process or reloading the policy each time); `test_the_command_line_never_shows_a_traceback`
sends some through `main()` itself. Kept to tens of seconds.
"""

from __future__ import annotations

import copy
import json
import random
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_safety import cli

from visarules.dsl import PolicyError, UserError, parse_module
from visarules.dsl.check import check  # the function: `visarules.dsl.check` is also the package's name
from visarules.dsl.loader import read_source
from visarules.solver.backends import registry
from visarules.solver.case import load_case, parse_case_json

ROOT = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))


def decide_or_refuse(policy, raw: bytes) -> str:
    """What `visa-rules decide` does with a case file's bytes: an outcome every reading agrees on,
    or "refused" for a user error. Any other exception fails the test."""
    try:
        case = load_case(policy, parse_case_json(raw, "fuzz.json"), "fuzz.json")
    except UserError as e:
        assert e.render().startswith("fuzz.json")  # the message names the file
        return "refused"
    python = registry.verdict(policy, case, "python")
    for engine in registry.ENGINES:
        assert registry.verdict(policy, case, engine).comparable() == python.comparable(), engine
    return python.outcome


# ---------------------------------------------------------------- arbitrary JSON

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.sampled_from(["2024-05-01", "9999-12-31", "0001-01-01", "2024-02-30", "45.00", "-5", "$1,000.005", "smc"]),
)  # fmt: skip
JSON = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)  # fmt: skip


@FUZZ
@given(value=JSON)
def test_arbitrary_json_is_refused_cleanly(policy, value):
    assert decide_or_refuse(policy, json.dumps(value).encode()) == "refused" or isinstance(value, dict)


@FUZZ
@given(
    value=st.dictionaries(
        st.sampled_from(
            ["category", "lodgement_date", "applicant", "work", "employment", "partners", "about", "expect"]
        ),
        JSON,
        max_size=8,
    )
)
def test_arbitrary_values_under_the_real_keys_are_refused_cleanly(policy, value):  # fmt: skip
    decide_or_refuse(policy, json.dumps(value).encode())


# ---------------------------------------------------------------- mutations of the worked cases


class Raw:
    """A JSON token written as it is: NaN, Infinity, 1e400, a 400-digit number."""

    def __init__(self, text: str):
        self.text = text


HOSTILE = [2**31, 2**31 - 1, -1, -(2**31) - 1, 10**30, 0, 168, 169, Decimal("45.005"), Decimal("-0.01"),
           Raw("1e400"), Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("9" * 500), Raw("1.5e2"),
           "9999-12-31", "0001-01-01", "2100-12-31", "1899-12-31", "2024-02-29", "2023-02-29", "", "\ud800",
           "\x00", "x" * 300, "$10,000.01", "10000", "$0", "-0", True, None, [], {}, [[[[[[]]]]]]]  # fmt: skip


def to_text(value) -> str:
    """JSON text, with Raw tokens and Decimals written as themselves."""
    tokens: dict[str, str] = {}

    def default(x):
        if isinstance(x, (Raw, Decimal)):
            key = f"@@raw{len(tokens)}@@"
            tokens[key] = x.text if isinstance(x, Raw) else str(x)
            return key
        raise TypeError(type(x).__name__)

    text = json.dumps(value, default=default)
    for key, token in tokens.items():
        text = text.replace(json.dumps(key), token)
    return text


def _paths(x, prefix=()):
    """Every place in a JSON value (as a path of keys and indexes), the root excluded."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_case_bytes(draw, seeds) -> bytes:
    data = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        op = draw(st.sampled_from(["hostile", "hostile", "hostile", "json", "delete", "extra key", "copies", "nest"]))
        if op == "hostile":
            parent[key] = draw(st.sampled_from(HOSTILE))
        elif op == "json":
            parent[key] = draw(JSON)
        elif op == "delete":
            del parent[key]
        elif op == "extra key" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(_SCALARS)
        elif op == "copies" and isinstance(parent[key], list) and parent[key]:
            parent[key] = parent[key] * draw(st.sampled_from([2, 51, 300]))
        elif op == "nest":
            parent[key] = json.loads("[" * 40 + "1" + "]" * 40)
    raw = to_text(data).encode("utf-8", "surrogatepass")
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["bom", "latin-1", "utf-16", "cut", "byte"]))
    if encoding == "bom":
        return b"\xef\xbb\xbf" + raw
    if encoding in ("latin-1", "utf-16"):
        return raw.decode("utf-8", "surrogatepass").encode(encoding, "replace")
    if encoding == "cut":
        return raw[: draw(st.integers(0, len(raw)))]
    if encoding == "byte":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at:]
    return raw


@FUZZ
@given(data=st.data())
def test_mutated_worked_cases_are_decided_alike_or_refused(policy, seed_cases, data):
    decide_or_refuse(policy, data.draw(mutated_case_bytes(seed_cases)))


# ---------------------------------------------------------------- random edits of the policy files


@pytest.fixture(scope="module")
def policy_files() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted((ROOT / "policy").rglob("*.rules"))}


_EDITS = ["delete a line", "duplicate a line", "swap two lines", "delete a character", "insert a character",
          "change a number", "flip a comparison"]  # fmt: skip


def edit(text: str, how: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    if how == "delete a line":
        return "".join(lines[:i] + lines[i + 1 :])
    if how == "duplicate a line":
        return "".join(lines[: i + 1] + lines[i:])
    if how == "swap two lines":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines)
    at = rng.randrange(len(text))
    if how == "delete a character":
        return text[:at] + text[at + 1 :]
    if how == "insert a character":
        return text[:at] + rng.choice('{}()"#:.,$-*<>=0123456789 \nabz_é\ud800') + text[at:]
    digits = [k for k, ch in enumerate(text) if ch.isdigit()]
    if how == "change a number" and digits:
        k = rng.choice(digits)
        return text[:k] + rng.choice("0123456789") * rng.choice([1, 1, 12]) + text[k + 1 :]
    for old, new in (("<=", ">="), (">=", "<"), ("and", "or"), ("..", "."), ("cites", "cite")):
        if old in text:
            return text.replace(old, new, 1)
    return text


def as_read(folder: Path, name: str, text: str) -> str:
    """The edited text written to a file and read back as the loader reads a policy file."""
    path = folder / "edited.rules"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return read_source(path, name)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1), edits=st.lists(st.sampled_from(_EDITS), min_size=1, max_size=3))
def test_randomly_edited_policies_check_or_are_refused_and_still_agree(policy_files, seed_cases, seed, edits):
    rng = random.Random(seed)
    sources = dict(policy_files)
    for how in edits:
        name = rng.choice(sorted(sources))
        sources[name] = edit(sources[name], how, rng)
    try:
        with tempfile.TemporaryDirectory() as folder:  # as a file holds it: a lone surrogate is bytes not UTF-8
            sources = {name: as_read(Path(folder), name, text) for name, text in sources.items()}
        modules = [parse_module(text, name) for name, text in sources.items()]
        edited = check(modules, sources)
    except PolicyError as e:
        rendered = e.render()  # positioned, with the source line: it must render
        assert rendered and all(d.span.file in sources or d.span.line == 0 for d in e.diagnostics)
        return
    for case in rng.sample(seed_cases, 3):
        decide_or_refuse(edited, json.dumps(case).encode())


# ---------------------------------------------------------------- the command line itself


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_command_line_never_shows_a_traceback(seed_cases, data):
    raw = data.draw(mutated_case_bytes(seed_cases))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.json"
        path.write_bytes(raw)
        commands = [["decide", path], ["decide", path, "--format", "json"], ["explain", path, "--why-not"],
                    ["decide", path, "--engine", "z3"]]  # fmt: skip
        command = data.draw(st.sampled_from(commands))
        code, _, err = cli(*command)
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith(str(path)), err
