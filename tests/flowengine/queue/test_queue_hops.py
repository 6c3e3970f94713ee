"""Queue mode in one process: a coordinator runtime and a worker share a real Redis; messages cross
boundary nodes as stream entries and run on the worker (flowengine/queue/)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from queue_flows import change, entries_for, fn, queue_settings, tab, until
from redis_server import RedisServer

from flowengine.queue import Coordinator, QueueConfig, Worker
from flowengine.queue.keys import GROUP, Keys
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings

KEYS = Keys()


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.default()


class Deployment:
    """A coordinator runtime and workers on one Redis, in this event loop."""

    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings
        self.config = QueueConfig.from_settings(settings)
        self.runtime = Runtime(registry, settings, persist=False)
        self.coordinator = Coordinator(self.runtime, self.config)
        self.workers: list[tuple[Worker, asyncio.Task[None]]] = []

    async def start(self, flows: list[dict[str, Any]]) -> None:
        await self.coordinator.start()
        await self.runtime.start(flows)
        await self.runtime.wait_started()

    def worker(self, **changes: Any) -> Worker:
        config = QueueConfig.from_settings(self.settings, **changes)
        worker = Worker(self.registry, self.settings, config)
        self.workers.append((worker, asyncio.get_running_loop().create_task(worker.run())))
        return worker

    def send(self, node_id: str, msg: dict[str, Any]) -> None:
        flow = self.runtime.flow_of(node_id)
        assert flow is not None and flow.deliver_to(node_id, msg)

    async def close(self) -> None:
        for worker, task in self.workers:
            worker.stop.set()
            await asyncio.wait_for(task, 10)
        await self.runtime.close()
        await self.coordinator.close()


@pytest.fixture
async def deployment(registry: Registry, redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Deployment]:
    d = Deployment(registry, queue_settings(tmp_path, redis_server.url))
    try:
        yield d
    finally:
        await d.close()


DOUBLE = tab(
    change("in", "before", [["double"]]),
    fn("double", "msg[\"payload\"] = msg[\"payload\"] * 2\nreturn msg", [["mark"]]),
    change("mark", "after", [["sink"]]),
    fn("sink", "return msg"),
)


async def test_messages_cross_boundaries_and_run_on_a_worker(deployment: Deployment, redis: Any) -> None:
    await deployment.start(DOUBLE)
    deployment.worker()
    for i in range(20):
        deployment.send("in", {"payload": i})

    async def twenty() -> bool:
        return len(await entries_for(redis, KEYS.work, "sink")) == 20

    await until(twenty, what="20 messages into the second boundary")
    sunk = await entries_for(redis, KEYS.work, "sink")
    assert sorted(m["payload"] for m in sunk) == [2 * i for i in range(20)]
    assert {m["topic"] for m in sunk} == {"after"}  # the change node between the boundaries ran on the worker
    into_double = await entries_for(redis, KEYS.work, "double")
    assert {m["topic"] for m in into_double} == {"before"}  # ... and the one before them on the coordinator

    async def settled() -> bool:
        return (await redis.xpending(KEYS.work, GROUP))["pending"] == 0 and \
            (await redis.xinfo_groups(KEYS.work))[0]["lag"] == 0

    await until(settled, what="every entry acknowledged")
    assert await redis.xlen(KEYS.dead) == 0
    assert await redis.keys(f"{KEYS.prefix}:res:*") == []  # results are dropped with the acknowledgement


async def test_flows_are_published_with_credentials_sealed(deployment: Deployment, redis: Any) -> None:
    flows = [*DOUBLE, {"id": "cfg", "type": "http proxy", "url": "http://127.0.0.1:9",
                       "credentials": {"username": "u", "password": "hunter2-secret"}}]
    await deployment.start(flows)

    async def published() -> bool:
        return await redis.get(KEYS.current) == (deployment.runtime.revision or "").encode()

    await until(published, what="the flows in Redis")
    stored = await redis.hgetall(KEYS.flows(deployment.runtime.revision or ""))
    assert b"hunter2-secret" not in stored[b"credentials"] and b"hunter2-secret" not in stored[b"flows"]
    assert json.loads(stored[b"credentials"])["alg"] == "aes-256-gcm"
    from flowengine.queue.flowstore import FlowStore

    loaded = await FlowStore(redis, KEYS).load(deployment.runtime.revision or "", deployment.settings.credentialSecret
                                               if isinstance(deployment.settings.credentialSecret, str) else None)
    assert loaded is not None
    assert next(n for n in loaded if n["id"] == "cfg")["credentials"]["password"] == "hunter2-secret"
