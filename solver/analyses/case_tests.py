"""Case tests kept as data: JSON or YAML files of cases, each with what it should decide to.

A file holds one case (an object) or several (a list). Each case is a case file (the policy's
inputs, plus `about`) with an `expect` object; every key of `expect` is optional and each one given
is checked:

    outcome         eligible | concerns | not_eligible
    category        the category the case was decided under
    version         the instruction version's name (or the date it is in force from)
    points          the total (a number), or per category ({income: 6}: the categories given)
    effects         {rule id: result}: any result of the rule (met, not_met, raised, …),
                    or not_assessed, not_applicable, not_in_force
    met, not_met, raised, clear, stopped, passed, awarded, deferred, included
                    lists of rule ids with that result (the same as `effects`, shorter to write)
    not_assessed    every rule skipped after a stop (the whole list)
    not_applicable  every rule whose `applies when` does not hold (the whole list)
    reasons         {rule id: phrase or [phrases]}: the rule's reason text contains each phrase
                    (ignoring case and runs of spaces)

Under `complete` (this repository's worked cases) every case test states the whole decision: an
`about`, the outcome, the points of every category and at least one effect; and `not_assessed`
left out means that no rule was skipped.

Problems with a case test itself (a bad file, an unknown rule id, a case that does not fit the
policy) are errors, reported with the file and line; a decision that differs from the expectation
is a failure, reported expected against actual with the reason lines concerned.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ...dsl import ir
from ...dsl.diagnostics import CaseError, UserError, closest
from ..backends.registry import verdicts
from ..case import CaseData, load_case
from ..decision import Decision, build_decision, decide

__all__ = [
    "CASE_TEST_SUFFIXES",
    "CaseTest",
    "CaseTestError",
    "CaseResult",
    "Expectation",
    "Mismatch",
    "load_case_tests",
    "find_case_test_files",
    "run_case_test",
    "run_case_tests",
    "compare",
    "junit_xml",
    "results_json",
]

CASE_TEST_SUFFIXES = (".json", ".yaml", ".yml")
RESULTS = tuple(r for results in ir.EFFECT_OUTCOMES.values() for r in results)  # met, not_met, … awarded, …
STATES = ("not_assessed", "not_applicable", "not_in_force")
OUTCOMES = ir.DECISION_OUTCOMES
EXPECT_KEYS = (
    "outcome",
    "category",
    "version",
    "points",
    "effects",
    "not_assessed",
    "not_applicable",
    "reasons",
) + RESULTS


class CaseTestError(UserError):
    """A case test that cannot be run as written: where it is, and every problem found."""

    def __init__(self, where: str, problems: Sequence[str]):
        self.where = where
        self.problems = tuple(problems)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join([f"{self.where}: the case test is not valid:"] + [f"  - {p}" for p in self.problems])


# ---------------------------------------------------------------- what a case test expects


@dataclass(frozen=True)
class Expectation:
    outcome: str | None = None
    category: str | None = None
    version: str | None = None
    total_points: int | None = None
    points: dict[str, int] = field(default_factory=dict)  # the categories given
    effects: dict[str, str] = field(default_factory=dict)  # rule id → result or state
    not_assessed: frozenset[str] | None = None  # None: not checked
    not_applicable: frozenset[str] | None = None
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule id → phrases


@dataclass(frozen=True)
class CaseTest:
    file: str  # as the user named it
    line: int  # where the case starts in the file (1 for a file of one case)
    name: str  # unique in its file: the file's stem, or the case's position and `about`
    about: str
    data: dict  # the case file, `expect` left out
    expect: Expectation

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Mismatch:
    what: str  # outcome, points.income, effects.smc.age, …
    expected: str
    actual: str


@dataclass(frozen=True)
class CaseResult:
    test: CaseTest
    engine: str
    decision: Decision | None
    case: CaseData | None = None  # the case as decided (for rule coverage)
    mismatches: tuple[Mismatch, ...] = ()
    reason_lines: tuple[str, ...] = ()  # the actual reasons behind the mismatches
    error: str = ""  # the case could not be decided (it does not fit the policy)

    @property
    def status(self) -> str:
        return "error" if self.error else "failed" if self.mismatches else "passed"

    def report(self) -> str:
        """Expected against actual, then the reason lines concerned; or the error."""
        if self.error:
            return self.error
        lines = [f"{self.test.where}: {self.test.about or self.test.name} [{self.engine}]"]
        width = max((len(m.what) for m in self.mismatches), default=0)
        lines += [f"  {m.what:<{width}}  expected {m.expected}, got {m.actual}" for m in self.mismatches]
        if self.reason_lines:
            lines.append("  reasons:")
            lines += [f"    {line}" for line in self.reason_lines]
        return "\n".join(lines)


# ---------------------------------------------------------------- reading files


def find_case_test_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and every .json/.yaml/.yml file under the folders named, in name order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.suffix in CASE_TEST_SUFFIXES and f.is_file())
        elif p.is_file():
            found.append(p)
        else:
            raise UserError(f"{p}: no such file or folder")
    return found


def load_case_tests(
    path: str | Path, policy: ir.Policy, complete: bool = False, display: str | None = None
) -> list[CaseTest]:
    """Every case test in one file, each checked against the policy's rules and categories.

    Raises CaseTestError naming the file (and line) for a file that cannot be read, and for any
    case whose `expect` is not valid."""
    p = Path(path)
    name = display or str(path)  # how reports name the file
    try:
        text = p.read_text(encoding="utf-8-sig")  # a byte-order mark is accepted
    except OSError as e:
        raise CaseTestError(name, [f"cannot read the file: {e.strerror}"]) from None
    except UnicodeDecodeError as e:
        raise CaseTestError(name, [f"not UTF-8 text (byte {e.start}); save it as UTF-8"]) from None
    entries = _yaml_entries(text, name) if p.suffix in (".yaml", ".yml") else _json_entries(text, name)
    single = len(entries) == 1 and entries[0][2]
    tests: list[CaseTest] = []
    problems: list[str] = []
    used: set[str] = set()
    for index, (line, data, _) in enumerate(entries):
        where = f"{name}:{line}"
        if not isinstance(data, dict):
            problems.append(f"{where}: a case is an object with the inputs as keys, not {_kind(data)}")
            continue
        about = data.get("about") if isinstance(data.get("about"), str) else ""
        try:
            expect = _expectation(policy, data.get("expect"), complete, about)
        except CaseTestError as e:
            problems += [f"{where}: {x}" for x in e.problems]
            continue
        test_name = p.stem if single else _unique(f"{index + 1}-{_slug(about)}" if about else str(index + 1), used)
        case = {k: v for k, v in data.items() if k != "expect"}
        tests.append(CaseTest(name, line, test_name, about, case, expect))
    if problems:
        raise CaseTestError(name, problems)
    return tests


def _kind(value: Any) -> str:
    return {list: "a list", str: "text", type(None): "null"}.get(type(value), type(value).__name__)


def _json_entries(text: str, name: str) -> list[tuple[int, Any, bool]]:
    """(line, case, is the whole file) for a JSON object or each object of a JSON list."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise CaseTestError(f"{name}:{e.lineno}:{e.colno}", [f"not valid JSON: {e.msg}"]) from None
    except RecursionError:
        raise CaseTestError(name, ["JSON nested too deeply to be a case"]) from None
    if not isinstance(data, list):
        return [(1, data, True)]
    return list(zip(_json_item_lines(text), data, [False] * len(data)))


