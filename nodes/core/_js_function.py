"""The function node's JavaScript side: one sandbox per node, driven from the runtime's loop.

Each turn (a message, a timer, a settled link call) enters the sandbox, runs its promise jobs, then
takes the outbox: sends, completions and failures in the order the code made them. The node's
``timeout`` (or the ``functionTimeout`` setting) bounds each turn through the engine's interrupt;
the sandbox survives it and the next message runs normally, as in Node-RED.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from flowengine.errors import NodeError
from flowengine.jsvalues import JsError
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._function_context import context_op
from ._js_crypto import crypto_op, global_module, js_libs
from ._js_engine import JsEngine, JsException, JsInterrupted, JsObject, JsRealm, syntax_message
from ._js_shared import JsShared, shared_for
from ._js_values import ValueBridge

if TYPE_CHECKING:
    from .function import FunctionNode

__all__ = ["JsFunctionRunner", "calls_done"]

_MAX_PENDING = 10_000
_LEVELS = {20: logging.ERROR, 30: logging.WARNING, 40: logging.INFO, 50: logging.DEBUG, 60: logging.DEBUG}


def calls_done(code: str) -> bool:
    """True when the code calls ``node.done()`` anywhere, reached or not (comments and strings do
    not count): Node-RED then leaves completion to the code (fn_async_send_done)."""
    return bool(_DONE_CALL.search(_strip_comments_and_strings(code)))


_DONE_CALL = re.compile(r"\bnode\s*\.\s*done\s*\(")
_ASYNC = re.compile(r"\bawait\b|\bPromise\b|\.\s*then\s*\(")
_USES_NODE = re.compile(r"\bnode\b")
_TOKENS = re.compile(r"//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|`(?:\\.|[^`\\])*`", re.S)


def _strip_comments_and_strings(code: str) -> str:
    return _TOKENS.sub(lambda m: " " if m.group(0)[0] == "/" else '""', code)


class JsFunctionRunner:
    """Runs one function node's JavaScript: On Start, each message, timers, On Stop."""

    def __init__(self, node: FunctionNode, timeout: float) -> None:
        self.node = node
        self.timeout = timeout
        self.shared: JsShared | None = None
        self.bridge = ValueBridge()  # the runtime's shared one once started
        self.realm: JsRealm | None = None
        self.engine: JsEngine | None = None
        self.broken: str | None = None
        self._pending: OrderedDict[int, tuple[Msg, Send, Done]] = OrderedDict()
        self._token = 0
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._intervals: set[int] = set()
        self._ready = True
        self._waiting: list[tuple[Msg, Send, Done]] = []
        self._fns: dict[str, Any] = {}
        self._keeps: bool | None = None  # output 1 wired to exactly one JavaScript function node

    # --- life cycle ---
    def start(self) -> None:
        """Build the sandbox, compile the code and run On Start (messages wait until it finishes)."""
        cfg = self.node.config
        shared = self.shared = shared_for(self.node.host.settings.extra)
        self.bridge = shared.bridge
        realm = self.realm = shared.realm()
        realm.add_callable("__host", self._host)
        shared.install_sandbox(realm)
        code = _strip_comments_and_strings(self.node.func)
        # code that awaits nothing runs as a plain function (no promise per message); a returned promise
        # is still waited for. `node` is built only for code that uses it.
        kind = "async function" if _ASYNC.search(code) else "function"
        node_var = "var node = __fe_node(__token__, __msgid__);" if _USES_NODE.search(code) else ""
        sources = (
            ("func", f"globalThis.__fe_user = {kind} (msg, __token__) {{ var __msgid__ = msg._msgid; {node_var}\n",
             self.node.func),
            ("initialize", "globalThis.__fe_initialize = async function () { var node = __fe_node(0);\n",
             str(cfg.get("initialize") or "")),
            ("finalize", "globalThis.__fe_finalize = function () { var node = __fe_node(-1);\n",
             str(cfg.get("finalize") or "")),
        )
        for prop, head, code in sources:
            if prop != "func" and not code.strip():
                continue
            try:
                realm.eval(head + code + "\n};")
            except JsException as exc:
                self.broken = f"{prop}: {syntax_message(str(exc))}"
                self.node.error(f"function node {self.node.id}: {self.broken}")
                return
        self.engine = shared.engine
        for name in ("__fe_run", "__fe_fire", "__fe_flush", "__fe_init", "__fe_close", "__fe_settle", "__fe_encode"):
            self._fns[name] = realm.function(name)
        if str(cfg.get("initialize") or "").strip():
            self._ready = False
            self._turn("__fe_init")

    async def close(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        if self.engine is not None:
            self._turn("__fe_close")
        self.engine = None
        self._fns.clear()
        self._pending.clear()
        if self.shared is not None and self.realm is not None:
            self.shared.release(self.realm, self.node.host.settings.extra)
        self.realm = None

    # --- messages ---
    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.engine is None or not self._ready:
            if self.shared is not None:
                self.shared.fill(msg)  # a message from another function node: the real one from now on
            if self.engine is None:
                done(NodeError(f"function node has errors and does not run: {self.broken}" if self.broken
                               else "function node is not running"))
            else:
                self._waiting.append((msg, send, done))
            return
        self._token += 1
        token = self._token
        self._pending[token] = (msg, send, done)
        while len(self._pending) > _MAX_PENDING:  # code that never completes its messages: forget the oldest
            self._pending.popitem(last=False)
        value = self.shared.take(msg) if self.shared is not None else None  # returned by a function node
        if value is None:
            try:
                value = self.bridge.encode(msg)
            except (TypeError, ValueError) as exc:
                self._pending.pop(token, None)
                done(NodeError(f"Function cannot take this message: {exc}"))
                return
        self._turn("__fe_run", token, value, self.node.completion_watched(), self._keeps_messages(), msg=msg)

    # --- one turn in the sandbox ---
    def _turn(self, name: str, *args: Any, msg: Msg | None = None) -> None:
        engine = self.engine
        if engine is None:
            return
        engine.deadline = time.monotonic() + self.timeout if self.timeout else math.inf
        outbox: Any = None
        ran_jobs = True
        try:
            outbox, ran_jobs = engine.run(self._fns[name], *args)
        except JsInterrupted:
            self._restore(msg, args)
            self._timed_out(args[0] if name == "__fe_run" else None, msg)
        except JsException as exc:
            self._restore(msg, args)
            self.node.error(f"{name[5:]}: {exc}".split("\n")[0], msg)
        finally:
            engine.deadline = math.inf
        if outbox.__class__ is JsObject:  # one message returned, for the next function node as it is
            entry = self._pending.pop(args[0], None)
            if entry is not None and self.shared is not None:
                entry[1](self.shared.keep(entry[0].get("_msgid"), outbox, self._fns["__fe_encode"]))
                entry[2]()
        elif isinstance(outbox, str) and outbox:
            if outbox[0] == "=":  # one message returned, nothing else: send it on output 1, then done
                entry = self._pending.pop(args[0], None)
                if entry is not None:
                    entry[1](self.bridge.decode(outbox[1:]))
                    entry[2]()
            else:
                self._events(outbox)
        if ran_jobs or name != "__fe_run":
            self._take_outbox()

    def _keeps_messages(self) -> bool:
        """True when output 1 goes to exactly one JavaScript function node: a message returned alone
        then reaches it as the JavaScript object it is (see ``_js_shared``)."""
        if self._keeps is None:
            targets = self.node.wires[0] if self.node.wires else []
            host = self.node.host
            target = host.get_node(targets[0]) if len(targets) == 1 else None
            self._keeps = (getattr(target, "type", "") == "function"
                           and getattr(target, "language", None) == "javascript"
                           and host.delivers_directly(targets[0]))  # not a queue-mode boundary
        return self._keeps

    def _restore(self, msg: Msg | None, args: tuple[Any, ...]) -> None:
        """After a failed turn, fill the stand-in of a message that came as a JavaScript object, so the
        error reports the message."""
        if msg is not None and len(args) > 1 and args[1].__class__ is JsObject and self.shared is not None:
            try:
                self.shared.materialize(msg, args[1], self._fns["__fe_encode"])
            except JsException as exc:  # the message cannot be encoded (it was interrupted mid-change)
                self.node.warn(f"function node {self.node.id}: the message could not be kept: {exc}")

    def _timed_out(self, token: int | None, msg: Msg | None) -> None:
        err = JsError("Error", f"Script execution timed out after {round(self.timeout * 1000)}ms",
                      "Error: Script execution timed out", {"code": "ERR_SCRIPT_EXECUTION_TIMEOUT"})
        entry = self._pending.pop(token, None) if token is not None else None
        if entry is not None:
            entry[2](err)
        else:
            self.node.error(err, msg)

    def _take_outbox(self) -> None:
        text = self.engine.call(self._fns["__fe_flush"]) if self.engine is not None else ""
        if text:
            self._events(text)

    def _events(self, text: str) -> None:
        for event in text.split("\u0001"):
            kind, token_text, data = event.split("\u0002", 2)
            self._event(kind, int(token_text), data)

    def _event(self, kind: str, token: int, data: str) -> None:
        entry = self._pending.get(token)
        if kind == "send":
            ports = self.bridge.decode(data)
            (entry[1] if entry is not None else self.node.send)(ports)
        elif kind == "done":
            if entry is not None:
                del self._pending[token]
                failure_text, _, msg_text = data.partition("\u0002")
                if msg_text:
                    _update(entry[0], self.bridge.decode(msg_text))
                if failure_text:
                    entry[2](self._failure(failure_text))
                else:
                    entry[2]()
        elif kind == "fail":
            failure_text, _, msg_text = data.partition("\u0002")
            self._fail(token, entry, failure_text, msg_text)
        elif kind == "ready":
            self._ready = True
            self._release_waiting()
        elif kind == "initfail":
            self.node.error(self._failure(data))
            self._ready = True
            self._release_waiting()

    def _fail(self, token: int, entry: tuple[Msg, Send, Done] | None, failure_text: str, msg_text: str) -> None:
        err = self._failure(failure_text)
        if entry is None:
            self.node.error(err)
            return
        del self._pending[token]
        msg = entry[0]
        if msg_text:  # the message as the code left it (Node-RED reports the same object)
            _update(msg, self.bridge.decode(msg_text))
        entry[2](err)

    def _failure(self, text: str) -> Any:
        value = self.bridge.decode(text)
        if isinstance(value, JsError | str):
            return value
        return str(value)

    def _release_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for msg, send, done in waiting:
            self.on_input(msg, send, done)

    # --- what the sandbox asks of the host ---
    def _host(self, op: str, *args: Any) -> Any:
        try:
            return _HOST_OPS[op](self, *args)
        except Exception as exc:  # becomes a JavaScript exception in the calling code
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from exc

    def _op_config(self) -> str:
        node = self.node
        return json.dumps({"id": node.id, "name": node.name, "path": node_path(node),
                           "outputs": node.n_outputs, "autoDone": node.auto_done, "source": node.func,
                           "libs": js_libs(node.config.get("libs"))})

    def _op_ctx(self, scope: str, op: str, key_text: str, value_text: str, store: str) -> str:
        key = json.loads(key_text) if key_text else None
        value = self.bridge.decode(value_text) if op in ("set", "incr", "cas") else None
        if op == "set" and value is UNDEFINED:
            op = "delete"
        # cas: JavaScript's undefined is "absent", null a value
        result = context_op(self.node, scope, op, key, value, store or None, undefined=UNDEFINED, absent=UNDEFINED)
        if scope == "global" and op == "get" and isinstance(key, str) and key in self._global_modules():
            result = global_module(result)
        return self.bridge.encode(result) if op in ("get", "keys", "incr", "cas") else ""

    def _op_crypto(self, op: str, *args: Any) -> Any:
        return crypto_op(op, *args)

    def _global_modules(self) -> dict[str, Any]:
        return getattr(self.node.host.settings, "functionGlobalContext", None) or {}

    def _op_env(self, name: str) -> str:
        return self.bridge.encode(self.node.env(name))

    def _op_evaluate(self, value_text: str, vtype: str, msg_text: str) -> str:
        msg = self.bridge.decode(msg_text) if msg_text else None
        return self.bridge.encode(self.node.evaluate(self.bridge.decode(value_text), vtype, msg))

    def _op_log(self, level: int, text: str) -> None:
        value = self.bridge.decode(text)
        self.node.host.log(self.node, _LEVELS.get(int(level), logging.INFO), value)

    def _op_console(self, level: int, text: str) -> None:
        self.node.log.log(_LEVELS.get(int(level), logging.INFO), "[function:%s] %s", self.node.name or self.node.id,
                          text)

    def _op_error(self, err_text: str, msg_text: str) -> None:
        err = self._failure(err_text)
        msg = self.bridge.decode(msg_text) if msg_text else None
        self.node.error(err, msg if isinstance(msg, dict) else None)

    def _op_status(self, text: str) -> None:
        value = self.bridge.decode(text)
        if isinstance(value, dict):
            self.node.status(value)
        elif value is UNDEFINED or value is None:
            self.node.status({})
        else:
            self.node.status({"text": _js_text(value)})

    def _op_timer(self, ident: int, delay: float, repeat: int) -> None:
        seconds = max(float(delay), 1.0) / 1000.0
        loop = asyncio.get_running_loop()

        def fire() -> None:
            if repeat:
                self._timers[ident] = loop.call_later(seconds, fire)
            else:
                self._timers.pop(ident, None)
            self._turn("__fe_fire", ident)

        self._timers[ident] = loop.call_later(seconds, fire)
        if repeat:
            self._intervals.add(ident)

    def held(self) -> int:
        """Messages the code has not completed yet (awaiting, or waiting for On Start)."""
        return len(self._pending) + len(self._waiting)

    def stop_intervals(self) -> None:
        """A shutdown's drain begins: setInterval timers stop (they start new messages); a
        setTimeout finishes a message already running, so it still fires."""
        for ident in self._intervals:
            handle = self._timers.pop(ident, None)
            if handle is not None:
                handle.cancel()
        self._intervals.clear()

    def _op_untimer(self, ident: int) -> None:
        self._intervals.discard(ident)
        handle = self._timers.pop(ident, None)
        if handle is not None:
            handle.cancel()

    def _op_linkcall(self, ident: int, target: str, msg_text: str, timeout: float) -> None:
        msg = self.bridge.decode(msg_text)
        if not isinstance(msg, dict):
            self._settle(ident, False, JsError("TypeError", "linkcall needs a message object"))
            return
        asyncio.get_running_loop().call_soon(
            self.node.link_call, target, msg, None if timeout < 0 else timeout / 1000.0,
            lambda ok, value: self._settle(ident, ok, value))

    def _settle(self, ident: int, ok: bool, value: Any) -> None:
        self._turn("__fe_settle", ident, bool(ok), self.bridge.encode(value))


def node_path(node: Any) -> str:
    """Node-RED's ``node.path``: the flow's id and the node's, joined by ``/``."""
    return f"{node.z}/{node.alias or node.id}" if node.z else str(node.alias or node.id)


def _update(msg: Msg, changed: Any) -> None:
    """Make ``msg`` the message as the code left it: Node-RED passes the same object on."""
    if isinstance(changed, dict):
        msg.clear()
        msg.update(changed)


def _js_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_HOST_OPS: dict[str, Any] = {
    "config": JsFunctionRunner._op_config, "ctx": JsFunctionRunner._op_ctx, "env": JsFunctionRunner._op_env,
    "evaluate": JsFunctionRunner._op_evaluate, "log": JsFunctionRunner._op_log,
    "console": JsFunctionRunner._op_console, "error": JsFunctionRunner._op_error,
    "status": JsFunctionRunner._op_status, "timer": JsFunctionRunner._op_timer,
    "untimer": JsFunctionRunner._op_untimer, "linkcall": JsFunctionRunner._op_linkcall,
    "crypto": JsFunctionRunner._op_crypto,
}
