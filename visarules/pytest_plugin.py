"""A pytest plugin (entry point `pytest11: visarules`): case tests kept as data become pytest items.

`pytest cases/` runs every .json/.yaml/.yml file in a folder named `cases` (and every
`*.case.json`/`*.case.yaml` file anywhere) as visa-rules case tests, next to the project's own
Python tests. A case is decided with each engine configured and compared with its `expect`
(see `visarules.solver.analyses.case_tests` for what `expect` may hold). Settings, in pytest.ini,
pyproject.toml (`[tool.pytest.ini_options]`) or on the command line:

    visarules_policy    the policy folder, relative to the ini file (default: the shipped policy)
                        --visarules-policy=DIR (with "=": pytest reads a bare path as a test path)
    visarules_engines   the engines that decide each case (default: clingo)
                        --visarules-engine NAME (repeatable)
    visarules_case_dirs folders whose files are case tests: a name (any folder so named) or a
                        path relative to the ini file (default: cases)
    visarules_case_files  file name patterns that are case tests anywhere
                        (default: *.case.json *.case.yaml *.case.yml)
    visarules_complete  every case states its whole decision (default: false)

`-p no:visarules` turns the plugin off. Nothing heavy is imported until a case test is collected.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest

_POLICIES = pytest.StashKey[dict]()
_DECIDED = pytest.StashKey[dict]()  # id of a case test item → its result, decided with its neighbours
_CHUNK = 40  # items decided together: one clingo grounding for each list of this many


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("visarules", "visa-rules case tests")
    group.addoption("--visarules-policy", metavar="DIR", help="policy folder the case tests are decided against")
    group.addoption(
        "--visarules-engine", action="append", metavar="NAME", help="engine deciding each case (repeatable)"
    )
    parser.addini("visarules_policy", "policy folder for case tests, relative to the ini file", default="")
    parser.addini("visarules_engines", "engines that decide each case test", type="args", default=["clingo"])
    parser.addini("visarules_case_dirs", "folders whose .json/.yaml files are case tests", type="args",
                  default=["cases"])  # fmt: skip
    parser.addini("visarules_case_files", "file name patterns of case tests anywhere", type="args",
                  default=["*.case.json", "*.case.yaml", "*.case.yml"])  # fmt: skip
    parser.addini("visarules_complete", "every case test states its whole decision", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_POLICIES] = {}
    config.stash[_DECIDED] = {}


def is_case_test_file(config: pytest.Config, path: Path) -> bool:
    """Whether pytest collects this file as case tests, under the configuration given."""
    from .solver.analyses.case_tests import CASE_TEST_SUFFIXES

    if path.suffix not in CASE_TEST_SUFFIXES:
        return False
    if any(fnmatch.fnmatch(path.name, pattern) for pattern in config.getini("visarules_case_files")):
        return True
    base = _ini_dir(config)
    for entry in config.getini("visarules_case_dirs"):
        if "/" in entry or "\\" in entry:
            folder = (base / entry).resolve()
            if folder == path.resolve().parent or folder in path.resolve().parents:
                return True
        elif entry in path.parent.parts:
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if is_case_test_file(parent.config, file_path):
        return CaseTestFile.from_parent(parent, path=file_path)
    return None


def _ini_dir(config: pytest.Config) -> Path:
    return Path(config.inipath).parent if config.inipath else Path(config.rootpath)


def _policy(config: pytest.Config):
    """The policy the case tests are decided against, loaded once per session."""
    from .dsl import load_policy

    option = config.getoption("visarules_policy")
    ini = config.getini("visarules_policy")
    folder = Path(option) if option else (_ini_dir(config) / ini if ini else None)
    key = str(folder.resolve()) if folder else ""
    cache = config.stash[_POLICIES]
    if key not in cache:
        cache[key] = load_policy(folder)
    return cache[key]


class CaseTestFile(pytest.File):
    """A file of case tests: one item per case and engine."""

    def collect(self):
        from .dsl import PolicyError
        from .solver.analyses.case_tests import CaseTestError, load_case_tests
        from .solver.backends import ENGINES

        config = self.config
        try:
            policy = _policy(config)
        except PolicyError as e:
            raise self.CollectError(e.render()) from None
        engines = config.getoption("visarules_engine") or config.getini("visarules_engines")
        unknown = [e for e in engines if e not in ENGINES]
        if unknown:
            raise self.CollectError(f"unknown engine {', '.join(unknown)}: the engines are {', '.join(ENGINES)}")
        try:
            display = os.path.relpath(self.path, config.invocation_params.dir)
            tests = load_case_tests(self.path, policy, config.getini("visarules_complete"), display)
        except CaseTestError as e:
            yield InvalidCaseTest.from_parent(self, name=self.path.stem, message=e.render())
            return
        for test in tests:
            for engine in engines:
                name = f"{test.name}[{engine}]" if len(engines) > 1 else test.name
                yield CaseTestItem.from_parent(self, name=name, test=test, engine=engine, policy=policy)


class CaseTestFailed(Exception):
    """A decision that differs from its case test's expectation, or a case that cannot be decided."""


class CaseTestItem(pytest.Item):
    def __init__(self, *, test, engine: str, policy, **kwargs):
        super().__init__(**kwargs)
        self.test = test
        self.engine = engine
        self.policy = policy

    def runtest(self) -> None:
        decided = self.config.stash[_DECIDED]
        if id(self) not in decided:
            self._decide_with_neighbours(decided)
        result = decided.pop(id(self))
        if result.status != "passed":
            raise CaseTestFailed(result.report())

    def _decide_with_neighbours(self, decided: dict) -> None:
        """Decide this item and the next ones of the session with the same engine and policy in one
        list (pytest-xdist hands a worker neighbouring items, so most are run here next)."""
        from .solver.analyses.case_tests import run_case_tests

        items = self.session.items
        start = next((i for i, item in enumerate(items) if item is self), None)
        batch: list[CaseTestItem] = [self]
        for item in items[start + 1 :] if start is not None else ():
            if len(batch) >= _CHUNK:
                break
            if (
                isinstance(item, CaseTestItem)
                and item.engine == self.engine
                and item.policy is self.policy
                and id(item) not in decided
            ):
                batch.append(item)
        for item, result in zip(batch, run_case_tests(self.policy, [i.test for i in batch], self.engine)):
            decided[id(item)] = result

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseTestFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.test.line - 1, f"{self.test.name} [{self.engine}]: {self.test.about}"


class InvalidCaseTest(pytest.Item):
    """A case test file that cannot be run as written: it fails with the problems found."""

    def __init__(self, *, message: str, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise CaseTestFailed(self.message)

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name}: invalid case test"