def _json_item_lines(text: str) -> list[int]:
    """The line each element of a top-level JSON array starts on."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    lines = []
    pos = text.index("[") + 1
    ws = re.compile(r"[\s,]*")
    pos = ws.match(text, pos).end()  # type: ignore[union-attr]
    while pos < len(text) and text[pos] != "]":
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)
        pos = ws.match(text, pos).end()  # type: ignore[union-attr]
    return lines


def _yaml_entries(text: str, name: str) -> list[tuple[int, Any, bool]]:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise UserError("reading YAML case tests needs PyYAML: pip install pyyaml") from None
    loader_class = _strict_yaml_loader(yaml)
    try:
        root = yaml.compose(text, Loader=loader_class)
        if root is None:
            raise CaseTestError(name, ["the file is empty: write a case, or a list of cases"])
        data = _plain(loader_class(text).construct_document(root))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise CaseTestError(where, [f"not valid YAML: {e.problem or e.context}"]) from None
    if isinstance(root, yaml.SequenceNode):
        return [(node.start_mark.line + 1, item, False) for node, item in zip(root.value, data)]
    return [(root.start_mark.line + 1, data, True)]


def _strict_yaml_loader(yaml):
    """The safe loader, refusing a key given twice (the second would silently win)."""

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    problem = f"the key {key!r} is given twice"
                    raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
                seen[key] = True
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def _plain(value: Any) -> Any:
    """YAML's dates become the ISO text a case file holds, its decimals exact (as JSON's are)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _slug(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text.lower())
    return "-".join(words)[:60].rstrip("-") or "case"


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}-{n}", n + 1
    used.add(candidate)
    return candidate


