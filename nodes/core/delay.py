"""The delay node: delay each message, or limit the rate messages pass at.

``pauseType``: ``delay`` (fixed ``timeout``), ``delayv`` (``msg.delay`` ms, else ``timeout``),
``random`` (between ``randomFirst`` and ``randomLast``), ``rate`` (at most ``rate`` messages per
``nbRateUnits`` ``rateUnits``; extra messages are queued, or dropped when ``drop`` - to a second
output when ``outputs`` is 2), ``queue`` (per topic: the newest message of each topic, one topic
per interval), ``timed`` (per topic: all topics at each interval), ``burst`` (up to ``rate``
messages per period). ``msg.reset`` drops held messages, ``msg.flush`` (true or a count) sends
them now. Rate and topic modes live in ``_delay_rate``.
"""

from __future__ import annotations

import random
from typing import Any

from flowengine.errors import NodeError
from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from ._delay_rate import BurstLimiter, RateLimiter, TopicQueue
from ._delay_timers import DelayList, once
from ._help import node_help
from ._sequence import buffer_limit, number_prop, parse_float

_UNIT_MS = {"milliseconds": 1.0, "seconds": 1000.0, "minutes": 60_000.0, "hours": 3_600_000.0, "days": 86_400_000.0}
_RATE_MS = {"second": 1000.0, "minute": 60_000.0, "hour": 3_600_000.0, "day": 86_400_000.0}

_NUM = {"type": ["string", "number"]}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "pauseType": {
            "type": "string",
            "enum": ["delay", "delayv", "random", "rate", "queue", "timed", "burst"],
            "default": "delay",
        },
        "timeout": {**_NUM, "default": "5"},
        "timeoutUnits": {"type": "string", "default": "seconds"},
        "rate": {**_NUM, "default": "1"},
        "nbRateUnits": {**_NUM, "default": "1"},
        "rateUnits": {"type": "string", "default": "second"},
        "randomFirst": {**_NUM, "default": "1"},
        "randomLast": {**_NUM, "default": "5"},
        "randomUnits": {"type": "string", "default": "seconds"},
        "drop": {"type": ["boolean", "string"], "default": False},
        "allowrate": {"type": ["boolean", "string"], "default": False},
        "outputs": {"type": ["integer", "string"], "default": 1},
    },
    "additionalProperties": True,
}


class DelayNode(Node):
    """Delay messages or limit their rate."""

    type = "delay"
    category = "function"
    color = "#E6E0F8"
    icon = "timer.svg"
    schema = _SCHEMA
    help = node_help("delay")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.pause_type = config.get("pauseType") or "delay"
        self.timeout = number_prop(config.get("timeout"), 0) * _UNIT_MS.get(
            config.get("timeoutUnits") or "seconds", 1000.0
        )
        rate = number_prop(config.get("rate"), 0)
        nb_units = number_prop(config.get("nbRateUnits"), 0)
        per_unit = _RATE_MS.get(config.get("rateUnits") or "second", 1000.0)
        self.rate_ms = (per_unit / rate if rate else float("inf")) * (nb_units if nb_units > 0 else 1)
        self.burst = rate
        self.period_ms = nb_units * per_unit
        unit = _UNIT_MS.get(config.get("randomUnits") or "seconds", 1000.0)
        self.random_first = number_prop(config.get("randomFirst"), 0) * unit
        self.random_last = number_prop(config.get("randomLast"), 0) * unit
        self.drop = config.get("drop") in (True, "true")
        self.allow_rate = config.get("allowrate") in (True, "true")
        self.two_outputs = str(config.get("outputs") or 1) == "2"
        self.delays = DelayList(self, self._after_fire)
        self.limiter: RateLimiter | TopicQueue | BurstLimiter | None = None
        if self.pause_type == "rate":
            self.limiter = RateLimiter(self)
        elif self.pause_type in ("queue", "timed"):
            self.limiter = TopicQueue(self, all_topics=self.pause_type == "timed")
        elif self.pause_type == "burst":
            self.limiter = BurstLimiter(self)

    def held(self) -> int:
        return len(self.delays) + (len(self.limiter.buffer) if self.limiter is not None else 0)

    def on_start(self) -> None:
        if self.limiter is not None:
            self.limiter.start()

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        done = once(done)
        if self.limiter is not None:
            self.limiter.input(msg, send, done)
            return
        if self.pause_type == "delayv":
            wait = self.timeout
            given = parse_float(msg.get("delay")) if "delay" in msg else None
            if given is not None:
                wait = given
            wait = max(wait, 0.0)
        elif self.pause_type == "random":
            wait = self.random_first + (self.random_last - self.random_first) * random.random()
        else:
            wait = self.timeout
        only_flush = "flush" in msg and sum(1 for k in msg if k != "_msgid") == 1
        if only_flush:
            pass  # a bare flush message is a command, never delayed itself
        else:
            limit = buffer_limit(self)
            if limit and len(self.delays) >= limit and "reset" not in msg and "flush" not in msg:  # not in Node-RED
                done(NodeError(f"too many pending messages in delay node: {limit:,} waiting "
                               "(nodeMessageBufferMaxLength); this message is dropped"))
                return
            self.delays.add(msg, send, done, wait)
        if "reset" in msg:
            self.delays.clear()
            self.status(fill="blue", shape="ring", text=0)
            done()
        elif "flush" in msg:
            self.delays.flush(msg["flush"])
            self.status(fill="blue", shape="dot", text=len(self.delays))
            done()
        elif self._show_depth():
            self.status(fill="blue", shape="dot", text=len(self.delays))

    def _show_depth(self) -> bool:
        if self.pause_type == "delay":
            return self.timeout > 1000
        if self.pause_type == "random":
            return self.timeout >= 1000
        return True

    def _after_fire(self) -> None:
        if self._show_depth():
            self.status(fill="blue", shape="dot", text=len(self.delays))

    def on_close(self, removed: bool) -> None:
        if self.limiter is not None:
            self.limiter.close()
        else:
            self.delays.clear()
            self.status({})


NODES: list[type[Node]] = [DelayNode]
