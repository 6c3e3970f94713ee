"""Fixtures for server tests: a real Runtime (in memory, temp user dir) behind ``create_app``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings

from .helpers import TestClient, make_settings

AppFactory = Callable[..., tuple[TestClient, Runtime, Settings]]


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[AppFactory]:
    """``app_factory(**settings) -> (client, runtime, settings)``; clients are closed afterwards."""
    opened: list[TestClient] = []

    def make(registry: Registry | None = None, editor: bool = True, admin: bool = True,
             **overrides: Any) -> tuple[TestClient, Runtime, Settings]:
        settings = make_settings(tmp_path, **overrides)
        runtime = Runtime(registry or Registry.default(), settings, persist=False)
        client = TestClient(create_app(runtime, settings, editor=editor, admin=admin))
        client.__enter__()
        opened.append(client)
        return client, runtime, settings

    yield make
    for client in reversed(opened):
        client.__exit__(None, None, None)


@pytest.fixture
def client(app_factory: AppFactory) -> TestClient:
    return app_factory()[0]