# ---------------------------------------------------------------- checking `expect`


def _expectation(policy: ir.Policy, raw: Any, complete: bool, about: str) -> Expectation:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise CaseTestError("", ["every case test has an `expect` object (what the case should decide to)"])
    for key in raw:
        if key not in EXPECT_KEYS:
            problems.append(f"expect.{key}: not a known expectation{_did_you_mean(key, EXPECT_KEYS)}")
    rules = policy.rule_by_id
    categories = [c.name for c in policy.categories]

    def rule_id(value: Any, where: str) -> str | None:
        if not isinstance(value, str) or value not in rules:
            problems.append(f"{where}: {json.dumps(value, default=str)} is not a rule of the policy"
                            f"{_did_you_mean(str(value), rules)}")  # fmt: skip
            return None
        return value

    def result_for(rid: str, result: Any, where: str) -> str | None:
        possible = ir.EFFECT_OUTCOMES[rules[rid].kind]
        if result in possible or result in STATES:
            return result
        problems.append(
            f"{where}: {json.dumps(result, default=str)} is not a result of {rid} (a {rules[rid].kind} rule: "
            f"{', '.join(possible + STATES)})"
        )
        return None

    outcome = raw.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        problems.append(f"expect.outcome: expected one of {', '.join(OUTCOMES)}, found {json.dumps(outcome)}")
    category = raw.get("category")
    members = policy.category_enum.members
    if category is not None and category not in members:
        problems.append(f"expect.category: expected one of {', '.join(members)}, found {json.dumps(category)}")
    version = raw.get("version")
    if version is not None:
        names = [v.name for v in policy.versions] + [v.start.isoformat() for v in policy.versions]
        if version not in names:
            problems.append(f"expect.version: {json.dumps(version)} is not an instruction version of the policy"
                            f"{_did_you_mean(str(version), names)}")  # fmt: skip

    total: int | None = None
    points: dict[str, int] = {}
    raw_points = raw.get("points")
    if isinstance(raw_points, bool) or not isinstance(raw_points, (int, dict, type(None))):
        problems.append("expect.points: expected a number (the total) or points per category")
    elif isinstance(raw_points, int):
        total = raw_points
    elif isinstance(raw_points, dict):
        for cat, n in raw_points.items():
            if cat not in categories:
                problems.append(f"expect.points.{cat}: not a points category{_did_you_mean(cat, categories)}")
            elif isinstance(n, bool) or not isinstance(n, int):
                problems.append(f"expect.points.{cat}: expected a whole number, found {json.dumps(n, default=str)}")
            else:
                points[cat] = n

    effects: dict[str, str] = {}
    raw_effects = raw.get("effects", {})
    if not isinstance(raw_effects, dict):
        problems.append("expect.effects: expected {rule id: result}")
        raw_effects = {}
    for rid, result in raw_effects.items():
        if rule_id(rid, f"expect.effects.{rid}") and (r := result_for(rid, result, f"expect.effects.{rid}")):
            effects[rid] = r
    for result in RESULTS:
        listed = raw.get(result, [])
        if not isinstance(listed, list):
            problems.append(f"expect.{result}: expected a list of rule ids")
            continue
        for rid in listed:
            if not rule_id(rid, f"expect.{result}") or not result_for(rid, result, f"expect.{result}"):
                continue
            if effects.get(rid, result) != result:
                problems.append(f"expect.{result}: {rid} is also expected to be {effects[rid]}")
            effects[rid] = result

    def rule_set(key: str) -> frozenset[str] | None:
        listed = raw.get(key)
        if listed is None:
            return frozenset() if complete and key == "not_assessed" else None
        if not isinstance(listed, list):
            problems.append(f"expect.{key}: expected a list of rule ids")
            return None
        return frozenset(rid for rid in listed if rule_id(rid, f"expect.{key}"))

    reasons: dict[str, tuple[str, ...]] = {}
    raw_reasons = raw.get("reasons", {})
    if not isinstance(raw_reasons, dict):
        problems.append("expect.reasons: expected {rule id: phrase or [phrases]}")
        raw_reasons = {}
    for rid, phrases in raw_reasons.items():
        phrases = [phrases] if isinstance(phrases, str) else phrases
        if not isinstance(phrases, list) or not all(isinstance(x, str) and x.strip() for x in phrases):
            problems.append(f"expect.reasons.{rid}: expected a phrase or a list of phrases")
        elif rule_id(rid, f"expect.reasons.{rid}"):
            reasons[rid] = tuple(phrases)

    expectation = Expectation(
        outcome=outcome,
        category=category,
        version=version,
        total_points=total,
        points=points,
        effects=effects,
        not_assessed=rule_set("not_assessed"),
        not_applicable=rule_set("not_applicable"),
        reasons=reasons,
    )
    if complete:
        problems += _incomplete(expectation, categories, about)
    if problems:
        raise CaseTestError("", problems)
    return expectation


