"""Values for the join node: array slots (JavaScript holes), buffer and string joins, Node-RED's
number tests on ``count`` and ``parts.index``."""

from __future__ import annotations

import math
from typing import Any

from flowengine.jsutil import js_string, to_number
from flowengine.types import UNDEFINED, Msg

NO_VALUE = object()  # an array slot no message filled (a JavaScript hole)


def drop_parts(msg: Msg) -> None:
    """``useparts: false``: the incoming sequence is ignored; only its parent sequence is kept."""
    parts = msg["parts"]
    if isinstance(parts, dict) and "parts" in parts:
        msg["parts"] = {"parts": parts["parts"]}
    else:
        del msg["parts"]


def positive(value: Any) -> bool:
    if value.__class__ is int:
        return bool(value > 0)
    if value is UNDEFINED or value is None or isinstance(value, dict | list):
        return False
    n = to_number(value)
    return bool(n == n and n > 0)


def array_index(index: Any) -> int | None:
    """The slot for ``msg.parts.index``; None when JavaScript's ``isNaN(index)`` is true."""
    if index is UNDEFINED:
        return None
    n = to_number(index)
    if n != n or (isinstance(n, float) and (math.isinf(n) or not n.is_integer())) or n < 0:
        return None
    return int(n)


def place(items: list[Any], slot: int, value: Any) -> None:
    size = len(items)
    if slot == size:
        items.append(value)
    elif slot < size:
        items[slot] = value
    else:
        items.extend([NO_VALUE] * (slot - size))
        items.append(value)


def to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, list):
        return bytes(int(to_number(v)) & 0xFF for v in value)
    if value is None:
        return b""
    return js_string(value).encode("utf-8")


def join_buffers(items: list[Any], join_char: Any) -> bytes:
    chunks = [to_bytes(v) for v in items]
    if join_char is UNDEFINED or join_char is None:
        return b"".join(chunks)
    return to_bytes(join_char).join(chunks)


def join_strings(items: list[Any], join_char: Any) -> str:
    if join_char is UNDEFINED or join_char is None:
        sep = ","
    elif isinstance(join_char, str):
        sep = join_char
    else:
        sep = js_string(join_char)
    return sep.join("" if v is None else js_string(v) for v in items)
