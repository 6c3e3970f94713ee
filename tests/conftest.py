"""Suite-wide rules: browser tests run last; under ``FLOWENGINE_NO_SKIP=1`` (``.ci/run``) a skip fails.

Playwright's sync API keeps its own event loop running for as long as the session-scoped browser
lives; asyncio tests that ran after it would find a running loop. Running every browser test
after all other tests keeps the two apart, whatever order pytest collected them in.

A test skips when the machine lacks something it needs (chromium, npm, the shared folder), saying
how to get it. CI installs all of that, so there a skip means a setup fault and counts as a failure.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
NO_SKIP = os.environ.get("FLOWENGINE_NO_SKIP") == "1"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: BROWSER_DIR in Path(str(item.path)).parents)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under FLOWENGINE_NO_SKIP=1 (CI installs everything tests need): {reason}"
