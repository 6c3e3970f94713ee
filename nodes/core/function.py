"""The function node: the user's **Python** code handles each message.

The code in ``func`` is the body of a function of ``msg, node, context, flow, global_, env``
(plus the modules named in ``libs``: ``[{"var": "np", "module": "numpy"}]``). It returns a msg, a
list with one entry per output (an entry may be a list of msgs), or None; ``node.send(...)``
sends at any time. ``initialize`` runs on start and ``finalize`` on close. Code using ``await``
runs as a coroutine. An exception becomes the node's error ``"<ExcType>: <text>"`` on the msg
(catchable). Without a timeout the code runs in-process (compiled once); with ``timeout``
seconds (or the ``functionTimeout`` setting) it runs in a worker process that is killed and
restarted - with ``initialize`` run again - when a message overruns ("Function timed out").
"""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any

from flowengine.errors import NodeError
from flowengine.message import clone_msg
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._function_code import Backend, CompiledCode, build_names, compile_code, import_libs, normalise_results
from ._function_runner import WorkerRunner

_CALLS_DONE = re.compile(r"node\.done\s*\(\s*\)")


class FunctionNode(Node):
    type = "function"
    keeps_empty_name = True  # Node-RED copies n.name, so msg.error/status sources show ""
    category = "function"
    color = "#fdd0a2"
    icon = "function.svg"
    schema = {
        "type": "object",
        "properties": {
            "func": {"type": "string", "default": "return msg"},
            "outputs": {"type": ["integer", "string"], "default": 1},
            "timeout": {"type": ["number", "string"], "default": 0},
            "noerr": {"type": ["integer", "string"], "default": 0},
            "initialize": {"type": "string", "default": ""},
            "finalize": {"type": "string", "default": ""},
            "libs": {"type": "array", "default": []},
        },
    }
    help = (
        "Runs Python code for each message. The code is a function body with `msg` (a dict), "
        "`node` (send, done, warn, error, log, status), `context`, `flow`, `global_` (get/set/"
        "keys) and `env` (get); it returns the message, a list with one entry per output (an "
        "entry may be a list of messages), or None. `await` is allowed.\n\n"
        "*initialize* runs at start, *finalize* at stop; *libs* imports modules under a name. "
        "With a *timeout* (seconds) the code runs in a separate process that is restarted when "
        "a message takes too long; the message then fails with \"Function timed out\"."
    )

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.func = str(config.get("func") or "")
        self.n_outputs = int(config.get("outputs") or 1) if str(config.get("outputs") or "1").isdigit() else 1
        self.auto_done = not _CALLS_DONE.search(self.func)
        self.timeout = _seconds(config.get("timeout")) or _seconds(getattr(host.settings, "functionTimeout", 0))
        self._code: CompiledCode | None = None
        self._finalize: CompiledCode | None = None
        self._names: dict[str, Any] = {}
        self._libs: dict[str, Any] = {}
        self._backend: _LocalBackend | None = None
        self._runner: WorkerRunner | None = None

    async def on_start(self) -> None:
        if self.timeout:
            try:  # report syntax errors now, not once per message from the worker
                for source, label in ((self.func, "function"), (self.config.get("initialize"), "initialize"),
                                      (self.config.get("finalize"), "finalize")):
                    compile_code(str(source or ""), f"{label}:{self.id}")
            except SyntaxError as exc:
                self.error(f"function node {self.id}: SyntaxError: {exc}")
                return
            self._runner = WorkerRunner(self, self.timeout)
            self._runner.start()
            return
        try:
            self._libs = import_libs(self.config.get("libs"))
            extra = tuple(self._libs)
            self._code = compile_code(self.func, f"function:{self.id}", extra)
            setup = compile_code(str(self.config.get("initialize") or ""), f"initialize:{self.id}", extra)
            self._finalize = compile_code(str(self.config.get("finalize") or ""), f"finalize:{self.id}", extra)
        except (SyntaxError, ImportError) as exc:
            self._code = None
            self.error(f"function node {self.id}: {type(exc).__name__}: {exc}")
            return
        self._backend = _LocalBackend(self)
        self._names = {**build_names(self._backend, self.id, self.name, self.n_outputs), **self._libs}
        if not setup.empty:
            try:
                result = setup.fn(None, **self._names)
                if inspect.iscoroutine(result):
                    await result
            except Exception as exc:  # the setup code's error: logged, the node keeps running
                self.error(f"initialize: {type(exc).__name__}: {exc}")

    async def on_close(self, removed: bool) -> None:
        if self._runner is not None:
            await self._runner.close()
            return
        if self._finalize is not None and not self._finalize.empty:
            try:
                result = self._finalize.fn(None, **self._names)
                if inspect.iscoroutine(result):
                    await result
            except Exception as exc:  # the finalize code's error is logged, closing continues
                self.error(f"finalize: {type(exc).__name__}: {exc}")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self._runner is not None:
            self._runner.submit(msg, send, done)
            return
        code, backend = self._code, self._backend
        if code is None or backend is None:
            done()
            return
        msgid = msg.get("_msgid")
        if code.is_async:
            names = {**self._names, **build_names(_LocalBackend(self, send, done, msgid), self.id, self.name,
                                                   self.n_outputs)}
            self.spawn(self._finish(code.fn(msg, **names), send, done, msgid))
            return
        backend.bind(send, done, msgid)
        try:
            result = code.fn(msg, **self._names)
        except Exception as exc:  # the user's error becomes the message's (catchable) error
            done(exc)
            return
        self.deliver_results(result, send, done, msgid)

    async def _finish(self, coro: Any, send: Send, done: Done, msgid: Any) -> None:
        try:
            result = await coro
        except Exception as exc:  # the user's error becomes the message's (catchable) error
            done(exc)
            return
        self.deliver_results(result, send, done, msgid)

    def deliver_results(self, result: Any, send: Send, done: Done, msgid: Any) -> None:
        """Send what the code returned, then complete the message unless the code calls done."""
        try:
            ports = normalise_results(result, msgid)
        except TypeError as exc:
            done(NodeError(str(exc)))
            return
        if ports is not None:
            send(ports)
        if self.auto_done:
            done()


