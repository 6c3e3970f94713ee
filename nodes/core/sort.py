"""The sort node: sort an array property of one message, or the messages of a sequence.

``targetType`` ``msg`` sorts the array at ``target`` by its elements (``msgKeyType`` ``elem``) or by
a JSONata expression evaluated per element. ``seq`` collects each ``msg.parts`` sequence, sorts the
messages by ``seqKey`` (a msg property or JSONata over the message) and re-sends them with
``parts.index`` renumbered. ``as_num`` compares keys as numbers.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from flowengine.jsutil import to_number
from flowengine.message import get_property, set_property
from flowengine.node import Node
from flowengine.typed import compile_jsonata
from flowengine.types import Done, Msg, Send

from ._help import node_help
from ._sequence import buffer_limit, js_sort_key_compare

if TYPE_CHECKING:
    from flowengine.typed import JsonataExpression

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order": {"type": "string", "enum": ["ascending", "descending"], "default": "ascending"},
        "as_num": {"type": ["boolean", "string"], "default": False},
        "target": {"type": "string", "default": "payload"},
        "targetType": {"type": "string", "enum": ["msg", "seq"], "default": "msg"},
        "msgKey": {"type": "string", "default": "payload"},
        "msgKeyType": {"type": "string", "enum": ["elem", "jsonata"], "default": "elem"},
        "seqKey": {"type": "string", "default": "payload"},
        "seqKeyType": {"type": "string", "enum": ["msg", "jsonata"], "default": "msg"},
    },
    "additionalProperties": True,
}

MsgInfo = tuple[Msg, Send, Done]


class _Group:
    __slots__ = ("count", "items", "seq_no")

    def __init__(self, seq_no: int):
        self.count: Any = None
        self.items: list[MsgInfo] = []
        self.seq_no = seq_no


class SortNode(Node):
    """Sort an array, or a message sequence."""

    type = "sort"
    category = "sequence"
    color = "#E2D96E"
    icon = "sort.svg"
    schema = _SCHEMA
    help = node_help("sort")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.direction = 1 if (config.get("order") or "ascending") == "ascending" else -1
        self.as_num = config.get("as_num") in (True, "true")
        self.target = config.get("target") or "payload"
        self.target_is_prop = config.get("targetType") == "msg"
        key_type = config.get("msgKeyType") if self.target_is_prop else config.get("seqKeyType")
        self.key_prop = config.get("seqKey") or "payload"
        self.key_exp: JsonataExpression | None = None
        self.invalid: str | None = None
        if key_type == "jsonata":
            source = config.get("msgKey") if self.target_is_prop else config.get("seqKey")
            try:
                self.key_exp = compile_jsonata(source or "")
            except Exception as exc:  # a bad expression disables the node, as in Node-RED
                self.invalid = f"Invalid JSONata expression in sort node: {exc}"
        self.pending: dict[Any, _Group] = {}
        self.pending_count = 0
        self.seq_no = 0
        self._cmp = functools.cmp_to_key(js_sort_key_compare(self.direction))

    def on_start(self) -> None:
        if self.invalid:
            self.error(self.invalid)

    def _conv(self, value: Any) -> Any:
        return to_number(value) if self.as_num else value

    def _sorted(self, items: list[Any], key_of: Any) -> list[Any]:
        keyed = [(self._conv(key_of(item)), item) for item in items]
        keyed.sort(key=lambda pair: self._cmp(pair[0]))
        return [item for _k, item in keyed]

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.invalid:
            done()
            return
        if self.target_is_prop:
            self._sort_property(msg, send, done)
            return
        parts = msg.get("parts")
        if not isinstance(parts, dict) or "id" not in parts or "index" not in parts:
            done()
            return
        gid = parts["id"]
        group = self.pending.get(gid)
        if group is None:
            group = self.pending[gid] = _Group(self.seq_no)
            self.seq_no += 1
        group.items.append((msg, send, done))
        if "count" in parts:
            group.count = parts["count"]
        self.pending_count += 1
        if group.count == len(group.items):
            del self.pending[gid]
            self.pending_count -= len(group.items)
            self._send_group(group)
            return
        limit = buffer_limit(self)
        if limit and self.pending_count > limit:
            self.pending_count -= self._drop_oldest()

    def _sort_property(self, msg: Msg, send: Send, done: Done) -> None:
        data = get_property(msg, self.target)
        if not isinstance(data, list):
            done()
            return
        try:
            if self.key_exp is not None:
                exp = self.key_exp
                result = self._sorted(data, lambda elem: exp.evaluate(self, elem))
                set_property(msg, self.target, result)
            else:
                data[:] = self._sorted(data, lambda elem: elem)
        except Exception as exc:  # a failing key expression is the message's error
            done(f"Invalid JSONata expression in sort node: {exc}")
            return
        send(msg)
        done()

    def _send_group(self, group: _Group) -> None:
        items = group.items
        try:
            if self.key_exp is not None:
                exp = self.key_exp
                ordered = self._sorted(items, lambda info: exp.evaluate(self, info[0]))
            else:
                prop = self.key_prop
                ordered = self._sorted(items, lambda info: get_property(info[0], prop))
        except Exception as exc:  # the last message carries the error; the others are done
            for _m, _s, d in items[:-1]:
                d()
            items[-1][2](f"Invalid JSONata expression in sort node: {exc}")
            return
        for i, (m, s, d) in enumerate(ordered):
            m["parts"]["index"] = i
            s(m)
            d()

    def _drop_oldest(self) -> int:
        if not self.pending:
            return 0
        gid = min(self.pending, key=lambda k: self.pending[k].seq_no)
        group = self.pending.pop(gid)
        group.items[-1][2]("too many pending messages in sort node")
        for _m, _s, d in group.items[:-1]:
            d()
        return len(group.items)

    def on_close(self, removed: bool) -> None:
        groups = list(self.pending.values())
        self.pending.clear()
        self.pending_count = 0
        for group in groups:
            for _m, _s, d in group.items:
                d()


NODES: list[type[Node]] = [SortNode]
