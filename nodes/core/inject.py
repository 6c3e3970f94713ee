"""The inject node: start a flow by hand, once after deploy, at an interval or on a cron schedule.

Each trigger builds a new message from ``props`` (``[{p, v, vt}]``) evaluated as typed inputs at
that moment. ``POST /inject/<id>`` (``admin_inject``) turns the request body into the message;
its ``__user_inject_props__`` replace the configured props for that one message.

Cron schedules (``crontab``: the 5-field forms the editor writes, ``"00 12 * * 1,3"`` at a time,
``"*/10 9-17 * * *"`` an interval between times, or 6 fields with seconds first) run on local
wall-clock time read from a clock: ``settings.extra["inject_clock"]`` when set (tests), else
``WallClock``; a clock has ``now() -> aware datetime`` and ``call_at(when, fn) -> handle``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from flowengine.message import new_msgid
from flowengine.node import Node
from flowengine.typed import compile_jsonata
from flowengine.types import Done, Msg, Send

from ._help import node_help
from ._jsprops import compile_path, js_set, resolve_path

_MAX_REPEAT = 2147483  # seconds; setInterval's limit in Node-RED
CLOCK_KEY = "inject_clock"


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class WallClock:
    """The inject node's time source: the local time, and a timer at a wall-clock time."""

    def now(self) -> datetime:
        return datetime.now().astimezone()

    def call_at(self, when: datetime, fn: Callable[[], Any]) -> Cancellable:
        delay = max(0.0, (when - self.now()).total_seconds())
        return asyncio.get_running_loop().call_later(delay, fn)


