"""The trigger node: send one message, then a second one after a delay unless reset.

On a message (per ``msg.<topic>`` when ``bytopic`` is ``topic``) it sends ``op1`` at once and
``op2`` after ``duration`` ``units``. Later messages are ignored while waiting, or restart the
wait when ``extend`` is set. ``duration`` 0 sends nothing more and waits for a reset; a negative
duration resends ``op1`` every period until reset. ``msg.reset`` (or a payload equal to
``reset``) cancels. Value types: ``str`` (mustache ``{{ }}`` allowed), ``num``, ``json``,
``bool``, ``date``, ``flow``, ``global``, ``env``..., ``pay`` (the original payload), ``payl``
(the latest payload, for op2), ``nul`` (send nothing). With ``outputs`` 2 the second message goes
to output 2; ``overrideDelay`` lets ``msg.delay`` (ms) set the wait.
"""

from __future__ import annotations

import asyncio
from typing import Any

from flowengine.errors import NodeError
from flowengine.jsutil import js_string
from flowengine.message import clone_msg, deep_clone, get_property
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._delay_timers import once
from ._help import node_help
from ._sequence import Interval, buffer_limit, parse_float

_UNITS = {"ms": 1.0, "s": 1000.0, "min": 60_000.0, "hr": 3_600_000.0}
_WAIT_FOR_RESET = "wait-for-reset"  # Node-RED's ``tout = 0``: duration 0, nothing scheduled

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "op1": {"type": ["string", "number", "boolean", "null"], "default": "1"},
        "op2": {"type": ["string", "number", "boolean", "null"], "default": "0"},
        "op1type": {"type": "string", "default": "str"},
        "op2type": {"type": "string", "default": "str"},
        "duration": {"type": ["string", "number"], "default": "250"},
        "units": {"type": "string", "enum": ["ms", "s", "min", "hr"], "default": "ms"},
        "extend": {"type": ["boolean", "string"], "default": False},
        "overrideDelay": {"type": ["boolean", "string"], "default": False},
        "reset": {"type": ["string", "number"], "default": ""},
        "bytopic": {"type": "string", "enum": ["all", "topic"], "default": "all"},
        "topic": {"type": "string", "default": "topic"},
        "outputs": {"type": ["integer", "string"], "default": 1},
    },
    "additionalProperties": True,
}


class _TopicState:
    __slots__ = ("m2", "timer")

    def __init__(self) -> None:
        self.timer: asyncio.TimerHandle | Interval | str | None = None
        self.m2: Any = UNDEFINED

    def cancel(self) -> None:
        if isinstance(self.timer, asyncio.TimerHandle | Interval):
            self.timer.cancel()
        self.timer = None


