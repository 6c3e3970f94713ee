"""``link in`` / ``link out`` / ``link call``: virtual wires, across tabs, and call/return subroutines.

The engine compiles a ``link out``'s ``links`` (union with the ``link in`` side) into ordinary
wires, so a link out in ``link`` mode just sends (with ``msg._event = "node:<link out id>"``).
``link call`` pushes ``{id, node}`` on ``msg._linkSource`` and sends the message to its target
``link in``; a ``link out`` in ``return`` mode pops the entry and hands the message back to the
call node, which sends it on (``_linkSource`` removed when empty). No return within ``timeout``
seconds is the call node's error ``timeout``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from flowengine.errors import NodeError
from flowengine.flow import Flow
from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from ._help import node_help

_LINKS = {"type": "array", "items": {"type": "string"}, "default": []}


class LinkIn(Node):
    """Entry point of virtual wires."""

    type = "link in"
    category = "common"
    color = "#ddd"
    label = "link in"
    inputs = 0
    outputs = 1
    schema = {"type": "object", "properties": {"name": {"type": "string", "default": ""}, "links": _LINKS}}
    help = node_help("link in")

    def transform(self, msg: Msg) -> Msg:
        return msg


class LinkOut(Node):
    """Exit point of virtual wires (``link`` mode) or the return of a ``link call`` (``return``)."""

    type = "link out"
    category = "common"
    color = "#ddd"
    label = "link out"
    inputs = 1
    outputs = 0
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": ""},
            "mode": {"enum": ["link", "return"], "default": "link"},
            "links": _LINKS,
        },
    }
    help = node_help("link out")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        msg["_event"] = f"node:{self.id}"
        if self.config.get("mode", "link") != "return":
            send(msg)
            done()
            return
        stack = msg.get("_linkSource")
        if not isinstance(stack, list) or not stack:
            done(NodeError("link out in return mode got a message that did not come from a link call"))
            return
        entry = stack.pop()
        if not stack:
            del msg["_linkSource"]
        caller = self.host.get_node(entry.get("node", "")) if isinstance(entry, dict) else None
        if not callable(getattr(caller, "return_message", None)):
            done(NodeError(f"link call node {entry.get('node') if isinstance(entry, dict) else entry!r} "
                           "is not running"))
            return
        caller.return_message(str(entry.get("id")), msg)  # type: ignore[union-attr]
        done()


def find_link_in(node: Node, want: str) -> str | None:
    """The id of the ``link in`` named by id or by name (the caller's flow first, then any tab)."""
    found = node.host.get_node(want)
    if found is not None and found.type == "link in":
        return found.id
    flow = node.host
    if isinstance(flow, Flow):
        for route in flow.engine.routes.values():
            n = route.node
            if n.type == "link in" and n.name == want and route.flow is flow:
                return str(n.id)
        for route in flow.engine.routes.values():
            n = route.node
            if n.type == "link in" and n.name == want and route.flow.spec.kind == "tab":
                return str(n.id)
    return None


def call_link(node: Node, target: str, msg: Msg, event_id: str) -> bool:
    """Send ``msg`` to the ``link in`` ``target`` as a call from ``node`` (``_linkSource`` entry)."""
    stack = msg.get("_linkSource")
    if not isinstance(stack, list):
        stack = msg["_linkSource"] = []
    stack.append({"id": event_id, "node": node.id})
    flow = node.host
    return isinstance(flow, Flow) and flow.deliver_to(target, msg)


class LinkCall(Node):
    """Calls a ``link in`` subroutine and sends on what its ``return`` link out gives back."""

    type = "link call"
    category = "common"
    color = "#ddd"
    label = "link call"
    inputs = 1
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": ""},
            "links": _LINKS,
            "linkType": {"enum": ["static", "dynamic"], "default": "static"},
            "timeout": {"type": ["string", "number"], "default": "30"},
        },
    }
    help = node_help("link call")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        try:
            self.timeout = float(config.get("timeout") or 30)
        except (TypeError, ValueError):
            self.timeout = 30.0
        self.pending: dict[str, tuple[Send, Done, Msg, asyncio.TimerHandle | None]] = {}

    def _target(self, msg: Msg) -> str | None:
        if self.config.get("linkType") == "dynamic":
            want = msg.get("target")
            return find_link_in(self, want) if isinstance(want, str) and want else None
        links = self.config.get("links")
        return links[0] if isinstance(links, list) and links and isinstance(links[0], str) else None

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        target = self._target(msg)
        flow = self.host
        if target is None or not isinstance(flow, Flow):
            want = msg.get("target") if self.config.get("linkType") == "dynamic" else self.config.get("links")
            done(NodeError(f"target link-in node '{want}' not found"))
            return
        event_id = os.urandom(14).hex()
        timer = self.call_later(self.timeout, lambda: self._timed_out(event_id)) if self.timeout > 0 else None
        self.pending[event_id] = (send, done, msg, timer)
        if not call_link(self, target, msg, event_id):
            self.pending.pop(event_id, None)
            if timer is not None:
                timer.cancel()
            done(NodeError(f"target link-in node '{target}' not found"))

    def _timed_out(self, event_id: str) -> None:
        entry = self.pending.pop(event_id, None)
        if entry is not None:
            entry[1]("timeout")

    def return_message(self, event_id: str, msg: Msg) -> None:
        """Called by a ``return`` link out: send ``msg`` on from this call node."""
        entry = self.pending.pop(event_id, None)
        if entry is None:
            self.send(msg)
            return
        send, done, _, timer = entry
        if timer is not None:
            timer.cancel()
        send(msg)
        done()

    def on_close(self, removed: bool) -> None:
        for _, _, _, timer in self.pending.values():
            if timer is not None:
                timer.cancel()
        self.pending.clear()


NODES: list[type[Node]] = [LinkIn, LinkOut, LinkCall]
