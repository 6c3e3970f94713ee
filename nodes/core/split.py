"""The split node: one message in, a sequence of messages out, each carrying ``msg.parts``.

Strings split on a separator (``spltType`` ``str``), on a byte sequence (``bin``) or into
fixed-length chunks (``len``); arrays into chunks of ``arraySplt`` elements; objects into one
message per key; buffers like strings. ``stream`` mode keeps the unterminated tail of a string or
buffer and prepends it to the next message. Every part gets a fresh ``_msgid``.
"""

from __future__ import annotations

import json
import math
import re
from random import randbytes
from typing import Any

from flowengine.message import clone_msg, deep_clone, get_property, new_msgid, set_property
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._sequence import unescape_joiner

_TOP_KEY = re.compile(r"[A-Za-z_$][\w$]*")
_IMMUTABLE_TYPES = frozenset({str, int, float, bool, bytes, type(None)})

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "splt": {"type": ["string", "number"], "default": "\\n"},
        "spltType": {"type": "string", "enum": ["str", "bin", "len"], "default": "str"},
        "arraySplt": {"type": ["string", "number"], "default": 1},
        "arraySpltType": {"type": "string", "default": "len"},
        "stream": {"type": ["boolean", "string"], "default": False},
        "addname": {"type": "string", "default": ""},
        "property": {"type": "string", "default": "payload"},
    },
    "additionalProperties": True,
}