def _incomplete(exp: Expectation, categories: list[str], about: str) -> list[str]:
    """What a complete case test (a worked case) leaves out."""
    missing = []
    if not about.strip():
        missing.append("about: every worked case says what it tests")
    if exp.outcome is None:
        missing.append("expect.outcome: every worked case states its outcome")
    if set(exp.points) != set(categories):
        missing.append(f"expect.points: give the points of every category ({', '.join(categories)})")
    if not exp.effects:
        missing.append("expect.effects: list at least the rules the case is about")
    return missing


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = closest(word, choices, cutoff=0.75)
    return f"; did you mean {close}?" if close else ""


# ---------------------------------------------------------------- running


def run_case_test(policy: ir.Policy, test: CaseTest, engine: str = "clingo") -> CaseResult:
    """Decide the case with one engine and compare the decision with the expectation."""
    try:
        case = load_case(policy, test.data, test.where)
    except CaseError as e:
        return CaseResult(test, engine, None, error=e.render())
    return _result(policy, test, engine, case, decide(policy, case, engine=engine))


def run_case_tests(policy: ir.Policy, tests: Sequence[CaseTest], engine: str = "clingo") -> list[CaseResult]:
    """Each test as `run_case_test` runs it, in order, with every case that loads decided in one
    list (clingo grounds the policy once for all of them, not once per case; each verdict is the
    one the case gets alone)."""
    loaded: list[CaseData | CaseError] = []
    for test in tests:
        try:
            loaded.append(load_case(policy, test.data, test.where))
        except CaseError as e:
            loaded.append(e)
    decided = iter(verdicts(policy, [c for c in loaded if not isinstance(c, CaseError)], engine))
    out = []
    for test, case in zip(tests, loaded):
        if isinstance(case, CaseError):
            out.append(CaseResult(test, engine, None, error=case.render()))
        else:
            out.append(_result(policy, test, engine, case, build_decision(policy, case, next(decided), engine)))
    return out


def _result(policy: ir.Policy, test: CaseTest, engine: str, case: CaseData, decision: Decision) -> CaseResult:
    mismatches = compare(test.expect, decision)
    lines = _reason_lines(policy, decision, mismatches) if mismatches else ()
    return CaseResult(test, engine, decision, case, tuple(mismatches), lines)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _state_of(decision: Decision) -> dict[str, str]:
    """Every rule the decision reports on: its result, or not_assessed / not_applicable."""
    state = {r.rule: r.effect for r in decision.reasons}
    state.update((rid, "not_assessed") for rid, _ in decision.not_assessed)
    state.update((rid, "not_applicable") for rid, _ in decision.not_applicable)
    return state