class InjectNode(Node):
    type = "inject"
    category = "common"
    color = "#a6bbcf"
    icon = "inject.svg"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "props": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"p": {"type": "string"}, "v": {}, "vt": {"type": "string"}},
                },
                "default": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
            },
            "repeat": {"type": ["string", "number"], "default": ""},
            "crontab": {"type": "string", "default": ""},
            "once": {"type": ["boolean", "string"], "default": False},
            "onceDelay": {"type": ["string", "number"], "default": 0.1},
            "topic": {"type": "string", "default": ""},
            "payload": {"default": ""},
            "payloadType": {"type": "string", "default": "date"},
        },
    }
    help = node_help("inject")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.props = _normalise_props(config)
        self._exprs: dict[int, Any] = {}
        self._handles: list[Cancellable] = []
        self._closed = False
        extra = getattr(getattr(host, "settings", None), "extra", None)
        clock = extra.get(CLOCK_KEY) if isinstance(extra, dict) else None
        self.clock = clock if clock is not None else WallClock()

    def on_start(self) -> None:
        for i, prop in enumerate(self.props):
            if prop.get("vt") == "jsonata":
                try:
                    self._exprs[i] = compile_jsonata(str(prop.get("v") or ""))
                except Exception as exc:  # the JSONata parser's own error types
                    self.error(f"Invalid JSONata expression in property {prop.get('p')!r}: {exc}")
        cfg = self.config
        if cfg.get("once") is True or cfg.get("once") == "true":
            delay = _seconds(cfg.get("onceDelay")) or 0.1

            def once() -> None:
                self.trigger()
                self._setup_repeat()

            self._handles.append(self.call_later(delay, once))
        else:
            self._setup_repeat()

    def on_close(self, removed: bool) -> None:
        self._stop_timers()

    def on_drain(self) -> None:
        # a shutdown: no tick starts a message the drain would then have to cut (the button still works)
        self._stop_timers()

    def _stop_timers(self) -> None:
        self._closed = True
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        self._emit(msg, send)
        done()

    def admin_inject(self, body: dict[str, Any] | None) -> bool:
        # Node-RED's button calls node.receive(body), which sets the id before the input handler
        # adds the properties: `_msgid` is the first key (debug shows it so), unlike a timer's msg
        msg = dict(body) if isinstance(body, dict) else {}
        if not msg.get("_msgid"):
            msg["_msgid"] = new_msgid()
        self.trigger(msg)
        return True

    def trigger(self, msg: Msg | None = None) -> None:
        """Send one message (what a timer tick or the button does)."""
        self._emit(msg if msg is not None else {}, self.send)

    # --- timers ---
    def _setup_repeat(self) -> None:
        if self._closed:
            return
        repeat = _seconds(self.config.get("repeat"))
        if repeat and repeat > _MAX_REPEAT:
            self.error(f"inject node {self.id}, property 'repeat': interval too long (max {_MAX_REPEAT} s)")
            repeat = None
        if repeat and repeat > 0:
            self._schedule_interval(repeat)
        elif str(self.config.get("crontab") or "").strip():
            self._schedule_cron(str(self.config["crontab"]).strip())

    def _schedule_interval(self, every: float) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()

        def tick(n: int) -> None:
            # re-arm on the ideal schedule first (no drift); ticks missed while the loop was busy
            # are skipped, not fired in a burst, as setInterval behaves
            k = max(n + 1, math.floor((loop.time() - start) / every) + 1)
            self._handles = self._handles[-2:]
            self._handles.append(loop.call_at(start + every * k, self._guarded, lambda: tick(k)))
            self.trigger()

        self._handles.append(loop.call_at(start + every, self._guarded, lambda: tick(1)))

    def _schedule_cron(self, expr: str) -> None:
        from croniter import croniter  # here: only a cron inject needs it (18 ms and 2.8 MiB at start-up)

        fields = expr.split()
        if len(fields) == 6:  # Node-RED's cron library puts seconds first; croniter last
            fields = fields[1:] + fields[:1]
        clock = self.clock
        try:
            it = croniter(" ".join(fields), clock.now())
        except (ValueError, KeyError) as exc:
            self.error(f"inject node {self.id}, property 'crontab': invalid crontab {expr!r}: {exc}")
            return

        def arm() -> None:
            if self._closed:
                return
            # the next time after the previous one (not after "now"): a timer that fires a little
            # early cannot fire the same minute twice
            nxt = it.get_next(datetime)
            self._handles = self._handles[-2:]
            self._handles.append(clock.call_at(nxt, lambda: self._guarded(fire)))

        def fire() -> None:
            arm()
            self.trigger()

        arm()

    # --- building the message ---
    def _emit(self, msg: Msg, send: Send) -> None:
        props = self.props
        user = msg.pop("__user_inject_props__", None)
        exprs = self._exprs
        if isinstance(user, list):
            props = _normalise_user_props(user)
            exprs = {}
        errors: list[str] = []
        for i, prop in enumerate(props):
            path = prop.get("p")
            if not path:
                continue
            vt = prop.get("vt") or "str"
            value = prop.get("v")
            if value is None:
                value = ""
            try:
                if vt == "jsonata":
                    expr = exprs[i] if i in exprs else compile_jsonata(str(value))
                    result = expr.evaluate(self, msg)
                else:
                    result = self.evaluate(value, vt, msg)
                keys = compile_path(str(path)) or resolve_path(str(path), msg)
                js_set(msg, keys, result, True)
            except Exception as exc:  # every failing property is reported together
                errors.append(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        if errors:
            self.error("; ".join(errors), msg)
        else:
            send(msg)


def _normalise_props(config: dict[str, Any]) -> list[dict[str, Any]]:
    raw = config.get("props")
    if not isinstance(raw, list):
        return [
            {"p": "payload", "v": config.get("payload", ""), "vt": config.get("payloadType") or "date"},
            {"p": "topic", "v": config.get("topic", ""), "vt": "str"},
        ]
    props = []
    for item in raw:
        prop = dict(item)
        if prop.get("p") == "payload" and "v" not in prop:
            prop["v"] = config.get("payload", "")
            prop["vt"] = config.get("payloadType") or "date"
        elif prop.get("p") == "topic" and prop.get("vt") == "str" and "v" not in prop:
            prop["v"] = config.get("topic", "")
        props.append(prop)
    return props


def _normalise_user_props(raw: list[Any]) -> list[dict[str, Any]]:
    return [dict(p) for p in raw if isinstance(p, dict)]


def _seconds(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    return n if n == n else None


NODES: list[type[Node]] = [InjectNode]
