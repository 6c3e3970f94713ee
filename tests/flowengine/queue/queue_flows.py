"""Flows and helpers shared by the queue-mode tests."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from flowengine.queue import Coordinator, QueueConfig, Worker
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings

SECRET = "queue-test-secret"


def fn(node_id: str, code: str, wires: list[list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    """A Python function node on tab ``t``."""
    return {"id": node_id, "type": "function", "z": "t", "language": "python", "func": textwrap.dedent(code),
            "outputs": 1, "wires": wires if wires is not None else [[]], **extra}


def change(node_id: str, topic: str, wires: list[list[str]]) -> dict[str, Any]:
    """A change node on tab ``t`` setting ``msg.topic``."""
    return {"id": node_id, "type": "change", "z": "t", "wires": wires,
            "rules": [{"t": "set", "p": "topic", "pt": "msg", "to": topic, "tot": "str"}]}


def tab(*nodes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": "t", "type": "tab", "label": "queue"}, *nodes]


def queue_settings(user_dir: Path, url: str, **queue: Any) -> Settings:
    # trim_every: the tests read the work stream's history
    table = {"url": url, "boundary": ["function"], "lease": 0.6, "concurrency": 4, "trim_every": 3600, **queue}
    return Settings.load(None, user_dir, credentialSecret=SECRET, queue=table, nodeCloseTimeout=2000)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``await check()`` is true (polling Redis, an outside system), at most ``timeout``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        try:
            if await asyncio.wait_for(check(), max(0.1, end - loop.time())):
                return
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what} (the check itself hung)") from None
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def entries_for(redis: Any, stream: str, node_id: str) -> list[dict[str, Any]]:
    """The messages of stream entries addressed to ``node_id``, oldest first."""
    out = []
    for _id, fields in await redis.xrange(stream):
        if fields.get(b"node") == node_id.encode():
            out.append(json.loads(fields[b"msg"]))
    return out


class Deployment:
    """A coordinator runtime and workers on one Redis, in this event loop."""

    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings
        self.config = QueueConfig.from_settings(settings)
        self.config.share_context(settings)  # as flowengine serve --queue does
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
