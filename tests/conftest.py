"""Suite-wide ordering: browser tests run last.

Playwright's sync API keeps its own event loop running for as long as the session-scoped browser
lives; asyncio tests that ran after it would find a running loop. Running every browser test
after all other tests keeps the two apart, whatever order pytest collected them in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent / "browser"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: BROWSER_DIR in Path(str(item.path)).parents)
