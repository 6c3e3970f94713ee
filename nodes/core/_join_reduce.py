"""The join node's ``reduce`` mode: fold each ``msg.parts`` sequence with a JSONata expression.

For each message in index order (reverse order with ``reduceRight``) the expression is evaluated
against the message with ``$A`` (accumulated value, starting at ``reduceInit``), ``$I`` (the
message's ``parts.index``) and ``$N`` (the sequence length); the optional fix-up expression then
sees ``$A`` (the result) and ``$N``. The last message folded is sent with the result as payload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowengine.node import Node
from flowengine.typed import compile_jsonata
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._sequence import buffer_limit

if TYPE_CHECKING:
    from flowengine.typed import JsonataExpression

__all__ = ["ReduceJoiner"]


class _Pending:
    __slots__ = ("count", "items")

    def __init__(self) -> None:
        self.count: Any = None
        self.items: list[tuple[Msg, Send, Done]] = []


class ReduceJoiner:
    """Collects sequences for a join node in reduce mode and folds complete ones."""

    def __init__(self, node: Node, config: dict[str, Any]):
        self.node = node
        self.expression: JsonataExpression = compile_jsonata(config.get("reduceExp") or "")
        fixup = config.get("reduceFixup")
        self.fixup: JsonataExpression | None = compile_jsonata(fixup) if fixup not in (None, "") else None
        self.init = config.get("reduceInit")
        self.init_type = config.get("reduceInitType") or ""
        self.right = config.get("reduceRight") in (True, "true")
        self.pending: dict[Any, _Pending] = {}
        self.pending_count = 0

    def add(self, msg: Msg, send: Send, done: Done) -> None:
        parts = msg.get("parts")
        if not isinstance(parts, dict):
            send(msg)
            done()
            return
        gid = parts.get("id")
        group = self.pending.get(gid)
        if group is None:
            group = self.pending[gid] = _Pending()
        if group.count is None and "count" in parts:
            group.count = parts["count"]
        group.items.append((msg, send, done))
        self.pending_count += 1
        if len(group.items) == group.count:
            del self.pending[gid]
            self.pending_count -= len(group.items)
            self._fold(group)
            return
        limit = buffer_limit(self.node)
        if limit and self.pending_count > limit:
            groups = list(self.pending.values())
            self.pending.clear()
            self.pending_count = 0
            for g in groups:
                for m, _s, d in g.items:
                    if m is not msg:
                        d()
            done("too many pending messages in join node")
            return

    def _fold(self, group: _Pending) -> None:
        items = group.items
        items.sort(key=lambda item: _index(item[0]), reverse=self.right)
        count = group.count
        last_msg, last_send, last_done = items[-1]
        try:
            acc = self._initial()
            for m, _s, _d in items:
                acc = self.expression.evaluate(self.node, m, {"A": acc, "I": _index(m), "N": count})
            if self.fixup is not None:
                acc = self.fixup.evaluate(self.node, {}, {"A": acc, "N": count})
        except Exception as exc:  # reported on the last message, as Node-RED does
            for _m, _s, d in items[:-1]:
                d()
            last_done(exc)
            return
        if acc is UNDEFINED:
            last_msg.pop("payload", None)
        else:
            last_msg["payload"] = acc
        last_send(last_msg)
        for _m, _s, d in items:
            d()

    def _initial(self) -> Any:
        if self.init_type in ("", None):
            return self.init
        return self.node.evaluate(self.init, self.init_type, {})

    def clear(self) -> None:
        groups = list(self.pending.values())
        self.pending.clear()
        self.pending_count = 0
        for g in groups:
            for _m, _s, d in g.items:
                d()


def _index(msg: Msg) -> Any:
    parts = msg.get("parts")
    index = parts.get("index", 0) if isinstance(parts, dict) else 0
    return index if isinstance(index, int | float) else 0
