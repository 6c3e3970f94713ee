"""The batch node: group a stream of messages into sequences (``msg.parts``).

Modes: ``count`` (every ``count`` messages, the last ``overlap`` ones repeated at the start of the
next sequence; with ``honourParts`` a sequence also ends early at the last message of an incoming
``msg.parts`` sequence, ``index + 1 == count``, as Node-RED 4 does), ``interval`` (everything that
arrived in each ``interval`` seconds; an empty interval sends ``{payload: null}`` when
``allowEmptySequence``), ``concat`` (one sequence from the complete sequences of each listed topic,
in the listed order). ``msg.reset`` drops what is held.
"""

from __future__ import annotations

from typing import Any

from flowengine.message import clone_msg, new_msgid
from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from ._help import node_help
from ._sequence import Interval, buffer_limit, number_prop

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "mode": {"type": "string", "enum": ["count", "interval", "concat"], "default": "count"},
        "count": {"type": ["string", "number"], "default": 1},
        "overlap": {"type": ["string", "number"], "default": 0},
        "interval": {"type": ["string", "number"], "default": 0},
        "allowEmptySequence": {"type": ["boolean", "string"], "default": False},
        "honourParts": {"type": ["boolean", "string"]},
        "topics": {
            "type": "array",
            "items": {"type": "object", "properties": {"topic": {"type": "string"}}},
            "default": [],
        },
    },
    "additionalProperties": True,
}

MsgInfo = tuple[Msg, Send, Done]
TOO_MANY = "too many pending messages in batch node"