def compare(exp: Expectation, d: Decision) -> list[Mismatch]:
    """Every way the decision differs from what is expected, in the order the keys are listed."""
    out: list[Mismatch] = []
    if exp.outcome is not None and d.outcome != exp.outcome:
        out.append(Mismatch("outcome", exp.outcome, d.outcome))
    if exp.category is not None and d.category != exp.category:
        out.append(Mismatch("category", exp.category, d.category))
    if exp.version is not None and exp.version not in (d.version, d.version_from):
        out.append(Mismatch("version", repr(exp.version), f"{d.version!r} (from {d.version_from})"))
    if exp.total_points is not None and d.total_points != exp.total_points:
        out.append(Mismatch("points", str(exp.total_points), str(d.total_points)))
    for cat, n in exp.points.items():
        if d.points.get(cat, 0) != n:
            out.append(Mismatch(f"points.{cat}", str(n), str(d.points.get(cat, 0))))
    state = _state_of(d)
    for rid, want in exp.effects.items():
        got = state.get(rid, "not_in_force")
        if got != want:
            out.append(Mismatch(rid, want, got))
    for key, reported in (("not_assessed", d.not_assessed), ("not_applicable", d.not_applicable)):
        want_set = getattr(exp, key)
        got_set = {rid for rid, _ in reported}
        if want_set is not None and got_set != want_set:
            extra, missing = sorted(got_set - want_set), sorted(want_set - got_set)
            detail = "; ".join(x for x in (f"also {', '.join(extra)}" if extra else "",
                                           f"not {', '.join(missing)}" if missing else "") if x)  # fmt: skip
            out.append(Mismatch(key, _listing(want_set), detail))
    texts = {r.rule: r.text for r in d.reasons}
    for rid, phrases in exp.reasons.items():
        for phrase in phrases:
            if rid not in texts:
                out.append(
                    Mismatch(
                        f"reasons.{rid}",
                        f"a reason containing {phrase!r}",
                        f"no reason ({state.get(rid, 'not_in_force')})",
                    )
                )  # noqa: E501
            elif _normal(phrase) not in _normal(texts[rid]):
                out.append(Mismatch(f"reasons.{rid}", f"text containing {phrase!r}", repr(texts[rid])))
    return out


def _listing(rules: Iterable[str]) -> str:
    return ", ".join(sorted(rules)) or "none"


def _reason_lines(policy: ir.Policy, d: Decision, mismatches: list[Mismatch]) -> tuple[str, ...]:
    """The actual reasons behind the mismatches: the rules named, those that decided the outcome,
    the points rules of a category whose total differs."""
    wanted: list[str] = []
    whats = {m.what for m in mismatches}
    if "outcome" in whats:
        wanted += [r.rule for r in d.reasons if r.effect in ("not_met", "stopped", "raised")]
    categories = {w.split(".", 1)[1] for w in whats if w.startswith("points.")}
    if "points" in whats:
        categories |= set(d.points)
    rules = policy.rule_by_id
    wanted += [r.rule for r in d.reasons if r.points is not None and rules[r.rule].points_category in categories]
    wanted += [rid for m in mismatches if (rid := m.what.removeprefix("reasons.")) in rules]
    by_rule = {r.rule: r for r in d.reasons}
    lines = []
    for rid in dict.fromkeys(wanted):
        r = by_rule.get(rid)
        if r is None:
            continue
        extra = f" ({r.points} points)" if r.points is not None else ""
        lines.append(f"{rid}: {r.effect}{extra}: {r.text} [{'; '.join(r.cites)}]")
    return tuple(lines)


# ---------------------------------------------------------------- reports for programs


def results_json(results: Sequence[CaseResult]) -> dict:
    counts = {s: sum(1 for r in results if r.status == s) for s in ("passed", "failed", "error")}
    return {
        "schema": "visa-rules/test-results/1",
        "summary": {"tests": len(results), **counts},
        "tests": [
            {
                "file": r.test.file,
                "line": r.test.line,
                "name": r.test.name,
                "about": r.test.about,
                "engine": r.engine,
                "status": r.status,
                "mismatches": [{"what": m.what, "expected": m.expected, "actual": m.actual} for m in r.mismatches],
                "reasons": list(r.reason_lines),
                "error": r.error,
            }
            for r in results
        ],
    }


def junit_xml(results: Sequence[CaseResult], suite: str = "visa-rules") -> str:
    """The results as JUnit XML, the format CI systems read: one testcase per case and engine."""
    failures = sum(1 for r in results if r.status == "failed")
    errors = sum(1 for r in results if r.status == "error")
    root = ET.Element("testsuites", name=suite, tests=str(len(results)), failures=str(failures), errors=str(errors))
    node = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)), failures=str(failures),
                         errors=str(errors), skipped="0")  # fmt: skip
    for r in results:
        classname = re.sub(r"[\\/]", ".", str(Path(r.test.file).with_suffix("")))
        case = ET.SubElement(node, "testcase", classname=classname, name=f"{r.test.name}[{r.engine}]",
                             file=r.test.file, line=str(r.test.line))  # fmt: skip
        if r.status == "failed":
            first = r.mismatches[0]
            message = f"{first.what}: expected {first.expected}, got {first.actual}"
            ET.SubElement(case, "failure", message=message, type="mismatch").text = r.report()
        elif r.status == "error":
            ET.SubElement(case, "error", message=r.error.splitlines()[0], type="invalid case").text = r.error
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
