"""Helpers for the tcp/udp node tests: free loopback ports, a harness whose servers bind
127.0.0.1 and reconnect quickly, a small TCP peer, and waiting for a node's status."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

RECONNECT_MS = 50


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def harness(tmp: Path, nodes: list[dict[str, Any]], **settings: Any) -> FlowHarness:
    """A harness with ``socketListenHost`` 127.0.0.1 and a 50 ms ``socketReconnectTime``."""
    values = {"socketListenHost": "127.0.0.1", "socketReconnectTime": RECONNECT_MS, **settings}
    return FlowHarness(nodes, settings=Settings.load(user_dir=tmp, **values))


def statuses(h: FlowHarness, node_id: str) -> list[dict[str, Any]]:
    return [d for t, d in h.events if t == f"status/{node_id}"]


async def wait_until(h: FlowHarness, ready: Callable[[], bool], what: str, timeout: float = 2.0) -> None:
    """Wait until ``ready()`` holds, re-checked whenever the harness sees an event or log."""
    await h._wait(ready, timeout, lambda: f"{what}; logs: {h.logs[-5:]}")


def logged(h: FlowHarness, node_id: str, text: str) -> int:
    """How often ``node_id`` logged exactly ``text``."""
    return sum(1 for _, nid, t in h.logs if nid == node_id and t == text)


async def wait_status(h: FlowHarness, node_id: str, text: str, after: int = 0, timeout: float = 2.0) -> None:
    """Wait until ``node_id`` shows ``text`` (counting from its ``after``-th status)."""
    await wait_until(h, lambda: any(d.get("text") == text for d in statuses(h, node_id)[after:]),
                     f"{node_id} never showed {text!r}: {statuses(h, node_id)}", timeout)


class TcpPeer:
    """A TCP server on 127.0.0.1 for the nodes to talk to: each accepted connection is queued.

    ``answer`` (bytes, or a list of byte strings written one after another) is written to every
    new connection once it has received ``expect`` bytes (at once when ``expect`` is 0)."""

    def __init__(self, port: int = 0, answer: bytes | list[bytes] = b"", expect: int = 0) -> None:
        self.port = port or free_port()
        self.answer = [answer] if isinstance(answer, bytes) else list(answer)
        self.expect = expect
        self.accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self.received: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> TcpPeer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        return self

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        if self.answer or self.expect:
            task = asyncio.get_running_loop().create_task(self._answer(reader, writer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self.accepted.put_nowait((reader, writer))

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.expect:
            self.received.append(await reader.readexactly(self.expect))
        for i, part in enumerate(self.answer):
            if i:
                await asyncio.sleep(0.02)  # a separate read at the other end
            writer.write(part)
            await writer.drain()
        self.accepted.put_nowait((reader, writer))

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for task in list(self._tasks):
            task.cancel()
        for writer in self.writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self.writers.clear()

    async def __aenter__(self) -> TcpPeer:
        return await self.start()

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()


async def read_until_closed(reader: asyncio.StreamReader, timeout: float = 2.0) -> bytes:
    async with asyncio.timeout(timeout):
        return await reader.read()
