"""The pytest plugin: flow tests from Python projects (entry point ``pytest11``: ``flowengine``).

Installed with flowengine and inert unless used:

- the ``flow_tests`` fixture runs test files (docs/TESTING-FLOWS.md)::

      def test_my_flows(flow_tests):
          flow_tests.check("flows/orders.test.yaml")      # fails with the report of every failed case

      async def test_async(flow_tests):                    # inside an event loop: await arun
          results = await flow_tests.arun("flows/orders.test.yaml")

- ``pytest --flow-tests`` also collects ``*.test.json`` / ``*.test.yaml`` files, one item per case.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the runtime is imported when a flow test runs, not when pytest starts
    from .flowtest import CaseResult, FlowTestRunner, TestFile

__all__ = ["FlowTests"]

TEST_SUFFIXES = (".test.json", ".test.yaml", ".test.yml")  # flowtest.spec.TEST_SUFFIXES, pinned by a test


def _new_runner() -> FlowTestRunner:
    from .flowtest import FlowTestRunner

    return FlowTestRunner()


def _failure_text(results: list[CaseResult]) -> str:
    out = []
    for r in results:
        if not r.passed:
            out.append(f"{r.file}::{r.name} {r.outcome.upper()}")
            out += [f"  {line}" for f in r.failures for line in f.splitlines()]
    return "\n".join(out)


class FlowTests:
    """Runs flow test files; one node registry is shared by every run of the test session."""

    __test__ = False

    def __init__(self) -> None:
        self._runner: FlowTestRunner | None = None

    @property
    def runner(self) -> FlowTestRunner:
        if self._runner is None:
            self._runner = _new_runner()
        return self._runner

    async def arun(self, path: str | Path) -> list[CaseResult]:
        """Run every case of test file ``path``; their results (raises ``FlowTestError`` for a bad file)."""
        from .flowtest import load_test_file

        return await self.runner.run_file(load_test_file(path))

    def run(self, path: str | Path) -> list[CaseResult]:
        """``arun`` from synchronous code (not from inside a running event loop)."""
        return asyncio.run(self.arun(path))

    def check(self, path: str | Path) -> list[CaseResult]:
        """Run ``path`` and fail the calling test, listing every failed case, unless all passed."""
        results = self.run(path)
        if not all(r.passed for r in results):
            pytest.fail(_failure_text(results), pytrace=False)
        return results


@pytest.fixture(scope="session")
def _flow_tests_session() -> Iterator[FlowTests]:
    yield FlowTests()


@pytest.fixture
def flow_tests(_flow_tests_session: FlowTests) -> FlowTests:
    """Runs flow test files: ``flow_tests.check(path)``, ``flow_tests.run(path)``, ``await flow_tests.arun(path)``."""
    return _flow_tests_session


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("flowengine", "flowengine flow tests")
    group.addoption("--flow-tests", action="store_true", default=False,
                    help="collect flow test files (*.test.json, *.test.yaml, *.test.yml), one test per case")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if parent.config.getoption("flow_tests", False) and file_path.name.endswith(TEST_SUFFIXES):
        collector: pytest.Collector = FlowTestCollector.from_parent(parent, path=file_path)
        return collector
    return None


class FlowTestCollector(pytest.File):
    """One flow test file; its items are its cases."""

    def collect(self) -> Iterator[pytest.Item]:
        from .flowtest import load_test_file

        test = load_test_file(self.path)
        for index, case in enumerate(test.cases):
            yield FlowCaseItem.from_parent(self, name=case.name, test=test, index=index)


class FlowCaseFailed(Exception):
    """A flow test case that failed; its text is the report's."""


class FlowCaseItem(pytest.Item):
    def __init__(self, *, test: TestFile, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test = test
        self.index = index

    def runtest(self) -> None:
        if _RUNNER_KEY not in self.config.stash:
            self.config.stash[_RUNNER_KEY] = _new_runner()
        runner = self.config.stash[_RUNNER_KEY]
        result = asyncio.run(runner.run_case(self.test, self.test.cases[self.index]))
        if not result.passed:
            raise FlowCaseFailed(_failure_text([result]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, FlowCaseFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"flow test: {self.name}"


_RUNNER_KEY = pytest.StashKey["FlowTestRunner"]()
