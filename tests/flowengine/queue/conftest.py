"""Fixtures for the queue-mode tests: ``redis_server``, a private Redis on a free loopback port
(skipped, saying how to install it, when the machine has no redis-server; CI installs it, and
there a skip fails: tests/conftest.py), and ``redis``, an asyncio client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mosquitto import ServiceUnavailable
from redis_server import RedisServer


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

    client = aioredis.from_url(redis_server.url)
    try:
        yield client
    finally:
        await client.aclose()