class _LocalBackend(Backend):
    """The in-process implementation of what function code calls."""

    def __init__(self, node: FunctionNode, send: Send | None = None, done: Done | None = None, msgid: Any = None):
        self.node = node
        self._send = send
        self._done = done
        self._msgid = msgid

    def bind(self, send: Send, done: Done, msgid: Any) -> None:
        self._send, self._done, self._msgid = send, done, msgid

    def send(self, msgs: Any, clone: bool) -> None:
        ports = normalise_results(msgs, self._msgid)
        if ports is None:
            return
        if clone:
            ports = [_clone_entry(p) for p in ports]
        (self._send or self.node.send)(ports)

    def done(self) -> None:
        if self._done is not None:
            self._done()

    def log(self, level: str, text: Any) -> None:
        if level == "warn":
            self.node.warn(text)
        elif level == "error":
            self.node.host.log(self.node, logging.ERROR, str(text))
        elif level == "debug":
            self.node.debug_log(text)
        else:
            self.node.info(text)

    def error(self, err: Any, msg: Any) -> None:
        self.node.error(err if isinstance(err, BaseException | str) else str(err), msg)

    def status(self, status: Any) -> None:
        self.node.status(status)

    def context(self, scope: str, op: str, key: Any, value: Any, store: Any) -> Any:
        return context_op(self.node, scope, op, key, value, store)

    def env(self, name: str) -> Any:
        value = self.node.env(name)
        return None if value is UNDEFINED else value


def context_op(node: Node, scope: str, op: str, key: Any, value: Any, store: Any) -> Any:
    """One context call from function code (shared with the worker runner)."""
    target = node.context() if scope == "node" else node.flow_context() if scope == "flow" else node.global_context()
    if op == "get":
        if isinstance(key, list):
            return [_defined(target.get(k, store)) for k in key]
        return _defined(target.get(key, store))
    if op == "set":
        target.set(key, value, store)
        return None
    if op == "delete":
        target.set(key, UNDEFINED, store)
        return None
    return target.keys(store)


def _defined(value: Any) -> Any:
    return None if value is UNDEFINED else value


def _clone_entry(entry: Any) -> Any:
    if entry is None:
        return None
    if isinstance(entry, list):
        return [clone_msg(m) if isinstance(m, dict) else m for m in entry]
    return clone_msg(entry) if isinstance(entry, dict) else entry


def _seconds(value: Any) -> float:
    try:
        n = float(value)
    except (TypeError, ValueError):
        return 0.0
    return n if n > 0 else 0.0


NODES: list[type[Node]] = [FunctionNode]
