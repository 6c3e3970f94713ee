"""The delay node's per-message timers (modes ``delay``, ``delayv`` and ``random``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from flowengine.node import Node
from flowengine.types import Done, Msg, Send

__all__ = ["DelayList", "once"]


def once(done: Done) -> Done:
    """``done`` that only reports the first call (Node-RED's paths may call it twice)."""
    called = False

    def wrapper(*args: Any) -> None:
        nonlocal called
        if not called:
            called = True
            done(*args)

    return wrapper


class _Entry:
    __slots__ = ("done", "handle", "msg", "send")

    def __init__(self, msg: Msg, send: Send, done: Done):
        self.msg = msg
        self.send = send
        self.done = done
        self.handle: asyncio.TimerHandle | None = None


class DelayList:
    """Messages waiting for their own timer, in arrival order (flush sends the oldest first)."""

    def __init__(self, node: Node, on_fire: Callable[[], None]):
        self._node = node
        self._entries: dict[int, _Entry] = {}
        self._seq = 0
        self._on_fire = on_fire

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, msg: Msg, send: Send, done: Done, delay_ms: float) -> None:
        key = self._seq
        self._seq += 1
        entry = _Entry(msg, send, done)
        entry.handle = self._node.call_later(max(delay_ms, 0) / 1000.0, lambda: self._fire(key))
        self._entries[key] = entry

    def _fire(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._on_fire()
        entry.send(entry.msg)
        entry.done()

    def flush(self, count: Any = None) -> None:
        """Send the oldest ``count`` messages now (all when ``count`` is not a number)."""
        n = len(self._entries)
        if isinstance(count, int | float) and not isinstance(count, bool):
            n = min(int(count // 1), n)
        for key in list(self._entries)[: max(n, 0)]:
            entry = self._entries.pop(key)
            if entry.handle is not None:
                entry.handle.cancel()
            entry.send(entry.msg)
            entry.done()

    def clear(self) -> None:
        """Drop every waiting message (their ``done`` is called: they are handled, not sent)."""
        entries = list(self._entries.values())
        self._entries.clear()
        for entry in entries:
            if entry.handle is not None:
                entry.handle.cancel()
            entry.done()
