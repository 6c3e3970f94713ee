"""The in-process side of a Python function node: what the user's code calls (``node.send``,
``node.done``, logs, status, context, env), each call shielded from the runtime's watchdog so an
interrupt never lands half-way through the runtime's own code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowengine.message import clone_msg
from flowengine.types import UNDEFINED, Done, Send

from ._function_code import Backend, normalise_results
from ._function_context import context_op

if TYPE_CHECKING:
    from .function import FunctionNode

__all__ = ["LocalBackend"]


def _shielded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a backend method with the watchdog paused: runtime code is never interrupted half-way."""
    def call(self: LocalBackend, *args: Any) -> Any:
        wd = self.node._watchdog
        limit = wd.pause()
        try:
            return method(self, *args)
        finally:
            wd.resume(limit)

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class LocalBackend(Backend):
    """The in-process implementation of what function code calls (the runtime's side, shielded
    from the watchdog's interrupts)."""

    def __init__(self, node: FunctionNode, send: Send | None = None, done: Done | None = None, msgid: Any = None):
        self.node = node
        self._send = send
        self._done = done
        self._msgid = msgid

    def bind(self, send: Send, done: Done | None, msgid: Any) -> None:
        self._send, self._done, self._msgid = send, done, msgid


    @_shielded
    def send(self, msgs: Any, clone: bool) -> None:
        ports = normalise_results(msgs, self._msgid)
        if ports is None:
            return
        if clone:
            ports = [_clone_entry(p) for p in ports]
        (self._send or self.node.send)(ports)

    @_shielded
    def done(self) -> None:
        if self._done is not None:
            self._done()

    @_shielded
    def log(self, level: str, text: Any) -> None:
        if level == "warn":
            self.node.warn(text)
        elif level == "error":
            self.node.host.log(self.node, logging.ERROR, str(text))
        elif level == "debug":
            self.node.debug_log(text)
        else:
            self.node.info(text)

    @_shielded
    def error(self, err: Any, msg: Any) -> None:
        self.node.error(err if isinstance(err, BaseException | str) else str(err), msg)

    @_shielded
    def status(self, status: Any) -> None:
        self.node.status(status)

    @_shielded
    def context(self, scope: str, op: str, key: Any, value: Any, store: Any) -> Any:
        return context_op(self.node, scope, op, key, value, store)

    @_shielded
    def env(self, name: str) -> Any:
        value = self.node.env(name)
        return None if value is UNDEFINED else value


def _clone_entry(entry: Any) -> Any:
    if entry is None:
        return None
    if isinstance(entry, list):
        return [clone_msg(m) if isinstance(m, dict) else m for m in entry]
    return clone_msg(entry) if isinstance(entry, dict) else entry
