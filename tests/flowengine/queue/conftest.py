"""Fixtures for the queue-mode tests: ``redis_server``, a private Redis on a free loopback port
(skipped, saying how to install it, when the machine has no redis-server; CI installs it, and
there a skip fails: tests/conftest.py), and ``redis``, an asyncio client of it."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from queue_flows import Deployment, queue_settings
from redis_server import RedisServer
from service_process import ServiceUnavailable

from flowengine.registry import Registry


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        server.start()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Any]:
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_server.url, socket_timeout=15)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.default()


@pytest.fixture
async def deployment(registry: Registry, redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Deployment]:
    """A coordinator runtime on ``redis_server`` (function nodes are boundaries); add workers with
    ``deployment.worker()``."""
    d = Deployment(registry, queue_settings(tmp_path, redis_server.url))
    try:
        yield d
    finally:
        await d.close()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts (append them): terminated by PID when it ends, killed if they linger."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.terminate()
        for proc in started:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
