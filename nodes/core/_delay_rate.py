"""The delay node's rate-limiting modes: ``rate`` (all messages), ``queue``/``timed`` (per topic)
and ``burst``. Each is owned by a ``DelayNode`` and keeps its timers on that node."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from flowengine.message import clone_msg
from flowengine.types import Done, Msg, Send

from ._sequence import Interval, buffer_limit, has_content, parse_float

if TYPE_CHECKING:
    from .delay import DelayNode

__all__ = ["BurstLimiter", "RateLimiter", "TopicQueue"]

MsgInfo = tuple[Msg, Send, Done]


class _Buffered:
    """A queue of held messages with Node-RED's debounced "queue depth" status."""

    def __init__(self, node: DelayNode):
        self.node = node
        self.buffer: deque[MsgInfo] = deque()
        self.interval: Interval | None = None
        self.rate = node.rate_ms
        self._depth_timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        return None

    def report_depth(self) -> None:
        if self._depth_timer is None:
            self._depth_timer = self.node.call_later(0.5, self._show_depth)

    def _show_depth(self) -> None:
        self._depth_timer = None
        self.node.status(fill="blue", shape="dot", text=len(self.buffer))

    def msg_rate(self, msg: Msg) -> float | None:
        """``msg.rate`` (ms) when the node allows overriding the rate and it is a number."""
        if self.node.allow_rate and "rate" in msg:
            return parse_float(msg["rate"])
        return None

    def start_interval(self, tick: Any) -> None:
        self.stop_interval()
        self.interval = Interval(self.node, self.rate / 1000.0, tick)

    def stop_interval(self) -> None:
        if self.interval is not None:
            self.interval.cancel()
            self.interval = None

    def release_all(self) -> None:
        held = list(self.buffer)
        self.buffer.clear()
        for _m, _s, d in held:
            d()

    def close(self) -> None:
        self.stop_interval()
        if self._depth_timer is not None:
            self._depth_timer.cancel()
            self._depth_timer = None
        self.release_all()
        self.node.status({})


