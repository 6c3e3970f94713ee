"""What websocket-listener and websocket-client share: the users of a config node
(``Users``: websocket in/out nodes, frames -> messages, status lines), and ``Outbox``, the
outgoing side of one websocket peer: a bounded frame queue drained by one task.

``websocket out`` only ever *offers* a frame (never waits on a socket), so a client that stops
reading cannot stall the node or the other clients: its queue fills up and the owner drops it.
The draining task belongs to the config node that owns the peer (a listener session: spawned by
the listener and awaited when the session ends or the node closes; a client connection: a task
of the connection's TaskGroup).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from flowengine.node import Node
from flowengine.types import Msg

__all__ = ["DEFAULT_QUEUE_SIZE", "QUEUE_SETTING", "Frame", "Outbox", "Users", "frame_message", "queue_size",
           "wholemsg"]

Frame = str | bytes
QUEUE_SETTING = "webSocketMsgQueueSize"
"""Setting: frames queued per websocket peer before it is disconnected (cf. ``tcpMsgQueueSize``)."""
DEFAULT_QUEUE_SIZE = 1000


def queue_size(settings: Any) -> int:
    """The ``webSocketMsgQueueSize`` setting (a positive int), else the default."""
    value = (getattr(settings, "extra", None) or {}).get(QUEUE_SETTING, DEFAULT_QUEUE_SIZE)
    try:
        size = int(value)
    except (TypeError, ValueError):
        return DEFAULT_QUEUE_SIZE
    return size if size > 0 else DEFAULT_QUEUE_SIZE


class Outbox:
    """Frames waiting for one peer; ``drain()`` sends them in order until cancelled or the send fails."""

    def __init__(self, send_text: Callable[[str], Awaitable[Any]], send_bytes: Callable[[bytes], Awaitable[Any]],
                 size: int) -> None:
        self._send_text = send_text
        self._send_bytes = send_bytes
        self._queue: asyncio.Queue[Frame] = asyncio.Queue(size)
        self.size = size
        self.sent = 0

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def offer(self, frame: Frame) -> bool:
        """Queue ``frame``; False when the queue is full (the peer stopped reading)."""
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            return False
        return True

    async def drain(self) -> None:
        """Send queued frames forever; a failed send (the peer went away) raises to the caller."""
        while True:
            frame = await self._queue.get()
            if isinstance(frame, bytes):
                await self._send_bytes(frame)
            else:
                await self._send_text(frame)
            self.sent += 1


def wholemsg(config: dict[str, Any]) -> bool:
    return config.get("wholemsg") in (True, "true")


def frame_message(data: Frame, whole: bool, session: str) -> Msg:
    """The message for a received frame: ``{payload}`` or, with *wholemsg*, the frame's JSON."""
    msg: Msg
    if whole:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = {"payload": data}
        msg = parsed if isinstance(parsed, dict) else {"payload": parsed}
    else:
        msg = {"payload": data}
    msg["_session"] = {"type": "websocket", "id": session}
    return msg


class Users:
    """The ``websocket in`` and ``websocket out`` nodes using one config node."""

    def __init__(self) -> None:
        self.inputs: list[Node] = []
        self.outputs: list[Node] = []

    def emit(self, data: Frame, whole: bool, session: str) -> None:
        for node in list(self.inputs):
            node.send(frame_message(data, whole, session))

    def show(self, status: dict[str, Any]) -> None:
        for node in [*self.inputs, *self.outputs]:
            node.status(status)

    def add(self, node: Node, output: bool) -> None:
        (self.outputs if output else self.inputs).append(node)

    def remove(self, node: Node) -> None:
        for nodes in (self.inputs, self.outputs):
            if node in nodes:
                nodes.remove(node)