class SplitNode(Node):
    """Split a string, buffer, array or object into a message sequence."""

    type = "split"
    category = "sequence"
    color = "#E2D96E"
    icon = "split.svg"
    schema = _SCHEMA
    help = node_help("split")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.stream = config.get("stream") in (True, "true")
        self.spltType = config.get("spltType") or "str"
        self.addname = config.get("addname") or ""
        self.property = config.get("property") or "payload"
        self.top_key = self.property if _TOP_KEY.fullmatch(self.property) else None
        self.splt: Any = None
        self.splt_buffer: list[int] | None = None
        self.array_splt = 1
        self.invalid: str | None = None
        try:
            self._configure(config)
        except (ValueError, TypeError) as exc:
            self.invalid = f"Invalid split property: Error: {exc}"
        self.c = 0
        self.remainder = ""
        self.buffer = b""
        self.pending_dones: list[Done] = []

    def _configure(self, config: dict[str, Any]) -> None:
        raw = config.get("splt")
        if self.spltType == "str":
            self.splt = unescape_joiner(str(raw) if raw not in (None, "") else "\\n")
        elif self.spltType == "bin":
            arr = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(arr, list):
                raise ValueError("not an array")
            self.splt = bytes(arr)
            self.splt_buffer = arr
        elif self.spltType == "len":
            self.splt = _parse_int(raw)
            if self.splt is None or self.splt < 1:
                raise ValueError(f"invalid split length: {raw}")
        asp = config.get("arraySplt")
        size = 1 if asp is None else _parse_int(asp)
        if size is None or size < 1:
            raise ValueError(f"invalid array split length: {asp}")
        self.array_splt = size

    def on_start(self) -> None:
        if self.invalid:
            self.error(self.invalid)

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.invalid:
            done()
            return
        value = get_property(msg, self.property)
        if value is UNDEFINED:
            done()
            return
        msg["parts"] = {"parts": msg["parts"]} if "parts" in msg else {}
        parts = msg["parts"]
        parts["id"] = new_msgid()
        msg.pop("_msgid", None)
        if isinstance(value, str):
            self._split_string(msg, value, send, done)
        elif isinstance(value, list):
            self._split_array(msg, value, send)
            done()
        elif isinstance(value, dict):
            self._split_object(msg, value, send)
            done()
        elif isinstance(value, bytes | bytearray):
            self._split_buffer(msg, bytes(value), send, done)
        else:  # numbers, booleans, null: nothing to split, the message is dropped
            done()

    def _emit(self, msg: Msg, value: Any, send: Send) -> None:
        set_property(msg, self.property, value)
        msg["parts"]["index"] = self.c
        self.c += 1
        send(clone_msg(msg))

    def _flush_dones(self) -> None:
        dones, self.pending_dones = self.pending_dones, []
        for d in dones:
            d()

    def _split_string(self, msg: Msg, value: str, send: Send, done: Done) -> None:
        data = self.remainder + value
        parts = msg["parts"]
        parts["type"] = "string"
        if self.spltType == "len":
            size: int = self.splt
            parts["ch"] = ""
            parts["len"] = size
            count = math.ceil(len(data) / size)
            if not self.stream:
                parts["count"] = count
                self.c = 0
            pos = 0
            for _ in range(count - 1):
                self._emit(msg, data[pos : pos + size], send)
                pos += size
            if count > 1:
                self._flush_dones()
            self.remainder = data[pos:]
            if not self.stream or len(self.remainder) == size:
                self._emit(msg, self.remainder, send)
                self.remainder = ""
                self._flush_dones()
                done()
            else:
                self.pending_dones.append(done)
            return
        if self.spltType == "bin":
            pieces = data.split(self.splt.decode("utf-8", errors="replace")) if self.splt else [data]
            parts["ch"] = self.splt_buffer
        else:
            pieces = data.split(self.splt) if self.splt else list(data)
            parts["ch"] = self.splt
        self.remainder = ""
        n = len(pieces)
        parts.setdefault("index", self.c)  # keeps Node-RED's key order: index before count
        for i, piece in enumerate(pieces):
            if i == n - 1 and self.stream:
                self.remainder = piece
                break
            if not self.stream:
                parts["count"] = n
            self._emit(msg, piece, send)
        if not self.stream:
            self.c = 0
        done()

    def _split_array(self, msg: Msg, value: list[Any], send: Send) -> None:
        parts = msg["parts"]
        size = self.array_splt
        parts["type"] = "array"
        parts["count"] = math.ceil(len(value) / size)
        parts["len"] = size
        if size == 1 and self.top_key is not None:
            self._split_array_fast(msg, value, send)
            return
        for i, pos in enumerate(range(0, len(value), size)):
            chunk = value[pos : pos + size]
            set_property(msg, self.property, chunk[0] if size == 1 else chunk)
            parts["index"] = i
            send(clone_msg(msg))

    def _split_array_fast(self, msg: Msg, value: list[Any], send: Send) -> None:
        """One element per message with a top-level property: copy a template instead of cloning
        the whole message per element (the benchmark's hot path)."""
        key = self.top_key
        assert key is not None
        parts = msg["parts"]
        parent = parts.get("parts", UNDEFINED)
        template = dict(msg)
        mutable = [k for k, v in msg.items() if v.__class__ not in _IMMUTABLE_TYPES and k not in (key, "parts")]
        pid, count = parts["id"], parts["count"]
        # every part's fresh _msgid drawn at once (as new_msgid draws one: 16 hex digits); one
        # draw per part was a twelfth of the benchmark's chain1. Set last, where send() sets it.
        ids = randbytes(8 * len(value)).hex()
        for i, item in enumerate(value):
            m = template.copy()
            for k in mutable:
                m[k] = deep_clone(template[k])
            m[key] = item if item.__class__ in _IMMUTABLE_TYPES else deep_clone(item)
            if parent is UNDEFINED:
                m["parts"] = {"id": pid, "type": "array", "count": count, "len": 1, "index": i}
            else:
                m["parts"] = {
                    "parts": deep_clone(parent),
                    "id": pid,
                    "type": "array",
                    "count": count,
                    "len": 1,
                    "index": i,
                }
            m["_msgid"] = ids[16 * i : 16 * i + 16]
            send(m)

    def _split_object(self, msg: Msg, value: dict[str, Any], send: Send) -> None:
        parts = msg["parts"]
        parts["type"] = "object"
        count = len(value)
        for j, (key, item) in enumerate(list(value.items())):
            set_property(msg, self.property, item)
            if self.addname:
                set_property(msg, self.addname, key)
            parts["key"] = key
            parts["index"] = j
            parts["count"] = count
            send(clone_msg(msg))

    def _split_buffer(self, msg: Msg, value: bytes, send: Send, done: Done) -> None:
        buff = self.buffer + value
        parts = msg["parts"]
        parts["type"] = "buffer"
        if self.spltType == "len":
            size: int = self.splt
            count = math.ceil(len(buff) / size)
            if not self.stream:
                parts["count"] = count
                self.c = 0
            parts["len"] = size
            pos = 0
            for _ in range(count - 1):
                self._emit(msg, buff[pos : pos + size], send)
                pos += size
            if count > 1:
                self._flush_dones()
            self.buffer = buff[pos:]
            if not self.stream or len(self.buffer) == size:
                self._emit(msg, self.buffer, send)
                self.buffer = b""
                self._flush_dones()
                done()
            else:
                self.pending_dones.append(done)
            return
        if self.spltType == "bin":
            sep: bytes = self.splt
            parts["ch"] = self.splt_buffer
        else:
            sep = str(self.splt).encode("utf-8")
            parts["ch"] = self.splt
        if not sep:
            sep = b"\n"
        count = buff.count(sep) + 1
        if not self.stream:
            parts["count"] = count
            self.c = 0
        p = 0
        pos = buff.find(sep)
        while pos > -1:
            self._emit(msg, buff[p:pos], send)
            p = pos + len(sep)
            pos = buff.find(sep, p)
        if count > 1:
            self._flush_dones()
        if not self.stream and p < len(buff):
            # Node-RED sets the last part's count to index + 1 here
            set_property(msg, self.property, buff[p:])
            parts["index"] = self.c
            parts["count"] = self.c + 1
            self.c += 2
            send(clone_msg(msg))
            self.buffer = b""
            self._flush_dones()
            done()
        else:
            self.buffer = buff[p:]
            if self.buffer:
                self.pending_dones.append(done)
            else:
                self._flush_dones()
                done()

    def on_close(self, removed: bool) -> None:
        self._flush_dones()


def _parse_int(value: Any) -> int | None:
    """JavaScript ``parseInt``: leading integer digits of the string form, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else int(value)
    text = str(value).strip()
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    digits = ""
    for ch in text:
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else None


NODES: list[type[Node]] = [SplitNode]
