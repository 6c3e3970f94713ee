"""Queue mode survives a Redis crash: with ``appendfsync always`` nothing acknowledged is lost; the
coordinator keeps what it could not add and every loop of the worker waits Redis out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mosquitto import ServiceUnavailable
from queue_flows import Deployment, change, entries_for, fn, queue_settings, tab, until
from redis_server import RedisServer

from flowengine.queue.keys import GROUP, Keys
from flowengine.registry import Registry

KEYS = Keys()
MESSAGES = 40


@pytest.fixture
def aof_redis() -> Iterator[RedisServer]:
    server = RedisServer(aof=True)
    try:
        server.start()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


async def test_redis_killed_and_restarted_mid_run_loses_nothing(registry: Registry, aof_redis: RedisServer,
                                                                tmp_path: Path) -> None:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    deployment = Deployment(registry, queue_settings(tmp_path, aof_redis.url))
    # the test's own reads ride out the restart (the runtime's loops do so on their own)
    client: Any = aioredis.from_url(aof_redis.url, retry=Retry(ExponentialBackoff(cap=0.5), 20),
                                    retry_on_error=[RedisConnectionError, ConnectionRefusedError])
    try:
        await deployment.start(tab(
            change("in", "before", [["work"]]),
            fn("work", 'import asyncio\nawait asyncio.sleep(0.02)\nreturn msg', [["sink"]]),
            fn("sink", "return msg"),
        ))
        deployment.worker()
        for i in range(MESSAGES // 2):
            deployment.send("in", {"payload": i})

        async def some() -> bool:
            return len(await entries_for(client, KEYS.work, "sink")) >= 5

        await until(some, what="the first results")
        aof_redis.kill()
        for i in range(MESSAGES // 2, MESSAGES):  # handed to the queue while Redis is down
            deployment.send("in", {"payload": i})
        aof_redis.start()

        async def everything() -> bool:
            payloads = {m["payload"] for m in await entries_for(client, KEYS.work, "sink")}
            pending = (await client.xpending(KEYS.work, GROUP))["pending"]
            return payloads == set(range(MESSAGES)) and pending == 0

        await until(everything, timeout=15, what="every message through after the restart")
        assert await client.xlen(KEYS.dead) == 0
    finally:
        await deployment.close()
        await client.aclose()