class TriggerNode(Node):
    """Send a message, then optionally a second one after a delay."""

    type = "trigger"
    category = "function"
    color = "#E6E0F8"
    icon = "trigger.svg"
    schema = _SCHEMA
    help = node_help("trigger")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.bytopic = config.get("bytopic") or "all"
        self.topic_prop = config.get("topic") or "topic"
        self.op1, self.op1type = _op(config.get("op1"), config.get("op1type"), "1")
        self.op2, self.op2type = _op(config.get("op2"), config.get("op2type"), "0")
        self.extend = config.get("extend") in (True, "true")
        self.override_delay = config.get("overrideDelay") in (True, "true")
        reset = config.get("reset")
        self.reset = "" if reset in (None, "", 0, False) else js_string(reset)  # JS: n.reset || ""
        duration = parse_float(config.get("duration"))
        self.duration = 250.0 if duration is None else duration
        self.loop = self.duration < 0
        if self.loop:
            self.duration = -self.duration
            self.extend = False
        self.duration *= _UNITS.get(config.get("units") or "ms", 1.0)
        self.two_outputs = str(config.get("outputs") or 1) == "2"
        self.op1_template = self.op1type == "str" and "{{" in str(self.op1)
        self.op2_template = self.op2type == "str" and "{{" in str(self.op2)
        if self.op1type == "num" and parse_float(self.op1) is not None:
            self.op1 = float(self.op1)
            self.op1 = int(self.op1) if self.op1.is_integer() else self.op1
        if self.op2type == "num" and parse_float(self.op2) is not None:
            self.op2 = float(self.op2)
            self.op2 = int(self.op2) if self.op2.is_integer() else self.op2
        self.topics: dict[Any, _TopicState] = {}

    def _value(self, op: Any, optype: str, templated: bool, msg: Msg) -> Any:
        if templated:
            from ._mustache import render  # the template node's mustache.js-compatible renderer

            return render(str(op), msg)
        if optype == "num" and isinstance(op, int | float):
            return op
        if optype == "null":
            return None
        return self.evaluate(op, optype, msg)

    def _is_reset(self, msg: Msg) -> bool:
        if "reset" in msg:
            return True
        if self.reset == "" or "payload" not in msg:
            return False
        payload = msg["payload"]
        return payload is not None and payload is not UNDEFINED and js_string(payload) == self.reset

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        done = once(done)
        topic: Any = "_none"
        if self.bytopic != "all":
            value = get_property(msg, self.topic_prop)
            if value not in (None, UNDEFINED, "", 0, False):
                topic = value if isinstance(value, str | int | float) else js_string(value)
        state = self.topics.get(topic)
        if state is None:
            limit = buffer_limit(self)
            if limit and len(self.topics) >= limit and not self._is_reset(msg):  # not in Node-RED
                done(NodeError(f"too many pending messages in trigger node: {limit:,} topics waiting "
                               "(nodeMessageBufferMaxLength); this message is dropped"))
                return
            state = self.topics[topic] = _TopicState()
        if self._is_reset(msg):
            state.cancel()
            del self.topics[topic]
            self.status({})
            done()
            return
        duration = self.duration
        if self.override_delay and "delay" in msg:
            override = parse_float(msg["delay"])
            if override is not None:
                duration = override
        try:
            if state.timer is None or self.loop:
                self._first(msg, send, topic, state, duration)
            elif self.extend and duration > 0:
                if self.op2type == "payl":
                    state.m2 = deep_clone(msg.get("payload", UNDEFINED))
                state.cancel()
                state.timer = self.call_later(duration / 1000.0, lambda: self._fire(msg, send, topic))
            elif self.op2type == "payl":
                state.m2 = deep_clone(msg.get("payload", UNDEFINED))
        except Exception as exc:  # an op value that cannot be evaluated is the message's error
            done(exc)
            return
        done()

    def _first(self, msg: Msg, send: Send, topic: Any, state: _TopicState, duration: float) -> None:
        if self.op2type in ("pay", "payl"):
            state.m2 = deep_clone(msg.get("payload", UNDEFINED))
        elif self.op2type != "nul":
            state.m2 = self._value(self.op2, self.op2type, self.op2_template, msg)
        if self.op1type != "pay" and self.op1type != "nul":
            value = self._value(self.op1, self.op1type, self.op1_template, msg)
            _set_payload(msg, value)
        if duration == 0:
            state.timer = _WAIT_FOR_RESET
        elif self.loop:
            state.cancel()
            if self.op1type != "nul":
                repeat = clone_msg(msg)
                state.timer = Interval(self, duration / 1000.0, lambda: send(clone_msg(repeat)))
        elif state.timer is None:
            state.timer = self.call_later(duration / 1000.0, lambda: self._fire(msg, send, topic))
        self.status(fill="blue", shape="dot", text=" ")
        if self.op1type != "nul":
            send(clone_msg(msg))

    def _fire(self, msg: Msg, send: Send, topic: Any) -> None:
        state = self.topics.get(topic)
        if state is None:
            return
        state.timer = None
        out: Msg | None = None
        if self.op2type != "nul":
            if self.op2type in ("flow", "global"):
                state.m2 = self.evaluate(self.op2, self.op2type, msg)
            out = clone_msg(msg)
            _set_payload(out, state.m2)
        del self.topics[topic]
        self.status({})
        if out is not None:
            send([None, out] if self.two_outputs else out)

    def held(self) -> int:
        """Second messages waiting for their time (a shutdown's drain waits for them, or counts them)."""
        return sum(1 for state in self.topics.values() if isinstance(state.timer, asyncio.TimerHandle))

    def on_drain(self) -> None:
        # a shutdown: a repeating op1 ("resend every") is a timer that starts messages: it stops
        for topic, state in list(self.topics.items()):
            if isinstance(state.timer, Interval):
                state.cancel()
                del self.topics[topic]

    def on_close(self, removed: bool) -> None:
        states = list(self.topics.values())
        self.topics.clear()
        for state in states:
            state.cancel()
        self.status({})


def _op(value: Any, optype: Any, default: str) -> tuple[Any, str]:
    """The configured value and type, with the editor's legacy ``val`` type resolved."""
    op = default if value in (None, "") else value
    kind = optype or "str"
    if kind == "val":
        if op in ("true", "false"):
            kind = "bool"
        elif op == "null":
            kind, op = "null", None
        else:
            kind = "str"
    return op, kind


def _set_payload(msg: Msg, value: Any) -> None:
    if value is UNDEFINED:
        msg.pop("payload", None)
    else:
        msg["payload"] = value


NODES: list[type[Node]] = [TriggerNode]
