"""The join node: turn a message sequence back into one message.

``auto`` mode reads ``msg.parts`` (as written by split); ``custom`` (manual) mode builds an array,
string, buffer, object keyed by ``msg.<key>`` or a merged object, sending after ``count``
messages (distinct keys for object/merged builds), after ``timeout`` seconds, or when a message
carries ``msg.complete``. With ``useparts`` (absent counts as true: nodes from before Node-RED
4.0.1 keep the 3.x behaviour) a blank ``count`` means the incoming ``msg.parts`` sequence: its
``count`` completes the group, its ``id`` keeps concurrent sequences apart; ``useparts: false``
(the editor's default for new nodes) ignores ``msg.parts``: it is removed from each incoming
message (a parent ``parts.parts`` is kept for the output). ``reduce`` mode folds a sequence with
a JSONata expression (see ``_join_reduce``).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from flowengine.jsutil import js_string, js_typeof, to_number
from flowengine.message import clone_msg, get_property, set_property
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._join_reduce import ReduceJoiner
from ._join_values import NO_VALUE, array_index, drop_parts, join_buffers, join_strings, place, positive
from ._sequence import number_prop, unescape_joiner

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "mode": {"type": "string", "enum": ["auto", "custom", "reduce"], "default": "auto"},
        "build": {
            "type": "string",
            "enum": ["array", "string", "buffer", "object", "merged"],
            "default": "array",
        },
        "property": {"type": "string", "default": "payload"},
        "propertyType": {"type": "string", "enum": ["msg", "full"], "default": "msg"},
        "key": {"type": "string", "default": "topic"},
        "joiner": {"type": "string", "default": "\\n"},
        "joinerType": {"type": "string", "enum": ["str", "bin"], "default": "str"},
        "accumulate": {"type": ["boolean", "string"], "default": False},
        "timeout": {"type": ["string", "number"], "default": ""},
        "count": {"type": ["string", "number"], "default": ""},
        "reduceRight": {"type": ["boolean", "string"], "default": False},
        "reduceExp": {"type": "string", "default": ""},
        "reduceInit": {"type": ["string", "number"], "default": ""},
        "reduceInitType": {"type": "string", "default": ""},
        "reduceFixup": {"type": "string", "default": ""},
        "useparts": {"type": ["boolean", "string"]},
    },
    "additionalProperties": True,
}

_TOP_KEY = re.compile(r"[A-Za-z_$][\w$]*")


class _Group:
    """One sequence being collected."""

    __slots__ = ("array_len", "count", "dones", "join_char", "kind", "msg", "payload", "send", "target", "timer")

    def __init__(self, kind: str, target: Any, msg: Msg, send: Send):
        self.kind = kind
        self.payload: Any = {} if kind == "object" else []
        self.count = 0
        self.target = target
        self.msg = msg
        self.send = send
        self.dones: list[Done] = []
        self.timer: asyncio.TimerHandle | None = None
        self.join_char: Any = UNDEFINED
        self.array_len: Any = UNDEFINED


class JoinNode(Node):
    """Join a sequence of messages into a single message."""

    type = "join"
    category = "sequence"
    color = "#E2D96E"
    icon = "join.svg"
    schema = _SCHEMA
    help = node_help("join")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.mode = config.get("mode") or "auto"
        self.property_type = config.get("propertyType") or "msg"
        self.property = "payload" if self.property_type == "full" else (config.get("property") or "payload")
        self.key = config.get("key") or "topic"
        self.timer = 0.0 if self.mode == "auto" else number_prop(config.get("timeout"))
        self.count = number_prop(config.get("count"))
        self.count_blank = config.get("count") == ""
        self.build = config.get("build") or "array"
        self.accumulate = config.get("accumulate") in (True, "true")
        self.use_parts = config.get("useparts") not in (False, "false")
        self.invalid: str | None = None
        joiner = config.get("joiner") or ""
        self.joiner: Any = joiner
        if (config.get("joinerType") or "str") == "bin":
            try:
                arr = json.loads(joiner or "[]")
                if not isinstance(arr, list):
                    raise ValueError("not an array")
                self.joiner = bytes(arr)
            except (ValueError, TypeError) as exc:
                self.invalid = f"Invalid joiner property: Error: {exc}"
        else:
            self.joiner = unescape_joiner(str(joiner))
        self.inflight: dict[Any, _Group] = {}
        simple = self.mode == "auto" and self.property_type == "msg" and _TOP_KEY.fullmatch(self.property)
        self.fast_key: str | None = self.property if simple else None
        self.reducer: ReduceJoiner | None = None
        if self.mode == "reduce":
            try:
                self.reducer = ReduceJoiner(self, config)
            except Exception as exc:  # a bad expression disables the node, as in Node-RED
                self.invalid = f"Invalid expression: {exc}"

    def on_start(self) -> None:
        if self.invalid:
            self.error(self.invalid)

    # --- input ---
    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.fast_key is not None and not self.invalid:  # auto mode into a plain msg property
            parts = msg.get("parts")
            if parts.__class__ is dict and self._fast_add(msg, parts, send, done):
                return
        if self.invalid:
            done()
            return
        if self.reducer is not None:
            self.reducer.add(msg, send, done)
            return
        if self.mode == "custom" and not self.use_parts and "parts" in msg:
            drop_parts(msg)
        parts = msg.get("parts")
        if self.mode == "auto" and not (isinstance(parts, dict) and "id" in parts):
            self.warn("Message missing msg.parts property - cannot join in 'auto' mode", msg)
            done()
            return
        prop = msg if self.property_type == "full" else get_property(msg, self.property)
        key: Any = UNDEFINED
        index: Any = UNDEFINED
        join_char: Any = UNDEFINED
        array_len: Any = UNDEFINED
        if self.mode == "auto":
            assert isinstance(parts, dict)
            part_id = parts["id"]
            build = parts.get("type", UNDEFINED)
            target: Any = parts.get("count", UNDEFINED)
            join_char = parts.get("ch", UNDEFINED)
            key = parts.get("key", UNDEFINED)
            array_len = parts.get("len", UNDEFINED)
            index = parts.get("index", UNDEFINED)
        else:
            part_id = "_"
            build = self.build
            target = self.count
            join_char = self.joiner
            if self.count_blank and isinstance(parts, dict):
                target = parts.get("count") or 0
                if isinstance(parts.get("id"), str | int | float):  # node-red#4143: sequences kept apart
                    part_id = parts["id"]
            if build == "object":
                key = get_property(msg, self.key)
        if "reset" in msg:
            group = self.inflight.pop(part_id, None)
            if group is not None:
                self._finish(group)
            done()
            return
        if build == "object" and (key is None or key is UNDEFINED or key == ""):
            self._missing_key(msg, part_id, send)
            done()
            return
        group = self.inflight.get(part_id)
        if group is None:
            group = _Group("object" if build in ("object", "merged") else build, target, clone_msg(msg), send)
            if build == "string" or build == "buffer":
                group.join_char = join_char
            elif build == "array":
                group.array_len = array_len
            if self.timer > 0:
                group.timer = self.call_later(self.timer, lambda: self._timed_out(part_id))
            self.inflight[part_id] = group
        elif "restartTimeout" in msg and self.timer > 0:
            if group.timer is not None:
                group.timer.cancel()
            group.timer = self.call_later(self.timer, lambda: self._timed_out(part_id))
        if build == "buffer" and prop is not UNDEFINED and not isinstance(prop, bytes | bytearray | str | list):
            done(f"Cannot join {js_typeof(prop)} to buffer")
            return
        self._hold(group, done)
        self._add(group, build, prop, key, index, msg)
        group.msg.update(msg)
        group.send = send
        tcnt = group.target
        if isinstance(parts, dict):
            tcnt = group.target or parts.get("count", UNDEFINED)
        if (positive(tcnt) and group.count >= to_number(tcnt)) or "complete" in msg:
            self._complete(part_id)

    def _hold(self, group: _Group, done: Done) -> None:
        """Keep ``done`` until the group is sent (complete nodes fire then, as in Node-RED); with
        no complete node listening, call it now so held callbacks do not keep every part alive."""
        if self.completion_watched():
            group.dones.append(done)
        else:
            done()

    def _fast_add(self, msg: Msg, parts: dict[str, Any], send: Send, done: Done) -> bool:
        """The common case of auto mode (an element of a started array sequence), without the
        general path's look-ups. False when the message needs the general path."""
        group = self.inflight.get(parts.get("id"))
        index = parts.get("index")
        if (
            group is None
            or group.kind != "array"
            or index.__class__ is not int
            or index < 0
            or parts.get("type") != "array"
            or "reset" in msg
            or "complete" in msg
            or "restartTimeout" in msg
        ):
            return False
        if self.host.completion_watched(self):  # _hold, inline
            group.dones.append(done)
        else:
            done()
        payload = group.payload
        value = msg.get(self.fast_key, UNDEFINED)  # type: ignore[arg-type]
        if index == len(payload):
            payload.append(value)
        else:
            place(payload, index, value)
        group.count += 1
        group.msg.update(msg)
        group.send = send
        tcnt = group.target or parts.get("count", UNDEFINED)
        if tcnt.__class__ is int:
            if 0 < tcnt <= group.count:
                self._complete(parts["id"])
        elif positive(tcnt) and group.count >= to_number(tcnt):
            self._complete(parts["id"])
        return True

    def _missing_key(self, msg: Msg, part_id: Any, send: Send) -> None:
        if self.mode == "auto":
            self.warn("Message missing 'msg.parts.key' property - cannot add to object", msg)
        elif "complete" in msg:
            group = self.inflight.get(part_id)
            if group is not None:
                group.msg["complete"] = msg["complete"]
                group.send = send
                self._complete(part_id)
        else:
            self.warn(f"Message missing key property 'msg.{self.key}' - cannot add to object", msg)

    def _add(self, group: _Group, build: str, prop: Any, key: Any, index: Any, msg: Msg) -> None:
        if build == "object":
            group.payload[key if isinstance(key, str) else js_string(key)] = prop
            group.count = len(group.payload)
        elif build == "merged":
            if isinstance(prop, dict):
                for k, v in prop.items():
                    if k != "_msgid":
                        group.payload[k] = v
                group.count = len(group.payload)
            elif prop is not None and "complete" not in msg:
                self.warn("Cannot merge non-object types", msg)
        else:
            slot = array_index(index)
            if slot is not None:
                place(group.payload, slot, prop)
                group.count += 1
            elif prop is not UNDEFINED:
                group.payload.append(prop)
                group.count += 1

    # --- output ---
    def _timed_out(self, part_id: Any) -> None:
        if part_id in self.inflight:
            self.inflight[part_id].timer = None
            self._complete(part_id)

    def _complete(self, part_id: Any) -> None:
        group = self.inflight[part_id]
        if group.timer is not None:
            group.timer.cancel()
            group.timer = None
        keep = self.accumulate and "complete" not in group.msg
        if not keep:
            del self.inflight[part_id]
        value: Any
        if group.kind == "object":
            value = group.payload
        else:
            items = [None if v is NO_VALUE or v is UNDEFINED else v for v in group.payload]
            if group.kind == "array" and positive(group.array_len) and to_number(group.array_len) > 1:
                flat: list[Any] = []
                for item in items:
                    flat.extend(item) if isinstance(item, list) else flat.append(item)
                items = flat
                group.payload = list(flat)
            if group.kind == "buffer":
                value = join_buffers(items, group.join_char)
            elif group.kind == "string":
                value = join_strings(items, group.join_char)
            else:
                value = items
        out = group.msg
        if self.property_type == "full" and group.kind != "string":
            out = clone_msg(out)
        set_property(out, self.property, value)
        inner = out.get("parts")
        if isinstance(inner, dict) and "parts" in inner:
            out["parts"] = inner["parts"]
        else:
            out.pop("parts", None)
        out.pop("complete", None)
        group.send(clone_msg(out) if keep else out)
        if keep:
            group.msg = out
        dones, group.dones = group.dones, []
        for d in dones:
            d()

    def _finish(self, group: _Group) -> None:
        if group.timer is not None:
            group.timer.cancel()
            group.timer = None
        dones, group.dones = group.dones, []
        for d in dones:
            d()

    def on_close(self, removed: bool) -> None:
        groups = list(self.inflight.values())
        self.inflight.clear()
        for group in groups:
            self._finish(group)
        if self.reducer is not None:
            self.reducer.clear()


NODES: list[type[Node]] = [JoinNode]
