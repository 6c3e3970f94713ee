"""``Envelope``: one message into a boundary node, as a stream entry's fields.

Fields: ``rev`` (the flows revision that produced the message: the worker runs it on that rev),
``node`` (the boundary node's id), ``msg`` (the message as JSON; ``bytes`` values travel as
``{"__bytes__": <base64>}``), ``t`` (enqueue time, ms), ``parks`` (times parked after a rate
limit). A message holding something JSON cannot carry (a socket, a function) cannot leave its
process: ``encode`` raises ``NodeError`` naming it.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from ..errors import NodeError
from ..types import UNDEFINED, Msg

__all__ = ["Envelope", "decode_msg", "encode_msg"]

_BYTES = "__bytes__"


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if value is UNDEFINED:
        return None
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent to another process")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _BYTES in obj and isinstance(obj[_BYTES], str):
        return base64.b64decode(obj[_BYTES])
    return obj


def encode_msg(msg: Msg) -> str:
    """``msg`` as JSON text; ``NodeError`` when it holds a value JSON cannot carry."""
    try:
        return json.dumps(msg, default=_default, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise NodeError(f"queue mode: the message cannot go to a worker: {exc}") from exc


def decode_msg(text: str | bytes) -> Msg:
    value = json.loads(text, object_hook=_hook)
    if not isinstance(value, dict):
        raise ValueError("a queued message must be a JSON object")
    return value


@dataclass(frozen=True)
class Envelope:
    """A message into boundary node ``node`` of flows revision ``rev``."""

    rev: str
    node: str
    msg: str
    enqueued_ms: int
    parks: int = 0
    """How often the entry was parked after a rate limit (parking.py)."""

    @classmethod
    def of(cls, rev: str, node: str, msg: Msg) -> Envelope:
        return cls(rev, node, encode_msg(msg), int(time.time() * 1000))

    def fields(self) -> dict[str, str]:
        out = {"rev": self.rev, "node": self.node, "msg": self.msg, "t": str(self.enqueued_ms)}
        if self.parks:
            out["parks"] = str(self.parks)
        return out

    @classmethod
    def parse(cls, fields: dict[Any, Any]) -> Envelope:
        """From a stream entry's fields (bytes or str); ``ValueError`` when some are missing."""
        def text(key: str, default: str | None = None) -> str:
            value = fields.get(key, fields.get(key.encode(), default))
            if value is None:
                raise ValueError(f"queue entry without field {key!r}")
            return value.decode("utf-8") if isinstance(value, bytes) else str(value)

        return cls(text("rev"), text("node"), text("msg"), int(text("t")), int(text("parks", "0")))

    def message(self) -> Msg:
        return decode_msg(self.msg)
