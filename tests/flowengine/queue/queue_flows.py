"""Flows and helpers shared by the queue-mode tests."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

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
    table = {"url": url, "boundary": ["function"], "lease": 0.6, "concurrency": 4, **queue}
    return Settings.load(None, user_dir, credentialSecret=SECRET, queue=table, nodeCloseTimeout=2000)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``await check()`` is true (polling Redis, an outside system), at most ``timeout``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await check():
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