class RateLimiter(_Buffered):
    """``rate`` mode: one message every ``rate`` ms; extras queue (or are dropped)."""

    def __init__(self, node: DelayNode):
        super().__init__(node)
        self.last_sent: float | None = None

    def _tick(self) -> None:
        if not self.buffer:
            self.stop_interval()
        else:
            m, s, d = self.buffer.popleft()
            if has_content(m):
                s(m)
                d()
        self.report_depth()

    def input(self, msg: Msg, send: Send, done: Done) -> None:
        node = self.node
        if not node.drop:
            self._queue_input(msg, send, done)
        elif "reset" not in msg:
            rate = self.msg_rate(msg)
            if rate is not None:
                self.rate = rate
            now = time.monotonic()
            if self.last_sent is None or (now - self.last_sent) * 1000.0 > self.rate:
                self.last_sent = now
                send(msg)
            elif node.two_outputs:
                send([None, msg])
            done()
        if "reset" in msg:
            if "flush" not in msg:
                self.stop_interval()
                self.last_sent = None
            self.release_all()
            self.rate = node.rate_ms
            node.status(fill="blue", shape="ring", text=0)
            done()

    def _queue_input(self, msg: Msg, send: Send, done: Done) -> None:
        node = self.node
        m = clone_msg(msg)
        m.pop("flush", None)
        if has_content(m):
            rate = self.msg_rate(m)
            if self.interval is not None:
                if rate is not None and rate != self.rate:
                    self.rate = rate
                    self.start_interval(self._tick)
                limit = buffer_limit(node)
                if limit and len(self.buffer) >= limit:
                    self.release_all()
                    node.error("too many pending messages in delay node", m)
                    done()
                elif msg.get("toFront") is True:
                    self.buffer.appendleft((m, send, done))
                    self.report_depth()
                else:
                    self.buffer.append((m, send, done))
                    self.report_depth()
            else:
                if rate is not None:
                    self.rate = rate
                if "reset" in msg:
                    if "flush" in msg:
                        self.buffer.append((m, send, done))
                else:
                    send(m)
                self.report_depth()
                self.start_interval(self._tick)
                done()
        if "flush" in msg:
            count = len(self.buffer)
            flush = msg["flush"]
            if isinstance(flush, int | float) and not isinstance(flush, bool):
                count = min(int(flush // 1), count)
            if count <= 0:
                self.stop_interval()
            else:
                for _ in range(count):
                    bm, _bs, bd = self.buffer.popleft()
                    bm.pop("flush", None)
                    bm.pop("reset", None)
                    if has_content(bm):
                        node.send(bm)
                        bd()
                self.start_interval(self._tick)
            node.status(fill="blue", shape="dot", text=len(self.buffer))
            done()


class TopicQueue(_Buffered):
    """``queue`` (one topic per interval) and ``timed`` (all topics per interval) modes: only the
    newest message of each topic is kept."""

    def __init__(self, node: DelayNode, all_topics: bool):
        super().__init__(node)
        self.all_topics = all_topics

    def start(self) -> None:
        self.start_interval(self._tick)

    def _tick(self) -> None:
        if self.all_topics:
            while self.buffer:
                m, s, d = self.buffer.popleft()
                s(m)
                d()
        elif self.buffer:
            m, s, d = self.buffer.popleft()
            s(m)
            d()
        self.report_depth()

    def input(self, msg: Msg, send: Send, done: Done) -> None:
        node = self.node
        rate = self.msg_rate(msg)
        if rate is not None and rate != self.rate:
            self.rate = rate
            self.start_interval(self._tick)
        if "topic" not in msg:
            msg["topic"] = "_none_"
        for i, (old, _os, od) in enumerate(self.buffer):
            if old.get("topic") == msg["topic"]:
                if node.two_outputs:
                    send([None, old])
                od()
                self.buffer[i] = (msg, send, done)
                break
        else:
            self.buffer.append((msg, send, done))
            self.report_depth()
        if "flush" in msg:
            count = len(self.buffer)
            flush = msg["flush"]
            if isinstance(flush, int | float) and not isinstance(flush, bool):
                count = min(int(flush // 1), count)
            for _ in range(max(count, 0)):
                bm, _bs, bd = self.buffer.popleft()
                bm.pop("flush", None)
                bm.pop("reset", None)
                if sum(1 for k in bm if k not in ("_msgid", "topic")) > 0:
                    node.send(bm)
                bd()
            node.status({})
            done()
        if "reset" in msg:
            self.release_all()
            self.rate = node.rate_ms
            node.status(text="reset")
            done()


class BurstLimiter(_Buffered):
    """``burst`` mode: up to ``rate`` messages per period; later ones are dropped (or go to output 2)."""

    def __init__(self, node: DelayNode):
        super().__init__(node)
        self.timers: set[asyncio.TimerHandle] = set()
        self.inflight = 0

    def start(self) -> None:
        self.node.status(fill="green", shape="ring", text="")

    def _expire(self) -> None:
        if self.inflight == self.node.burst:
            self.node.status(fill="green", shape="ring", text="")
        self.inflight -= 1

    def input(self, msg: Msg, send: Send, done: Done) -> None:
        node = self.node
        if "reset" in msg:
            self._cancel()
            self.inflight = 0
            node.status(fill="green", shape="ring", text="")
            done()
            return
        if self.inflight < node.burst:
            self.inflight += 1
            send(msg)
            self._arm()
        else:
            if node.two_outputs:
                send([None, msg])
            node.status(fill="red", shape="dot", text="")
        done()

    def _arm(self) -> None:
        box: list[asyncio.TimerHandle] = []

        def expire() -> None:
            self.timers.discard(box[0])
            self._expire()

        box.append(self.node.call_later(self.node.period_ms / 1000.0, expire))
        self.timers.add(box[0])

    def _cancel(self) -> None:
        timers, self.timers = self.timers, set()
        for t in timers:
            t.cancel()

    def close(self) -> None:
        self._cancel()
        super().close()