class BatchNode(Node):
    """Create message sequences by count, by time interval, or by concatenating topics."""

    type = "batch"
    category = "sequence"
    color = "#E2D96E"
    icon = "batch.svg"
    schema = _SCHEMA
    help = node_help("batch")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.mode = config.get("mode") or "count"
        self.invalid: str | None = None
        self.count = int(number_prop(config.get("count"), 1) or 1)
        self.overlap = int(number_prop(config.get("overlap"), 0))
        self.interval = number_prop(config.get("interval"), 0)
        self.allow_empty = config.get("allowEmptySequence") in (True, "true")
        self.honour_parts = config.get("honourParts") in (True, "true")
        self.topics: list[Any] = [t.get("topic") for t in config.get("topics") or [] if isinstance(t, dict)]
        self.queue: list[MsgInfo] = []
        self.pending_count = 0
        # concat mode: topic -> ordered group ids -> (count, msgs)
        self.by_topic: dict[Any, dict[Any, list[Any]]] = {}
        self.timer: Interval | None = None
        if self.mode == "count" and self.count <= self.overlap:
            self.invalid = "Invalid count and overlap: the count must be greater than the overlap"
        elif self.mode not in ("count", "interval", "concat"):
            self.invalid = f"Unexpected mode {self.mode!r}"

    def on_start(self) -> None:
        if self.invalid:
            self.error(self.invalid)
            return
        if self.mode == "interval" and self.interval > 0:
            self.timer = Interval(self, self.interval, self._on_interval)

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.invalid:
            done()
            return
        if self.mode == "count":
            self._count_input(msg, send, done)
        elif self.mode == "interval":
            self._interval_input(msg, send, done)
        else:
            self._concat_input(msg, send, done)

    # --- count ---
    def _count_input(self, msg: Msg, send: Send, done: Done) -> None:
        if "reset" in msg:
            self._release(self.queue)
            self.queue = []
            self.pending_count = 0
            done()
            return
        self.queue.append((msg, send, done))
        self.pending_count += 1
        if len(self.queue) == self.count or (self.honour_parts and _ends_sequence(msg)):
            queue = self.queue
            self.queue = queue[-self.overlap :] if self.overlap > 0 else []
            self.pending_count = 0
            self._send_sequence(queue, clone=self.overlap > 0)
        limit = buffer_limit(self)
        if limit and self.pending_count > limit:
            queue, self.queue = self.queue, []
            self.pending_count = 0
            for _m, _s, d in queue:
                d(TOO_MANY)

    # --- interval ---
    def _on_interval(self) -> None:
        queue, self.queue = self.queue, []
        self.pending_count = 0
        if queue:
            self._send_sequence(queue, clone=False)
        elif self.allow_empty:
            self.send({"payload": None, "parts": {"id": new_msgid(), "index": 0, "count": 1}})

    def _interval_input(self, msg: Msg, send: Send, done: Done) -> None:
        if "reset" in msg:
            if self.timer is not None:
                self.timer.cancel()
            self._release(self.queue)
            self.queue = []
            self.pending_count = 0
            if self.interval > 0:
                self.timer = Interval(self, self.interval, self._on_interval)
            done()
            return
        self.queue.append((msg, send, done))
        self.pending_count += 1
        limit = buffer_limit(self)
        if limit and self.pending_count > limit:
            queue, self.queue = self.queue, []
            self.pending_count = 0
            last = queue.pop()
            last[2](TOO_MANY)
            self._release(queue)

    # --- concat ---
    def _concat_input(self, msg: Msg, send: Send, done: Done) -> None:
        if "reset" in msg:
            self._release([info for groups in self.by_topic.values() for g in groups.values() for info in g[1]])
            self.by_topic = {}
            self.pending_count = 0
            done()
            return
        topic = msg.get("topic")
        if topic not in self.topics:
            done()
            return
        parts = msg.get("parts")
        if not isinstance(parts, dict) or not all(k in parts for k in ("id", "index", "count")):
            done("no parts property in message")
            return
        groups = self.by_topic.setdefault(topic, {})
        group = groups.setdefault(parts["id"], [parts["count"], []])
        group[1].append((msg, send, done))
        self.pending_count += 1
        limit = buffer_limit(self)
        if limit and self.pending_count > limit:
            held = [info for gs in self.by_topic.values() for g in gs.values() for info in g[1]]
            self.by_topic = {}
            self.pending_count = 0
            for _m, _s, d in held:
                d(TOO_MANY)
            return
        self._try_concat()

    def _try_concat(self) -> None:
        for topic in self.topics:
            groups = self.by_topic.get(topic)
            if not groups:
                return
            count, items = next(iter(groups.values()))
            if count != len(items):
                return
        infos: list[MsgInfo] = []
        for topic in self.topics:
            groups = self.by_topic[topic]
            first = next(iter(groups))
            infos.extend(groups[first][1])
        for topic in self.topics:  # a topic listed twice contributes its first group twice
            groups = self.by_topic[topic]
            if groups:
                del groups[next(iter(groups))]
        self._send_sequence(infos, clone=True)
        self.pending_count -= len(infos)

    # --- helpers ---
    def _send_sequence(self, infos: list[MsgInfo], clone: bool) -> None:
        count = len(infos)
        seq_id = infos[0][0].get("_msgid") or new_msgid()
        for i, (m, s, d) in enumerate(infos):
            out = clone_msg(m) if clone else m
            parts = out.get("parts")
            if not isinstance(parts, dict):
                parts = out["parts"] = {}
            parts["id"] = seq_id
            parts["index"] = i
            parts["count"] = count
            s(out)
            d()

    @staticmethod
    def _release(infos: list[MsgInfo]) -> None:
        for _m, _s, d in infos:
            d()

    def held(self) -> int:
        return self.pending_count

    def on_close(self, removed: bool) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        held = self.queue + [info for gs in self.by_topic.values() for g in gs.values() for info in g[1]]
        self.queue = []
        self.by_topic = {}
        self.pending_count = 0
        self._release(held)


def _ends_sequence(msg: Msg) -> bool:
    """``msg.parts`` marks the last message of its sequence (``index + 1 === count`` in JS)."""
    parts = msg.get("parts")
    if not isinstance(parts, dict):
        return False
    index, count = parts.get("index"), parts.get("count")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (index, count))
    return numbers and index + 1 == count


NODES: list[type[Node]] = [BatchNode]
