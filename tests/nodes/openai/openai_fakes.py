"""A minimal NodeHost for unit tests of the OpenAI nodes (no engine, no network)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from flowengine.nodes.openai import OpenAIConfig, node_classes
from flowengine.nodes.openai.catalog import load_catalog

from flowengine.node import Node
from flowengine.settings import Settings


@dataclass
class FakeHost:
    """Records what nodes send, report and log; runs spawned tasks on the current loop."""

    settings: Settings
    env_vars: dict[str, str] = field(default_factory=dict)
    sent: list[Any] = field(default_factory=list)
    errors: list[tuple[BaseException | str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    logs: list[tuple[int, str]] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)

    def deliver(self, node: Node, arg: Any) -> None:
        self.sent.append(arg)

    def report_error(self, node: Node, err: BaseException | str, msg: Any) -> bool:
        self.errors.append((err, msg))
        return msg is not None

    def report_status(self, node: Node, status: dict[str, Any]) -> None:
        self.statuses.append(status)

    def report_complete(self, node: Node, msg: Any) -> None:
        return None

    def log(self, node: Node, level: int, text: str, msg: Any = None) -> None:
        self.logs.append((level, text))

    def env(self, node: Node, name: str) -> Any:
        return self.env_vars.get(name, "")

    def get_node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    def delivers_directly(self, node_id: str) -> bool:
        return node_id in self.nodes

    def spawn(self, node: Node, coro: Any) -> asyncio.Task[Any]:
        return asyncio.get_running_loop().create_task(coro)

    def publish(self, topic: str, data: Any, retain: bool = False) -> None:
        return None


_CLASSES: dict[str, type[Node]] = {}


def op_class(type_name: str) -> type[Node]:
    if not _CLASSES:
        for cls in node_classes(load_catalog()):
            _CLASSES[cls.type] = cls
    return _CLASSES[type_name]


def make(type_name: str, handler: Any, tmp_path: Path, *, props: dict[str, Any] | None = None,
         config: dict[str, Any] | None = None, credentials: dict[str, Any] | None = None,
         sleeps: list[float] | None = None) -> tuple[Node, FakeHost]:
    """An operation node wired to a config node whose transport is ``httpx.MockTransport(handler)``."""
    async def fake_sleep(delay: float) -> None:
        if sleeps is not None:
            sleeps.append(delay)

    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(handler),
                                                  "openai_sleep": fake_sleep})
    host = FakeHost(settings)
    creds = credentials if credentials is not None else {"api_key": "sk-secret-key"}
    cfg_props = {"id": "cfg", "type": "openai-config", "base_url": "https://api.test/v1", **(config or {})}
    cfg = OpenAIConfig(host, cfg_props, creds)
    host.nodes["cfg"] = cfg
    node = op_class(type_name)(host, {"id": "n1", "type": type_name, "config": "cfg", **(props or {})})
    host.nodes["n1"] = node
    return node, host


async def run(node: Node, msg: dict[str, Any]) -> None:
    """Deliver one message and wait for the handler to finish."""
    done_calls: list[Any] = []
    host = node.host
    await node.on_input(msg, lambda m: host.deliver(node, m), lambda *a: done_calls.append(a))
    assert done_calls, "done() was not called"


logging.getLogger("httpx").setLevel(logging.WARNING)
